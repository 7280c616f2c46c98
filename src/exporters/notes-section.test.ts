import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './md.ts'
import { noteBlocks, type ExportNote } from './notes-section.ts'

const note: ExportNote = {
  title: 'Key points with quotes',
  model: 'gpt-4o-mini',
  createdAt: '2026-11-29T10:00:00Z',
  status: 'done',
  emulated: false,
  text: '## Rota\n\n- The rota cut the overlap: "We lost the overlap between shifts" [00:15]\n- <b>not html</b> & more',
  quotes: [
    { text: 'We lost the overlap between shifts', verified: true, start: 15.5 },
    { text: 'The managers never listened', verified: false, start: null },
  ],
}

const doc = {
  transcript: { language: 'en', duration: 30, speakers: [{ id: 'A', name: 'Anna' }], segments: [{ id: 's', start: 15.5, end: 18, speaker: 'A', text: 'We lost the overlap between shifts.', words: [], filtered: null }] },
  title: 'Interview',
  createdAt: '2026-11-28T10:00:00Z',
  transcribedAt: '2026-11-28T11:00:00Z',
  timeZone: 'UTC',
}

describe('notes in the Markdown export', () => {
  it('adds each note under Notes with its byline, its text a level down, no raw HTML, and the checked quotes', () => {
    const md = renderMarkdown({ ...doc, notes: [note] })
    expect(md).toContain('## Notes\n\n### Key points with quotes\n\n*Written by gpt-4o-mini on 29 November 2026*')
    expect(md).toContain('\n##### Rota\n')
    expect(md).toContain('\\<b\\>not html\\</b\\> \\& more')
    expect(md).toContain('- ✓ \\[00:00:15\\] "We lost the overlap between shifts"')
    expect(md).toContain('- ✗ not found in the transcript: "The managers never listened"')
  })
  it('leaves notes out unless they are given', () => {
    expect(renderMarkdown(doc)).not.toContain('## Notes')
  })
  it('names an emulated or unfinished note as such', () => {
    const md = renderMarkdown({ ...doc, notes: [{ ...note, emulated: true, status: 'stopped' }] })
    expect(md).toContain('(emulated: a local stand-in, not a language model)')
    expect(md).toContain('(stopped before the end)')
  })
})

describe('noteBlocks (docx)', () => {
  it('reads headings, bullets and paragraphs, without Markdown marks', () => {
    expect(noteBlocks('# Title\n\nSome **bold** text\n- one\n2. two')).toEqual([
      { kind: 'heading', text: 'Title' },
      { kind: 'paragraph', text: 'Some bold text' },
      { kind: 'bullet', text: 'one' },
      { kind: 'bullet', text: 'two' },
    ])
  })
})
