/**
 * Exports a journalist can hand on, over HTTP: the title without the file extension, "Recorded on" read from the
 * file's metadata (ffprobe's creation_time) and editable with PATCH, and `?timestamps=turn|none|<minutes>`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { datedCopy } from '../support/dated-copy.ts'
import { transcribedRecording } from '../support/review-page.ts'
import { startStack, type Stack } from '../support/stack.ts'

describe('export options over HTTP', () => {
  let stack: Stack
  let id: string
  const rec = (p = '') => `${stack.url}/api/recordings/${id}${p}`
  const patch = (body: unknown) => fetch(rec(), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const md = async (q = '') => (await fetch(rec(`/export/md${q}`))).text()

  beforeAll(async () => {
    const { bytes, scriptsDir } = datedCopy('interview.m4a', '2026-11-20T09:15:00Z')
    stack = await startStack({ emulator: { scriptsDir } })
    id = await transcribedRecording(stack, 'Интервью с Анной.m4a', bytes)
  })
  afterAll(async () => stack?.close())

  it('reads the recording date from the file and shows it, with the title without extension, in md and docx', async () => {
    const r = (await (await fetch(rec())).json()) as { recordedAt: string | null }
    expect(r.recordedAt).toBe('2026-11-20T09:15:00.000Z')
    const text = await md()
    expect(text.startsWith('# Интервью с Анной\n')).toBe(true)
    expect(text).toMatch(/- Recorded on: 20 November 2026\n/)
    const res = await fetch(rec('/export/docx'))
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''%D0%98%D0%BD%D1%82%D0%B5%D1%80%D0%B2%D1%8C%D1%8E%20%D1%81%20%D0%90%D0%BD%D0%BD%D0%BE%D0%B9.docx")
  })

  it('PATCH sets or clears the date, and refuses what is not a calendar day', async () => {
    const set = await patch({ recordedAt: '2026-11-19' })
    expect(set.status).toBe(200)
    expect(((await set.json()) as { recordedAt: string }).recordedAt).toBe('2026-11-19')
    expect(await md()).toContain('- Recorded on: 19 November 2026')
    for (const bad of [{ recordedAt: '19.11.2026' }, { recordedAt: '2026-02-30' }, { recordedAt: 5 }, { when: '2026-11-19' }]) {
      const res = await patch(bad)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/recordedAt|Unrecognized key/)
    }
    expect(await md()).toContain('- Recorded on: 19 November 2026') // nothing changed
    expect((await patch({ recordedAt: null })).status).toBe(200)
    expect(await md()).toMatch(/- Recorded on: unknown \(added \d+ \w+ \d{4}\)/)
  })

  it('puts timestamps at every turn, nowhere, or every N minutes; refuses other values', async () => {
    const turn = await md()
    expect(turn).toContain('**[00:00:00] Speaker 1:** Good morning')
    expect(turn).toContain('**[00:00:08] Speaker 2:** Weasels')
    // The appendix of hidden segments keeps its times: it is a list of what was left out, not the transcript.
    const body = async (q: string) => (await md(q)).split('## Removed by the hallucination filter')[0]!
    const none = await body('?timestamps=none')
    expect(none).toContain('**Speaker 1:** Good morning')
    expect(none).not.toMatch(/\[\d\d:\d\d:\d\d\]/)
    // Every half minute: the first turn, then the first segment at or after 0:30.
    const half = await body('?timestamps=0.5')
    expect(half.match(/\[\d\d:\d\d:\d\d\]/g)).toEqual(['[00:00:00]', '[00:00:32]'])
    const txt = await (await fetch(rec('/export/txt?timestamps=none'))).text()
    expect(txt.startsWith('Speaker 1: Good morning')).toBe(true)
    const bad = await fetch(rec('/export/md?timestamps=hourly'))
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('"turn", "none" or a number of minutes')
    // Subtitles keep their own timing whatever the option says.
    expect(await (await fetch(rec('/export/srt?timestamps=none'))).text()).toContain('00:00:00,300 -->')
  })

  it('lists the export formats and timestamp choices the page offers, each one served by the export route', async () => {
    const res = await fetch(`${stack.url}/api/exports`)
    expect(res.status).toBe(200)
    const list = (await res.json()) as { formats: { format: string; label: string; extension: string; timestamps: boolean }[]; timestamps: { value: string; label: string }[] }
    expect(list.formats.map((f) => f.format)).toEqual(['docx', 'md', 'json', 'txt', 'srt', 'vtt', 'maxqda'])
    expect(list.formats.find((f) => f.format === 'maxqda')).toEqual({ format: 'maxqda', label: 'MAXQDA', extension: 'txt', timestamps: false })
    for (const f of list.formats) {
      const download = await fetch(rec(`/export/${f.format}${f.timestamps ? '?timestamps=none' : ''}`))
      expect(download.status, f.format).toBe(200)
      expect(download.headers.get('content-disposition'), f.format).toContain(`.${f.extension}`)
    }
    for (const choice of list.timestamps) expect((await fetch(rec(`/export/md?timestamps=${choice.value}`))).status, choice.value).toBe(200)
  })

  it('names the speakers in the transcript answer, so the page never works a name out itself', async () => {
    const t = (await (await fetch(rec('/transcript'))).json()) as { speakers: { id: string; name: string }[]; speakerNames: Record<string, string>; unknownSpeakerName: string; newSpeakerId: string; givenNames: string[] }
    expect(t.speakerNames).toEqual(Object.fromEntries(t.speakers.map((s) => [s.id, s.name])))
    expect(t.unknownSpeakerName).toBe('Unknown speaker')
    expect(t.givenNames).toEqual([]) // nobody renamed yet: "Speaker 1", "Speaker 2" are the defaults
    expect(t.speakers.map((s) => s.id)).not.toContain(t.newSpeakerId)
    expect(t.newSpeakerId).toMatch(/^SPEAKER_\d\d$/)
  })
})
