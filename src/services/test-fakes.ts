/**
 * In-memory stand-ins for the ports, for the services' unit tests: a transcription backend that answers from a
 * script, an object store that keeps objects and multipart uploads in maps, a logger that remembers, and a SQLite
 * store in memory holding one recording moved to the status a test needs by the lifecycle's own events.
 * Only tests import this module.
 */
import { SqliteStore } from '../adapters/store/sqlite-store.ts'
import { AppError } from '../domain/errors.ts'
import { created, transition, type LifecycleEvent } from '../domain/lifecycle.ts'
import type {
  AudioReference,
  JobReport,
  JobState,
  Logger,
  ObjectStore,
  ResumedUpload,
  TranscriptionBackend,
  TranscriptionRequest,
  UploadOptions,
  WorkerResult,
} from '../domain/ports.ts'
import type { JobOptions } from '../domain/recording.ts'
import type { NewRecording, StoredRecording } from '../domain/store.ts'

/** What a scripted call answers: a value, or an error it throws. */
export type Answer<T> = T | AppError

/** A logger that keeps what it was told. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = []
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', msg, fields })
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', msg, fields })
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', msg, fields })
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', msg, fields })
  }
}

/** A job report with nothing in it but `state` (and what `more` adds). */
export function report(state: JobState, more: Partial<JobReport> = {}): JobReport {
  return { id: 'job-1', state, timings: { queueMs: null, executionMs: null }, progress: null, result: undefined, error: null, ...more }
}

/**
 * A transcription backend that answers from queues the test fills: each call takes the next answer of its
 * kind (the last one repeats). Every call is recorded in `calls`.
 */
export class ScriptedBackend implements TranscriptionBackend {
  readonly calls: { method: string; arg?: unknown }[] = []
  submits: Answer<{ id: string; state: JobState }>[] = [{ id: 'job-1', state: 'queued' }]
  statuses: Answer<JobReport>[] = [report('queued')]
  retries: Answer<{ id: string; state: JobState }>[] = [{ id: 'job-1', state: 'queued' }]
  cancels: Answer<void>[] = [undefined]

  called(method: string): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.arg)
  }

  async submit(request: TranscriptionRequest) {
    return this.answer('submit', request, this.submits)
  }
  async status(jobId: string) {
    return this.answer('status', jobId, this.statuses)
  }
  async retry(jobId: string) {
    return this.answer('retry', jobId, this.retries)
  }
  async cancel(jobId: string) {
    return this.answer('cancel', jobId, this.cancels)
  }
  /** Records the call and gives its next answer (the last one repeats). */
  private answer<T>(method: string, arg: unknown, answers: Answer<T>[]): T {
    this.calls.push({ method, arg })
    const a = answers.length > 1 ? answers.shift()! : answers[0]!
    if (a instanceof AppError) throw a
    return a
  }
  async health() {
    return { workers: { idle: 1 }, jobs: {} }
  }
  readResult(result: unknown): WorkerResult {
    return result as WorkerResult
  }
  assertConfigured(): void {}
}


/** A multipart upload the fake volume holds: its key and the bytes of its parts so far. */
interface PendingUpload {
  key: string
  sentBytes: number
}

/**
 * A network volume in memory. `uploadFile` starts a multipart upload (its id given to `onMultipartStarted`), sends
 * the object in two halves and completes it; `failNext` makes the next send fail after the first half (the
 * upload stays pending, resumable), `holding` holds it there. Objects keep their size only.
 */
export class MemoryVolume implements ObjectStore {
  readonly bucket = 'volume-1'
  readonly objects = new Map<string, number>()
  readonly pending = new Map<string, PendingUpload>()
  readonly aborted: string[] = []
  readonly calls: string[] = []
  /** Errors thrown by the next sends (uploadFile or resumeUpload), in order, after half the bytes. */
  failNext: AppError[] = []
  /** Whether `resumeUpload` finds the upload (false: the volume forgot it). */
  knowsUploads = true
  /** Bytes each object is taken to have (the file's size is not read). */
  size = 1000
  /** While true, sends stop after the first half and wait (until released or stopped by their signal). */
  holding = false
  private uploads = 0

  async uploadFile(key: string, _source: unknown, options: UploadOptions): Promise<void> {
    this.calls.push(`upload ${key}`)
    const uploadId = `upload-${++this.uploads}`
    this.pending.set(uploadId, { key, sentBytes: 0 })
    options.onMultipartStarted?.(uploadId)
    await this.send(uploadId, options.onProgress, options.signal)
  }

  async resumeUpload(key: string, _filePath: string, uploadId: string, options: { onProgress?: (sent: number) => void; signal?: AbortSignal }): Promise<ResumedUpload | null> {
    this.calls.push(`resume ${key} ${uploadId}`)
    const p = this.pending.get(uploadId)
    if (!this.knowsUploads || !p) return null
    const kept = p.sentBytes
    await this.send(uploadId, options.onProgress, options.signal)
    return { keptParts: kept ? 1 : 0, keptBytes: kept, sentParts: kept ? 1 : 2, sentBytes: this.size - kept }
  }

  private async send(uploadId: string, onProgress?: (sent: number) => void, signal?: AbortSignal): Promise<void> {
    const p = this.pending.get(uploadId)!
    await Promise.resolve()
    if (signal?.aborted) throw new AppError('upload_failed', 'stopped')
    p.sentBytes = Math.max(p.sentBytes, this.size / 2)
    onProgress?.(p.sentBytes)
    while (this.holding && !signal?.aborted) await new Promise((resolve) => setTimeout(resolve, 2))
    if (signal?.aborted) throw new AppError('upload_failed', 'stopped')
    const failure = this.failNext.shift()
    if (failure) throw failure
    p.sentBytes = this.size
    onProgress?.(this.size)
    this.pending.delete(uploadId)
    this.objects.set(p.key, this.size)
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    this.calls.push(`abort ${key} ${uploadId}`)
    this.aborted.push(uploadId)
    this.pending.delete(uploadId)
  }
  async workerAudio(key: string): Promise<AudioReference> {
    return { kind: 'volume-path', key }
  }
  async readObject(): Promise<Buffer | null> {
    return null
  }
  async deleteObject(key: string): Promise<void> {
    this.objects.delete(key)
  }
  async deletePrefix(): Promise<number> {
    return 0
  }
  async check(): Promise<void> {}
}

export const OPTIONS: JobOptions = { language: 'en', diarize: true, minSpeakers: null, maxSpeakers: null }

/** A recording as ingest creates it: `id`, 1000 bytes, 60 s of audio, its object key beside its id. */
export function newRecording(id: string, more: Partial<NewRecording> = {}): NewRecording {
  return {
    id,
    filename: 'interview.m4a',
    extension: 'm4a',
    contentType: 'audio/mp4',
    size: 1000,
    sha256: null,
    duration: 60,
    createdAt: '2026-11-29T10:00:00.000Z',
    upload: { sentBytes: 0, totalBytes: 1000 },
    objectKey: `scribe-panel/${id}/audio.m4a`,
    ...more,
  }
}

/** The lifecycle events that bring a new recording to each status a test starts from ('job': its job is stored). */
const PATHS = {
  uploading: [],
  uploaded: [{ type: 'UploadFinished', bytes: 1000 }],
  queued: [{ type: 'UploadFinished', bytes: 1000 }, { type: 'SubmitStarted', options: OPTIONS }, 'job'],
  transcribing: [{ type: 'UploadFinished', bytes: 1000 }, { type: 'SubmitStarted', options: OPTIONS }, 'job', { type: 'JobReported', state: 'running' }],
  failed: [{ type: 'UploadFinished', bytes: 1000 }, { type: 'SubmitStarted', options: OPTIONS }, 'job', { type: 'JobReported', state: 'failed', error: { code: 'job_failed', message: 'The worker failed.' } }],
} satisfies Record<string, (LifecycleEvent | 'job')[]>

/**
 * A store in memory with recording `id` brought to `status` by the lifecycle's events, as the services would
 * have, with a job `job-<id>` where the status has one (its state as last reported).
 */
export function storeWith(id: string, status: keyof typeof PATHS, store = new SqliteStore(':memory:')): SqliteStore {
  store.createRecording(newRecording(id), created())
  for (const step of PATHS[status] as (LifecycleEvent | 'job')[]) {
    const r = store.getRecording(id)!
    if (step === 'job') {
      const accepted = transition(r, { type: 'JobAccepted' })
      store.recordJobSubmitted(id, { id: `job-${id}`, status: 'queued', audioReference: 'volume-path', delayTime: null, executionTime: null }, accepted.patch)
      continue
    }
    const t = transition(r, step)
    if (t.ignored) throw new Error(`storeWith: ${step.type} does not fit ${r.status}`)
    store.applyLifecycle(id, t.patch)
    if (step.type === 'JobReported') store.updateJob(`job-${id}`, { status: step.state, finished: step.state !== 'running' })
  }
  return store
}

/** The recording `id` as stored now (it must exist). */
export function current(store: SqliteStore, id: string): StoredRecording {
  return store.getRecording(id)!
}
