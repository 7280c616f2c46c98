import { describe, expect, it } from 'vitest'
import { nextSpeakerId, speakerName, speakerNames, UNKNOWN_SPEAKER_NAME, type Segment, type Transcript } from './transcript.ts'

const seg = (id: string, speaker: string | null): Segment => ({ id, start: 0, end: 1, speaker, text: 'x', words: [], filtered: null })
const transcript = (speakers: Transcript['speakers'], segments: Segment[]): Transcript => ({ language: 'en', duration: 1, speakers, segments })

describe('speaker names for the page', () => {
  it('names every speaker id the transcript uses, as speakerName() does, and null as the unknown speaker', () => {
    const t = transcript([{ id: 'SPEAKER_00', name: 'Anna' }, { id: 'SPEAKER_01', name: 'Speaker 2' }], [seg('a', 'SPEAKER_00'), seg('b', 'SPEAKER_07'), seg('c', null)])
    expect(speakerNames(t)).toEqual({ SPEAKER_00: 'Anna', SPEAKER_01: 'Speaker 2', SPEAKER_07: 'SPEAKER_07' })
    for (const [id, name] of Object.entries(speakerNames(t))) expect(speakerName(t, id)).toBe(name)
    expect(speakerName(t, null)).toBe(UNKNOWN_SPEAKER_NAME)
  })

  it('gives a new speaker the first free SPEAKER_NN from the number of speakers on', () => {
    expect(nextSpeakerId(transcript([], []))).toBe('SPEAKER_00')
    expect(nextSpeakerId(transcript([{ id: 'SPEAKER_00', name: 'A' }, { id: 'SPEAKER_01', name: 'B' }], []))).toBe('SPEAKER_02')
    // After a merge took SPEAKER_01 away, SPEAKER_02 is still in use: the next free one is SPEAKER_03.
    expect(nextSpeakerId(transcript([{ id: 'SPEAKER_00', name: 'A' }, { id: 'SPEAKER_02', name: 'C' }], []))).toBe('SPEAKER_03')
  })
})
