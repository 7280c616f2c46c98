/**
 * Recordings and their jobs: the state machine the panel persists and the page displays.
 * Sizes in bytes, durations in seconds, RunPod times
 * (`delayTime`, `executionTime`) in milliseconds as RunPod reports them.
 */
import type { ErrorInfo } from './errors.ts'
import type { RecordingAction, RecordingGroup, RecordingStatus, StatusDisplay } from './lifecycle.ts'

export type { RecordingStatus } from './lifecycle.ts'

/**
 * A transcription job's state, in the panel's words: `queued` (waiting for a worker), `running` (on a worker),
 * `completed` (ended; its result, if any, is ready to read), `failed` (the worker failed), `cancelled`, and
 * `timed-out` (it ran past its execution timeout or its time to live). `failed` and `timed-out` stay apart:
 * the user is told different things, and both can be retried while the backend still holds the job.
 */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timed-out'

/**
 * A job's state as the HTTP API reports it (`Recording.job.status`): the names the API has always used, which
 * are RunPod's (https://docs.runpod.io/serverless/endpoints/job-states); scripts read them.
 */
export type ApiJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT'

const API_JOB_STATUS: Record<JobState, ApiJobStatus> = {
  queued: 'IN_QUEUE',
  running: 'IN_PROGRESS',
  completed: 'COMPLETED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
  'timed-out': 'TIMED_OUT',
}

/** How the worker was told where the audio is. */
export type AudioReferenceKind = 'presigned' | 'volume-path'

/** How the worker is to be told where the audio is (`AUDIO_REFERENCE`): `auto` picks one of the kinds per volume. */
export const AUDIO_REFERENCE_MODES = ['auto', 'presigned', 'volume-path'] as const
export type AudioReferenceMode = (typeof AUDIO_REFERENCE_MODES)[number]

export interface JobInfo {
  /** RunPod job id. */
  id: string
  status: JobState
  audioReference: AudioReferenceKind
  /** ms the job waited in RunPod's queue, once known. */
  delayTime: number | null
  /** ms of GPU execution, once known. */
  executionTime: number | null
}

/** The options a user chooses when starting a transcription (`POST …/transcribe`). */
export interface JobOptions {
  /** ISO 639-1 code, or null for automatic detection. */
  language: string | null
  diarize: boolean
  minSpeakers: number | null
  maxSpeakers: number | null
  /** Whisper model name, or null for the panel's WHISPER_MODEL. */
  model?: string | null
  /** Names and jargon to prime Whisper with (its `initial_prompt`), or null. */
  initialPrompt?: string | null
  /** WhisperX batch size, or null for the panel's WHISPER_BATCH_SIZE. */
  batchSize?: number | null
  /** Word alignment (default true); live-text windows leave it off for speed. */
  align?: boolean
}

/** A recording's job as the HTTP API shows it: its state in the API's names (see `ApiJobStatus`). */
export interface JobView extends Omit<JobInfo, 'status'> {
  status: ApiJobStatus
}

/** The API's view of a job (`Recording.job`). */
export function jobView(job: JobInfo): JobView {
  return { ...job, status: API_JOB_STATUS[job.status] }
}

/** A recording as the HTTP API returns it (and the page reads it). */
export interface Recording {
  id: string
  /** The user's file name, sanitized for display and download names. */
  filename: string
  /**
   * The title the user gave the recording in the page (`PATCH /api/recordings/:id {title}`), shown instead of
   * the file name and searched with it; null (or absent at creation) = not renamed. The file name never changes.
   */
  title?: string | null
  /** Bytes. */
  size: number
  /** Seconds, from ffprobe; null until probed. */
  duration: number | null
  /** ISO 8601 (UTC). */
  createdAt: string
  status: RecordingStatus
  upload: { sentBytes: number; totalBytes: number }
  job: JobView | null
  error: ErrorInfo | null
  /** The library groups it belongs to (from the lifecycle): what the page filters by. */
  groups: RecordingGroup[]
  /** What the user may do with it now (from the lifecycle): what the page offers. */
  actions: RecordingAction[]
  /** Its status as the page shows it: chip, status line, place in the order by status (from the lifecycle). */
  statusDisplay: StatusDisplay
}

/**
 * Estimated cost of a job in US dollars, rounded to millionths: GPU execution seconds × the configured price
 * per second. RunPod bills worker time (https://docs.runpod.io/serverless/pricing); queue time and cold
 * starts are not priced here, so this is an estimate.
 */
export function estimateGpuCostUsd(gpuSeconds: number, pricePerSecond: number): number {
  return Math.round(gpuSeconds * pricePerSecond * 1e6) / 1e6
}
