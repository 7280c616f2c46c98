import { describe, expect, it } from 'vitest'
import { carrySpeakerNames, givenSpeakerNames, overlapSeconds, renamedSpeakerCount } from './speaker-carry.ts'
import type { Segment } from './transcript.ts'
import { testSegment, testTranscript, type SpeakerPairs } from './test-transcripts.ts'

const seg = (id: string, start: number, end: number, speaker: string | null, filtered = false) =>
  testSegment(id, start, end, speaker, id, { filtered: filtered ? { rule: 'manual', reason: 'x' } : null })
const doc = (speakers: SpeakerPairs, segments: Segment[]) => testTranscript(speakers, segments, { duration: 60 })

describe('carrySpeakerNames', () => {
  const before = doc(
    [['SPEAKER_00', 'Anna'], ['SPEAKER_01', 'Boris'], ['SPEAKER_02', 'Speaker 3']],
    [seg('a', 0, 10, 'SPEAKER_00'), seg('b', 10, 20, 'SPEAKER_01'), seg('c', 20, 30, 'SPEAKER_00'), seg('d', 30, 40, 'SPEAKER_02')],
  )

  it('matches speakers by when they speak, not by label, and leaves default names alone', () => {
    // The new run numbers the voices the other way round and cuts segments differently.
    const after = doc(
      [['SPEAKER_00', 'Speaker 1'], ['SPEAKER_01', 'Speaker 2'], ['SPEAKER_02', 'Speaker 3']],
      [seg('x', 0.4, 9.5, 'SPEAKER_01'), seg('y', 9.8, 19, 'SPEAKER_00'), seg('z', 20.2, 29, 'SPEAKER_01'), seg('w', 30, 40, 'SPEAKER_02')],
    )
    const { transcript, carried } = carrySpeakerNames(before, after)
    expect(transcript.speakers).toEqual([
      { id: 'SPEAKER_00', name: 'Boris' },
      { id: 'SPEAKER_01', name: 'Anna' },
      { id: 'SPEAKER_02', name: 'Speaker 3' },
    ])
    expect(carried).toEqual([
      { speaker: 'SPEAKER_01', name: 'Anna' },
      { speaker: 'SPEAKER_00', name: 'Boris' },
    ])
    expect(after.speakers[0]!.name).toBe('Speaker 1') // the input is not modified
  })

  it('gives a name to one new speaker only, and not when less than half of their speech overlaps', () => {
    // Anna's time is split between two new speakers; the one with more overlap gets her name. A third speaker
    // who talks mostly over silence of the old transcript gets none.
    const after = doc(
      [['SPEAKER_00', 'Speaker 1'], ['SPEAKER_01', 'Speaker 2'], ['SPEAKER_02', 'Speaker 3']],
      [seg('x', 0, 8, 'SPEAKER_00'), seg('y', 20, 23, 'SPEAKER_01'), seg('z', 38, 50, 'SPEAKER_02')],
    )
    const { transcript } = carrySpeakerNames(before, after)
    expect(transcript.speakers.map((s) => s.name)).toEqual(['Anna', 'Speaker 2', 'Speaker 3'])
  })

  it('ignores hidden segments and segments without a speaker', () => {
    const hiddenBoris = doc([['SPEAKER_01', 'Boris']], [seg('b', 10, 20, 'SPEAKER_01', true), seg('n', 0, 10, null)])
    const after = doc([['SPEAKER_00', 'Speaker 1']], [seg('x', 10, 20, 'SPEAKER_00')])
    expect(carrySpeakerNames(hiddenBoris, after).carried).toEqual([])
  })
})

describe('overlapSeconds and renamedSpeakerCount', () => {
  it('sums the overlap of two sorted interval lists', () => {
    expect(overlapSeconds([[0, 10], [20, 30]], [[5, 25]])).toBe(10)
    expect(overlapSeconds([[0, 1]], [[1, 2]])).toBe(0)
    expect(overlapSeconds([], [[0, 5]])).toBe(0)
  })
  it('counts names other than the default "Speaker N"', () => {
    expect(renamedSpeakerCount([{ id: 'SPEAKER_00', name: 'Speaker 1' }, { id: 'SPEAKER_01', name: 'Boris' }, { id: 'X', name: 'X' }])).toBe(1)
    // "Speaker 2" on SPEAKER_00 is a name the user gave (the default there is "Speaker 1").
    expect(givenSpeakerNames([{ id: 'SPEAKER_00', name: 'Speaker 2' }, { id: 'SPEAKER_01', name: 'Speaker 2' }, { id: 'SPEAKER_02', name: 'Anna' }])).toEqual(['Speaker 2', 'Anna'])
  })
})
