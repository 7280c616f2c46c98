/**
 * One interface for every export format; `index.ts` holds the registry keyed by format.
 * Exporters are pure: they render a transcript (with the user's renames, merges, edits and filter
 * decisions already applied) and never touch the disk or the network.
 */
import type { Transcript } from '../domain/transcript.ts'
import type { ExportNote } from './notes-section.ts'
import type { TimestampMode } from './stamps.ts'

/** What an exporter renders. */
export interface ExportDocument {
  transcript: Transcript
  /** The recording's title, e.g. `interview` (the file name without its extension unless the user renamed it). */
  title: string
  /** When the recording was added, ISO 8601 UTC. */
  createdAt: string
  /**
   * When the recording was made: `YYYY-MM-DD` (typed by the user) or an ISO 8601 instant (from the file's
   * metadata); null or absent when unknown. Shown as "Recorded on" in md and docx.
   */
  recordedAt?: string | null
  /** Where md, docx and txt put timestamps; every speaker turn when absent. Other formats have their own timing. */
  timestamps?: TimestampMode
  /** When the transcript was produced, ISO 8601 UTC. */
  transcribedAt: string
  /**
   * IANA time zone for the dates shown in md and docx (e.g. `Europe/Berlin`); the process's local zone when absent.
   * Optional so callers can leave it out; tests pass one so golden files do not depend on the machine's zone.
   */
  timeZone?: string
  /** LLM notes to add after the transcript (md and docx; `?notes=1`); none when absent. */
  notes?: ExportNote[]
}

export interface Exporter {
  /** URL and registry key, e.g. `md`. */
  readonly format: string
  /** The name the page shows on the download link, e.g. `docx`, `MAXQDA`. */
  readonly label: string
  /** True when `ExportDocument.timestamps` changes the file (md, docx, txt); subtitles and QDA keep their own timing. */
  readonly timestamps: boolean
  /** File extension without the dot, e.g. `md` (QDA: `txt` with a `_maxqda` suffix in the name). */
  readonly extension: string
  /** Suffix added to the base name before the extension (e.g. `_maxqda`); usually empty. */
  readonly nameSuffix?: string
  /** HTTP Content-Type, with charset for text. */
  readonly contentType: string
  /** Renders the document; text formats return UTF-8 strings, binary formats bytes. */
  render(doc: ExportDocument): Promise<string | Uint8Array>
}
