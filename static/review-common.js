// @ts-check
// What several parts of the review share: a speaker's colour and name, which words count as uncertain, and small
// helpers for text and placing menus.
import { el } from './dom.js'

/** @typedef {import('./types.js').TranscriptResponse} TranscriptResponse */

const SPEAKER_COLORS = ['#2459d6', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0e7490', '#a16207', '#4b5563']
const UNKNOWN_COLOR = '#8a8f98'

// Words the aligner scored below this are marked as uncertain. WhisperX's score is the mean wav2vec2 (CTC)
// probability of the word's characters at the frames it was aligned to (whisperx/alignment.py); below one half,
// the audio supports the written word less than even odds: a misheard name, a mumble, crosstalk. Words with
// estimated times have no score of their own and are never marked.
export const UNCERTAIN_SCORE = 0.5

/**
 * True when a word should be checked by a person (see UNCERTAIN_SCORE).
 * @param {{ estimated?: boolean, score?: number | null }} w
 * @returns {w is { estimated?: boolean, score: number }}
 */
export const isUncertain = (w) => !w.estimated && typeof w.score === 'number' && w.score < UNCERTAIN_SCORE

/**
 * A speaker's colour from its id (SPEAKER_01 → 1), not its list position: a merge must not repaint the others.
 * @param {string | null | undefined} id
 */
export function speakerColor(id) {
  if (id === null || id === undefined) return UNKNOWN_COLOR
  const m = /(\d+)$/.exec(id)
  const n = m ? Number(m[1]) : [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
  return SPEAKER_COLORS[n % SPEAKER_COLORS.length] ?? UNKNOWN_COLOR
}

/**
 * The name the server gives a speaker id (null: the unknown speaker) in the transcript answer.
 * @param {TranscriptResponse} t
 * @param {string | null} id
 */
export const nameOf = (t, id) => (id === null ? t.unknownSpeakerName : (t.speakerNames[id] ?? id))

/** @param {string} text */
export const normalize = (text) => text.replace(/\s+/g, ' ').trim()

/**
 * A small square in the speaker's colour.
 * @param {string | null} id
 */
export const swatch = (id) => {
  const node = el('span', { class: 'swatch', 'aria-hidden': 'true' })
  node.style.background = speakerColor(id)
  return node
}

/**
 * Where a menu for `node` opens: under its first line's left edge, in viewport pixels.
 * @param {Element} node
 */
export const cornerOf = (node) => {
  const r = node.getClientRects()[0] || node.getBoundingClientRect()
  return { x: r.left, y: r.bottom + 2 }
}
