/**
 * The persistence port: recordings, their jobs, transcripts and edits. Implemented by
 * `adapters/store/sqlite-store.ts`. Calls are synchronous and durable when they return.
 */
import type { ErrorInfo } from './errors.ts'
import type { JobInfo, JobOptions, Recording, RecordingStatus, RunpodJobStatus } from './recording.ts'
import type { Transcript } from './transcript.ts'

/** A recording with what only the server needs (local file, object key, hash, job options). */
export interface StoredRecording extends Recording {
  /** Lower-case file extension without the dot, from the sniffed content (e.g. `m4a`). */
  extension: string
  contentType: string
  /** Hex SHA-256 of the audio bytes. */
  sha256: string | null
  /** Object key on the network volume. */
  objectKey: string
  jobOptions: JobOptions | null
  /** Last progress update the worker sent during IN_PROGRESS (reference/runpod.md §1.5), if any. */
  jobProgress: unknown
  /** UploadId of a multipart upload to the volume that has started and not finished (crash recovery). */
  multipartUploadId: string | null
  /** When the user asked for a transcription that waits for its upload or a free job slot (ISO 8601), else null. */
  submitRequestedAt: string | null
  /** Library summary: from the transcript (language, names of speakers with kept segments) and all jobs (ms). */
  summary: { language: string | null; speakers: string[]; gpuMs: number; queueMs: number }
}

/** A full-text search hit (see SqliteStore.searchSegments). */
export interface SegmentHit {
  recordingId: string
  segmentId: string
  start: number
  snippet: { text: string; match: boolean }[]
}

export interface StoredTranscript {
  jobId: string
  /** Increases by one with every save or edit. */
  version: number
  /** Edits that `undoEdit` can take back. */
  undoable: number
  transcript: Transcript
  createdAt: string
  updatedAt: string
}

/** The fields of a recording that change after it is created (absent = unchanged). */
export type RecordingPatch = Partial<{
  status: RecordingStatus
  duration: number | null
  sha256: string | null
  sentBytes: number
  error: ErrorInfo | null
  jobOptions: JobOptions | null
  multipartUploadId: string | null
  submitRequestedAt: string | null
}>

export interface RecordingStore {
  createRecording(r: Omit<StoredRecording, 'job' | 'error' | 'jobOptions' | 'jobProgress' | 'multipartUploadId' | 'submitRequestedAt' | 'summary'>): void
  getRecording(id: string): StoredRecording | null
  listRecordings(): StoredRecording[]
  findBySha256(sha256: string): StoredRecording[]
  listByStatus(statuses: readonly RecordingStatus[]): StoredRecording[]
  countByStatus(statuses: readonly RecordingStatus[]): number
  /** Transcriptions the user asked for that wait for their upload or a job slot, oldest request first. */
  listPendingSubmissions(): StoredRecording[]
  updateRecording(
    id: string,
    patch: RecordingPatch,
  ): void
  /** Full-text search over kept segments; all words must occur (prefix match). */
  searchSegments(q: string, limit?: number, perRecording?: number): SegmentHit[]
  recordJobSubmitted(recordingId: string, job: JobInfo, status: RecordingStatus): void
  updateJob(
    jobId: string,
    patch: Partial<{ status: RunpodJobStatus; delayTime: number | null; executionTime: number | null; progress: unknown; finished: boolean }>,
  ): void
  deleteRecording(id: string): void
  saveTranscript(recordingId: string, jobId: string, doc: Transcript): void
  getTranscript(recordingId: string): StoredTranscript | null
  saveEdit(recordingId: string, ops: unknown, previous: Transcript, next: Transcript): number
  /**
   * Undoes the newest edit: the transcript goes back to the document saved before it, as a new version,
   * and that edit is removed from the log. Returns null when there is nothing to undo.
   */
  undoEdit(recordingId: string): { transcript: Transcript; version: number } | null
}

/** Public view of a stored recording (what the API returns). */
export function toRecording(r: StoredRecording): Recording {
  return {
    id: r.id,
    filename: r.filename,
    size: r.size,
    duration: r.duration,
    createdAt: r.createdAt,
    status: r.status,
    upload: r.upload,
    job: r.job,
    error: r.error,
  }
}
