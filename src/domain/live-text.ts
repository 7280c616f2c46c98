/**
 * Live text: the provisional transcript built window by window while a recording is made (pure).
 *
 * Consecutive windows overlap by a fraction of a second (live-windows.ts), so the words spoken there can come
 * back twice: at the end of one window's text and at the start of the next. Window jobs run without word
 * alignment (for speed), so there are no word times to compare; the overlap is found in the text instead, as
 * the longest run of words that ends the text so far and begins the new window's text, compared without case
 * and punctuation. A word cut by a window's edge is often misheard on the side that got half of it, so up to
 * two words may be left over on either side of the match: the half-heard ones at the end of the text so far
 * are replaced by the new window's reading, and those at the start of the new window are dropped. A lone
 * segment that lies wholly inside the overlap and only repeats the last words is dropped by its times.
 */

import type { WindowRecord } from './live-windows.ts'

/** One line of live text. Seconds from the start of the recording. */
export interface LiveSegment {
  start: number
  end: number
  text: string
  /** Index of the window it came from. */
  window: number
}

/** A window job's segment, times relative to the window's start (seconds), as Whisper gives them. */
export interface WindowSegment {
  start: number
  end: number
  text: string
}

/** How far from the window boundary the overlap search looks, in words on each side. */
const SEARCH_WORDS = 12
/** Half-heard words allowed on either side of the match. */
const MAX_LEFTOVER = 2

/** A word compared without case and punctuation ("Hello," = "hello"); empty for a bare punctuation mark. */
export function comparable(word: string): string {
  return word.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0)
}

/**
 * Where the new words continue the old: the longest run of words `tail` ends with (give or take
 * `MAX_LEFTOVER` words after it) that `head` starts with (give or take `MAX_LEFTOVER` words before it).
 * Runs of one word count only without leftovers. Ties go to fewer leftovers.
 * @returns words to remove from the end of `tail` and from the start of `head`; null when there is no overlap.
 */
export function findOverlap(tail: readonly string[], head: readonly string[]): { dropTail: number; dropHead: number } | null {
  const a = tail.map(comparable)
  const b = head.map(comparable)
  let best: { k: number; leftovers: number; dropTail: number; dropHead: number } | null = null
  for (let j = 0; j <= MAX_LEFTOVER && j < a.length; j++) {
    for (let i = 0; i <= MAX_LEFTOVER && i < b.length; i++) {
      const room = Math.min(a.length - j, b.length - i)
      for (let k = room; k >= 1; k--) {
        if (k === 1 && i + j > 0) break
        let same = true
        for (let m = 0; m < k && same; m++) same = a[a.length - j - k + m] === b[i + m] && a[a.length - j - k + m] !== ''
        if (!same) continue
        if (!best || k > best.k || (k === best.k && i + j < best.leftovers)) best = { k, leftovers: i + j, dropTail: j, dropHead: i + k }
        break
      }
    }
  }
  return best ? { dropTail: best.dropTail, dropHead: best.dropHead } : null
}

/** Removes `n` words from the end of the segments (emptied segments go). */
function dropLastWords(segments: LiveSegment[], n: number): LiveSegment[] {
  const out = segments.map((s) => ({ ...s }))
  while (n > 0 && out.length > 0) {
    const last = out.at(-1)!
    const w = words(last.text)
    const take = Math.min(n, w.length)
    n -= take
    const rest = w.slice(0, w.length - take)
    if (rest.length === 0) out.pop()
    else last.text = rest.join(' ')
  }
  return out
}

/** Removes `n` words from the start of the segments (emptied segments go). */
function dropFirstWords(segments: LiveSegment[], n: number): LiveSegment[] {
  const out = segments.map((s) => ({ ...s }))
  while (n > 0 && out.length > 0) {
    const first = out[0]!
    const w = words(first.text)
    const take = Math.min(n, w.length)
    n -= take
    const rest = w.slice(take)
    if (rest.length === 0) out.shift()
    else first.text = rest.join(' ')
  }
  return out
}

/**
 * Adds one window's text to the live text, removing what the overlap repeats.
 * @param existing - live text so far, in time order.
 * @param window - the window: its index, start (seconds) and where the previous window ended (`overlapEnd`,
 *   seconds; equal to `start` when there was no overlap).
 * @param incoming - the window job's segments, times relative to `window.start`.
 * @returns the new live text and `from`, the index of the first segment that differs from `existing`
 *   (the page replaces from there).
 */
export function mergeWindowText(
  existing: readonly LiveSegment[],
  window: { index: number; start: number; overlapEnd: number },
  incoming: readonly WindowSegment[],
): { segments: LiveSegment[]; from: number } {
  let fresh: LiveSegment[] = incoming
    .map((s) => ({
      start: round3(window.start + Math.max(0, s.start)),
      end: round3(window.start + Math.max(s.start, s.end)),
      text: words(s.text).join(' '),
      window: window.index,
    }))
    .filter((s) => s.text.length > 0)
  let kept = existing.map((s) => ({ ...s }))
  const overlapping = window.overlapEnd > window.start
  if (overlapping && kept.length > 0) {
    // A segment heard wholly inside the overlap repeats words the previous window already gave (often the
    // second half of a word or phrase cut there): dropped when its words are among the last ones so far.
    const lastWords = new Set(kept.flatMap((s) => words(s.text)).slice(-2 * MAX_LEFTOVER).map(comparable))
    fresh = fresh.filter((s) => !(s.end <= window.overlapEnd + 0.05 && words(s.text).every((w) => lastWords.has(comparable(w)))))
  }
  if (overlapping && kept.length > 0 && fresh.length > 0) {
    // Only text near the boundary is compared: the end of what came before, the start of what came now.
    const near = window.start - 5
    const tailWords = kept.filter((s) => s.end >= near).flatMap((s) => words(s.text)).slice(-SEARCH_WORDS)
    const headWords = fresh.flatMap((s) => words(s.text)).slice(0, SEARCH_WORDS)
    const overlap = findOverlap(tailWords, headWords)
    if (overlap) {
      kept = dropLastWords(kept, overlap.dropTail)
      fresh = dropFirstWords(fresh, overlap.dropHead)
    }
  }
  let from = 0
  while (from < kept.length && from < existing.length && kept[from]!.text === existing[from]!.text) from++
  return { segments: [...kept, ...fresh], from }
}

/** Rounds seconds to milliseconds. */
function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

/** The page's summary of a recording's live text. */
export interface LiveStatus {
  enabled: boolean
  /** Why live text is off or stopped, in plain words (null while it runs). */
  reason: string | null
  /** `listening`: waiting for enough speech; `transcribing`: a window job runs; `gpu-starting`: a job waits for a worker to start. */
  activity: 'off' | 'listening' | 'transcribing' | 'gpu-starting' | 'finished'
  language: string | null
  /** Seconds of the recording windowed so far. */
  covered: number
  windowsSent: number
  gpuSeconds: number
  costUsd: number
  /** The last window's problem (the text skips it; the full transcript will not). */
  lastError: string | null
}

/** `GET /api/live/:session` and what `live-text` events carry (events carry the segments from `from` on). */
export interface LiveTextView {
  sessionId: string
  revision: number
  segments: LiveSegment[]
  windows: WindowRecord[]
  status: LiveStatus
}
