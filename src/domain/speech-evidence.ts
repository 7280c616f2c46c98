/**
 * The speech map's judgement, arriving after the transcript. A finished job's transcript is stored at once,
 * judged by the hallucination filter from its text alone when the recording's speech map (voice activity
 * detection, computed on this computer) is not ready yet; when the map arrives, the same worker result is judged
 * again with it, and the difference is brought into the stored version here. Whatever the user did in between
 * wins: a line whose text, times, speaker or hidden state the user changed keeps what the user made of it.
 * Pure; times in seconds.
 */
import type { Segment, Transcript } from './transcript.ts'

/** The parts of a segment the filter's judgement does not change: a segment with others was touched by the user. */
function sameLine(a: Segment, b: Segment): boolean {
  return a.text === b.text && a.start === b.start && a.end === b.end && a.speaker === b.speaker
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Applies the speech map's judgement to one document of a transcript version.
 * @param doc - a document of the version: as it is now (possibly edited), or one kept for undo.
 * @param withoutMap - the version as it was stored: the worker result judged from the text alone.
 * @param withMap - the same worker result judged with the speech map (same segment ids, except where the filter
 *   split a segment differently).
 * @returns a new document, or null when nothing changes. When `doc`'s segments are still exactly those of
 *   `withoutMap` (nobody touched a line), they become `withMap`'s, splits included; otherwise only the hidden
 *   state (and its evidence) of each line that is the same in all three and that the user left as the filter
 *   judged it is taken from `withMap`. Speaker names are never changed.
 */
export function applySpeechEvidence(doc: Transcript, withoutMap: Transcript, withMap: Transcript): Transcript | null {
  if (sameJson(withoutMap.segments, withMap.segments)) return null
  if (sameJson(doc.segments, withoutMap.segments)) return { ...doc, segments: structuredClone(withMap.segments) }
  const before = new Map(withoutMap.segments.map((s) => [s.id, s]))
  const after = new Map(withMap.segments.map((s) => [s.id, s]))
  let changed = false
  const segments = doc.segments.map((seg) => {
    const was = before.get(seg.id)
    const judged = after.get(seg.id)
    if (!was || !judged || !sameLine(seg, was) || !sameLine(was, judged)) return seg
    // The user hid or restored this line (or it was judged the same way both times): theirs stands.
    if (!sameJson(seg.filtered, was.filtered) || sameJson(was.filtered, judged.filtered)) return seg
    changed = true
    return { ...seg, filtered: structuredClone(judged.filtered) }
  })
  return changed ? { ...doc, segments } : null
}
