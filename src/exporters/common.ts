/**
 * Helpers shared by the export formats: text cleaning, turn text, the filtered-segment list and the metadata labels
 * (date, language, speakers). Pure; times are seconds.
 */
import type { FilterDecision, Segment, Transcript, Turn } from '../domain/transcript.ts'
import { keptSegments, speakerName } from '../domain/transcript.ts'

// C0 controls other than whitespace, DEL and C1 controls: XML 1.0 (docx) rejects most of them and no reader shows them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g

/**
 * A text as the line-based exports write it: control characters removed, every run of whitespace (newlines, tabs,
 * U+2028 included) turned into one space, trimmed. One segment stays on one line, so it cannot end an SRT/WebVTT cue
 * early or start a Markdown block. The JSON export keeps the original text.
 */
export function cleanText(text: string): string {
  return text.replace(CONTROL_CHARS, '').replace(/\s+/g, ' ').trim()
}

/** A turn's text: its segments' cleaned texts joined with one space, empty ones skipped. */
export function turnText(turn: Turn): string {
  return turn.segments
    .map((s) => cleanText(s.text))
    .filter((t) => t !== '')
    .join(' ')
}

/** Heading of the appendix that lists filtered segments (md and docx). */
export const FILTERED_HEADING = 'Removed by the hallucination filter'

/** A segment the hallucination filter (or the user) hid, with its decision. */
export type FilteredSegment = Segment & { filtered: FilterDecision }

/** The hidden segments in transcript (time) order: the "Removed by the hallucination filter" appendix of md/docx. */
export function filteredSegments(transcript: Transcript): FilteredSegment[] {
  return transcript.segments.filter((s): s is FilteredSegment => s.filtered !== null)
}

/**
 * Display names of the speakers heard in the kept transcript, in the order of `transcript.speakers` (the review page's
 * order), each name once. Speakers whose every segment was filtered, and segments without a speaker, are not listed.
 */
export function speakerNamesInUse(transcript: Transcript): string[] {
  const used = new Set(keptSegments(transcript).map((s) => s.speaker))
  const names = transcript.speakers.filter((s) => used.has(s.id)).map((s) => speakerName(transcript, s.id))
  return [...new Set(names)]
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' })

/**
 * An ISO 639-1 code as an English label with the code, e.g. `ru` → `Russian (ru)`, via `Intl.DisplayNames`;
 * the bare code when Intl does not know it, `unknown` for null.
 */
export function languageLabel(code: string | null): string {
  if (code === null || code.trim() === '') return 'unknown'
  let name: string | undefined
  try {
    name = languageNames.of(code)
  } catch {
    name = undefined // not a well-formed language tag
  }
  return name && name !== code ? `${name} (${code})` : code
}

/**
 * The calendar date of an ISO 8601 instant in British English, e.g. `2026-11-21T09:15:00Z` → `21 November 2026`
 * (Intl.DateTimeFormat `en-GB`, long month), in `timeZone` (IANA name; the process's zone when undefined).
 * Returns the input unchanged when it is not a date.
 * @throws RangeError when `timeZone` is not a time zone Intl knows.
 */
export function formatDate(iso: string, timeZone?: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const format = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone })
  return format.format(date)
}
