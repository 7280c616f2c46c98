import { describe, expect, it } from 'vitest'
import { AppError } from './errors.ts'
import { applyEdits, EditRequestSchema } from './transcript-edits.ts'
import { speakerTurns, type Transcript } from './transcript.ts'

const w = (text: string, start: number, end: number) => ({ text, start, end, score: 0.9, estimated: false })

function sample(): Transcript {
  return {
    language: 'en',
    duration: 20,
    speakers: [
      { id: 'SPEAKER_00', name: 'Speaker 1' },
      { id: 'SPEAKER_01', name: 'Speaker 2' },
      { id: 'SPEAKER_02', name: 'Speaker 3' },
    ],
    segments: [
      { id: 's1', start: 0, end: 2, speaker: 'SPEAKER_00', text: 'How did it start?', words: [w('How', 0, 0.3), w('did', 0.4, 0.6), w('it', 0.7, 0.8), w('start?', 0.9, 2)], filtered: null },
      { id: 's2', start: 3, end: 6, speaker: 'SPEAKER_01', text: 'In 2016 we began.', words: [w('In', 3, 3.2), w('2016', 3.3, 4), w('we', 4.1, 4.3), w('began.', 4.4, 6)], filtered: null },
      { id: 's3', start: 7, end: 8, speaker: 'SPEAKER_02', text: 'Yes.', words: [w('Yes.', 7, 8)], filtered: null },
      { id: 's4', start: 18, end: 19, speaker: null, text: 'Thanks for watching!', words: [], filtered: { rule: 'media-artifact', reason: 'Outro' } },
    ],
  }
}

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
