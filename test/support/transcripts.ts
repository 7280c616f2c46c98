/**
 * Small transcripts for tests, built from one line per segment instead of restating the whole `Transcript`
 * shape in every test file. Times are in seconds. Unit tests beside their code may import this (it is test code).
 */
import type { Segment, Transcript } from '../../src/domain/transcript.ts'

/** Speakers as `[id, name]` pairs, in the order the transcript lists them: `[['SPEAKER_00', 'Anna']]`. */
export type SpeakerPairs = readonly (readonly [id: string, name: string])[]

/**
 * A transcript of `segments` with `speakers` ([id, name] pairs, in order). `language` defaults to 'en';
 * `duration` (seconds) to the end of the last-ending segment (0 without segments).
 */
export function testTranscript(
  speakers: SpeakerPairs,
  segments: Segment[],
  options: { language?: string; duration?: number } = {},
): Transcript {
  return {
    language: options.language ?? 'en',
    duration: options.duration ?? segments.reduce((end, s) => Math.max(end, s.end), 0),
    speakers: speakers.map(([id, name]) => ({ id, name })),
    segments,
  }
}

/**
 * A segment from `start` to `end` (seconds) said by `speaker` (null: no speaker): no words and not filtered,
 * unless `extra` gives them (`{ words }`, `{ filtered }`).
 */
export function testSegment(
  id: string,
  start: number,
  end: number,
  speaker: string | null,
  text: string,
  extra: Partial<Segment> = {},
): Segment {
  return { id, start, end, speaker, text, words: [], filtered: null, ...extra }
}
