/**
 * WhisperX output → the panel's `Transcript`.
 *
 * The worker's JSON is a trust boundary: `WhisperXResultSchema` checks it with zod and is tolerant of
 * every quirk of WhisperX's output (words without times/score/speaker, segments without
 * speaker or words, `words: []` + `chars: null` after a failed alignment, no `words` at all for a
 * language without an align model, NaN/null/Infinity numbers, an empty `segments` list, extra keys).
 * `normalizeWhisperX` then builds the transcript: ids, trimmed text, estimated times for untimed
 * words, segment speakers, the speaker list and the duration. All times are seconds.
 *
 * Output shape and quirks: https://github.com/m-bain/whisperX `whisperx/schema.py`, `alignment.py` (words with no
 * alignable characters are only `{word}`), `diarize.py` (words and segments without `speaker`), and its issues #270,
 * #460, #1104; transcript shape: domain/transcript.ts.
 */
import { z } from 'zod'
import { AppError } from './errors.ts'
import { defaultSpeakerName, estimateWords } from './transcript.ts'
import type { Segment, Speaker, Transcript, Word } from './transcript.ts'

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

/** Spellings of non-finite floats that Python's `json.dumps` and friends write (NaN scores on audio without speech: https://github.com/Nyralei/whisperx-api-server/issues/36). */
const NON_FINITE_STRINGS = new Set(['nan', '-nan', 'infinity', '-infinity', '+infinity', 'inf', '-inf', '+inf'])

/** A JSON number, `null`, or a string holding a number or a non-finite spelling ("NaN", "Infinity"). */
function isNumberLike(v: unknown): v is number | string | null {
  if (v === null || typeof v === 'number') return true
  if (typeof v !== 'string') return false
  const s = v.trim()
  return NON_FINITE_STRINGS.has(s.toLowerCase()) || (s !== '' && Number.isFinite(Number(s)))
}

/** The number when finite, else null ("missing"): NaN, ±Infinity, null and "NaN" all mean "not given". */
function finiteOrNull(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined) return null
  const n = typeof v === 'number' ? v : Number(v.trim())
  return Number.isFinite(n) ? n : null
}

/** A required time: the key must be there and number-like; a non-finite value becomes null. */
const requiredTime = z
  .custom<number | string | null>(isNumberLike, { error: 'expected a number (seconds)' })
  .transform(finiteOrNull)

/** An optional number: absent, null or non-finite all become null. */
const optionalNumber = z
  .custom<number | string | null | undefined>((v) => v === undefined || isNumberLike(v), {
    error: 'expected a number or nothing',
  })
  .optional()
  .transform(finiteOrNull)

/** A diarization label (`SPEAKER_00`); anything that is not a non-empty string means "no speaker". */
const optionalSpeaker = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null))

/**
 * One WhisperX word (`SingleWordSegment`): `word` is required; `start`/`end`/`score` (seconds, seconds,
 * alignment score in [0, 1]) and `speaker` are null when missing or non-finite (whisperX `alignment.py`: words with
 * no alignable characters are only `{word}`). Extra keys are ignored.
 */
export const WhisperXWordSchema = z.object({
  word: z.union([z.string(), z.number()], { error: 'expected the word text (a string)' }).transform(String),
  start: optionalNumber,
  end: optionalNumber,
  score: optionalNumber,
  speaker: optionalSpeaker,
})
export type WhisperXWord = z.output<typeof WhisperXWordSchema>

/**
 * One WhisperX segment (`SingleSegment` / `SingleAlignedSegment`). `text`, `start` and `end` must be
 * present (a segment without them is not WhisperX output); `start`/`end` in seconds become null when
 * non-finite (NaN/null/"NaN") and are then recovered by `normalizeWhisperX`. `words` may be absent or
 * null (no align model) or empty (alignment failed); `avg_logprob` exists only from v3.8.2;
 * `speaker` is absent when no diarization turn overlaps. Extra keys (`chars`, …) are ignored.
 */
export const WhisperXSegmentSchema = z.object(
  {
    start: requiredTime,
    end: requiredTime,
    text: z.string({ error: 'expected the segment text (a string)' }),
    words: z
      .array(WhisperXWordSchema, { error: 'expected a list of words' })
      .nullish()
      .transform((w) => w ?? []),
    speaker: optionalSpeaker,
    avg_logprob: optionalNumber,
  },
  { error: 'expected a segment object with start, end and text' },
)
export type WhisperXSegment = z.output<typeof WhisperXSegmentSchema>

/**
 * A WhisperX result: `segments` (may be empty: no speech) and an optional `language`
 * (`align` drops it, the CLI and workers re-add it). `word_segments` and other keys are ignored:
 * the same words are read from the segments.
 */
export const WhisperXResultSchema = z.object(
  {
    segments: z.array(WhisperXSegmentSchema, { error: 'expected a list of segments' }),
    language: z
      .unknown()
      .optional()
      .transform((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)),
  },
  { error: 'expected an object with a "segments" list' },
)
export type WhisperXResult = z.output<typeof WhisperXResultSchema>

// ---------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------

/** Options of `normalizeWhisperX`. */
export interface NormalizeOptions {
  /** The recording's duration in seconds (from ffprobe); used when positive and finite. */
  duration?: number | null
}

interface DraftWord {
  text: string
  start: number | null
  end: number | null
  score: number | null
  speaker: string | null
}

interface DraftSegment {
  start: number
  end: number
  text: string
  speaker: string | null
  words: DraftWord[]
  order: number
}

/**
 * Parses and normalizes a WhisperX result into a `Transcript` (times in seconds).
 *
 * - segments sorted by start (stable) and numbered `s1`, `s2`, …; text trimmed, whitespace collapsed;
 * - negative times clamped to 0 and `start <= end` enforced for segments and words;
 * - a segment whose `start`/`end` is NaN/null takes it from its timed words, else from the previous
 *   segment's end (0 for the first), so one bad number does not lose the text;
 * - words keep their given times; words without times get times interpolated between the previous
 *   timed word's end and the next timed word's start (the segment's start/end at the edges), split
 *   evenly among consecutive untimed words, with `estimated: true` and `score: null`. No word is
 *   dropped, except tokens that are empty after trimming (they carry no text);
 * - a segment with no words (failed alignment, no align model) gets words from its text, spread
 *   evenly over its start/end, all estimated (click-to-seek still works);
 * - segment speaker: its own `speaker`, else the speaker with the most word time (seconds; ties by
 *   word count, then first seen), else null; `speakers`: every label seen on segments or words,
 *   sorted, named by `defaultSpeakerName`;
 * - `language`: the result's `language` string, else null; `duration`: `opts.duration` when positive
 *   and finite, else the last segment end (0 when there are no segments).
 *
 * @throws AppError `invalid_output` when the result is not WhisperX-shaped (e.g. `segments` not a list,
 *   a segment without `text`/`start`/`end`); the message names the field and says the raw output was kept.
 */
export function normalizeWhisperX(
  result: { segments: unknown; language?: unknown },
  opts: NormalizeOptions = {},
): Transcript {
  const parsed = WhisperXResultSchema.safeParse(result)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue ? formatPath(issue.path) : 'output'
    const what = issue ? issue.message : 'unexpected shape'
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''
    throw new AppError(
      'invalid_output',
      `The worker's output is not in WhisperX's format: ${where}: ${what}${more}. ` +
        'The raw output was kept, so nothing is lost; check that the endpoint runs the WhisperX worker ' +
        'the panel is configured for (RUNPOD_WORKER), then transcribe again.',
      { cause: parsed.error },
    )
  }
  const { segments: rawSegments, language } = parsed.data

  const labels = new Set<string>()
  const drafts: DraftSegment[] = []
  let prevEnd = 0
  rawSegments.forEach((raw, order) => {
    const words = raw.words.map(draftWord).filter((w) => w.text !== '')
    for (const w of words) if (w.speaker !== null) labels.add(w.speaker)
    if (raw.speaker !== null) labels.add(raw.speaker)
    const timed = words.filter(isTimed)
    let start = raw.start ?? (timed.length > 0 ? Math.min(...timed.map((w) => w.start)) : null)
    let end = raw.end ?? (timed.length > 0 ? Math.max(...timed.map((w) => w.end)) : null)
    start = Math.max(0, start ?? (end === null ? prevEnd : Math.min(prevEnd, end)))
    end = Math.max(start, end ?? start)
    prevEnd = end
    drafts.push({ start, end, text: raw.text.replace(/\s+/g, ' ').trim(), speaker: raw.speaker, words, order })
  })
  drafts.sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order)

  const segments: Segment[] = drafts.map((d, i) => ({
    id: `s${i + 1}`,
    start: d.start,
    end: d.end,
    speaker: d.speaker ?? majoritySpeaker(d.words),
    text: d.text,
    words: d.words.length > 0 ? fillWordTimes(d.words, d.start, d.end) : wordsFromText(d.text, d.start, d.end),
    filtered: null,
  }))

  const speakers: Speaker[] = [...labels]
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((id) => ({ id, name: defaultSpeakerName(id) }))

  const lastEnd = segments.reduce((m, s) => Math.max(m, s.end), 0)
  const duration =
    typeof opts.duration === 'number' && Number.isFinite(opts.duration) && opts.duration > 0 ? opts.duration : lastEnd

  return { language, duration, speakers, segments }
}

/** `segments[3].words[0].start` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the output'
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`
  return out
}

function draftWord(w: WhisperXWord): DraftWord {
  let start = w.start === null ? null : Math.max(0, w.start)
  let end = w.end === null ? null : Math.max(0, w.end)
  // A word is timed only when both ends are known; half a time is treated as no time (it is re-estimated).
  if (start === null || end === null) {
    start = null
    end = null
  } else if (end < start) {
    end = start
  }
  const score = w.score === null ? null : Math.min(1, Math.max(0, w.score))
  return { text: w.word.trim(), start, end, score, speaker: w.speaker }
}

function isTimed(w: DraftWord): w is DraftWord & { start: number; end: number } {
  return w.start !== null && w.end !== null
}

/**
 * Keeps given word times and interpolates the missing ones: a run of untimed words shares evenly the
 * gap between the previous timed word's end (or `segStart`) and the next timed word's start (or `segEnd`).
 */
function fillWordTimes(words: readonly DraftWord[], segStart: number, segEnd: number): Word[] {
  const out: Word[] = []
  let i = 0
  while (i < words.length) {
    const w = words[i]!
    if (isTimed(w)) {
      out.push({ text: w.text, start: w.start, end: w.end, score: w.score, estimated: false })
      i++
      continue
    }
    let j = i
    while (j < words.length && !isTimed(words[j]!)) j++
    const next = words[j]
    const from = out.at(-1)?.end ?? segStart
    const to = next && isTimed(next) ? next.start : segEnd
    out.push(...estimateWords(words.slice(i, j).map((x) => x.text), from, Math.max(from, to)))
    i = j
  }
  return out
}

/** Words from a segment's text (split on whitespace), spread evenly over [start, end], all estimated. */
function wordsFromText(text: string, start: number, end: number): Word[] {
  const tokens = text.split(' ').filter((t) => t !== '')
  return estimateWords(tokens, start, end)
}

/** The speaker covering the most word time (seconds); ties by word count, then first seen; null if none. */
function majoritySpeaker(words: readonly DraftWord[]): string | null {
  const tally = new Map<string, { time: number; count: number }>()
  for (const w of words) {
    if (w.speaker === null) continue
    const t = tally.get(w.speaker) ?? { time: 0, count: 0 }
    t.time += isTimed(w) ? w.end - w.start : 0
    t.count += 1
    tally.set(w.speaker, t)
  }
  let best: string | null = null
  let bestTally = { time: -1, count: -1 }
  for (const [speaker, t] of tally) {
    if (t.time > bestTally.time + 1e-9 || (Math.abs(t.time - bestTally.time) <= 1e-9 && t.count > bestTally.count)) {
      best = speaker
      bestTally = t
    }
  }
  return best
}

