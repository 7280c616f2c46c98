/**
 * Reading and editing a recording's transcript, and its versions. Edits are validated, applied all-or-nothing
 * (domain/transcript-edits.ts) and stored as steps of one history per recording (edits, restores of an earlier
 * version, new worker results), which undo and redo walk. No version is ever overwritten. The export files in
 * `output/<id>/` are rewritten after each change so they always reflect what the user sees.
 */
import type { TranscriptView, VersionView } from '../domain/api.ts'
import { AppError } from '../domain/errors.ts'
import type { Logger } from '../domain/ports.ts'
import { givenSpeakerNames, renamedSpeakerCount } from '../domain/speaker-carry.ts'
import { requireRecording, requireTranscript, type HistoryStepKind, type RecordingStore } from '../domain/store.ts'
import { applyEditsCounting, type EditOp } from '../domain/transcript-edits.ts'
import { nextSpeakerId, speakerNames, UNKNOWN_SPEAKER_NAME } from '../domain/transcript.ts'
import type { ExportService } from './exports.ts'

const STEP_WORDS: Record<HistoryStepKind, string> = { edit: 'edit', restore: 'restore of a version', result: 'new transcript' }

export class TranscriptService {
  private readonly deps: { store: RecordingStore; exports: ExportService; logger: Logger }
  constructor(deps: { store: RecordingStore; exports: ExportService; logger: Logger }) {
    this.deps = deps
  }

  /**
   * The current transcript with its revision, version and history counts.
   * @throws AppError `not_found` for an unknown recording or one without a transcript yet.
   */
  get(id: string): TranscriptView {
    const t = requireTranscript(this.deps.store, id)
    return {
      transcript: t.transcript,
      version: t.version,
      transcriptVersion: t.transcriptVersion,
      undoable: t.undoable,
      redoable: t.redoable,
      speakerNames: speakerNames(t.transcript),
      givenNames: givenSpeakerNames(t.transcript.speakers),
      unknownSpeakerName: UNKNOWN_SPEAKER_NAME,
      newSpeakerId: nextSpeakerId(t.transcript),
    }
  }

  /**
   * Applies `ops` atomically to the current version and stores the result.
   * @returns the new view; `replaced` counts the places `replaceText` ops changed (absent without such ops).
   * @throws AppError `bad_request` when any op cannot apply (nothing is stored then), `conflict` when
   *   `expectedVersion` is not the current revision, `not_found`.
   */
  async edit(id: string, ops: EditOp[], expectedVersion?: number): Promise<TranscriptView & { replaced?: number }> {
    const { transcript, version: current } = this.get(id)
    if (expectedVersion !== undefined && expectedVersion !== current) {
      throw new AppError('conflict', 'The transcript was changed elsewhere (another tab?) since you loaded it. Reload to see the latest version, then make your change again.')
    }
    const { transcript: next, replaced } = applyEditsCounting(transcript, ops)
    this.deps.store.saveEdit(id, ops, transcript, next)
    this.rewriteFiles(id)
    return { ...this.get(id), ...(ops.some((op) => op.op === 'replaceText') ? { replaced } : {}) }
  }

  /**
   * Undoes the newest step: an edit (any op, including a whole batch sent in one PATCH), a restore, or a new
   * worker result (the version current before it comes back).
   * @throws AppError `conflict` when there is nothing left to undo, `not_found`.
   */
  undo(id: string): TranscriptView & { step: string } {
    return this.historyStep(id, 'undo', 'There is nothing to undo: the transcript is as the worker delivered it.')
  }

  /**
   * Puts back the step undo took back most recently (a new change after an undo ends what can be redone).
   * @throws AppError `conflict` when there is nothing to redo, `not_found`.
   */
  redo(id: string): TranscriptView & { step: string } {
    return this.historyStep(id, 'redo', 'There is nothing to redo.')
  }

  /** Takes one step back (undo) or forward (redo) in the history; `nothing` is the conflict's message when there is none. */
  private historyStep(id: string, direction: 'undo' | 'redo', nothing: string): TranscriptView & { step: string } {
    this.get(id)
    const result = direction === 'undo' ? this.deps.store.undo(id) : this.deps.store.redo(id)
    if (!result) throw new AppError('conflict', nothing)
    this.rewriteFiles(id)
    return { ...this.get(id), step: STEP_WORDS[result.step] }
  }

  /**
   * Every transcript version of the recording, newest first.
   * @throws AppError `not_found` for an unknown recording (an empty list when it has no transcript yet).
   */
  versions(id: string): VersionView[] {
    requireRecording(this.deps.store, id)
    return this.deps.store.listVersions(id).map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
      jobId: v.jobId,
      current: v.current,
      edits: v.edits,
      renamedSpeakers: renamedSpeakerCount(v.speakers),
      speakers: v.speakers.map((s) => s.name),
    }))
  }

  /**
   * Makes an earlier (or later) version current again, as an undoable step; the version left keeps its edits.
   * @throws AppError `not_found` (no such version), `conflict` (it is already current).
   */
  restore(id: string, version: number): TranscriptView {
    const { transcriptVersion } = this.get(id)
    if (version === transcriptVersion) throw new AppError('conflict', `Version ${version} is already the current one.`)
    const result = this.deps.store.restoreVersion(id, version)
    if (!result) throw new AppError('not_found', `This recording has no transcript version ${version}. The list of versions shows which exist.`)
    this.rewriteFiles(id)
    return this.get(id)
  }

  private rewriteFiles(id: string): void {
    this.deps.exports.writeFiles(id).catch((err: unknown) => this.deps.logger.warn('rewriting export files failed', { id, error: err }))
  }
}
