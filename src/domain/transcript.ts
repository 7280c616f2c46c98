/**
 * The normalized transcript: what the review page shows, what edits change and what exporters read.
 * Times are seconds from the start of the recording.
 */
import type { FilterRuleId } from './hallucinations.ts'

/** One word. `estimated` marks times the aligner did not give (filled from neighbours). */
export interface Word {
  text: string
  start: number
  end: number
  /** wav2vec2 alignment score in [0, 1], or null when the aligner gave none. */
  score: number | null
  estimated: boolean
}

/**
 * What the filter knew when it hid a segment: how much speech the voice activity detector heard under it,
 * and the other signals it used, in plain words for the page.
 */
export interface FilterEvidence {
  /** Share of the segment's time where speech was heard, in [0, 1]; null when the recording has no speech map. */
  speechShare: number | null
  /** `silero-vad`, `ffmpeg-level` (sound vs silence only) or null (judged from the text alone). */
  speechMethod: string | null
  /** One line each ("no speech under this line", "no speaker was detected under it"). */
  notes: string[]
}

/** Why a segment is hidden from the transcript: by one of the filter's rules, or by the user (`manual`). */
export interface FilterDecision {
  rule: FilterRuleId | 'manual'
  reason: string
  /** Absent on decisions made before evidence was recorded, and on the user's own (`manual`). */
  evidence?: FilterEvidence | null
}

export interface Segment {
  /** Stable within a transcript; survives edits and splits (new parts get new ids). */
  id: string
  start: number
  end: number
  /** A speaker id from `Transcript.speakers`, or null when diarization gave none. */
  speaker: string | null
  text: string
  words: Word[]
  filtered: FilterDecision | null
}

export interface Speaker {
  /** The diarization label (e.g. `SPEAKER_00`); never changes. */
  id: string
  /** What the user calls this speaker; starts equal to a readable form of the id. */
  name: string
}

export interface Transcript {
  /** ISO 639-1 code from the worker (e.g. `ru`, `en`), or null when unknown. */
  language: string | null
  /** Seconds: the recording's duration when known, else the end of the last segment. */
  duration: number
  speakers: Speaker[]
  segments: Segment[]
}

/** A contiguous run of kept segments with the same speaker: how the page and the exports group text. */
export interface Turn {
  speaker: string | null
  start: number
  end: number
  segments: Segment[]
}

/** What segments without a speaker (diarization gave them none) are called, in the page and in exports. */
export const UNKNOWN_SPEAKER_NAME = 'Unknown speaker'

/** Display name of a speaker id (UNKNOWN_SPEAKER_NAME for null; the id itself for an id not in the list). */
export function speakerName(transcript: Transcript, speaker: string | null): string {
  if (speaker === null) return UNKNOWN_SPEAKER_NAME
  return transcript.speakers.find((s) => s.id === speaker)?.name ?? speaker
}

/**
 * Display name of every speaker id the transcript uses (its speaker list and every segment's speaker), as
 * speakerName() gives it: what the review page shows, so it never works names out itself.
 */
export function speakerNames(transcript: Transcript): Record<string, string> {
  const names: Record<string, string> = {}
  for (const s of transcript.segments) if (s.speaker !== null) names[s.speaker] = speakerName(transcript, s.speaker)
  for (const s of transcript.speakers) names[s.id] = s.name
  return names
}

/**
 * The id for a speaker the user adds (`addSpeaker`): the first diarization-style label `SPEAKER_NN` not taken,
 * counting up from the number of speakers (`SPEAKER_02` next to `SPEAKER_00` and `SPEAKER_01`).
 */
export function nextSpeakerId(transcript: Transcript): string {
  const used = new Set(transcript.speakers.map((s) => s.id))
  let n = transcript.speakers.length
  while (used.has(`SPEAKER_${String(n).padStart(2, '0')}`)) n++
  return `SPEAKER_${String(n).padStart(2, '0')}`
}

/** Segments not removed by the hallucination filter, in time order. */
export function keptSegments(transcript: Transcript): Segment[] {
  return transcript.segments.filter((s) => s.filtered === null)
}

/** Groups kept segments into speaker turns (a new turn starts when the speaker changes). */
export function speakerTurns(transcript: Transcript): Turn[] {
  const turns: Turn[] = []
  for (const seg of keptSegments(transcript)) {
    const last = turns.at(-1)
    if (last && last.speaker === seg.speaker) {
      last.segments.push(seg)
      last.end = Math.max(last.end, seg.end)
    } else {
      turns.push({ speaker: seg.speaker, start: seg.start, end: seg.end, segments: [seg] })
    }
  }
  return turns
}

/** Default display name for a diarization label: `SPEAKER_00` → `Speaker 1`. */
export function defaultSpeakerName(id: string): string {
  const m = /^SPEAKER_(\d+)$/.exec(id)
  return m ? `Speaker ${Number(m[1]) + 1}` : id
}

/**
 * Words with estimated times: `tokens` spread evenly over `[from, to]` (seconds, rounded to the millisecond),
 * the last one ending at `to`; each with `score: null` and `estimated: true`. For words the aligner gave no
 * times, words an edit inserted, and segments that have text but no words.
 */
export function estimateWords(tokens: readonly string[], from: number, to: number): Word[] {
  const step = (to - from) / Math.max(1, tokens.length)
  return tokens.map((text, i) => ({
    text,
    start: roundMs(from + i * step),
    end: roundMs(i === tokens.length - 1 ? to : from + (i + 1) * step),
    score: null,
    estimated: true,
  }))
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000
}
