/**
 * The speech map of a recording: where a voice activity detector heard speech. Computed once on upload,
 * beside the waveform peaks, and used by the hallucination filter to tell text written over silence,
 * noise or music from text written over a voice. Pure; times in seconds.
 */

/**
 * How the map was made:
 * - `silero-vad`: the Silero VAD neural model (speech vs everything else: silence, noise, music).
 * - `ffmpeg-level`: fallback when the model cannot load: ffmpeg's `silencedetect` level analysis, which
 *   only tells sound from silence (music and noise count as "speech" here), so it can prove silence, never speech.
 */
export type SpeechMethod = 'silero-vad' | 'ffmpeg-level'

/** Speech regions of one recording. */
export interface SpeechMap {
  /** Format version of this object (bump when the detector or its settings change, so old maps recompute). */
  version: number
  method: SpeechMethod
  /** The model or filter with its settings, for the record ("silero_vad_16k_op15.onnx threshold 0.5"). */
  detector: string
  /** Seconds of audio analysed. */
  duration: number
  /** Sorted, non-overlapping `[start, end]` pairs in seconds where speech (or, for `ffmpeg-level`, sound) was found. */
  regions: [number, number][]
  /** Wall time the analysis took, in ms. */
  elapsedMs: number
}

/** Current `SpeechMap.version`; maps of another version are recomputed. */
export const SPEECH_MAP_VERSION = 1

/** Shortest window (seconds) over which a share is measured, so a 0.1 s segment is judged on its surroundings. */
const MIN_WINDOW = 0.3

/**
 * Share of `[start, end]` (seconds) covered by the map's regions, in [0, 1]. Windows shorter than 0.3 s
 * are widened around their middle. Binary search over the regions: O(log n + regions in the window).
 */
export function speechShare(map: SpeechMap, start: number, end: number): number {
  let a = Math.min(start, end)
  let b = Math.max(start, end)
  if (b - a < MIN_WINDOW) {
    const mid = (a + b) / 2
    a = Math.max(0, mid - MIN_WINDOW / 2)
    b = a + MIN_WINDOW
  }
  const regions = map.regions
  // First region whose end is after a.
  let lo = 0
  let hi = regions.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (regions[mid]![1] <= a) lo = mid + 1
    else hi = mid
  }
  let covered = 0
  for (let i = lo; i < regions.length && regions[i]![0] < b; i++) {
    const [s, e] = regions[i]!
    covered += Math.max(0, Math.min(e, b) - Math.max(s, a))
  }
  return Math.min(1, covered / (b - a))
}

/** Total seconds of speech in the map. */
export function speechSeconds(map: SpeechMap): number {
  return map.regions.reduce((sum, [s, e]) => sum + (e - s), 0)
}

/**
 * Regions where a sound-level analysis found sound: the complement of `silences` within `[0, duration]`.
 * Inputs in seconds; silences may be unsorted or overlap. Used by the ffmpeg fallback.
 */
export function complementRegions(silences: readonly [number, number][], duration: number): [number, number][] {
  const sorted = [...silences].sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  let t = 0
  for (const [s, e] of sorted) {
    if (s > t) out.push([round(t), round(Math.min(s, duration))])
    t = Math.max(t, e)
  }
  if (t < duration) out.push([round(t), round(duration)])
  return out.filter(([s, e]) => e > s)
}

/**
 * Checks a parsed `speech.json`.
 * @returns the map, or null when it is not a current-version speech map (then it is recomputed).
 */
export function parseSpeechMap(value: unknown): SpeechMap | null {
  if (!value || typeof value !== 'object') return null
  const m = value as Partial<SpeechMap>
  if (m.version !== SPEECH_MAP_VERSION) return null
  if (m.method !== 'silero-vad' && m.method !== 'ffmpeg-level') return null
  if (!Array.isArray(m.regions) || typeof m.duration !== 'number') return null
  if (!m.regions.every((r) => Array.isArray(r) && r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number')) return null
  return m as SpeechMap
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
