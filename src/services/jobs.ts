/**
 * Job submission and the server-side poller. Every state change is written to the store before it
 * is acted on: the RunPod job id is stored the moment `/run` answers, the raw worker output is saved
 * to disk before it is parsed. The poller follows every unfinished job whether or not a page is open,
 * and `resume()` picks everything up again after a restart.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import { AppError, toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import { filterHallucinations } from '../domain/hallucinations.ts'
import type { AudioReference, JobPolicy, JobReport, Logger, ObjectStore, TranscriptionBackend } from '../domain/ports.ts'
import type { JobOptions } from '../domain/recording.ts'
import { IN_FLIGHT_STATUSES, POLLED_STATUSES, transition, type LifecycleEvent, type Transition } from '../domain/lifecycle.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import { normalizeWhisperX } from '../domain/whisperx.ts'
import { isLaterProgress, parseWorkerError, readProgress } from '../domain/worker-contract.ts'
import { parseJsonLenient } from '../adapters/runpod/python-json.ts'
import { carrySpeakerNames } from '../domain/speaker-carry.ts'
import type { SpeechMap } from '../domain/speech-map.ts'
import { requireRecording, toRecording } from '../domain/store.ts'
import type { EventBus } from './events.ts'
import type { ExportService } from './exports.ts'

export interface JobDeps {
  store: RecordingStore
  /** Where jobs run; a not-configured backend throws `not_configured` from every call. */
  backend: TranscriptionBackend
  /** The volume: where the worker's audio and result files are; null when its settings are missing. */
  objectStore: ObjectStore | null
  events: EventBus
  exports: ExportService
  logger: Logger
  outputDir: string
  /** Poll each job at most this often (ms). */
  pollIntervalMs: number
  /** RunPod jobs in flight at once; further transcriptions wait in the panel (JOB_CONCURRENCY). */
  jobConcurrency: number
  /**
   * Cap on `/status` requests per second across all jobs. RunPod allows 2000 per 10 s per endpoint
   * (reference/runpod.md §1.7); the default 100/s leaves room for other clients of the endpoint.
   */
  maxStatusPerSecond?: number
  /**
   * Waits (ms) before each new try of a `/run` whose outcome is unknown (a 5xx, or the connection dropped after
   * the request was sent); their number bounds the tries. Default 5 s, 20 s, 60 s. A duplicate job costs a few
   * GPU seconds; a lost one costs the user a retry, so the panel tries again by itself.
   */
  submitRetryDelaysMs?: readonly number[]
  /** After this long in RunPod's queue (ms, QUEUE_WARNING_S), the panel asks `queueDiagnosis` why. Default 300 s. */
  queueWarningMs?: number
  /**
   * Why jobs may wait forever (0 max workers, no free GPU), in words with the fix, or null when nothing is
   * wrong that the panel can see. Asked at most once a minute per waiting job.
   */
  queueDiagnosis?: () => Promise<ErrorInfo | null>
  /**
   * The recording's speech map for the hallucination filter (computed on upload; computed now if missing).
   * Absent or failing: the filter judges from the text alone and says so in each decision's evidence.
   */
  speechMap?: (r: StoredRecording) => Promise<SpeechMap | null>
}

/** How long a finished job waits for the speech map still being computed before filtering from text alone (ms). */
const SPEECH_MAP_WAIT_MS = 10 * 60 * 1000

/** RunPod policy limits: executionTimeout ≥ 5 s, ttl ≥ 10 s, both ≤ 7 days (reference/runpod.md §1.6). */
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

/** Waiting transcriptions submitted per poller tick (250 ms). */
const SUBMITS_PER_TICK = 10
const RUN_WINDOW_MS = 10_000
const MAX_RUNS_PER_WINDOW = 400


/** The worker's result file: `result-<job id>.json` in the audio's folder on the volume (the worker contract). */
function resultKey(r: StoredRecording, jobId: string): string {
  return `${path.posix.dirname(r.objectKey)}/result-${jobId}.json`
}

/** Result files are ~1 MB per hour of speech; this reads any interview and refuses a runaway file. */
const MAX_RESULT_FILE_BYTES = 256 * 1024 * 1024

function hasSegments(output: unknown): boolean {
  return typeof output === 'object' && output !== null && Array.isArray((output as { segments?: unknown }).segments)
}

function isOmitted(output: unknown): boolean {
  return typeof output === 'object' && output !== null && (output as { segments_omitted?: unknown }).segments_omitted === true
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await writeFile(`${file}.tmp`, data)
  await rename(`${file}.tmp`, file)
}

/** Why a COMPLETED job has no transcript to read, and what to do. */
function missingResult(key: string, why: 'no-output' | 'omitted'): AppError {
  const what =
    why === 'no-output'
      ? 'RunPod reported the job as completed but sent no output (it does so when a result is too large or could not be delivered)'
      : 'The worker left the transcript out of its answer because it was over RunPod\'s size limit'
  return new AppError(
    'invalid_output',
    `${what}, and the worker's result file ${key} is not on the network volume. Check that the endpoint runs this panel's worker with the network volume attached (and that the volume is not full), then start the transcription again.`,
  )
}

/** What the user is told about a job that ended on RunPod without a result (FAILED, TIMED_OUT, CANCELLED there). */
function reportedError(report: JobReport): ErrorInfo | null {
  switch (report.state) {
    case 'FAILED':
      return toErrorInfo(workerFailure(report.error))
    case 'TIMED_OUT':
      return {
        code: 'job_timed_out',
        message: 'RunPod timed the job out: no worker picked it up in time, or it ran past its execution timeout. Check that the endpoint has workers available (max workers > 0), then start again.',
      }
    case 'CANCELLED':
      return { code: 'job_cancelled', message: 'The job was cancelled on RunPod (not from this panel). Start the transcription again if you still need it.' }
    default:
      return null
  }
}

/**
 * The failure reason for a FAILED job: the worker's own sentence for a `CODE: sentence` error of the contract,
 * else RunPod's error in plain words with a pointer to the worker logs.
 */
function workerFailure(error: string | null): AppError {
  const coded = error === null ? null : parseWorkerError(error)
  if (coded) return new AppError('job_failed', `${coded.sentence} (worker error ${coded.code})`)
  return new AppError('job_failed', `The worker failed: ${error ?? 'no reason given'}. Check the endpoint's worker logs on RunPod; you can start the transcription again.`)
}

export class JobService {
  private timer: NodeJS.Timeout | null = null
  private readonly inflight = new Set<string>()
  private readonly nextPollAt = new Map<string, number>()
  private readonly submitting = new Set<string>()
  private readonly completions = pLimit(2)
  /** Ambiguous /run failures so far, per recording (reset when a job is accepted or the user starts anew). */
  private readonly submitFailures = new Map<string, number>()
  /** Earliest time (epoch ms) of the next /run try after an ambiguous failure. */
  private readonly submitRetryAt = new Map<string, number>()
  /** When each job was last seen entering RunPod's queue (epoch ms; in memory, restarts with the panel). */
  private readonly queuedSince = new Map<string, number>()
  /** The last queue diagnosis per recording and when it was made. */
  private readonly queueWarnings = new Map<string, { at: number; warning: ErrorInfo | null }>()
  /** Times (ms) of the /run calls in the last RUN_WINDOW_MS. */
  private readonly recentRuns: number[] = []

  private readonly deps: JobDeps
  constructor(deps: JobDeps) {
    this.deps = deps
  }

  /**
   * Starts (or queues) a transcription. While the cloud upload is still running the options are
   * stored and the job is submitted as soon as the upload finishes.
   * @throws AppError `not_configured` (RunPod settings missing), `conflict` (upload failed, job running),
   *   and the backend's errors from `submit`.
   */
  async start(id: string, options: JobOptions): Promise<StoredRecording> {
    const r = this.mustGet(id)
    this.deps.backend.assertConfigured()
    const slotFree = r.status !== 'uploading' && this.inFlight() < this.deps.jobConcurrency && this.submitBudget()
    const t = this.apply(r, { type: 'SubmitRequested', options, slotFree, now: new Date().toISOString() })
    if (t.effects.includes('retry-job')) {
      const retried = await this.retry(r)
      if (retried) return retried
    }
    if (t.effects.includes('retry-job') || t.effects.includes('submit')) return this.submit(this.mustGet(id), options)
    return this.mustGet(id)
  }

  /**
   * Applies a lifecycle event to the recording as it is now and tells open pages.
   * @returns the transition (`ignored` when the event came too late; nothing was written then).
   * @throws AppError `conflict` from the lifecycle for a user's request the status does not allow.
   */
  private apply(r: StoredRecording, event: LifecycleEvent): Transition {
    return this.commit(r, transition(r, event))
  }

  /** Persists a transition (unless ignored) and tells open pages. */
  private commit(r: StoredRecording, t: Transition): Transition {
    if (t.ignored) {
      this.deps.logger.debug('lifecycle event ignored', { id: r.id, reason: t.ignored })
      return t
    }
    this.deps.store.applyLifecycle(r.id, t.patch)
    this.publish(r.id)
    return t
  }

  /**
   * Re-queues the same RunPod job with `/retry` (no new upload reference, same id). Returns null when
   * RunPod cannot retry it any more (result expired, or not retryable), so the caller submits anew.
   */
  private async retry(r: StoredRecording): Promise<StoredRecording | null> {
    const job = r.job!
    this.apply(r, { type: 'RetryStarted' })
    try {
      const res = await this.deps.backend.retry(job.id)
      this.deps.store.updateJob(job.id, { status: res.state, delayTime: null, executionTime: null })
      this.nextPollAt.set(r.id, Date.now() + Math.min(1000, this.deps.pollIntervalMs))
      this.deps.logger.info('job retried on RunPod', { id: r.id, jobId: job.id })
      this.apply(this.mustGet(r.id), { type: 'JobAccepted' })
      return this.mustGet(r.id)
    } catch (err) {
      if (err instanceof AppError && (err.code === 'job_expired' || err.code === 'bad_request')) {
        this.deps.logger.info('RunPod cannot retry the job; submitting a new one', { id: r.id, jobId: job.id, reason: err.code })
        this.deps.store.applyLifecycle(r.id, transition(this.mustGet(r.id), { type: 'RetryRefused' }).patch)
        return null
      }
      this.apply(this.mustGet(r.id), { type: 'SubmitFailed', error: toErrorInfo(err) })
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
    // 1000 per 10 s (reference/runpod.md §1.7), leaving room for other clients of the endpoint.
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
   * 1000 per 10 s per endpoint (reference/runpod.md §1.7), so other clients of the endpoint keep room.
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
      const started = this.apply(this.mustGet(r.id), { type: 'SubmitStarted', options })
      if (started.ignored) throw new AppError('conflict', `This recording cannot be submitted now (${started.ignored}).`)
      const audio = await this.audioReference(r)
      const job = await this.deps.backend.submit({ audio, options, policy: jobPolicy(r.duration) })
      this.submitFailures.delete(r.id)
      this.submitRetryAt.delete(r.id)
      this.deps.store.recordJobSubmitted(r.id, { id: job.id, status: job.state, audioReference: audio.kind, delayTime: null, executionTime: null }, transition(this.mustGet(r.id), { type: 'JobAccepted' }).patch)
      // The reference's kind only: a presigned URL is a secret that must not reach the log.
      this.deps.logger.info('job submitted', { id: r.id, jobId: job.id, audioReference: audio.kind })
      this.nextPollAt.set(r.id, Date.now() + Math.min(1000, this.deps.pollIntervalMs))
      this.publish(r.id)
      return this.mustGet(r.id)
    } catch (err) {
      if (err instanceof AppError && err.retryable && (err.code === 'runpod_unavailable' || err.code === 'runpod_rate_limited')) return this.retrySubmitLater(r, options, err)
      this.submitFailures.delete(r.id)
      this.apply(this.mustGet(r.id), { type: 'SubmitFailed', error: toErrorInfo(err) })
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
      this.apply(this.mustGet(r.id), { type: 'SubmitFailed', error: { code: err.code, message } })
      throw new AppError(err.code, message, { cause: err })
    }
    const wait = delays[failures - 1]!
    const left = delays.length - failures + 1
    this.submitFailures.set(r.id, failures)
    this.submitRetryAt.set(r.id, Date.now() + wait)
    const message = `${base} The panel will try again in ${Math.ceil(wait / 1000)} s (${left} ${left === 1 ? 'try' : 'tries'} left). If RunPod did get the request, a second job may run; it costs a few GPU seconds.`
    this.deps.logger.warn('job submission failed ambiguously; will try again', { id: r.id, failures, inMs: wait, error: err })
    this.apply(this.mustGet(r.id), { type: 'SubmitWillRetry', options, error: { code: err.code, message }, now: new Date().toISOString() })
    return this.mustGet(r.id)
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
    const r = this.mustGet(id)
    const t = transition(r, { type: 'CancelRequested' })
    if (!t.effects.includes('cancel-job')) {
      this.submitFailures.delete(id)
      this.submitRetryAt.delete(id)
      this.apply(r, { type: 'CancelRequested' })
      return this.mustGet(id)
    }
    // The job is cancelled on RunPod first: if that fails, the recording goes on as it was.
    await this.deps.backend.cancel(r.job!.id)
    this.deps.store.updateJob(r.job!.id, { status: 'CANCELLED', finished: true })
    this.apply(this.mustGet(id), { type: 'CancelRequested' })
    return this.mustGet(id)
  }

  /** Resumes after a restart and starts the poller. Safe to call once per process. */
  resume(): void {
    for (const r of this.deps.store.listByStatus(['submitting'])) {
      // The process died between "submitting" and storing the job id: whether RunPod got the job is unknown.
      this.deps.store.applyLifecycle(r.id, transition(r, { type: 'Interrupted' }).patch)
    }
    this.startPoller()
  }

  startPoller(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.tick(), 250)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Number of polls in flight (tests, shutdown). */
  get busy(): number {
    return this.inflight.size
  }

  private tick(): void {
    this.dispatch()
    const now = Date.now()
    const maxPerSecond = this.deps.maxStatusPerSecond ?? 100
    let budget = Math.max(1, Math.floor(maxPerSecond / 4)) // ticks are 250 ms
    const due = this.deps.store
      .listByStatus(POLLED_STATUSES)
      .filter((r) => r.job && !this.inflight.has(r.id) && (this.nextPollAt.get(r.id) ?? 0) <= now)
      .sort((a, b) => (this.nextPollAt.get(a.id) ?? 0) - (this.nextPollAt.get(b.id) ?? 0))
    for (const r of due) {
      if (budget-- <= 0) break
      this.inflight.add(r.id)
      this.nextPollAt.set(r.id, now + this.deps.pollIntervalMs)
      this.poll(r)
        .catch((err: unknown) => this.deps.logger.error('poll failed', { id: r.id, error: err }))
        .finally(() => this.inflight.delete(r.id))
    }
  }

  /** One status check of a recording's job, and whatever follows from it. */
  async poll(r: StoredRecording): Promise<void> {
    const job = r.job!
    let report: JobReport
    try {
      report = await this.deps.backend.status(job.id)
      // Count the interval from the answer, so two requests for one job are never closer than pollIntervalMs.
      this.nextPollAt.set(r.id, Date.now() + this.deps.pollIntervalMs)
    } catch (err) {
      if (err instanceof AppError && !err.retryable && (err.code === 'job_expired' || err.code === 'runpod_not_found')) {
        // RunPod forgot the job (results are kept 30 minutes): the worker's result file may still be on the volume.
        if (err.code === 'job_expired' && (await this.recoverFromVolume(r, err))) return
        this.deps.store.updateJob(job.id, { finished: true })
        this.fail(r.id, err)
        return
      }
      // Auth and network problems: the job may still be running on RunPod; keep following it, and show
      // the problem beside the status so the user can fix it (e.g. a revoked API key).
      this.deps.logger.warn('status check failed; will try again', { id: r.id, jobId: job.id, error: err })
      this.nextPollAt.set(r.id, Date.now() + Math.max(this.deps.pollIntervalMs, 5000))
      const still = this.deps.store.getRecording(r.id)
      if (still && still.job?.id === job.id && POLLED_STATUSES.includes(still.status)) {
        this.deps.store.updateRecording(r.id, { error: toErrorInfo(err) })
        this.publish(r.id)
      }
      return
    }
    const current = this.deps.store.getRecording(r.id)
    if (!current || current.job?.id !== job.id) return // deleted or resubmitted meanwhile
    if (current.error && POLLED_STATUSES.includes(current.status)) this.deps.store.updateRecording(r.id, { error: null })
    const t = transition(current, { type: 'JobReported', state: report.state, ...(reportedError(report) ? { error: reportedError(report)! } : {}) })
    if (t.ignored) {
      this.deps.logger.debug('job report ignored', { id: r.id, jobId: job.id, reason: t.ignored })
      return
    }
    if (t.effects.includes('unwatch-queue')) {
      this.queuedSince.delete(r.id)
      this.queueWarnings.delete(r.id)
    }
    switch (report.state) {
      case 'IN_QUEUE':
        this.deps.store.updateJob(job.id, { status: 'IN_QUEUE' })
        break
      case 'IN_PROGRESS': {
        // The worker's {stage, percent}; updates may arrive out of order, so only a later one replaces the last.
        const progress = readProgress(report.progress)
        const newer = progress !== null && isLaterProgress(readProgress(current.jobProgress), progress) ? progress : null
        this.deps.store.updateJob(job.id, { status: 'IN_PROGRESS', delayTime: report.timings.queueMs, ...(newer ? { progress: newer } : {}) })
        if (newer) this.deps.events.publish({ type: 'job-progress', id: r.id, progress: newer })
        break
      }
      default:
        this.finishJob(job.id, report)
    }
    if (t.effects.includes('watch-queue')) this.warnIfStuck(current)
    this.commit(current, t)
    // At most two results are parsed and stored at once: a burst of completions must not pile up memory.
    if (t.effects.includes('ingest-result')) await this.completions(() => this.complete(this.deps.store.getRecording(r.id) ?? current, report))
  }

  /** Reads, parses, filters and stores a COMPLETED job's result (the recording is `processing`). */
  private async complete(r: StoredRecording, report: JobReport): Promise<void> {
    const jobId = r.job!.id
    // The raw output is saved before it is parsed, so nothing paid for is lost if parsing fails.
    const dir = path.join(this.deps.outputDir, r.id)
    await mkdir(dir, { recursive: true })
    const output = await this.workerOutput(r, jobId, report.result, dir)
    if (output === null) return
    try {
      const result = this.deps.backend.readResult(output)
      const speech = await this.speechMapFor(r)
      const transcript = filterHallucinations(normalizeWhisperX(result, { duration: r.duration }), { speech })
      // A new result becomes a new version; the one it replaces stays restorable, and the names the user gave
      // its speakers carry over to the speakers of the new one that speak at the same times.
      const previous = this.deps.store.getTranscript(r.id)
      const carried = previous ? carrySpeakerNames(previous.transcript, transcript) : null
      this.deps.store.saveTranscript(r.id, jobId, carried ? carried.transcript : transcript)
      if (carried?.carried.length) this.deps.logger.info('speaker names carried over', { id: r.id, jobId, carried: carried.carried })
    } catch (err) {
      this.deps.logger.warn('worker output rejected', { id: r.id, jobId, error: err, dir })
      this.fail(r.id, err instanceof AppError ? err : new AppError('invalid_output', 'The worker output could not be read; the raw output was kept.', { cause: err }))
      return
    }
    this.apply(this.mustGet(r.id), { type: 'ResultStored' })
    this.deps.logger.info('transcript stored', { id: r.id, jobId })
    // The copies in output/<id>/ follow; downloads render from the store and do not wait for them.
    this.deps.exports.writeFiles(r.id).catch((err: unknown) => this.deps.logger.warn('writing export files failed (downloads still work)', { id: r.id, error: err }))
  }

  /** The speech map, or null (no detector, failure, or still not ready after `SPEECH_MAP_WAIT_MS`). */
  private async speechMapFor(r: StoredRecording): Promise<SpeechMap | null> {
    if (!this.deps.speechMap) return null
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        this.deps.speechMap(r),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), SPEECH_MAP_WAIT_MS)
        }),
      ])
    } catch (err) {
      this.deps.logger.warn('no speech map: the filter judges from the text alone', { id: r.id, error: err })
      return null
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * The COMPLETED job's output with its segments, each source saved in `dir` before it is parsed: RunPod's
   * `output` as `raw-<job>.json`; when it has no segments (no output at all: RunPod lost it or it was over its
   * size limit; or `segments_omitted`: the worker left them out over 9 MB), the worker's result file from the
   * volume as `result-<job>.json`.
   * @returns the output to read, or null when the recording was failed (or left to retry) here.
   */
  private async workerOutput(r: StoredRecording, jobId: string, output: unknown, dir: string): Promise<unknown> {
    const safeId = jobId.replace(/[^A-Za-z0-9_-]/g, '_')
    const given = output !== undefined && output !== null
    if (given) await writeAtomic(path.join(dir, `raw-${safeId}.json`), JSON.stringify(output))
    if (hasSegments(output)) return output
    const file = await this.readResultFile(r, jobId)
    if (file === 'retry') return null
    if (file === null) {
      // An output of another shape: the backend names the problem (the raw output was kept).
      if (given && !isOmitted(output)) return output
      this.fail(r.id, missingResult(resultKey(r, jobId), given ? 'omitted' : 'no-output'))
      return null
    }
    await writeAtomic(path.join(dir, `result-${safeId}.json`), file)
    try {
      return parseJsonLenient(file.toString('utf8'))
    } catch (err) {
      this.fail(r.id, new AppError('invalid_output', `The worker's result file ${resultKey(r, jobId)} on the network volume is not JSON; a copy was kept in the output folder. Start the transcription again.`, { cause: err }))
      return null
    }
  }

  /**
   * Reads `result-<job id>.json` from the audio's folder on the volume.
   * @returns its bytes; null when it is not there (or there is no volume); 'retry' when the volume could not be
   *   read now (the recording stays in processing with the problem shown, and the poller tries again).
   */
  private async readResultFile(r: StoredRecording, jobId: string): Promise<Buffer | null | 'retry'> {
    if (!this.deps.objectStore) return null
    try {
      return await this.deps.objectStore.readObject(resultKey(r, jobId), MAX_RESULT_FILE_BYTES)
    } catch (err) {
      if (err instanceof AppError && err.retryable) {
        this.deps.logger.warn('reading the result file failed; will try again', { id: r.id, jobId, error: err })
        this.deps.store.updateRecording(r.id, { error: toErrorInfo(err) })
        this.publish(r.id)
        return 'retry'
      }
      this.fail(r.id, err)
      return 'retry'
    }
  }

  /**
   * RunPod no longer knows the job; when the worker's result file is on the volume, the transcript is read from
   * it as if the job had just completed.
   * @returns true when the file was found and handled (stored, or failed for its own reason).
   */
  private async recoverFromVolume(r: StoredRecording, expired: AppError): Promise<boolean> {
    if (!this.deps.objectStore) return false
    const key = resultKey(r, r.job!.id)
    try {
      if ((await this.deps.objectStore.readObject(key, MAX_RESULT_FILE_BYTES)) === null) return false
    } catch (err) {
      this.deps.logger.warn('could not check the volume for a result file', { id: r.id, error: err })
      return false
    }
    this.deps.logger.info('job gone on RunPod; reading its result file from the volume', { id: r.id, jobId: r.job!.id, key, reason: expired.code })
    const report: JobReport = {
      id: r.job!.id,
      state: 'COMPLETED',
      timings: { queueMs: r.job!.delayTime, executionMs: r.job!.executionTime },
      progress: null,
      result: undefined,
      error: null,
    }
    const t = this.apply(this.mustGet(r.id), { type: 'JobReported', state: 'COMPLETED' })
    if (t.ignored) return true
    this.finishJob(report.id, report)
    await this.completions(() => this.complete(this.mustGet(r.id), report))
    return true
  }

  /**
   * A job waiting longer than QUEUE_WARNING_S: asks why (0 max workers after RunPod's idle scale-down, no free
   * GPU; https://docs.runpod.io/serverless/endpoints/endpoint-configurations) and shows the answer, with its
   * fix, beside "Queued" instead of an endless wait. The job itself stays queued.
   */
  private warnIfStuck(r: StoredRecording): void {
    const now = Date.now()
    const since = this.queuedSince.get(r.id) ?? now
    this.queuedSince.set(r.id, since)
    if (!this.deps.queueDiagnosis || now - since < (this.deps.queueWarningMs ?? 300_000)) return
    const last = this.queueWarnings.get(r.id)
    if (last?.warning) this.deps.store.updateRecording(r.id, { error: last.warning })
    if (last && now - last.at < 60_000) return
    this.queueWarnings.set(r.id, { at: now, warning: last?.warning ?? null })
    void this.deps
      .queueDiagnosis()
      .then((warning) => {
        this.queueWarnings.set(r.id, { at: Date.now(), warning })
        const still = this.deps.store.getRecording(r.id)
        if (!still || still.status !== 'queued') return
        this.deps.store.updateRecording(r.id, { error: warning })
        this.publish(r.id)
      })
      .catch((err: unknown) => this.deps.logger.warn('could not ask RunPod why the job waits', { id: r.id, error: err }))
  }

  private finishJob(jobId: string, report: JobReport): void {
    this.deps.store.updateJob(jobId, { status: report.state, delayTime: report.timings.queueMs, executionTime: report.timings.executionMs, finished: true })
  }

  /** Following or reading a job failed in the panel: the recording fails with the reason. */
  private fail(id: string, err: unknown): void {
    const r = this.deps.store.getRecording(id)
    if (r) this.apply(r, { type: 'JobFailed', error: toErrorInfo(err) })
  }

  private mustGet(id: string): StoredRecording {
    return requireRecording(this.deps.store, id)
  }

  private publish(id: string): void {
    const r = this.deps.store.getRecording(id)
    if (r) this.deps.events.publish({ type: 'recording', recording: toRecording(r) })
  }
}
