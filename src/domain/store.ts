/**
 * The persistence port: recordings, their jobs, transcripts and edits. Implemented by
 * `adapters/store/sqlite-store.ts`. Calls are synchronous and durable when they return.
 */
import { AppError, recordingNotFound, type ErrorInfo } from './errors.ts'
import { actionsOf, displayOf, groupsOf, type LifecyclePatch, type RecordingStatus } from './lifecycle.ts'
import { jobView, type JobInfo, type JobOptions, type JobState, type Recording } from './recording.ts'
import type { Speaker, Transcript } from './transcript.ts'

/** A recording with what only the server needs (local file, object key, hash, job options). */
export interface StoredRecording extends Omit<Recording, 'groups' | 'actions' | 'statusDisplay' | 'job'> {
  /** The current job, in the domain's words (the API shows it with `jobView`). */
  job: JobInfo | null
  /** Lower-case file extension without the dot, from the sniffed content (e.g. `m4a`). */
  extension: string
  contentType: string
  /** Hex SHA-256 of the audio bytes. */
  sha256: string | null
  /** Object key on the network volume. */
  objectKey: string
  jobOptions: JobOptions | null
  /** Last progress update the worker sent while the job was running (runpod-python's `progress_update`), if any. */
  jobProgress: unknown
  /** UploadId of a multipart upload to the volume that has started and not finished (crash recovery). */
  multipartUploadId: string | null
  /** When the user asked for a transcription that waits for its upload or a free job slot (ISO 8601), else null. */
  submitRequestedAt: string | null
  /** Library summary: from the transcript (language, names of speakers with kept segments) and all jobs (ms). */
  summary: { language: string | null; speakers: string[]; gpuMs: number; queueMs: number }
  /**
   * When the recording was made: `YYYY-MM-DD` (typed by the user) or an ISO 8601 instant (from the file's
   * metadata), or null when unknown. Shown as "Recorded on" in exports.
   */
  recordedAt?: string | null
}

/**
 * A recording as ingest creates it: everything but its status (the lifecycle's), and what a job, an error, a pending request, a running multipart
 * upload or the library summary adds later (those start empty).
 */
export type NewRecording = Omit<StoredRecording, 'status' | 'job' | 'error' | 'jobOptions' | 'jobProgress' | 'multipartUploadId' | 'submitRequestedAt' | 'summary'>

/** A full-text search hit (see SqliteStore.searchSegments). */
export interface SegmentHit {
  recordingId: string
  segmentId: string
  start: number
  snippet: { text: string; match: boolean }[]
}

export interface StoredTranscript {
  /** The job whose result the current version is. */
  jobId: string
  /**
   * Revision of what is shown: increases by one with every change (a new result, an edit, a restore, undo, redo).
   * `PATCH …/transcript {version}` compares against it, so two tabs cannot overwrite each other.
   */
  version: number
  /** The transcript version shown: 1 for the first worker result, 2 for the next, … */
  transcriptVersion: number
  /** Steps (edits, restores, new results) that undo can take back. */
  undoable: number
  /** Undone steps that redo can put back. */
  redoable: number
  transcript: Transcript
  /** When the current version's worker result was stored (ISO 8601). */
  createdAt: string
  updatedAt: string
}

/** One transcript version of a recording: a worker result with the edits made to it since. */
export interface StoredVersion {
  version: number
  jobId: string
  /** ISO 8601: when the result was stored, and when the version last changed. */
  createdAt: string
  updatedAt: string
  current: boolean
  /** Edits made to this version that are in effect (undone ones are not counted). */
  edits: number
  speakers: Speaker[]
}

/** What a history step did: an edit of one version, a restore of another version, or a new worker result. */
export type HistoryStepKind = 'edit' | 'restore' | 'result'

/**
 * The fields of a recording that change after it is created (absent = unchanged), except its status: a status
 * changes only through `applyLifecycle` with a patch from `lifecycle.ts` (`status` here does not compile).
 */
export type RecordingPatch = { status?: never } & Partial<{
  duration: number | null
  sha256: string | null
  sentBytes: number
  /** Size of the object going to the volume (the compact copy's size once it is known). */
  totalBytes: number
  error: ErrorInfo | null
  jobOptions: JobOptions | null
  multipartUploadId: string | null
  submitRequestedAt: string | null
  recordedAt: string | null
  title: string | null
}>

export interface RecordingStore {
  /** Stores a new recording in the state `initial` (from `lifecycle.created()`). */
  createRecording(r: NewRecording, initial: LifecyclePatch): void
  getRecording(id: string): StoredRecording | null
  listRecordings(): StoredRecording[]
  findBySha256(sha256: string): StoredRecording[]
  listByStatus(statuses: readonly RecordingStatus[]): StoredRecording[]
  countByStatus(statuses: readonly RecordingStatus[]): number
  /** Transcriptions the user asked for that wait for their upload or a job slot, oldest request first. */
  listPendingSubmissions(): StoredRecording[]
  /** Changes fields other than the status. */
  updateRecording(id: string, patch: RecordingPatch): void
  /** Writes a lifecycle transition's patch (the only way a status changes). */
  applyLifecycle(id: string, patch: LifecyclePatch): void
  /** Full-text search over kept segments; all words must occur (prefix match). */
  searchSegments(q: string, limit?: number, perRecording?: number): SegmentHit[]
  /** Records a submitted job as the recording's current job and applies `patch` (`JobAccepted`), atomically. */
  recordJobSubmitted(recordingId: string, job: JobInfo, patch: LifecyclePatch): void
  updateJob(
    jobId: string,
    patch: Partial<{ status: JobState; delayTime: number | null; executionTime: number | null; progress: unknown; finished: boolean }>,
  ): void
  deleteRecording(id: string): void
  /**
   * Stores a worker result as a new version and makes it current; no version is ever overwritten. When another
   * version was current, the switch is an undoable step. Returns the new version number.
   */
  saveTranscript(recordingId: string, jobId: string, doc: Transcript): number
  getTranscript(recordingId: string): StoredTranscript | null
  /**
   * Completes a stored version in place with a judgement that arrived after it (the speech map's): `refine` gets
   * the version's document and each document its history keeps for undo and redo, and returns the new one, or null
   * to leave it. Not a step of the history and not a new revision: it changes only lines nobody touched, and edits
   * apply by segment id, so a page holding the revision may still save. In one transaction.
   * @returns whether the version is the current one and its document changed; false when there is no such version.
   */
  refineVersion(recordingId: string, version: number, refine: (doc: Transcript) => Transcript | null): boolean
  /** Every version of a recording's transcript, newest first. */
  listVersions(recordingId: string): StoredVersion[]
  /** Edits the current version (an undoable step). Returns the new revision. @throws Error when there is no transcript. */
  saveEdit(recordingId: string, ops: unknown, previous: Transcript, next: Transcript): number
  /** Makes `version` current (an undoable step). Returns null when there is no such version or no transcript. */
  restoreVersion(recordingId: string, version: number): { transcript: Transcript; version: number } | null
  /**
   * Takes back the newest step: an edit (its version gets the document from before it), a restore or a new result
   * (the version current before it is current again). `version` is the new revision. Null when there is nothing to undo.
   */
  undo(recordingId: string): { transcript: Transcript; version: number; step: HistoryStepKind } | null
  /** Puts back the oldest undone step exactly as it was. Null when there is nothing to redo. */
  redo(recordingId: string): { transcript: Transcript; version: number; step: HistoryStepKind } | null
}

/**
 * The recording `id`.
 * @throws AppError `not_found` (`recordingNotFound`) when there is none.
 */
export function requireRecording(store: Pick<RecordingStore, 'getRecording'>, id: string): StoredRecording {
  const r = store.getRecording(id)
  if (!r) throw recordingNotFound(id)
  return r
}

/**
 * The current transcript of recording `id`.
 * @throws AppError `not_found` when there is no such recording, or no transcript yet.
 */
export function requireTranscript(store: Pick<RecordingStore, 'getRecording' | 'getTranscript'>, id: string): StoredTranscript {
  requireRecording(store, id)
  const t = store.getTranscript(id)
  if (!t) throw new AppError('not_found', 'This recording has no transcript yet. Start the transcription and wait until it is done.')
  return t
}

/** Public view of a stored recording (what the API returns), with its library groups and allowed actions. */
export function toRecording(r: StoredRecording): Recording {
  return {
    id: r.id,
    filename: r.filename,
    title: r.title ?? null,
    size: r.size,
    duration: r.duration,
    createdAt: r.createdAt,
    status: r.status,
    upload: r.upload,
    job: r.job && jobView(r.job),
    error: r.error,
    groups: groupsOf(r),
    actions: actionsOf(r),
    statusDisplay: displayOf(r),
  }
}
