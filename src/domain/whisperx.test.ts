import { describe, expect, it } from 'vitest'
import { AppError } from './errors.ts'
import { WhisperXResultSchema, WhisperXSegmentSchema, normalizeWhisperX } from './whisperx.ts'
import { testSegment, testTranscript } from './test-transcripts.ts'

/** Catches the AppError thrown by `fn` (fails the test if it does not throw one). */
function appError(fn: () => unknown): AppError {
  try {
    fn()
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected an AppError')
}

describe('normalizeWhisperX: the diarized example of https://github.com/m-bain/whisperX/issues/270', () => {
  const example = {
    segments: [
      {
        start: 128.542,
        end: 130.423,
        text: 'Hey, baby.',
        speaker: 'SPEAKER_01',
        words: [
          { word: 'Hey,', start: 128.542, end: 129.022, score: 0.716, speaker: 'SPEAKER_00' },
          { word: 'baby.', start: 129.122, end: 129.523, score: 0.727, speaker: 'SPEAKER_01' },
        ],
      },
    ],
    word_segments: [
      { word: 'Hey,', start: 128.542, end: 129.022, score: 0.716, speaker: 'SPEAKER_00' },
      { word: 'baby.', start: 129.122, end: 129.523, score: 0.727, speaker: 'SPEAKER_01' },
    ],
    language: 'en',
  }

  it('produces the exact transcript', () => {
    const expected = testTranscript(
      [['SPEAKER_00', 'Speaker 1'], ['SPEAKER_01', 'Speaker 2']],
      [
        // The segment's speaker differs from its words' (whisperX #270): the segment keeps its own label.
        testSegment('s1', 128.542, 130.423, 'SPEAKER_01', 'Hey, baby.', {
          words: [
            { text: 'Hey,', start: 128.542, end: 129.022, score: 0.716, estimated: false },
            { text: 'baby.', start: 129.122, end: 129.523, score: 0.727, estimated: false },
          ],
        }),
      ],
      { language: 'en', duration: 130.423 },
    )
    expect(normalizeWhisperX(example)).toEqual(expected)
  })

  it('uses the recording duration when given', () => {
    expect(normalizeWhisperX(example, { duration: 300.5 }).duration).toBe(300.5)
  })
})

describe('normalizeWhisperX: edge cases of WhisperX output', () => {
  it('word with only {word} (digits, "$43,000.") gets times interpolated between its timed neighbours', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: 10,
          end: 14,
          text: ' It cost $43,000. in 2016, yes',
          words: [
            { word: 'It', start: 10, end: 10.5, score: 0.9, speaker: 'SPEAKER_00' },
            { word: 'cost', start: 10.5, end: 11, score: 0.8, speaker: 'SPEAKER_00' },
            { word: '$43,000.' },
            { word: 'in', start: 12, end: 12.2, score: 0.7, speaker: 'SPEAKER_00' },
            { word: '2016,' },
            { word: 'yes' },
          ],
        },
      ],
    })
    const words = t.segments[0]!.words
    expect(words.map((w) => w.text)).toEqual(['It', 'cost', '$43,000.', 'in', '2016,', 'yes'])
    // Between "cost" (ends 11) and "in" (starts 12).
    expect(words[2]).toEqual({ text: '$43,000.', start: 11, end: 12, score: null, estimated: true })
    // Two untimed words at the segment's end share [12.2, 14] evenly.
    expect(words[4]).toEqual({ text: '2016,', start: 12.2, end: 13.1, score: null, estimated: true })
    expect(words[5]).toEqual({ text: 'yes', start: 13.1, end: 14, score: null, estimated: true })
    expect(t.segments[0]!.text).toBe('It cost $43,000. in 2016, yes')
  })

  it('untimed words at the start of a segment are spread from the segment start', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: 5,
          end: 8,
          text: '11 11 apples',
          words: [{ word: '11' }, { word: '11' }, { word: 'apples', start: 7, end: 8, score: 0.5 }],
        },
      ],
    })
    expect(t.segments[0]!.words.map((w) => [w.start, w.end, w.estimated])).toEqual([
      [5, 6, true],
      [6, 7, true],
      [7, 8, false],
    ])
  })

  it('whisperX >= 3.8.3: a timed word without score keeps its times, score null, not estimated', () => {
    const t = normalizeWhisperX({
      segments: [{ start: 1, end: 2, text: '2016', words: [{ word: '2016', start: 1, end: 2 }] }],
    })
    expect(t.segments[0]!.words[0]).toEqual({ text: '2016', start: 1, end: 2, score: null, estimated: false })
  })

  it('unaligned segment (words: [], chars: null) gets words from its text, spread evenly, all estimated', () => {
    const t = normalizeWhisperX({
      segments: [{ start: 0, end: 3, text: ' Раз два три', words: [], chars: null }],
      language: 'ru',
    })
    expect(t.segments[0]!.words).toEqual([
      { text: 'Раз', start: 0, end: 1, score: null, estimated: true },
      { text: 'два', start: 1, end: 2, score: null, estimated: true },
      { text: 'три', start: 2, end: 3, score: null, estimated: true },
    ])
    expect(t.segments[0]!.speaker).toBeNull()
  })

  it('language without align model: segments have no `words` key at all (kodxana worker)', () => {
    const t = normalizeWhisperX({
      segments: [
        { start: 0.031, end: 4.2, text: ' Hello there.', avg_logprob: -0.21 },
        { start: 4.5, end: 6, text: ' Bye now.' },
      ],
      language: 'xx',
    })
    expect(t.segments.map((s) => s.words.map((w) => w.text))).toEqual([
      ['Hello', 'there.'],
      ['Bye', 'now.'],
    ])
    expect(t.segments.every((s) => s.words.every((w) => w.estimated && w.score === null))).toBe(true)
    expect(t.segments[0]!.words[1]!.end).toBe(4.2)
    expect(t.language).toBe('xx')
  })

  it('words: null is treated like no words', () => {
    const t = normalizeWhisperX({ segments: [{ start: 0, end: 1, text: 'Да.', words: null }] })
    expect(t.segments[0]!.words).toEqual([{ text: 'Да.', start: 0, end: 1, score: null, estimated: true }])
  })

  it('segment without speaker takes the majority of its words by duration', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: 0,
          end: 5,
          text: 'a b c',
          words: [
            { word: 'a', start: 0, end: 0.5, score: 0.9, speaker: 'SPEAKER_00' },
            { word: 'b', start: 0.5, end: 1, score: 0.9, speaker: 'SPEAKER_00' },
            { word: 'c', start: 1, end: 5, score: 0.9, speaker: 'SPEAKER_01' },
          ],
        },
      ],
    })
    // SPEAKER_01 has 4 s against 1 s although it has fewer words.
    expect(t.segments[0]!.speaker).toBe('SPEAKER_01')
  })

  it('segment and words without speaker (issue #460, #1072): speaker null, words kept', () => {
    const t = normalizeWhisperX({
      segments: [
        { start: 0, end: 1, text: 'one', speaker: 'SPEAKER_00', words: [{ word: 'one', start: 0, end: 1, score: 1 }] },
        { start: 2, end: 3, text: 'two', words: [{ word: 'two', start: 2, end: 3, score: 0.5 }] },
      ],
    })
    expect(t.segments.map((s) => s.speaker)).toEqual(['SPEAKER_00', null])
    expect(t.speakers).toEqual([{ id: 'SPEAKER_00', name: 'Speaker 1' }])
  })

  it('a word-only speaker label is still listed; labels sort numerically', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: 0,
          end: 1,
          text: 'x',
          speaker: 'SPEAKER_10',
          words: [{ word: 'x', start: 0, end: 1, speaker: 'SPEAKER_02' }],
        },
        { start: 1, end: 2, text: 'y', speaker: 'SPEAKER_01' },
      ],
    })
    expect(t.speakers.map((s) => s.id)).toEqual(['SPEAKER_01', 'SPEAKER_02', 'SPEAKER_10'])
    expect(t.speakers.map((s) => s.name)).toEqual(['Speaker 2', 'Speaker 3', 'Speaker 11'])
  })

  it('no speech: empty segments → empty transcript, duration from options or 0', () => {
    expect(normalizeWhisperX({ segments: [], language: 'ru' })).toEqual({
      language: 'ru',
      duration: 0,
      speakers: [],
      segments: [],
    })
    expect(normalizeWhisperX({ segments: [] }, { duration: 12.5 }).duration).toBe(12.5)
    expect(normalizeWhisperX({ segments: [] }).language).toBeNull()
  })

  it('NaN / Infinity / null / "NaN" numbers are treated as missing', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: 0,
          end: 4,
          text: 'a b c d',
          avg_logprob: Number.NaN,
          words: [
            { word: 'a', start: 0, end: 1, score: Number.NaN },
            { word: 'b', start: Number.NaN, end: Number.NaN, score: Number.NaN },
            { word: 'c', start: 'NaN', end: 'Infinity', score: 'NaN' },
            { word: 'd', start: 3, end: Number.POSITIVE_INFINITY, score: null },
          ],
        },
      ],
    })
    expect(t.segments[0]!.words).toEqual([
      { text: 'a', start: 0, end: 1, score: null, estimated: false },
      { text: 'b', start: 1, end: 2, score: null, estimated: true },
      { text: 'c', start: 2, end: 3, score: null, estimated: true },
      { text: 'd', start: 3, end: 4, score: null, estimated: true },
    ])
  })

  it('a segment with NaN start/end takes its times from its timed words, else from the previous segment', () => {
    const t = normalizeWhisperX({
      segments: [
        { start: 0, end: 2, text: 'first' },
        { start: 'NaN', end: null, text: 'second', words: [{ word: 'second', start: 2.5, end: 3, score: 0.9 }] },
        { start: Number.NaN, end: Number.NaN, text: 'third' },
      ],
    })
    expect(t.segments.map((s) => [s.text, s.start, s.end])).toEqual([
      ['first', 0, 2],
      ['second', 2.5, 3],
      ['third', 3, 3],
    ])
  })

  it('numeric strings are read as numbers', () => {
    const t = normalizeWhisperX({ segments: [{ start: '1.5', end: '2.5', text: 'x' }] })
    expect([t.segments[0]!.start, t.segments[0]!.end]).toEqual([1.5, 2.5])
  })

  it('text spacing: leading spaces and inner runs of whitespace are trimmed', () => {
    const t = normalizeWhisperX({ segments: [{ start: 0, end: 1, text: '  What   a\nday. ' }] })
    expect(t.segments[0]!.text).toBe('What a day.')
  })

  it('overlapping segments are kept, sorted by start, and numbered in time order', () => {
    const t = normalizeWhisperX({
      segments: [
        { start: 5, end: 9, text: 'later', speaker: 'SPEAKER_00' },
        { start: 1, end: 6, text: 'earlier, overlapping', speaker: 'SPEAKER_01' },
        { start: 5, end: 7, text: 'same start, shorter', speaker: 'SPEAKER_01' },
      ],
    })
    expect(t.segments.map((s) => [s.id, s.text])).toEqual([
      ['s1', 'earlier, overlapping'],
      ['s2', 'same start, shorter'],
      ['s3', 'later'],
    ])
    expect(t.duration).toBe(9)
  })

  it('clamps negative times to 0 and enforces start <= end', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: -0.2,
          end: 1,
          text: 'a b',
          words: [
            { word: 'a', start: -0.1, end: 0.3, score: 0.9 },
            { word: 'b', start: 0.8, end: 0.5, score: 0.9 },
          ],
        },
        { start: 3, end: 2, text: 'backwards' },
      ],
    })
    expect(t.segments[0]!.start).toBe(0)
    expect(t.segments[0]!.words.map((w) => [w.start, w.end])).toEqual([
      [0, 0.3],
      [0.8, 0.8],
    ])
    expect([t.segments[1]!.start, t.segments[1]!.end]).toEqual([3, 3])
  })

  it('ignores extra keys (chars, word_segments, speaker_embeddings) and non-string language', () => {
    const t = normalizeWhisperX({
      segments: [
        {
          start: 0,
          end: 1,
          text: 'x',
          chars: [{ char: 'x', start: 0, end: 1, score: 1 }],
          words: [{ word: 'x', start: 0, end: 1, score: 1, extra: true }],
          seek: 0,
        },
      ],
      language: 42,
    })
    expect(t.language).toBeNull()
    expect(Object.keys(t.segments[0]!).sort()).toEqual(['end', 'filtered', 'id', 'speaker', 'start', 'text', 'words'])
  })

  it('ignores an invalid duration option and falls back to the last segment end', () => {
    const r = { segments: [{ start: 0, end: 7.25, text: 'x' }] }
    expect(normalizeWhisperX(r, { duration: null }).duration).toBe(7.25)
    expect(normalizeWhisperX(r, { duration: Number.NaN }).duration).toBe(7.25)
    expect(normalizeWhisperX(r, { duration: 0 }).duration).toBe(7.25)
    expect(normalizeWhisperX(r, { duration: -3 }).duration).toBe(7.25)
  })

  it('never drops a word: every input word with text comes out once, in order', () => {
    const words = Array.from({ length: 50 }, (_, i) =>
      i % 3 === 0 ? { word: `w${i}` } : { word: `w${i}`, start: i * 0.2, end: i * 0.2 + 0.1, score: 0.8 },
    )
    const t = normalizeWhisperX({ segments: [{ start: 0, end: 10, text: 'x', words }] })
    const out = t.segments[0]!.words
    expect(out.map((w) => w.text)).toEqual(words.map((w) => w.word))
    for (let i = 1; i < out.length; i++) expect(out[i]!.start).toBeGreaterThanOrEqual(out[i - 1]!.end - 1e-9)
  })
})

describe('normalizeWhisperX: output that is not WhisperX', () => {
  it.each([
    ['segments is not a list', { segments: { a: 1 } }, 'segments'],
    ['segments missing', {}, 'segments'],
    ['a segment without text', { segments: [{ start: 0, end: 1 }] }, 'segments[0].text'],
    ['a segment without start', { segments: [{ end: 1, text: 'x' }] }, 'segments[0].start'],
    ['a segment with a non-numeric end', { segments: [{ start: 0, end: 'soon', text: 'x' }] }, 'segments[0].end'],
    ['a segment that is a string', { segments: ['hello'] }, 'segments[0]'],
    [
      'a word without text',
      { segments: [{ start: 0, end: 1, text: 'x', words: [{ start: 0 }] }] },
      'segments[0].words[0].word',
    ],
  ])('%s → invalid_output naming the field', (_name, output, field) => {
    const err = appError(() => normalizeWhisperX(output as { segments: unknown }))
    expect(err.code).toBe('invalid_output')
    expect(err.message).toContain("not in WhisperX's format")
    expect(err.message).toContain(field)
    expect(err.message).toContain('raw output was kept')
  })

  it('a null result is rejected', () => {
    expect(appError(() => normalizeWhisperX(null as unknown as { segments: unknown })).code).toBe('invalid_output')
  })
})

describe('WhisperX schemas', () => {
  it('WhisperXSegmentSchema parses a minimal transcribe-stage segment', () => {
    expect(WhisperXSegmentSchema.parse({ start: 0, end: 1, text: ' x' })).toEqual({
      start: 0,
      end: 1,
      text: ' x',
      words: [],
      speaker: null,
      avg_logprob: null,
    })
  })

  it('WhisperXResultSchema rejects a segment with a boolean start', () => {
    expect(WhisperXResultSchema.safeParse({ segments: [{ start: true, end: 1, text: 'x' }] }).success).toBe(false)
  })
})
