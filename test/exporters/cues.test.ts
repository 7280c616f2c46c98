import { describe, expect, it } from 'vitest'
import type { Transcript, Word } from '../../src/domain/transcript.ts'
import { MAX_CUE_CHARS, MAX_CUE_SECONDS, subtitleCues } from '../../src/exporters/cues.ts'
import { sampleTranscript } from '../fixtures/exports/sample.ts'

/** One long segment of `n` words, one word a second. */
function longSegment(n: number): Transcript {
  const words: Word[] = Array.from({ length: n }, (_, i) => ({
    text: i % 5 === 4 ? `слово${i}.` : `слово${i}`,
    start: 100 + i,
    end: 100.8 + i,
    score: 0.9,
    estimated: false,
  }))
  const text = words.map((w) => w.text).join(' ')
  return {
    language: 'ru',
    duration: 200,
    speakers: [{ id: 'SPEAKER_00', name: 'A' }],
    segments: [{ id: 'x', start: 100, end: 100 + n, speaker: 'SPEAKER_00', text, words, filtered: null }],
  }
}

describe('subtitleCues', () => {
  it('gives one cue per kept segment when segments are short', () => {
    const cues = subtitleCues(sampleTranscript())
    expect(cues.map((c) => c.text)).not.toContain('Продолжение следует...')
    expect(cues).toHaveLength(8) // 7 kept segments, the long one in two
  })

  it('splits a long segment at word boundaries into cues within the limits, in order and without gaps', () => {
    const t = longSegment(40)
    const cues = subtitleCues(t)
    expect(cues.length).toBeGreaterThanOrEqual(Math.ceil(40 / MAX_CUE_SECONDS))
    expect(cues.every((c) => c.speaker === 'A')).toBe(true)
    expect(cues.map((c) => c.text).join(' ')).toBe(t.segments[0]!.text)
    expect(cues[0]!.start).toBe(100)
    expect(cues.at(-1)!.end).toBe(140)
    cues.forEach((c, i) => {
      expect(c.text.length).toBeLessThanOrEqual(MAX_CUE_CHARS)
      expect(c.end - c.start).toBeLessThanOrEqual(MAX_CUE_SECONDS + 1) // a cue runs on to the next one's start
      expect(c.end).toBeGreaterThan(c.start)
      if (i > 0) expect(c.start).toBe(cues[i - 1]!.end)
    })
  })

  it('prefers a break at a sentence end near the middle over the exact middle', () => {
    const text = 'We moved the archive in spring. Then the boxes stayed in the hall for a whole year.'
    const words: Word[] = text
      .split(' ')
      .map((w, i) => ({ text: w, start: i / 2, end: i / 2 + 0.45, score: 0.9, estimated: false }))
    const t = longSegment(1)
    t.segments[0] = { ...t.segments[0]!, start: 0, end: 8.5, text, words } // 17 words: 8.5 s, two cues
    expect(subtitleCues(t).map((c) => c.text)).toEqual([
      'We moved the archive in spring.',
      'Then the boxes stayed in the hall for a whole year.',
    ])
  })

  it('keeps a long segment whole when its words do not spell its text', () => {
    const t = longSegment(20)
    t.segments[0]!.text = 'Edited by hand, the words were not retimed.'
    expect(subtitleCues(t)).toEqual([
      { start: 100, end: 120, speaker: 'A', text: 'Edited by hand, the words were not retimed.' },
    ])
  })
})
