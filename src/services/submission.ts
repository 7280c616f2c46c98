/**
 * Submission: a user's request for a transcription becomes a RunPod job now, or waits (for its upload, a job
 * slot or the `/run` budget) and is dispatched later, oldest first. The job id is stored the moment `/run`
 * answers; a `/run` with an unknown outcome is tried again a bounded number of times; a failed job with the
 * same options is retried on RunPod (same id) while RunPod still holds it.
 */
import { AppError, toErrorInfo } from '../domain/errors.ts'
import { IN_FLIGHT_STATUSES, transition } from '../domain/lifecycle.ts'
import type { AudioReference, JobPolicy, Logger, ObjectStore, TranscriptionBackend } from '../domain/ports.ts'
import type { JobOptions } from '../domain/recording.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import type { RecordingLifecycle } from './recording-lifecycle.ts'

export interface SubmissionDeps {
  store: RecordingStore
  backend: TranscriptionBackend
  /** The volume: how the worker is told where the audio is; null when its settings are missing. */
  objectStore: ObjectStore | null
  lifecycle: RecordingLifecycle
  logger: Logger
  /** RunPod jobs in flight at once; further transcriptions wait in the panel (JOB_CONCURRENCY). */
  jobConcurrency: number
  /**
   * Waits (ms) before each new try of a `/run` whose outcome is unknown (a 5xx, or the connection dropped after
   * the request was sent); their number bounds the tries. Default 5 s, 20 s, 60 s. A duplicate job costs a few
   * GPU seconds; a lost one costs the user a retry, so the panel tries again by itself.
   */
  submitRetryDelaysMs?: readonly number[]
  /** Called when RunPod accepted a job (or re-queued one): the poller follows it soon. */
  onAccepted?: (recordingId: string) => void
}

/** RunPod policy limits: executionTimeout ≥ 5 s, ttl ≥ 10 s, both ≤ 7 days (https://docs.runpod.io/serverless/endpoints/send-requests, "Execution policies"). */
const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000

/**
 * Job policy scaled to the audio: 10 minutes plus half the recording's length for execution (WhisperX
 * large-v3 runs many times faster than real time on a GPU; the margin covers model loading), and a
 * time to live of at least 24 h (RunPod's default) so a long queue does not delete the job.
 * @param durationSeconds - recording length in seconds (null: assume one hour).
 */
export function jobPolicy(durationSeconds: number | null): JobPolicy {
  const d = durationSeconds ?? 3600
  const executionTimeout = Math.min(SEVEN_DAYS_MS, Math.max(5_000, Math.round(600_000 + d * 500)))
  const ttl = Math.min(SEVEN_DAYS_MS, Math.max(24 * 3600 * 1000, executionTimeout + 3600 * 1000))
  return { executionTimeout, ttl }
}

/** Waiting transcriptions submitted per dispatch (one per poller tick, 250 ms). */
const SUBMITS_PER_TICK = 10
const RUN_WINDOW_MS = 10_000
const MAX_RUNS_PER_WINDOW = 400

export class Submission {
  private readonly submitting = new Set<string>()
  /** Ambiguous /run failures so far, per recording (reset when a job is accepted or the user starts anew). */
  private readonly submitFailures = new Map<string, number>()
  /** Earliest time (epoch ms) of the next /run try after an ambiguous failure. */
  private readonly submitRetryAt = new Map<string, number>()
  /** Times (ms) of the /run calls in the last RUN_WINDOW_MS. */
  private readonly recentRuns: number[] = []
  private readonly deps: SubmissionDeps
  constructor(deps: SubmissionDeps) {
    this.deps = deps
  }

  /**
   * Starts (or queues) a transcription. While the cloud upload is still running the options are
   * stored and the job is submitted as soon as the upload finishes.
   * @throws AppError `not_configured` (RunPod settings missing), `conflict` (upload failed, job running),
   *   and the backend's errors from `submit`.
   */
  async start(id: string, options: JobOptions): Promise<StoredRecording> {
    const r = this.deps.lifecycle.get(id)
    this.deps.backend.assertConfigured()
    const slotFree = r.status !== 'uploading' && this.inFlight() < this.deps.jobConcurrency && this.submitBudget()
    const t = this.deps.lifecycle.apply(r, { type: 'SubmitRequested', options, slotFree, now: new Date().toISOString() })
    if (t.effects.includes('retry-job')) {
      const retried = await this.retry(r)
      if (retried) return retried
    }
    if (t.effects.includes('retry-job') || t.effects.includes('submit')) return this.submit(this.deps.lifecycle.get(id), options)
    return this.deps.lifecycle.get(id)
  }

  /**
   * Re-queues the same RunPod job with `/retry` (no new upload reference, same id). Returns null when
   * RunPod cannot retry it any more (result expired, or not retryable), so the caller submits anew.
   */
  private async retry(r: StoredRecording): Promise<StoredRecording | null> {
    const job = r.job!
    this.deps.lifecycle.apply(r, { type: 'RetryStarted' })
    try {
      const res = await this.deps.backend.retry(job.id)
      this.deps.store.updateJob(job.id, { status: res.state, delayTime: null, executionTime: null })
      this.deps.onAccepted?.(r.id)
      this.deps.logger.info('job retried on RunPod', { id: r.id, jobId: job.id })
      this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'JobAccepted' })
      return this.deps.lifecycle.get(r.id)
    } catch (err) {
      if (err instanceof AppError && (err.code === 'job_expired' || err.code === 'bad_request')) {
        this.deps.logger.info('RunPod cannot retry the job; submitting a new one', { id: r.id, jobId: job.id, reason: err.code })
        this.deps.store.applyLifecycle(r.id, transition(this.deps.lifecycle.get(r.id), { type: 'RetryRefused' }).patch)
        return null
      }
      this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'SubmitFailed', error: toErrorInfo(err) })
      throw err
    }
  }

  /** Jobs on RunPod (or being submitted) right now. */
  private inFlight(): number {
    return this.deps.store.countByStatus(IN_FLIGHT_STATUSES)
  }

  /** Called by the upload service when a cloud upload completes: submits a transcription that was waiting. */
  onUploaded(_id: string): void {
    this.dispatch()
  }

  /** Submits waiting transcriptions, oldest request first, while job slots are free. */
  dispatch(): void {
    // At most SUBMITS_PER_TICK per 250 ms tick = 40 /run per second, 400 per 10 s: well under RunPod's
    // 1000 per 10 s (https://docs.runpod.io/serverless/endpoints/send-requests, "Rate limits"), leaving room for other clients of the endpoint.
    let free = Math.min(SUBMITS_PER_TICK, this.deps.jobConcurrency - this.inFlight())
    if (free <= 0) return
    for (const r of this.deps.store.listPendingSubmissions()) {
      if (free <= 0 || !this.submitBudget()) break
      if (this.submitting.has(r.id) || !r.jobOptions) continue
      if ((this.submitRetryAt.get(r.id) ?? 0) > Date.now()) continue
      free--
      this.submit(r, r.jobOptions).catch((err: unknown) => this.deps.logger.warn('queued submission failed', { id: r.id, error: err }))
    }
  }

  /**
   * Whether another /run fits the panel's own budget: MAX_RUNS_PER_WINDOW per 10 s, 40 % of RunPod's
   * 1000 per 10 s per endpoint (https://docs.runpod.io/serverless/endpoints/send-requests), so other clients of the endpoint keep room.
   */
  private submitBudget(): boolean {
    const now = Date.now()
    while (this.recentRuns.length > 0 && this.recentRuns[0]! <= now - RUN_WINDOW_MS) this.recentRuns.shift()
    return this.recentRuns.length < MAX_RUNS_PER_WINDOW
  }

  private async submit(r: StoredRecording, options: JobOptions): Promise<StoredRecording> {
    this.recentRuns.push(Date.now())
    if (this.submitting.has(r.id)) throw new AppError('conflict', 'This recording is already being submitted.')
    this.submitting.add(r.id)
    try {
      // Persist first: a crash from here on leaves a visible 'submitting' state that resume() resolves.
      const started = this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'SubmitStarted', options })
      if (started.ignored) throw new AppError('conflict', `This recording cannot be submitted now (${started.ignored}).`)
      const audio = await this.audioReference(r)
      const job = await this.deps.backend.submit({ audio, options, policy: jobPolicy(r.duration) })
      this.submitFailures.delete(r.id)
      this.submitRetryAt.delete(r.id)
      this.deps.store.recordJobSubmitted(r.id, { id: job.id, status: job.state, audioReference: audio.kind, delayTime: null, executionTime: null }, transition(this.deps.lifecycle.get(r.id), { type: 'JobAccepted' }).patch)
      // The reference's kind only: a presigned URL is a secret that must not reach the log.
      this.deps.logger.info('job submitted', { id: r.id, jobId: job.id, audioReference: audio.kind })
      this.deps.onAccepted?.(r.id)
      this.deps.lifecycle.publish(r.id)
      return this.deps.lifecycle.get(r.id)
    } catch (err) {
      if (err instanceof AppError && err.retryable && (err.code === 'runpod_unavailable' || err.code === 'runpod_rate_limited')) return this.retrySubmitLater(r, options, err)
      this.submitFailures.delete(r.id)
      this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'SubmitFailed', error: toErrorInfo(err) })
      throw err
    } finally {
      this.submitting.delete(r.id)
    }
  }

  /**
   * A `/run` whose outcome is unknown (5xx, connection dropped after sending): RunPod may or may not have the
   * job. The panel tries again after a backoff, a bounded number of times, and the recording says so with the
   * tries left; after the last one it fails and says that nothing more will be tried.
   * @throws the error when no tries are left.
   */
  private retrySubmitLater(r: StoredRecording, options: JobOptions, err: AppError): StoredRecording {
    const delays = this.deps.submitRetryDelaysMs ?? [5_000, 20_000, 60_000]
    const failures = (this.submitFailures.get(r.id) ?? 0) + 1
    const base = err.message.replace(/[;.]?\s*the panel (will retry|backed off and will try again)\.?$/i, '').replace(/\.?$/, '.')
    if (failures > delays.length) {
      this.submitFailures.delete(r.id)
      this.submitRetryAt.delete(r.id)
      const message = `${base} The panel tried ${failures} times and stops here; start the transcription again when RunPod answers (check its status page).`
      this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'SubmitFailed', error: { code: err.code, message } })
      throw new AppError(err.code, message, { cause: err })
    }
    const wait = delays[failures - 1]!
    const left = delays.length - failures + 1
    this.submitFailures.set(r.id, failures)
    this.submitRetryAt.set(r.id, Date.now() + wait)
    const message = `${base} The panel will try again in ${Math.ceil(wait / 1000)} s (${left} ${left === 1 ? 'try' : 'tries'} left). If RunPod did get the request, a second job may run; it costs a few GPU seconds.`
    this.deps.logger.warn('job submission failed ambiguously; will try again', { id: r.id, failures, inMs: wait, error: err })
    this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'SubmitWillRetry', options, error: { code: err.code, message }, now: new Date().toISOString() })
    return this.deps.lifecycle.get(r.id)
  }

  /** The audio reference for a recording's uploaded copy (see `resolveAudioReference`). */
  private async audioReference(r: StoredRecording): Promise<AudioReference> {
    return this.deps.objectStore ? this.deps.objectStore.workerAudio(r.objectKey) : { kind: 'volume-path', key: r.objectKey }
  }

  /**
   * Cancels the RunPod job (no orphaned GPU billing) or a transcription waiting for its upload.
   * @throws AppError `conflict` when there is nothing to cancel; the backend's errors.
   */
  async cancel(id: string): Promise<StoredRecording> {
    const r = this.deps.lifecycle.get(id)
    const t = transition(r, { type: 'CancelRequested' })
    if (!t.effects.includes('cancel-job')) {
      this.submitFailures.delete(id)
      this.submitRetryAt.delete(id)
      this.deps.lifecycle.apply(r, { type: 'CancelRequested' })
      return this.deps.lifecycle.get(id)
    }
    // The job is cancelled on RunPod first: if that fails, the recording goes on as it was.
    await this.deps.backend.cancel(r.job!.id)
    this.deps.store.updateJob(r.job!.id, { status: 'cancelled', finished: true })
    this.deps.lifecycle.apply(this.deps.lifecycle.get(id), { type: 'CancelRequested' })
    return this.deps.lifecycle.get(id)
  }

  /**
   * After a restart: a recording left `submitting` died between `/run` and storing the job id, so whether
   * RunPod got the job is unknown; it fails with a message that says so (nothing is submitted blindly).
   */
  resume(): void {
    for (const r of this.deps.store.listByStatus(['submitting'])) {
      this.deps.store.applyLifecycle(r.id, transition(r, { type: 'Interrupted' }).patch)
    }
  }
}
