import { describe, expect, it } from 'vitest'
import { recordedAtFromProbe } from '../adapters/media/ffmpeg-media.ts'
import { renderMarkdown } from './md.ts'
import { parseTimestampMode, recordedOnText, stampedTurns } from './stamps.ts'
import { renderText } from './txt.ts'
import { testSegment, testTranscript } from '../domain/test-transcripts.ts'

const seg = (id: string, start: number, speaker: string, text: string) => testSegment(id, start, start + 20, speaker, text)
// A: 0–20 s, B: 50 s, then one long turn of A from 130 s to 700 s in five segments.
const t = testTranscript(
  [['A', 'Anna'], ['B', 'Boris']],
  [
    seg('1', 0, 'A', 'Hello.'),
    seg('2', 50, 'B', 'Hi.'),
    seg('3', 130, 'A', 'One.'),
    seg('4', 250, 'A', 'Two.'),
    seg('5', 310, 'A', 'Three.'),
    seg('6', 590, 'A', 'Four.'),
    seg('7', 605, 'A', 'Five.'),
  ],
  { duration: 720 },
)
const doc = (timestamps?: ReturnType<typeof parseTimestampMode>) => ({ transcript: t, title: 'x', createdAt: '2026-11-21T09:15:00.000Z', transcribedAt: '2026-11-21T09:15:00.000Z', timeZone: 'UTC', timestamps })

describe('timestamps in the text exports', () => {
  it('parses turn, none and minutes, and refuses anything else with the accepted values', () => {
    expect(parseTimestampMode(undefined)).toEqual({ every: 'turn' })
    expect(parseTimestampMode('TURN')).toEqual({ every: 'turn' })
    expect(parseTimestampMode('none')).toEqual({ every: 'none' })
    expect(parseTimestampMode('5')).toEqual({ every: 'minutes', minutes: 5 })
    expect(parseTimestampMode('0.5')).toEqual({ every: 'minutes', minutes: 0.5 })
    for (const bad of ['0', '-1', '121', 'every', '5m', 'NaN']) expect(() => parseTimestampMode(bad), bad).toThrow(/"turn", "none" or a number of minutes/)
  })

  it('every N minutes: a stamp where each N-minute stretch begins, inside a long turn too', () => {
    const turns = stampedTurns(t, { every: 'minutes', minutes: 5 })
    expect(turns.map((x) => [x.stamp, x.parts])).toEqual([
      [0, [{ stamp: null, text: 'Hello.' }]],
      [null, [{ stamp: null, text: 'Hi.' }]],
      [null, [{ stamp: null, text: 'One. Two.' }, { stamp: 310, text: 'Three. Four.' }, { stamp: 605, text: 'Five.' }]],
    ])
  })

  it('txt and md: turn (default), none, and every N minutes', () => {
    expect(renderText(doc())).toBe('[00:00:00] Anna: Hello.\n\n[00:00:50] Boris: Hi.\n\n[00:02:10] Anna: One. Two. Three. Four. Five.\n')
    expect(renderText(doc({ every: 'none' }))).toBe('Anna: Hello.\n\nBoris: Hi.\n\nAnna: One. Two. Three. Four. Five.\n')
    expect(renderText(doc({ every: 'minutes', minutes: 5 }))).toBe(
      '[00:00:00] Anna: Hello.\n\nBoris: Hi.\n\nAnna: One. Two. [00:05:10] Three. Four. [00:10:05] Five.\n',
    )
    const md = renderMarkdown(doc({ every: 'minutes', minutes: 5 }))
    expect(md).toContain('**Boris:** Hi.')
    expect(md).toContain('**Anna:** One. Two. [00:05:10] Three. Four. [00:10:05] Five.')
    expect(renderMarkdown(doc({ every: 'none' }))).toContain('**Anna:** Hello.')
  })
})

describe('recorded on', () => {
  it('shows a typed day as that day everywhere, an instant in the time zone, and says when it is unknown', () => {
    expect(recordedOnText('2026-11-20', '2026-11-21T09:15:00.000Z', 'Pacific/Honolulu')).toBe('20 November 2026')
    expect(recordedOnText('2026-11-20T23:30:00.000Z', '2026-11-21T09:15:00.000Z', 'Europe/Berlin')).toBe('21 November 2026')
    expect(recordedOnText(null, '2026-11-21T09:15:00.000Z', 'UTC')).toBe('unknown (added 21 November 2026)')
  })

  it('reads the date from ffprobe tags: Apple local day, creation_time, a whole-day date; ignores clockless zeros', () => {
    expect(recordedAtFromProbe({ format: { tags: { 'com.apple.quicktime.creationdate': '2026-11-20T23:55:03+0100', creation_time: '2026-11-20T22:55:03.000000Z' } } })).toBe('2026-11-20')
    expect(recordedAtFromProbe({ format: { tags: { creation_time: '2026-11-20T09:15:03.000000Z' } } })).toBe('2026-11-20T09:15:03.000Z')
    expect(recordedAtFromProbe({ streams: [{ tags: { CREATION_TIME: '2025-01-02T03:04:05Z' } }] })).toBe('2025-01-02T03:04:05.000Z')
    expect(recordedAtFromProbe({ format: { tags: { date: '2024-05-01' } } })).toBe('2024-05-01')
    expect(recordedAtFromProbe({ format: { tags: { date: '2024' } } })).toBeNull()
    expect(recordedAtFromProbe({ format: { tags: { creation_time: '1904-01-01T00:00:00.000000Z' } } })).toBeNull()
    expect(recordedAtFromProbe({ format: { tags: { creation_time: '1970-01-01T00:00:00.000000Z' } } })).toBeNull()
    expect(recordedAtFromProbe({ format: {} })).toBeNull()
  })
})
