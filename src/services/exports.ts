/**
 * Renders exports from the stored transcript (with every rename, merge, edit and filter decision
 * applied) and keeps copies in `output/<id>/` (json, md, docx) after each change.
 */
import { AppError } from '../domain/errors.ts'
import type { NoteStore } from '../domain/notes.ts'
import type { RecordingFiles } from '../domain/ports.ts'
import { requireRecording, requireTranscript, type RecordingStore, type StoredRecording } from '../domain/store.ts'
import { EXPORTERS, exportFileName, getExporter, withoutMediaExtension } from '../exporters/index.ts'
import type { TimestampMode } from '../exporters/stamps.ts'

/** The title exports show: the one the user gave the recording, else its file name without the audio extension. */
export function exportTitle(r: StoredRecording): string {
  return r.title || withoutMediaExtension(r.filename)
}

/** Formats written to `output/<id>/` whenever the transcript is stored or edited (json, md, docx). */
export const FILE_FORMATS = ['json', 'md', 'docx'] as const

export class ExportService {
  private readonly deps: { store: RecordingStore; files: RecordingFiles; notes?: NoteStore }
  constructor(deps: { store: RecordingStore; files: RecordingFiles; notes?: NoteStore }) {
    this.deps = deps
  }

  /** Known format keys, for error messages and the page. */
  formats(): string[] {
    return [...EXPORTERS.keys()]
  }

  /**
   * Renders one export of a recording's transcript.
   * @param options.timestamps where md, docx and txt put timestamps (every speaker turn when absent)
   * @param options.notes add the recording's LLM notes that have text (md and docx), oldest first
   * @returns the body, a safe download file name and the content type.
   * @throws AppError `not_found` (no recording / no transcript yet), `bad_request` (unknown format).
   */
  async render(id: string, format: string, options: { timestamps?: TimestampMode; notes?: boolean } = {}): Promise<{ body: string | Uint8Array; fileName: string; contentType: string }> {
    const exporter = getExporter(format)
    if (!exporter) throw new AppError('bad_request', `Unknown export format "${format}". Use one of: ${this.formats().join(', ')}.`)
    const t = requireTranscript(this.deps.store, id)
    const r = requireRecording(this.deps.store, id)
    const title = exportTitle(r)
    const body = await exporter.render({
      transcript: t.transcript,
      title,
      createdAt: r.createdAt,
      recordedAt: r.recordedAt ?? null,
      transcribedAt: t.createdAt,
      ...(options.timestamps ? { timestamps: options.timestamps } : {}),
      ...(options.notes && this.deps.notes ? { notes: this.deps.notes.listNotes(id).filter((n) => n.text.trim() !== '').reverse() } : {}),
    })
    return { body, fileName: exportFileName(title, exporter), contentType: exporter.contentType }
  }

  /** Writes the json, md and docx exports beside the worker's output (`RecordingFiles.saveTranscriptCopy`, atomic per file). */
  async writeFiles(id: string): Promise<void> {
    for (const format of FILE_FORMATS) {
      const { body } = await this.render(id, format)
      await this.deps.files.saveTranscriptCopy(id, getExporter(format)!.extension, body)
    }
  }
}
