/**
 * What the emulated WhisperX worker "hears": pure functions that turn a ground-truth script of an audio file
 * into WhisperX output, shaped like transcribe → align → diarize (m-bain/whisperX schema.py, alignment.py and diarize.py) with the edge
 * cases of m-bain/whisperX alignment.py and diarize.py injected deterministically, plus an honest placeholder for audio without a script.
 *
 * Script format (`*.script.json` beside the fixture audio; times in seconds):
 * `{audio, sha256, duration, language, utterances: [{speaker, start, end, text, misheard?}]}`; `misheard` lists
 * indexes of words the aligner scores low (0.15–0.45), as wav2vec2 does where the audio does not support the text.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { WorkerOutput } from '../../src/domain/worker-contract.ts'

const UtteranceSchema = z.object({
  speaker: z.string().min(1),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  text: z.string(),
  misheard: z.array(z.number().int().nonnegative()).optional(),
})

/** Schema of a `*.script.json` file. */
export const InterviewScriptSchema = z.object({
  audio: z.string(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/),
  duration: z.number().positive(),
  language: z.string().min(1),
  utterances: z.array(UtteranceSchema),
})
export type InterviewScript = z.infer<typeof InterviewScriptSchema>
export type ScriptUtterance = z.infer<typeof UtteranceSchema>

/**
 * Validates a parsed `*.script.json`.
 * @throws Error naming `source` and every problem, when `json` is not a script.
 */
export function parseScript(json: unknown, source = 'script'): InterviewScript {
  const r = InterviewScriptSchema.safeParse(json)
  if (!r.success) {
    throw new Error(
      `${source}: not a script (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    )
  }
  return r.data
}

/** A WhisperX word (m-bain/whisperX schema.py `SingleWordSegment`); `start`/`end`/`score`/`speaker` may be missing (m-bain/whisperX alignment.py and diarize.py). */
export interface WhisperxWord {
  word: string
  start?: number
  end?: number
  score?: number
  speaker?: string
}

/** A WhisperX segment; `words` only after alignment, `speaker` only after diarization and only with overlap. */
export interface WhisperxSegment {
  start: number
  end: number
  text: string
  words?: WhisperxWord[]
  speaker?: string
}

/** The `whisperx` contract's output (`WorkerOutput` of src/domain/worker-contract.ts), always with segments. */
export interface WhisperxOutput extends Omit<WorkerOutput, 'segments' | 'segments_omitted'> {
  segments: (WhisperxSegment & { words: WhisperxWord[] })[]
}

/** The `whisperx-hub` (kodxana) output (kodxana/whisperx-worker): WhisperX `segments` verbatim plus `detected_language`. */
export interface HubOutput {
  segments: WhisperxSegment[]
  detected_language: string
}

/** Which WhisperX stages ran. */
export interface Stages {
  /** wav2vec2 alignment ran: segments get `words`. */
  align: boolean
  /** Diarization ran: segments and words get `speaker`. */
  diarize: boolean
}

/** Text of the hallucinated tail segments appended after the last utterance (m-bain/whisperX #1224; subtitle credits Whisper writes on silence). */
export const HALLUCINATED_TAILS = [' Продолжение следует...', ' Thanks for watching!'] as const

/** Prefix of every placeholder segment's text: output for audio the emulator has no script for. */
export const PLACEHOLDER_TEXT = '(emulated GPU: no script for this audio)'

/** Rounds seconds (or a score) to 3 decimals, as WhisperX does (m-bain/whisperX alignment.py). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

/**
 * A deterministic pseudo-random number in [min, max] derived from `seed` (sha256), rounded to 3 decimals.
 * Used for word scores: the same script always yields the same output.
 */
export function stableScore(seed: string, min = 0.5, max = 0.99): number {
  const h = createHash('sha256').update(seed).digest().readUInt32BE(0)
  return round3(min + (h / 0xffffffff) * (max - min))
}

/** True for words WhisperX's aligner cannot place: they contain a digit (m-bain/whisperX alignment.py and diarize.py, e.g. "2016,", "$43,000."). */
export function isUnalignable(word: string): boolean {
  return /\d/.test(word)
}

/**
 * Splits `text` on whitespace and spreads the words over [start, end] seconds in proportion to their length
 * in characters (the spaces between words become small gaps), times rounded to 3 decimals.
 * @returns one `{word, start, end}` per word; empty for blank text.
 */
export function spreadWords(text: string, start: number, end: number): { word: string; start: number; end: number }[] {
  const words = text.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return []
  const totalChars = words.reduce((n, w) => n + w.length, 0) + (words.length - 1)
  const span = Math.max(0, end - start)
  let offset = 0
  return words.map((word) => {
    const from = start + (span * offset) / totalChars
    const to = start + (span * (offset + word.length)) / totalChars
    offset += word.length + 1
    return { word, start: round3(from), end: round3(to) }
  })
}

interface SegmentSpec {
  start: number
  end: number
  text: string
  speaker: string | null
  scoreRange: [number, number]
  seed: string
  /** Word indexes scored 0.15–0.45 instead. */
  misheard?: readonly number[]
}

/** One WhisperX segment after the stages that ran; digit words lose their timing (m-bain/whisperX alignment.py and diarize.py). */
function buildSegment(spec: SegmentSpec, stages: Stages): WhisperxSegment {
  const text = spec.text.startsWith(' ') ? spec.text : ` ${spec.text.trim()}`
  const segment: WhisperxSegment = { start: round3(spec.start), end: round3(spec.end), text }
  if (stages.align) {
    segment.words = spreadWords(text, spec.start, spec.end).map((w, i): WhisperxWord => {
      if (isUnalignable(w.word)) return { word: w.word }
      const word: WhisperxWord = {
        word: w.word,
        start: w.start,
        end: w.end,
        score: spec.misheard?.includes(i)
          ? stableScore(`${spec.seed}:${i}:${w.word}`, 0.15, 0.45)
          : stableScore(`${spec.seed}:${i}:${w.word}`, spec.scoreRange[0], spec.scoreRange[1]),
      }
      if (stages.diarize && spec.speaker !== null) word.speaker = spec.speaker
      return word
    })
  }
  if (stages.diarize && spec.speaker !== null) segment.speaker = spec.speaker
  return segment
}

/** Index of the shortest utterance (first on ties), or -1 when there are fewer than two. */
export function shortestUtterance(utterances: readonly ScriptUtterance[]): number {
  if (utterances.length < 2) return -1
  let best = 0
  utterances.forEach((u, i) => {
    const b = utterances[best]!
    if (u.end - u.start < b.end - b.start) best = i
  })
  return best
}

/**
 * Where the hallucinated tails go: the room after the last utterance, [lastEnd + 0.3, duration] capped at 3 s;
 * with less than 1 s of room, [lastEnd, lastEnd + 1] (past the audio's end, "at the very end").
 * @returns seconds [start, end] for each of the two tails.
 */
export function tailWindows(lastEnd: number, duration: number): [[number, number], [number, number]] {
  let from = lastEnd + 0.3
  let to = Math.min(duration, from + 3)
  if (to - from < 1) {
    from = lastEnd
    to = lastEnd + 1
  }
  const cut = from + (to - from) * 0.55
  return [
    [round3(from), round3(cut - 0.05)],
    [round3(cut + 0.05), round3(to)],
  ]
}

/**
 * Segments for a scripted audio file: one per utterance (text with a leading space), then the m-bain/whisperX alignment.py and diarize.py quirks:
 * words with digits are `{word}` only; the shortest utterance's segment (and its words) has no `speaker`
 * (no overlap with a diarization turn, issue #460); two hallucinated tails (" Продолжение следует...",
 * " Thanks for watching!") with no speaker and low word scores (0.05–0.3) follow the last utterance.
 * Word scores are 0.5–0.99, deterministic.
 */
export function scriptSegments(script: InterviewScript, stages: Stages): WhisperxSegment[] {
  const loner = shortestUtterance(script.utterances)
  const segments = script.utterances.map((u, i) =>
    buildSegment(
      {
        start: u.start,
        end: u.end,
        text: u.text,
        speaker: i === loner ? null : u.speaker,
        scoreRange: [0.5, 0.99],
        seed: `${script.sha256}:${i}`,
        misheard: u.misheard,
      },
      stages,
    ),
  )
  const lastEnd = script.utterances.reduce((m, u) => Math.max(m, u.end), 0)
  tailWindows(lastEnd, script.duration).forEach(([start, end], i) => {
    segments.push(
      buildSegment(
        {
          start,
          end,
          text: HALLUCINATED_TAILS[i]!,
          speaker: null,
          scoreRange: [0.05, 0.3],
          seed: `${script.sha256}:tail:${i}`,
        },
        stages,
      ),
    )
  })
  return segments
}

/**
 * Honest output for audio without a script: one segment every 5 s over `durationSeconds` (the last one
 * shorter), text `"(emulated GPU: no script for this audio) segment N"`, speakers alternating SPEAKER_00 /
 * SPEAKER_01. No hallucinated tails. Empty for audio shorter than 0.1 s (WhisperX: no speech → `segments: []`).
 */
export function placeholderSegments(durationSeconds: number, stages: Stages): WhisperxSegment[] {
  if (!(durationSeconds >= 0.1)) return []
  const count = Math.ceil(durationSeconds / 5)
  const segments: WhisperxSegment[] = []
  for (let i = 0; i < count; i++) {
    const start = i * 5
    const end = Math.max(start + 0.05, Math.min(start + 4.8, durationSeconds))
    segments.push(
      buildSegment(
        {
          start,
          end,
          text: ` ${PLACEHOLDER_TEXT} segment ${i + 1}`,
          speaker: i % 2 === 0 ? 'SPEAKER_00' : 'SPEAKER_01',
          scoreRange: [0.5, 0.99],
          seed: `placeholder:${i}`,
        },
        stages,
      ),
    )
  }
  return segments
}

/**
 * The `whisperx` contract's output: `{segments, language, duration, model, timings, result_path}`, segments
 * with `words: []` when alignment did not run (the worker always sends `words`), no `word_segments`.
 * Timings are plausible fakes (seconds), null for stages that did not run.
 */
export function whisperxOutput(
  segments: WhisperxSegment[],
  meta: { language: string; duration: number; model: string; resultPath: string | null },
  stages: Stages,
): WhisperxOutput {
  const load = 0.8
  const transcribe = round3(meta.duration / 60)
  const align = stages.align ? round3(meta.duration / 200) : null
  const diarize = stages.diarize ? round3(meta.duration / 120) : null
  return {
    segments: segments.map((s) => ({ ...s, words: s.words ?? [] })),
    language: meta.language,
    duration: round3(meta.duration),
    model: meta.model,
    timings: {
      load_s: load,
      transcribe_s: transcribe,
      align_s: align,
      diarize_s: diarize,
      total_s: round3(load + transcribe + (align ?? 0) + (diarize ?? 0)),
    },
    result_path: meta.resultPath,
  }
}

/** `{segments, detected_language}` as kodxana/whisperx-worker returns it (`src/rp_handler.py`). */
export function hubOutput(segments: WhisperxSegment[], language: string): HubOutput {
  return { segments, detected_language: language }
}
