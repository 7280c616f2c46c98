/**
 * Reading and editing a recording's transcript. Edits are validated, applied all-or-nothing
 * (domain/transcript-edits.ts), stored with the previous version (for undo), and the export files
 * in `output/<id>/` are rewritten so they always reflect what the user sees.
 */
import { AppError } from '../domain/errors.ts'
import type { Logger } from '../domain/ports.ts'
import type { RecordingStore } from '../domain/store.ts'
import { applyEdits, type EditOp } from '../domain/transcript-edits.ts'
import type { Transcript } from '../domain/transcript.ts'
import type { ExportService } from './exports.ts'

export class TranscriptService {
  constructor(private readonly deps: { store: RecordingStore; exports: ExportService; logger: Logger }) {}

  /**
   * The current transcript with its version.
   * @throws AppError `not_found` for an unknown recording or one without a transcript yet.
   */
  get(id: string): { transcript: Transcript; version: number; undoable: number } {
    if (!this.deps.store.getRecording(id)) throw new AppError('not_found', `There is no recording with id "${id}".`)
    const t = this.deps.store.getTranscript(id)
    if (!t) throw new AppError('not_found', 'This recording has no transcript yet. Start the transcription and wait until it is done.')
    return { transcript: t.transcript, version: t.version, undoable: t.undoable }
  }

  /**
   * Applies `ops` atomically and stores the result.
   * @returns the new transcript and version.
   * @throws AppError `bad_request` when any op cannot apply (nothing is stored then), `not_found`.
   */
  async edit(id: string, ops: EditOp[], expectedVersion?: number): Promise<{ transcript: Transcript; version: number; undoable: number }> {
    const { transcript, version: current, undoable } = this.get(id)
    if (expectedVersion !== undefined && expectedVersion !== current) {
      throw new AppError('conflict', 'The transcript was changed elsewhere (another tab?) since you loaded it. Reload to see the latest version, then make your change again.')
    }
    const next = applyEdits(transcript, ops)
    const version = this.deps.store.saveEdit(id, ops, transcript, next)
    this.rewriteFiles(id)
    return { transcript: next, version, undoable: undoable + 1 }
  }

  /**
   * Undoes the newest edit (any op, including a whole batch sent in one PATCH).
   * @throws AppError `conflict` when there is nothing left to undo, `not_found`.
   */
  undo(id: string): { transcript: Transcript; version: number; undoable: number } {
    const { undoable } = this.get(id)
    const result = this.deps.store.undoEdit(id)
    if (!result) throw new AppError('conflict', 'There is nothing to undo: the transcript is as the worker delivered it.')
    this.rewriteFiles(id)
    return { ...result, undoable: undoable - 1 }
  }

  private rewriteFiles(id: string): void {
    this.deps.exports.writeFiles(id).catch((err: unknown) => this.deps.logger.warn('rewriting export files failed', { id, error: err }))
  }
}
