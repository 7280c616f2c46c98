import { describe, expect, it } from 'vitest'
import { escapeMarkdown, renderMarkdown } from '../../src/exporters/md.ts'
import { sampleDocument, sampleTranscript } from '../fixtures/exports/sample.ts'

describe('escapeMarkdown', () => {
  it('keeps emphasis, HTML, entities and links literal', () => {
    expect(escapeMarkdown('*bold*')).toBe('\\*bold\\*')
    expect(escapeMarkdown('<script>alert(1)</script>')).toBe('\\<script\\>alert(1)\\</script\\>')
    expect(escapeMarkdown('&amp; [link](x) `code` _x_ a|b ~~s~~ #1 $5 \\')).toBe(
      '\\&amp; \\[link\\](x) \\`code\\` \\_x\\_ a\\|b \\~\\~s\\~\\~ \\#1 \\$5 \\\\',
    )
  })

  it('leaves letters of any script and ordinary punctuation alone', () => {
    expect(escapeMarkdown('Анна Петрова, 12 лет. (Да!) "ok" — 1.5')).toBe('Анна Петрова, 12 лет. (Да!) "ok" — 1.5')
  })
})

describe('renderMarkdown', () => {
  it('escapes speaker names and titles', () => {
    const t = sampleTranscript()
    t.speakers[0]!.name = '*bold* <script>'
    const md = renderMarkdown({ ...sampleDocument(t), title: '# <img src=x>.m4a' })
    expect(md.startsWith('# \\# \\<img src=x\\>.m4a\n')).toBe(true)
    expect(md).toContain('**[00:00:00] \\*bold\\* \\<script\\>:** Good morning')
    expect(md).toContain('- Speakers: \\*bold\\* \\<script\\>, Анна Петрова')
  })

  it('keeps one line per turn when the text holds newlines', () => {
    const t = sampleTranscript()
    t.segments[0]!.text = 'Line one\n\n- not a list\n# not a heading'
    const md = renderMarkdown(sampleDocument(t))
    expect(md).toContain('**[00:00:00] Interviewer:** Line one - not a list \\# not a heading Shall we begin')
  })

  it('formats the recording date in the given time zone', () => {
    const doc = { ...sampleDocument(), recordedAt: '2026-11-20T23:30:00Z' }
    expect(renderMarkdown({ ...doc, timeZone: 'UTC' })).toContain('- Recorded on: 20 November 2026')
    expect(renderMarkdown({ ...doc, timeZone: 'Europe/Moscow' })).toContain('- Recorded on: 21 November 2026')
    expect(renderMarkdown({ ...doc, recordedAt: null, createdAt: '2026-11-20T23:30:00Z', timeZone: 'UTC' })).toContain('- Recorded on: unknown (added 20 November 2026)')
  })
})
