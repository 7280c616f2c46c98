/**
 * The job poller: follows every job on RunPod whether or not a page is open, at most once per poll interval
 * per job and under a cap of `/status` requests per second, and turns each answer into a lifecycle event.
 * Results go to result ingest; a job RunPod forgot is looked for on the volume first.
 */
import { AppError, toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import { POLLED_STATUSES } from '../domain/lifecycle.ts'
import type { JobReport, Logger, TranscriptionBackend } from '../domain/ports.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import { isLaterProgress, parseWorkerError, readProgress } from '../domain/worker-contract.ts'
import { transition } from '../domain/lifecycle.ts'
import type { EventBus } from './events.ts'
import type { QueueWatch } from './queue-watch.ts'
import type { RecordingLifecycle } from './recording-lifecycle.ts'
import type { ResultIngest } from './result-ingest.ts'

export interface JobPollerDeps {
  store: RecordingStore
  backend: TranscriptionBackend
  lifecycle: RecordingLifecycle
  /** Where a completed job's result goes, and where a job RunPod forgot is looked for on the volume. */
  ingest: Pick<ResultIngest, 'ingest' | 'recover'>
  /** For the worker's progress updates (`job-progress`). */
  events: EventBus
  logger: Logger
  /** Poll each job at most this often (ms). */
  pollIntervalMs: number
  /**
   * Cap on `/status` requests per second across all jobs. RunPod allows 2000 per 10 s per endpoint
   * (https://docs.runpod.io/serverless/endpoints/send-requests#rate-limits); the default 100/s leaves room
   * for other clients of the endpoint.
   */
  maxStatusPerSecond?: number
  /** Told when a job waits in RunPod's queue and when it leaves it (absent: nobody asks why a job waits). */
  queueWatch?: Pick<QueueWatch, 'queued' | 'left'>
  /** Called on every tick (250 ms) before the polls: submission dispatches waiting transcriptions. */
  onTick?: () => void
}

/** What the user is told about a job that ended on RunPod without a result (failed, timed out, cancelled there). */
function reportedError(report: JobReport): ErrorInfo | null {
  switch (report.state) {
    case 'failed':
      return toErrorInfo(workerFailure(report.error))
    case 'timed-out':
      return {
        code: 'job_timed_out',
        message: 'RunPod timed the job out: no worker picked it up in time, or it ran past its execution timeout. Check that the endpoint has workers available (max workers > 0), then start again.',
      }
    case 'cancelled':
      return { code: 'job_cancelled', message: 'The job was cancelled on RunPod (not from this panel). Start the transcription again if you still need it.' }
    default:
      return null
  }
}

/**
 * The failure reason for a failed job: the worker's own sentence for a `CODE: sentence` error of the contract,
 * else RunPod's error in plain words with a pointer to the worker logs.
 */
function workerFailure(error: string | null): AppError {
  const coded = error === null ? null : parseWorkerError(error)
  if (coded) return new AppError('job_failed', `${coded.sentence} (worker error ${coded.code})`)
  return new AppError('job_failed', `The worker failed: ${error ?? 'no reason given'}. Check the endpoint's worker logs on RunPod; you can start the transcription again.`)
}

export class JobPoller {
  private timer: NodeJS.Timeout | null = null
  private readonly inflight = new Set<string>()
  private readonly nextPollAt = new Map<string, number>()
  private readonly deps: JobPollerDeps
  constructor(deps: JobPollerDeps) {
    this.deps = deps
  }

  /** Starts polling every 250 ms (unref'd: it does not keep the process alive). Safe to call twice. */
  start(): void {
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

  /** A job was just submitted or re-queued: its first poll comes within a second (or the poll interval). */
  followSoon(id: string): void {
    this.nextPollAt.set(id, Date.now() + Math.min(1000, this.deps.pollIntervalMs))
  }

  private tick(): void {
    this.deps.onTick?.()
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
        if (err.code === 'job_expired' && (await this.deps.ingest.recover(r, err))) return
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
        this.deps.lifecycle.publish(r.id)
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
    if (t.effects.includes('unwatch-queue')) this.deps.queueWatch?.left(r.id)
    switch (report.state) {
      case 'queued':
        this.deps.store.updateJob(job.id, { status: 'queued' })
        break
      case 'running': {
        // The worker's {stage, percent}; updates may arrive out of order, so only a later one replaces the last.
        const progress = readProgress(report.progress)
        const newer = progress !== null && isLaterProgress(readProgress(current.jobProgress), progress) ? progress : null
        this.deps.store.updateJob(job.id, { status: 'running', delayTime: report.timings.queueMs, ...(newer ? { progress: newer } : {}) })
        if (newer) this.deps.events.publish({ type: 'job-progress', id: r.id, progress: newer })
        break
      }
      default:
        this.finishJob(job.id, report)
    }
    if (t.effects.includes('watch-queue')) this.deps.queueWatch?.queued(current)
    this.deps.lifecycle.commit(current, t)
    if (t.effects.includes('ingest-result')) await this.deps.ingest.ingest(this.deps.store.getRecording(r.id) ?? current, report)
  }

  private finishJob(jobId: string, report: JobReport): void {
    this.deps.store.updateJob(jobId, { status: report.state, delayTime: report.timings.queueMs, executionTime: report.timings.executionMs, finished: true })
  }

  /** Following the job failed in the panel (RunPod forgot it): the recording fails with the reason. */
  private fail(id: string, err: unknown): void {
    const r = this.deps.store.getRecording(id)
    if (r) this.deps.lifecycle.apply(r, { type: 'JobFailed', error: toErrorInfo(err) })
  }
}
