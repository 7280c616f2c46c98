/**
 * Where to cut the next window of a growing microphone recording for live text (pure).
 *
 * A window is a short stretch of the newest audio sent to the GPU as a job of its own. Windows are cut at
 * pauses the voice activity detector heard, so a word is rarely split; each starts a little before the
 * previous one ended (`overlapSeconds`), so a word cut anyway is heard whole by one of the two, and the
 * text of the overlap is de-duplicated afterwards (live-text.ts). Whisper decodes audio in 30 s pieces
 * (github.com/openai/whisper `whisper/audio.py`, `CHUNK_LENGTH = 30`), so 10–20 s windows are one piece
 * each and never cut inside Whisper.
 *
 * While a window's job runs, the audio that arrives meanwhile waits; when the job is done, everything that
 * waited goes in ONE window (up to `maxMergedSeconds`), so a slow GPU (a cold start) costs one longer job,
 * not a queue of short ones. Stretches without speech are not sent at all.
 *
 * All times are seconds from the start of the recording.
 */

/** The rules; `DEFAULT_WINDOW_RULES` are the panel's. */
export interface WindowRules {
  /** Shortest window of new audio, except the first (seconds). */
  minSeconds: number
  /** A window normally ends by this much new audio, at the last pause before it (seconds). */
  maxSeconds: number
  /** The first window may be this short, so the first words show within seconds (seconds). */
  firstMinSeconds: number
  /** Each window starts this much before the previous one ended (seconds). */
  overlapSeconds: number
  /** A gap between speech regions at least this long is a pause to cut at (seconds). */
  minPauseSeconds: number
  /** Audio that waited for a busy job slot goes in one window of at most this length (seconds). */
  maxMergedSeconds: number
}

export const DEFAULT_WINDOW_RULES: WindowRules = {
  minSeconds: 10,
  maxSeconds: 20,
  firstMinSeconds: 4,
  overlapSeconds: 0.5,
  minPauseSeconds: 0.3,
  maxMergedSeconds: 120,
}

/** A window to send (or, without speech, to skip). */
export interface PlannedWindow {
  /** Seconds; `covered - overlap` (0 for the first). */
  start: number
  /** Seconds; the new `covered`. */
  end: number
  /** Whether the detector heard speech in the new part; a window without speech is not sent. */
  speech: boolean
}

export interface WindowInput {
  /** End of the audio already windowed (seconds; 0 before the first window). */
  covered: number
  /** End of the audio decoded so far (seconds). */
  edge: number
  /** Speech regions `[start, end]` (seconds, ascending) the detector heard in `[covered - overlap, edge]`. */
  speech: readonly (readonly [number, number])[]
  /** The recording has stopped: everything up to `edge` is windowed now, nothing waits for more audio. */
  final: boolean
  /** No window with speech was sent yet: the window may be as short as `firstMinSeconds`. Default: `covered === 0`. */
  first?: boolean
  rules?: WindowRules
}

/**
 * The next window, or null while there is not enough new audio yet (or nothing is left).
 * @returns `{start, end, speech}`; `end > covered`, `end <= edge`.
 */
export function planWindow(input: WindowInput): PlannedWindow | null {
  const r = input.rules ?? DEFAULT_WINDOW_RULES
  const { covered, edge, final } = input
  const fresh = edge - covered
  if (fresh <= 0.001) return null
  const start = covered === 0 ? 0 : Math.max(0, covered - r.overlapSeconds)
  const min = (input.first ?? covered === 0) ? r.firstMinSeconds : r.minSeconds
  // A backlog (audio that waited for a busy job) is merged into one window.
  const limit = Math.min(r.maxMergedSeconds, Math.max(r.maxSeconds, fresh))
  const regions = input.speech.filter(([s, e]) => e > covered && s < edge && e > s)
  const heard = (from: number, to: number) => regions.some(([s, e]) => e > from && s < to)

  if (!heard(covered, edge)) {
    // Silence: skip it once there is a window's worth, keeping a margin at the live edge where speech may be starting.
    if (final) return { start, end: edge, speech: false }
    if (fresh < min) return null
    return { start, end: Math.max(covered + 0.001, edge - r.minPauseSeconds), speech: false }
  }

  // Pauses: gaps between regions, and the silence after the last region (the speaker stopped at the live edge).
  const cuts: number[] = []
  for (let i = 0; i + 1 < regions.length; i++) {
    const gapStart = regions[i]![1]
    const gapEnd = regions[i + 1]![0]
    if (gapEnd - gapStart >= r.minPauseSeconds) cuts.push((gapStart + gapEnd) / 2)
  }
  const lastEnd = regions.at(-1)![1]
  if (edge - lastEnd >= r.minPauseSeconds) cuts.push(final ? edge : (lastEnd + edge) / 2)

  const lo = covered + min
  const hi = Math.min(edge, covered + limit)
  const inRange = cuts.filter((c) => c >= lo && c <= hi)
  if (inRange.length > 0) {
    const end = inRange.at(-1)!
    return { start, end, speech: heard(covered, end) }
  }
  if (final) {
    // Stopped: the rest, in pieces of at most `limit` (cut at a pause when one is there).
    const end = Math.min(edge, covered + limit)
    const earlier = cuts.filter((c) => c > covered + r.minPauseSeconds && c <= end)
    const cut = end < edge && earlier.length > 0 ? earlier.at(-1)! : end
    return { start, end: cut, speech: heard(covered, cut) }
  }
  // No pause: cut inside speech once the window is full (the overlap catches the split word).
  if (fresh >= limit) return { start, end: covered + limit, speech: true }
  return null
}

/** One window as a recording's live text keeps it (what was sent, and what became of it). */
export interface WindowRecord {
  index: number
  start: number
  end: number
  /** `skipped`: no speech, not sent. */
  state: 'pending' | 'queued' | 'running' | 'done' | 'failed' | 'skipped'
  jobId: string | null
  /** Execution time the endpoint reported (ms), once done. */
  executionMs: number | null
  /** Time in the endpoint's queue (ms), once known. */
  delayMs: number | null
  /** What went wrong, in plain words, for a failed window. */
  error: string | null
}

/**
 * Checks that windows cover `[0, end]` in order, each starting `overlap` before the previous ended (the first at 0),
 * with no gap and no repeat beyond the overlap.
 * @returns the problems in plain words (empty when the windows are sound).
 */
export function coverageProblems(windows: readonly { start: number; end: number }[], end: number, overlap: number, tolerance = 0.05): string[] {
  const problems: string[] = []
  if (windows.length === 0) return end > tolerance ? [`no windows for ${end.toFixed(2)} s of audio`] : []
  if (Math.abs(windows[0]!.start) > tolerance) problems.push(`the first window starts at ${windows[0]!.start.toFixed(3)} s, not 0`)
  for (let i = 1; i < windows.length; i++) {
    const prev = windows[i - 1]!
    const w = windows[i]!
    const expected = Math.max(0, prev.end - overlap)
    if (w.start > expected + tolerance) problems.push(`gap of ${(w.start - expected).toFixed(3)} s before window ${i}`)
    else if (w.start < expected - tolerance) problems.push(`window ${i} repeats ${(expected - w.start).toFixed(3)} s beyond the overlap`)
    if (w.end <= w.start) problems.push(`window ${i} is empty`)
  }
  const last = windows.at(-1)!.end
  if (Math.abs(last - end) > tolerance) problems.push(`the windows end at ${last.toFixed(3)} s, the audio at ${end.toFixed(3)} s`)
  return problems
}
