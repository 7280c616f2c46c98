/**
 * Small transcripts for tests, built from one line per segment instead of restating the whole `Transcript`
 * shape in every test file. Times are in seconds. Test code only: beside the domain so that unit tests and
 * the tests under test/ share it without code outside test/ importing test/.
 */
import type { Segment, Transcript } from './transcript.ts'

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
