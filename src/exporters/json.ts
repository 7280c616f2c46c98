/**
 * JSON export: the whole transcript as `GET /api/recordings/:id/transcript` returns it (the shape
 * of domain/transcript.ts), filtered segments included with their decisions, plus the recording's metadata. Nothing is lost: this is
 * the export to re-import or to process further.
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import type { Segment, Speaker, Word } from '../domain/transcript.ts'

/** The JSON export's top-level shape; times in seconds, dates ISO 8601 UTC as given. */
export interface TranscriptExport {
  title: string
  createdAt: string
  /** When the recording was made (`YYYY-MM-DD` or ISO 8601), or null when unknown. */
  recordedAt: string | null
  transcribedAt: string
  language: string | null
  duration: number
  speakers: Speaker[]
  segments: Segment[]
}

/**
 * Renders `{title, createdAt, recordedAt, transcribedAt, language, duration, speakers: [{id, name}], segments: [{id, start, end,
 * speaker, text, words: [{text, start, end, score, estimated}], filtered: null | {rule, reason}}]}` — every segment,
 * kept or filtered, in transcript order, texts unchanged. Fields are copied by name so nothing outside the documented
 * shape leaks into the file. Pretty-printed with 2 spaces, non-ASCII written as is (UTF-8), trailing newline.
 */
export function renderJson(doc: ExportDocument): string {
  const t = doc.transcript
  const word = (w: Word): Word => ({ text: w.text, start: w.start, end: w.end, score: w.score, estimated: w.estimated })
  const out: TranscriptExport = {
    title: doc.title,
    createdAt: doc.createdAt,
    recordedAt: doc.recordedAt ?? null,
    transcribedAt: doc.transcribedAt,
    language: t.language,
    duration: t.duration,
    speakers: t.speakers.map((s) => ({ id: s.id, name: s.name })),
    segments: t.segments.map((s) => ({
      id: s.id,
      start: s.start,
      end: s.end,
      speaker: s.speaker,
      text: s.text,
      words: s.words.map(word),
      filtered: s.filtered === null ? null : { rule: s.filtered.rule, reason: s.filtered.reason },
    })),
  }
  return JSON.stringify(out, null, 2) + '\n'
}

/** The `json` exporter: application/json, UTF-8. */
export const jsonExporter: Exporter = {
  format: 'json',
  label: 'json',
  timestamps: false,
  extension: 'json',
  contentType: 'application/json; charset=utf-8',
  render: async (doc) => renderJson(doc),
}
