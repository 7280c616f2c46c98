import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { applyEdits } from '../../src/domain/transcript-edits.ts'
import { EXPORTERS, getExporter } from '../../src/exporters/index.ts'
import { FILTERED_HEADING } from '../../src/exporters/common.ts'
import { CYRILLIC_SENTENCE, FILTERED_TEXT, sampleDocument, sampleTranscript } from '../fixtures/exports/sample.ts'

const FIXTURES = new URL('../fixtures/exports/', import.meta.url)

/** Golden file per text format, written once from reviewed output; the test compares byte for byte. */
const GOLDEN: Record<string, string> = {
  json: 'sample.json',
  md: 'sample.md',
  srt: 'sample.srt',
  vtt: 'sample.vtt',
  txt: 'sample.txt',
  maxqda: 'sample_maxqda.txt',
}

async function renderText(format: string, doc = sampleDocument()): Promise<string> {
  const out = await getExporter(format)!.render(doc)
  if (typeof out !== 'string') throw new Error(`${format} rendered bytes, expected text`)
  return out
}

describe('text exports match their golden files', () => {
  for (const [format, file] of Object.entries(GOLDEN)) {
    it(format, async () => {
      const expected = await readFile(new URL(file, FIXTURES), 'utf8')
      expect(await renderText(format)).toBe(expected)
    })
  }
})

describe('filtered segments', () => {
  it('never appear in the transcript body of any text format', async () => {
    for (const format of ['md', 'srt', 'vtt', 'txt', 'maxqda']) {
      const out = await renderText(format)
      const body = format === 'md' ? out.slice(0, out.indexOf(`## ${FILTERED_HEADING}`)) : out
      expect(body, format).not.toContain(FILTERED_TEXT.slice(0, 11))
      expect(body, format).toContain(CYRILLIC_SENTENCE.slice(0, 20))
    }
  })

  it('are listed after the body in md', async () => {
    const md = await renderText('md')
    expect(md.indexOf(FILTERED_TEXT)).toBeGreaterThan(md.indexOf(`## ${FILTERED_HEADING}`))
  })

  it('are kept in json with their decision', async () => {
    const json = JSON.parse(await renderText('json'))
    expect(json.segments).toHaveLength(sampleTranscript().segments.length)
    expect(json.segments.find((s: { text: string }) => s.text === FILTERED_TEXT).filtered).toEqual({
      rule: 'media-artifact',
      reason: expect.any(String),
    })
  })

  it('md has no appendix when nothing was filtered', async () => {
    const t = applyEdits(sampleTranscript(), [{ op: 'restoreSegment', segmentId: 's6' }])
    const md = await renderText('md', sampleDocument(t))
    expect(md).not.toContain(FILTERED_HEADING)
    expect(md).toContain(`**[00:12:05] Анна Петрова:** ${FILTERED_TEXT}`)
  })
})

describe('exports read the transcript as edited', () => {
  const edited = () =>
    applyEdits(sampleTranscript(), [
      { op: 'renameSpeaker', speaker: 'SPEAKER_01', name: 'Anna P.' },
      { op: 'editText', segmentId: 's5', text: 'Sorry, someone knocked.' },
      { op: 'restoreSegment', segmentId: 's6' },
      { op: 'filterSegment', segmentId: 's2' },
    ])

  it.each(['md', 'srt', 'vtt', 'txt', 'maxqda'])('%s', async (format) => {
    const out = await renderText(format, sampleDocument(edited()))
    expect(out).toContain('Anna P.')
    expect(out).not.toContain('Анна Петрова')
    expect(out).toContain('Sorry, someone knocked.')
    expect(out).toContain(FILTERED_TEXT)
    const body = format === 'md' ? out.slice(0, out.indexOf(`## ${FILTERED_HEADING}`)) : out
    expect(body).not.toContain('Shall we begin')
  })

  it('merged speakers share one turn and one name', async () => {
    const t = applyEdits(sampleTranscript(), [{ op: 'mergeSpeakers', from: 'SPEAKER_01', into: 'SPEAKER_00' }])
    const txt = await renderText('txt', sampleDocument(t))
    expect(txt).not.toContain('Анна Петрова')
    expect(txt.startsWith('[00:00:00] Interviewer: Good morning, Anna.')).toBe(true)
    expect(txt).toContain('archive? Да, конечно.')
  })
})

describe('every registered format', () => {
  it('renders an empty transcript without throwing', async () => {
    const doc = sampleDocument({ language: null, duration: 0, speakers: [], segments: [] })
    for (const exporter of EXPORTERS.values()) {
      await expect(exporter.render(doc), exporter.format).resolves.toBeDefined()
    }
  })
})
