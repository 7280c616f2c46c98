/**
 * The endpoint's jobs as RunPod's queue keeps them: states, delays, the execution timeout, the TTL and the
 * result retention (https://docs.runpod.io/serverless/endpoints/job-states and
 * https://docs.runpod.io/serverless/endpoints/send-requests "Execution policies", "Result retention").
 *
 * A job is IN_QUEUE for the queue delay, then goes to a worker (`dispatch`) or waits while none can take it;
 * on the worker it is IN_PROGRESS until the worker ends it (`finish`), the execution timeout passes, or it is
 * cancelled. Each pass through the queue is a "run": results of an earlier run (after a cancel or a retry) are
 * ignored. Where RunPod's behaviour is not documented the choice is marked ASSUMPTION.
 */
import { randomUUID } from 'node:crypto'
import type { NextJobFault, NextJobOutcome } from './faults.ts'
import { clearTimers, deadlineTimer } from './timers.ts'
import { stringifyKeepingNonFinite } from './worker.ts'

/** Job states (job-states above; its `RUNNING` is never returned: github.com/runpod/docs issue #511). */
export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT'
/** The final states, as RunPod's SDKs list them (runpod-python `is_completed`, js-sdk `isCompleted`). */
export const FINAL_STATES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']

const DAY_MS = 24 * 60 * 60 * 1000
/** `policy` bounds and defaults (ms), send-requests "Execution policies". */
export const POLICY_BOUNDS = {
  executionTimeout: { min: 5_000, max: 7 * DAY_MS, default: 600_000 },
  ttl: { min: 10_000, max: 7 * DAY_MS, default: DAY_MS },
} as const
/**
 * The /run payload limit, for requests and results (https://docs.runpod.io/serverless/workers/handler-functions
 * "Payload limits": 10 MB). ASSUMPTION: MB read as MiB.
 */
export const RUN_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024

/** One job as the emulator keeps it (read-only for tests). Times: epoch ms; durations: ms. */
export interface EmulatedJob {
  id: string
  status: JobStatus
  input: Record<string, unknown>
  policy: { executionTimeout: number; ttl: number; lowPriority: boolean }
  webhook: string | null
  submittedAt: number
  /** Last time it entered IN_QUEUE (submit or retry). */
  queuedAt: number
  startedAt: number | null
  finishedAt: number | null
  delayTime: number | null
  executionTime: number | null
  /** `undefined` = no `output` field. During IN_PROGRESS: the latest progress update. */
  output: unknown
  /** `undefined` = no `error` field. */
  error: unknown
  workerId: string | null
  /** Audio bytes the worker fetched (URL or volume). */
  downloadedBytes: number
  audioSha256: string | null
  /** The `*.script.json` that matched, or null (placeholder output). */
  script: string | null
  retries: number
  /** The `faults.nextJob` outcome applied to this job. */
  fault: NextJobOutcome | null
  /** Why `/status` now answers 404. */
  expired: null | 'ttl' | 'retention'
  /** Status changes with their time (epoch ms). */
  history: { status: JobStatus; at: number }[]
  /** The worker's result asked RunPod to replace the worker (`refresh_worker` → `stopPod`). */
  stopPod: boolean
}

/** One pass of a job through the queue and a worker. */
export interface RunState {
  abort: AbortController
  timers: Set<NodeJS.Timeout>
  fault: NextJobFault | null
  /** Taken by the Python worker: stopping the run sends it a stop signal. */
  taken: boolean
}

export interface JobQueueOptions {
  /** Queue delay and emulated execution time (ms); read when a phase starts, so changes apply to later phases. */
  delays: { queueDelayMs: number; executionMs: number }
  /** How long a finished job stays readable (ms). */
  retentionMs: number
  /** The id jobs show as `workerId` once a worker took them. */
  workerId: string
  /** Whether a worker can take a job now (it may start a cold one, then call `wakeWaiting()` when warm). */
  workerReady(): boolean
  /** Hands a job whose queue delay passed to the worker; the worker calls `pickUp` when it starts it. */
  dispatch(job: EmulatedJob, run: RunState): void
  /** The job started and no outside worker took it: the emulated worker runs it. */
  runEmulated(job: EmulatedJob, run: RunState): void
  /** A run the Python worker took was stopped (cancel, timeout, expiry): RunPod's stop channel. */
  stopTaken(jobId: string): void
}

/** What `submit` needs: the validated request. */
export interface JobRequest {
  input: Record<string, unknown>
  policy: { executionTimeout: number; ttl: number; lowPriority: boolean }
  webhook: string | null
  fault: NextJobFault | null
}

/** The endpoint's jobs and their runs; the queue API and the workers act on jobs only through it. */
export class JobQueue {
  readonly jobs = new Map<string, EmulatedJob>()
  /** Jobs retried so far (`/health` `jobs.retried`). */
  retried = 0
  private readonly runs = new Map<string, RunState>()
  private readonly lifeTimers = new Map<string, Set<NodeJS.Timeout>>()
  /** Jobs whose queue delay has passed but that no worker can take yet (max workers 0, no GPU, cold start). */
  private readonly waiting = new Map<string, RunState>()
  private readonly opts: JobQueueOptions

  constructor(opts: JobQueueOptions) {
    this.opts = opts
  }

  /**
   * A new job, IN_QUEUE. The TTL counts from now over queue and run: when it passes the job is deleted and
   * `/status` answers 404, even mid-run (send-requests "TTL vs. execution timeout").
   */
  submit(req: JobRequest): EmulatedJob {
    const now = Date.now()
    const job: EmulatedJob = {
      // Job ids look like `<uuid>-u1` (RunPod's docs examples).
      id: `${randomUUID()}-u1`,
      status: 'IN_QUEUE',
      input: req.input,
      policy: req.policy,
      webhook: req.webhook,
      submittedAt: now,
      queuedAt: now,
      startedAt: null,
      finishedAt: null,
      delayTime: null,
      executionTime: null,
      output: undefined,
      error: undefined,
      workerId: null,
      downloadedBytes: 0,
      audioSha256: null,
      script: null,
      retries: 0,
      fault: req.fault?.outcome ?? null,
      expired: null,
      history: [],
      stopPod: false,
    }
    this.jobs.set(job.id, job)
    this.lifeTimer(job, req.policy.ttl, () => this.expire(job, 'ttl'))
    this.enqueue(job, req.fault)
    return job
  }

  /** The job, unless it is unknown or expired (then `/status` answers 404). */
  live(id: string): EmulatedJob | undefined {
    const job = this.jobs.get(id)
    return job && job.expired === null ? job : undefined
  }

  liveJobs(): EmulatedJob[] {
    return [...this.jobs.values()].filter((j) => j.expired === null)
  }

  /** The job's current run, if it is in the queue or on a worker. */
  runOf(jobId: string): RunState | undefined {
    return this.runs.get(jobId)
  }

  /** Whether `run` is still the job's current run (not ended, cancelled or replaced by a retry). */
  isCurrent(job: EmulatedJob, run: RunState): boolean {
    return this.runs.get(job.id) === run
  }

  /** Runs `fn` after `ms` unless the run ends first. */
  after(run: RunState, ms: number, fn: () => void): void {
    deadlineTimer(run.timers, ms, fn)
  }

  /** Jobs waiting for a worker try again (after the endpoint's settings or the GPUs changed, or a worker warmed up). */
  wakeWaiting(): void {
    for (const [id, run] of [...this.waiting]) {
      const job = this.jobs.get(id)
      this.waiting.delete(id)
      if (job) this.dispatchQueued(job, run)
    }
  }

  /** The job starts on the worker: IN_PROGRESS, with the execution timeout running. */
  pickUp(job: EmulatedJob, run: RunState): void {
    if (!this.isCurrent(job, run)) return
    const now = Date.now()
    job.startedAt = now
    job.delayTime = now - job.queuedAt
    job.workerId = this.opts.workerId
    this.setStatus(job, 'IN_PROGRESS')
    // Whether an exceeded executionTimeout reports FAILED or TIMED_OUT is not documented. ASSUMPTION: TIMED_OUT
    // (job-states: "the worker failed to report back before reaching the timeout threshold").
    this.after(run, job.policy.executionTimeout, () => this.finish(job, run, 'TIMED_OUT', {}))
    if (!run.taken) this.opts.runEmulated(job, run)
  }

  /** Ends the current run with a final status; later results of that run are ignored. */
  finish(job: EmulatedJob, run: RunState, status: JobStatus, fields: { output?: unknown; error?: unknown }): void {
    if (!this.isCurrent(job, run) || FINAL_STATES.includes(job.status)) return
    this.stopRun(job)
    const now = Date.now()
    job.finishedAt = now
    if (job.startedAt !== null) job.executionTime = now - job.startedAt
    job.output = fields.output
    job.error = fields.error
    // ASSUMPTION (unconfirmed): a result over the /run payload limit leaves the job COMPLETED without output,
    // like a result post that fails (github.com/runpod/runpod-python issue #309).
    if (status === 'COMPLETED' && fields.output !== undefined && outputBytes(fields.output) > RUN_PAYLOAD_LIMIT_BYTES) {
      job.output = undefined
    }
    this.setStatus(job, status)
    // Results are kept 30 min after /run ("Result retention"), then gone: 404, presumably like an expired TTL.
    this.lifeTimer(job, this.opts.retentionMs, () => this.expire(job, 'retention'))
  }

  /**
   * /cancel: a queued or running job ends CANCELLED; the status to answer.
   * ASSUMPTION: cancelling a finished job changes nothing and answers its current status (undocumented).
   */
  cancel(job: EmulatedJob): JobStatus {
    if (job.status !== 'IN_QUEUE' && job.status !== 'IN_PROGRESS') return job.status
    const run = this.runs.get(job.id)
    if (run) this.finish(job, run, 'CANCELLED', {})
    return 'CANCELLED'
  }

  /**
   * /retry: the same job, its earlier output cleared, back through the queue. Only FAILED or TIMED_OUT jobs
   * (operation-reference); the TTL keeps counting from the first submit.
   * @returns false when the job is in another state.
   */
  retry(job: EmulatedJob): boolean {
    if (job.status !== 'FAILED' && job.status !== 'TIMED_OUT') return false
    this.clearLifeTimers(job.id)
    const remainingTtl = job.submittedAt + job.policy.ttl - Date.now()
    this.lifeTimer(job, Math.max(0, remainingTtl), () => this.expire(job, 'ttl'))
    job.retries += 1
    this.retried += 1
    job.output = undefined
    job.error = undefined
    job.delayTime = null
    job.executionTime = null
    job.startedAt = null
    job.finishedAt = null
    job.workerId = null
    job.downloadedBytes = 0
    this.enqueue(job, null)
    return true
  }

  /** Deletes the job now (TTL or retention passed): its run stops and `/status` answers 404. */
  expire(job: EmulatedJob, why: 'ttl' | 'retention'): void {
    if (job.expired) return
    this.stopRun(job)
    this.clearLifeTimers(job.id)
    job.expired = why
  }

  /** Stops every run and timer. */
  close(): void {
    for (const job of this.jobs.values()) {
      this.stopRun(job)
      this.clearLifeTimers(job.id)
    }
  }

  private enqueue(job: EmulatedJob, fault: NextJobFault | null): void {
    const run: RunState = { abort: new AbortController(), timers: new Set(), fault, taken: false }
    this.runs.set(job.id, run)
    job.queuedAt = Date.now()
    this.setStatus(job, 'IN_QUEUE')
    this.after(run, this.opts.delays.queueDelayMs, () => this.dispatchQueued(job, run))
  }

  /** After its queue delay a job goes to a worker, or waits while none can take it. */
  private dispatchQueued(job: EmulatedJob, run: RunState): void {
    if (!this.isCurrent(job, run)) return
    if (!this.opts.workerReady()) {
      // ASSUMPTION (RunPod's endpoint-configurations page only says jobs wait): with 0 max workers or no free GPU
      // a job simply stays IN_QUEUE until its TTL runs out.
      this.waiting.set(job.id, run)
      return
    }
    this.opts.dispatch(job, run)
  }

  private stopRun(job: EmulatedJob): void {
    const run = this.runs.get(job.id)
    if (!run) return
    clearTimers(run.timers)
    run.abort.abort()
    this.runs.delete(job.id)
    this.waiting.delete(job.id)
    if (run.taken) this.opts.stopTaken(job.id)
  }

  private setStatus(job: EmulatedJob, status: JobStatus): void {
    job.status = status
    job.history.push({ status, at: Date.now() })
  }

  private lifeTimer(job: EmulatedJob, ms: number, fn: () => void): void {
    const set = this.lifeTimers.get(job.id) ?? new Set<NodeJS.Timeout>()
    this.lifeTimers.set(job.id, set)
    deadlineTimer(set, ms, fn)
  }

  private clearLifeTimers(jobId: string): void {
    clearTimers(this.lifeTimers.get(jobId) ?? [])
    this.lifeTimers.delete(jobId)
  }
}

/** The job object `/status` answers: fields appear once known (RunPod's docs examples; the Go SDK's `StatusOutput`). */
export function jobView(job: EmulatedJob): Record<string, unknown> {
  const view: Record<string, unknown> = { id: job.id, status: job.status }
  if (job.delayTime !== null) view.delayTime = job.delayTime
  if (job.executionTime !== null) view.executionTime = job.executionTime
  // A real capture shows executionTime while IN_PROGRESS (runpod-python issue #105: `"executionTime":40213,
  // …"status":"IN_PROGRESS"`). ASSUMPTION: it counts from the start of the run, like the final value.
  else if (job.status === 'IN_PROGRESS' && job.startedAt !== null) view.executionTime = Date.now() - job.startedAt
  // runpod-python drops an output that is an empty dict (rp_job.py `run_job`).
  if (job.output !== undefined && !isEmptyObject(job.output)) view.output = job.output
  if (job.error !== undefined) view.error = job.error
  if (job.workerId !== null) view.workerId = job.workerId
  if (job.retries > 0) view.retries = job.retries
  return view
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0
}

/** Bytes of `output` as JSON (UTF-8). */
function outputBytes(output: unknown): number {
  return Buffer.byteLength(stringifyKeepingNonFinite(output) ?? '')
}
