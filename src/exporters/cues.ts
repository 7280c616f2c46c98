/**
 * Subtitle cues for the SRT and WebVTT exports: one cue per kept segment, long segments split at word boundaries.
 * Times are seconds.
 */
import type { Segment, Transcript, Word } from '../domain/transcript.ts'
import { keptSegments, speakerName } from '../domain/transcript.ts'
import { cleanText } from './common.ts'

/** One subtitle cue: start and end in seconds, the speaker's display name and text, both cleaned, not escaped. */
export interface Cue {
  start: number
  end: number
  speaker: string
  text: string
}

/**
 * Longest cue before a segment is split, in seconds: 7 s, the maximum duration of one subtitle event in the
 * Netflix Timed Text Style Guide (General Requirements).
 */
export const MAX_CUE_SECONDS = 7

/**
 * Longest cue text before a segment is split, in characters (speaker label not counted): two lines of 42, the
 * per-line limit of the Netflix Timed Text Style Guide (General Requirements).
 */
export const MAX_CUE_CHARS = 84

/**
 * The cues of a transcript: one per kept segment, in order, with the speaker's display name. A segment longer than
 * MAX_CUE_SECONDS or MAX_CUE_CHARS is split at word boundaries into parts of similar length, preferring a break at a
 * sentence or clause end (see bestCut), and timed by its words — only when its words spell its text, so a segment whose
 * words do not match its text stays one cue. The first part starts at the segment's start, each part ends where the
 * next begins, the last ends at the segment's end. Segments with empty text give no cue.
 */
export function subtitleCues(transcript: Transcript): Cue[] {
  const cues: Cue[] = []
  for (const seg of keptSegments(transcript)) {
    const text = cleanText(seg.text)
    if (text === '') continue
    const speaker = cleanText(speakerName(transcript, seg.speaker))
    const parts = fits(text, seg.end - seg.start) ? null : splitByWords(seg, text)
    if (!parts) {
      cues.push({ start: seg.start, end: Math.max(seg.end, seg.start), speaker, text })
      continue
    }
    parts.forEach((words, i) => {
      const start = i === 0 ? seg.start : Math.max(words[0]!.start, cues.at(-1)!.start)
      if (i > 0) cues.at(-1)!.end = start
      cues.push({ start, end: Math.max(seg.end, start), speaker, text: joinWords(words) })
    })
  }
  return cues
}

function fits(text: string, seconds: number): boolean {
  return text.length <= MAX_CUE_CHARS && seconds <= MAX_CUE_SECONDS
}

function joinWords(words: readonly Word[]): string {
  return words.map((w) => cleanText(w.text)).join(' ')
}

/** The segment's words in parts that each fit, or null when its words do not spell its text (or it has < 2 words). */
function splitByWords(seg: Segment, text: string): Word[][] | null {
  const words = seg.words.filter((w) => cleanText(w.text) !== '')
  if (words.length < 2 || joinWords(words) !== text) return null
  return split(words)
}

function split(words: Word[]): Word[][] {
  const text = joinWords(words)
  if (words.length < 2 || fits(text, span(words))) return [words]
  const parts = Math.max(2, Math.ceil(text.length / MAX_CUE_CHARS), Math.ceil(span(words) / MAX_CUE_SECONDS))
  const cut = bestCut(words, parts)
  return [...split(words.slice(0, cut)), ...split(words.slice(cut))]
}

/** Seconds from the first word's start to the last word's end. */
function span(words: readonly Word[]): number {
  return words.at(-1)!.end - words[0]!.start
}

/** How much a cut after a word costs: none after a sentence end, a little after a clause, most inside a clause. */
function breakPenalty(word: Word): number {
  const text = cleanText(word.text)
  if (/[.!?…]["»)]?$/.test(text)) return 0
  if (/[,;:—–)»"]$/.test(text)) return 0.25
  return 0.6
}

/**
 * Index (1…n-1) of the word that starts the right part when `words` must become `parts` cues. The left side gets
 * floor(parts / 2) cues' worth of text. Among cuts that leave both sides within their share of the limits, the
 * cheapest wins: distance from the target length (relative to one cue's share) plus breakPenalty, so a sentence or
 * clause end near the middle beats a cut between two words of one phrase. Without such a cut: the one nearest the
 * target.
 */
function bestCut(words: readonly Word[], parts: number): number {
  const text = joinWords(words)
  const leftParts = Math.floor(parts / 2)
  const rightParts = parts - leftParts
  const target = (text.length * leftParts) / parts
  const share = text.length / parts
  let best = 1
  let bestCost = Infinity
  let chars = -1
  for (let i = 1; i < words.length; i++) {
    chars += cleanText(words[i - 1]!.text).length + 1
    const fitsShare =
      chars <= leftParts * MAX_CUE_CHARS &&
      words[i - 1]!.end - words[0]!.start <= leftParts * MAX_CUE_SECONDS &&
      text.length - chars - 1 <= rightParts * MAX_CUE_CHARS &&
      words.at(-1)!.end - words[i]!.start <= rightParts * MAX_CUE_SECONDS
    const cost = Math.abs(chars - target) / share + (fitsShare ? breakPenalty(words[i - 1]!) : 1000)
    if (cost < bestCost) {
      best = i
      bestCost = cost
    }
  }
  return best
}
