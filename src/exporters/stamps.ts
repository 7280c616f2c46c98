/**
 * Where the text exports (md, docx, txt) put timestamps: at every speaker turn (the default), nowhere, or every N
 * minutes (a stamp before the first segment that starts in each new N-minute stretch, also inside a long turn).
 * Also the "Recorded on" line of the md and docx headers. Pure; times are seconds.
 */
import { AppError } from '../domain/errors.ts'
import { speakerTurns, type Transcript, type Turn } from '../domain/transcript.ts'
import { cleanText, formatDate, turnText } from './common.ts'

export type TimestampMode = { every: 'turn' } | { every: 'none' } | { every: 'minutes'; minutes: number }

/** Longest interval offered (minutes): a stamp less often than every 2 hours helps nobody find a place. */
const MAX_MINUTES = 120

/** The `?timestamps=` values the page offers, with their labels (each one parseTimestampMode accepts). */
export const TIMESTAMP_CHOICES: readonly { value: string; label: string }[] = [
  { value: 'turn', label: 'at every speaker turn' },
  { value: 'none', label: 'none' },
  { value: '1', label: 'every minute' },
  { value: '2', label: 'every 2 minutes' },
  { value: '5', label: 'every 5 minutes' },
  { value: '10', label: 'every 10 minutes' },
]

/**
 * Reads `?timestamps=` of `GET …/export/:format`: `turn` (also when absent or empty), `none`, or a number of
 * minutes between 1 and 120 (decimals allowed, e.g. `0.5`).
 * @throws AppError `bad_request` naming the accepted values.
 */
export function parseTimestampMode(value: string | undefined | null): TimestampMode {
  const v = (value ?? '').trim().toLowerCase()
  if (v === '' || v === 'turn') return { every: 'turn' }
  if (v === 'none') return { every: 'none' }
  const minutes = Number(v)
  if (/^\d+(\.\d+)?$/.test(v) && minutes > 0 && minutes <= MAX_MINUTES) return { every: 'minutes', minutes }
  throw new AppError('bad_request', `timestamps must be "turn", "none" or a number of minutes from 1 to ${MAX_MINUTES} (e.g. timestamps=5), not "${v.slice(0, 20)}".`)
}

/** A speaker turn as the text exports write it: its head's stamp (or null) and its text in parts, each with an optional stamp before it. */
export interface StampedTurn {
  turn: Turn
  /** Seconds for the stamp in the turn's head, or null for none. */
  stamp: number | null
  /** The turn's text: cleaned segment texts joined by a space, split where a stamp goes inside the turn. */
  parts: { stamp: number | null; text: string }[]
}

/** The kept transcript's speaker turns with the stamps `mode` asks for. */
export function stampedTurns(t: Transcript, mode: TimestampMode): StampedTurn[] {
  const interval = mode.every === 'minutes' ? mode.minutes * 60 : 0
  let next = 0 // seconds from which the next interval stamp is due
  return speakerTurns(t).map((turn) => {
    if (mode.every !== 'minutes') {
      return { turn, stamp: mode.every === 'turn' ? turn.start : null, parts: [{ stamp: null, text: turnText(turn) }] }
    }
    let stamp: number | null = null
    const parts: { stamp: number | null; text: string }[] = []
    turn.segments.forEach((seg, i) => {
      const text = cleanText(seg.text)
      let here: number | null = null
      if (seg.start >= next) {
        here = seg.start
        next = (Math.floor(seg.start / interval) + 1) * interval
      }
      if (i === 0 && here !== null) {
        stamp = here
        here = null
      }
      const last = parts.at(-1)
      if (here === null && last) last.text = [last.text, text].filter((x) => x !== '').join(' ')
      else parts.push({ stamp: here, text })
    })
    return { turn, stamp, parts }
  })
}

/**
 * The "Recorded on" value of the md and docx headers: the date the recording was made (from the file's metadata or
 * typed by the user), else "unknown (added <date>)". A plain `YYYY-MM-DD` is shown as that day in any time zone; a
 * full ISO 8601 instant is shown as its day in `timeZone`.
 */
export function recordedOnText(recordedAt: string | null | undefined, createdAt: string, timeZone?: string): string {
  if (recordedAt) {
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(recordedAt)
    return formatDate(dateOnly ? `${recordedAt}T12:00:00Z` : recordedAt, dateOnly ? 'UTC' : timeZone)
  }
  return `unknown (added ${formatDate(createdAt, timeZone)})`
}
