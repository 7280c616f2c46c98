import { describe, expect, it } from 'vitest'
import { AppError } from './errors.ts'
import { applyEdits, applyEditsCounting, EditRequestSchema } from './transcript-edits.ts'
import { speakerTurns, type Transcript } from './transcript.ts'
import { testSegment, testTranscript } from './test-transcripts.ts'

const w = (text: string, start: number, end: number) => ({ text, start, end, score: 0.9, estimated: false })

const sample = (): Transcript =>
  testTranscript(
    [['SPEAKER_00', 'Speaker 1'], ['SPEAKER_01', 'Speaker 2'], ['SPEAKER_02', 'Speaker 3']],
    [
      testSegment('s1', 0, 2, 'SPEAKER_00', 'How did it start?', { words: [w('How', 0, 0.3), w('did', 0.4, 0.6), w('it', 0.7, 0.8), w('start?', 0.9, 2)] }),
      testSegment('s2', 3, 6, 'SPEAKER_01', 'In 2016 we began.', { words: [w('In', 3, 3.2), w('2016', 3.3, 4), w('we', 4.1, 4.3), w('began.', 4.4, 6)] }),
      testSegment('s3', 7, 8, 'SPEAKER_02', 'Yes.', { words: [w('Yes.', 7, 8)] }),
      testSegment('s4', 18, 19, null, 'Thanks for watching!', { filtered: { rule: 'media-artifact', reason: 'Outro' } }),
    ],
    { duration: 20 },
  )

describe('applyEdits', () => {
  it('renames a speaker everywhere without touching the input', () => {
    const before = sample()
    const after = applyEdits(before, [{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: '  Interviewer  ' }])
    expect(after.speakers[0]).toEqual({ id: 'SPEAKER_00', name: 'Interviewer' })
    expect(before.speakers[0]!.name).toBe('Speaker 1')
  })

  it('merges two speakers into one', () => {
    const after = applyEdits(sample(), [{ op: 'mergeSpeakers', from: 'SPEAKER_02', into: 'SPEAKER_01' }])
    expect(after.speakers.map((s) => s.id)).toEqual(['SPEAKER_00', 'SPEAKER_01'])
    expect(after.segments[2]!.speaker).toBe('SPEAKER_01')
    expect(speakerTurns(after)).toHaveLength(2)
  })

  it('reassigns only the one segment', () => {
    const after = applyEdits(sample(), [{ op: 'setSegmentSpeaker', segmentId: 's3', speaker: 'SPEAKER_00' }])
    expect(after.segments.map((s) => s.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01', 'SPEAKER_00', null])
  })

  it('splits a segment at a word and keeps word timings', () => {
    const after = applyEdits(sample(), [
      { op: 'splitSegment', segmentId: 's2', atWord: 2 },
      { op: 'setSegmentSpeaker', segmentId: 's2.2', speaker: 'SPEAKER_00' },
    ])
    const [a, b] = [after.segments[1]!, after.segments[2]!]
    expect(a).toMatchObject({ id: 's2', text: 'In 2016', start: 3, end: 4, speaker: 'SPEAKER_01' })
    expect(b).toMatchObject({ id: 's2.2', text: 'we began.', start: 4.1, end: 6, speaker: 'SPEAKER_00' })
  })

  it('keeps timings of unchanged words when text is edited, estimates new ones', () => {
    const after = applyEdits(sample(), [{ op: 'editText', segmentId: 's2', text: 'In 2016 we really began.' }])
    const words = after.segments[1]!.words
    expect(words.map((x) => x.text)).toEqual(['In', '2016', 'we', 'really', 'began.'])
    expect(words[0]).toMatchObject({ start: 3, end: 3.2, estimated: false })
    expect(words[3]).toMatchObject({ estimated: true, score: null })
    expect(words[3]!.start).toBeGreaterThanOrEqual(4.3)
    expect(words[3]!.end).toBeLessThanOrEqual(4.4)
    expect(words[4]).toMatchObject({ start: 4.4, end: 6, estimated: false })
  })

  it('restores and hides segments', () => {
    const after = applyEdits(sample(), [
      { op: 'restoreSegment', segmentId: 's4' },
      { op: 'filterSegment', segmentId: 's3' },
    ])
    expect(after.segments[3]!.filtered).toBeNull()
    expect(after.segments[2]!.filtered).toEqual({ rule: 'manual', reason: 'Hidden by you during review.' })
  })

  it('is all-or-nothing and names the failing op', () => {
    const before = sample()
    expect(() =>
      applyEdits(before, [
        { op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'A' },
        { op: 'setSegmentSpeaker', segmentId: 'nope', speaker: null },
      ]),
    ).toThrow(/Edit 2 \(setSegmentSpeaker\): There is no segment "nope"/)
    expect(before.speakers[0]!.name).toBe('Speaker 1')
    expect(() => applyEdits(before, [{ op: 'splitSegment', segmentId: 's3', atWord: 1 }])).toThrow(AppError)
    expect(() => applyEdits(before, [{ op: 'mergeSpeakers', from: 'SPEAKER_00', into: 'SPEAKER_00' }])).toThrow(/two different/)
  })

  it('validates the request shape: names are trimmed, empty or control characters rejected', () => {
    expect(EditRequestSchema.safeParse({ ops: [] }).success).toBe(false)
    expect(EditRequestSchema.safeParse({ ops: [{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: '   ' }] }).success).toBe(false)
    expect(EditRequestSchema.safeParse({ ops: [{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'A\u0007' }] }).success).toBe(false)
    expect(EditRequestSchema.safeParse({ ops: [{ op: 'explode' }] }).success).toBe(false)
    const ok = EditRequestSchema.parse({ ops: [{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: ' Анна  Петрова ' }] })
    expect(ok.ops[0]).toEqual({ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'Анна Петрова' })
  })
})

describe('addSpeaker', () => {
  it('adds a speaker diarization missed, who can then take a segment; ids stay unique', () => {
    const after = applyEdits(sample(), [
      { op: 'addSpeaker', speaker: 'SPEAKER_03', name: 'Translator' },
      { op: 'setSegmentSpeaker', segmentId: 's3', speaker: 'SPEAKER_03' },
    ])
    expect(after.speakers.at(-1)).toEqual({ id: 'SPEAKER_03', name: 'Translator' })
    expect(after.segments[2]!.speaker).toBe('SPEAKER_03')
    expect(() => applyEdits(sample(), [{ op: 'addSpeaker', speaker: 'SPEAKER_00', name: 'Again' }])).toThrow(/already/)
    expect(EditRequestSchema.safeParse({ ops: [{ op: 'addSpeaker', speaker: '../x', name: 'A' }] }).success).toBe(false)
  })
})

describe('replaceText (find and replace across the transcript)', () => {
  const names = (): Transcript =>
    testTranscript(
      [['SPEAKER_00', 'Speaker 1']],
      [
        testSegment('a', 0, 3, 'SPEAKER_00', 'Петров сказал, что петров прав.', { words: [w('Петров', 0, 0.5), w('сказал,', 0.6, 1), w('что', 1.1, 1.3), w('петров', 1.4, 2), w('прав.', 2.1, 3)] }),
        testSegment('b', 4, 6, 'SPEAKER_00', 'Петровский не Петров!', { words: [w('Петровский', 4, 4.6), w('не', 4.7, 4.9), w('Петров!', 5, 6)] }),
        testSegment('c', 7, 9, 'SPEAKER_00', 'I am gonna call Dr. Smith', { words: [w('I', 7, 7.1), w('am', 7.2, 7.3), w('gonna', 7.4, 7.8), w('call', 7.9, 8.1), w('Dr.', 8.2, 8.4), w('Smith', 8.5, 9)] }),
      ],
      { language: 'ru', duration: 20 },
    )
  const replace = (t: Transcript, op: Record<string, unknown>) =>
    applyEditsCounting(t, [EditRequestSchema.parse({ ops: [{ op: 'replaceText', ...op }] }).ops[0]!])

  it('replaces whole words in any case (Cyrillic too), keeps a capital where the match had one, and keeps word times', () => {
    const { transcript, replaced } = replace(names(), { find: 'петров', replace: 'петрова' })
    expect(replaced).toBe(3)
    expect(transcript.segments.map((s) => s.text)).toEqual(['Петрова сказал, что петрова прав.', 'Петровский не Петрова!', 'I am gonna call Dr. Smith'])
    const a = transcript.segments[0]!
    expect(a.words.map((x) => [x.text, x.start, x.end, x.score])).toEqual([
      ['Петрова', 0, 0.5, null], // a changed word keeps its times; its alignment score was for the old text
      ['сказал,', 0.6, 1, 0.9],
      ['что', 1.1, 1.3, 0.9],
      ['петрова', 1.4, 2, null],
      ['прав.', 2.1, 3, 0.9],
    ])
    expect(transcript.segments[1]!.words[0]!.text).toBe('Петровский') // not a whole word: untouched
  })

  it('with matchCase finds only that case; without wholeWords finds parts of words', () => {
    expect(replace(names(), { find: 'петров', replace: 'Иванов', matchCase: true }).replaced).toBe(1)
    const parts = replace(names(), { find: 'Петров', replace: 'Сидоров', wholeWords: false })
    expect(parts.replaced).toBe(4)
    expect(parts.transcript.segments[1]!.text).toBe('Сидоровский не Сидоров!')
  })

  it('replaces phrases (spaces match any whitespace); unchanged words keep their times when the word count changes', () => {
    const { transcript, replaced } = replace(names(), { find: 'gonna', replace: 'going to' })
    expect(replaced).toBe(1)
    const c = transcript.segments[2]!
    expect(c.text).toBe('I am going to call Dr. Smith')
    expect(c.words.find((x) => x.text === 'Smith')).toMatchObject({ start: 8.5, end: 9, estimated: false })
    expect(c.words.find((x) => x.text === 'going')).toMatchObject({ estimated: true })
    expect(replace(names(), { find: 'dr.  smith', replace: 'Dr. Smyth' }).transcript.segments[2]!.text).toBe('I am gonna call Dr. Smyth')
  })

  it('refuses when nothing matches, or when a segment would be left empty', () => {
    expect(() => replace(names(), { find: 'Сидоров', replace: 'x' })).toThrow(/“Сидоров” is not in the transcript \(whole words, any case\)/)
    const one = names()
    one.segments = [one.segments[0]!]
    one.segments[0]!.text = 'Петров'
    one.segments[0]!.words = [w('Петров', 0, 1)]
    expect(() => replace(one, { find: 'Петров', replace: '' })).toThrow(/empty; hide that segment instead/)
    expect(() => EditRequestSchema.parse({ ops: [{ op: 'replaceText', find: '  ', replace: 'x' }] })).toThrow(/Type the text to find/)
  })

  it('treats regular-expression characters literally', () => {
    const t = names()
    t.segments[2]!.text = 'Cost (approx.) $5'
    t.segments[2]!.words = [w('Cost', 7, 7.5), w('(approx.)', 7.6, 8), w('$5', 8.1, 9)]
    const { transcript } = replace(t, { find: '(approx.)', replace: '(about)' })
    expect(transcript.segments[2]!.text).toBe('Cost (about) $5')
  })
})
