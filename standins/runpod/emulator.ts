/**
 * A local stand-in for a RunPod Serverless endpoint's queue API (reference/runpod.md §1) with an emulated
 * WhisperX worker behind it (§3.1 `whisperx`, §3.2 `whisperx-hub`, output §4), for tests.
 *
 * `url` (`http://127.0.0.1:PORT/v2`) is what the panel takes as RUNPOD_API_BASE. Every section number below
 * refers to reference/runpod.md. Where RunPod's behaviour is not documented the choice is marked ASSUMPTION.
 *
 * The worker is either emulated in TypeScript (default; every fault of `faults.nextJob`), or, with
 * `pythonWorker`, the real `worker/handler.py` running under RunPod's Python SDK in a child process: the emulator
 * then serves the worker-side routes the SDK calls (runpod-worker-api.ts), mirrors the network volume into a
 * temp folder the handler sees as `/runpod-volume` and back (runpod-python-worker.ts), shows progress updates as
 * the job's `output` while IN_PROGRESS, and cancels a running job through the SDK's stop channel
 * (runpod-python `rp_scale.monitor_stop_signals` → `task.cancel()`). runpod-python drops a stop signal for a job
 * it has taken but not started yet (`stop_job`: "No in-progress job"); the handler then runs to its end and the
 * emulator drops its result (ASSUMPTION: RunPod ignores results of jobs it already ended).
 *
 * `restUrl` (`http://127.0.0.1:PORT/rest/v2`) stands in for RunPod's REST API v2 (RUNPOD_REST_API_BASE), with only
 * the routes the panel uses: GET/PATCH `/serverless/{id}`, GET `/serverless/{id}/workers`, GET
 * `/network-volumes/{id}` (shapes from RunPod's OpenAPI, `api-reference-v2/openapi.json` in github.com/runpod/docs).
 * The endpoint's settings drive the queue: with `workers.max` 0 (RunPod's idle scale-down) or no free GPU, jobs
 * stay IN_QUEUE; a volume that is not in `networkVolumes` is not mounted for the worker.
 *
 * Only the queue routes the panel calls are served: `/run`, GET `/status`, `/cancel`, `/retry`, `/health`.
 * Not emulated: `/runsync`, `/status-sync`, `/purge-queue`, POST `/status` (the Go SDK's), webhooks (accepted,
 * never called), `/stream`, `/requests`, `/status?ttl=`, concurrency limits
 * (§1.7 "200 concurrent"), worker scaling (jobs run in parallel, each on "the" worker; the Python worker takes
 * one job at a time, as runpod-python's default concurrency of 1 does).
 */
import { randomUUID, createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getRequestListener, type HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import {
  createVolumeClient,
  downloadUrl,
  findScript,
  probeDuration,
  RaisedException,
  raisedErrorString,
  readVolumePath,
  ReturnedError,
  sha256Hex,
  parsePythonJson,
  stringifyKeepingNonFinite,
  validateHubInput,
  validateWhisperxInput,
  VOLUME_PREFIX,
  type FetchOptions,
  type VolumeConfig,
  type WorkerContract,
} from './worker.ts'
import {
  hubOutput,
  placeholderSegments,
  scriptSegments,
  whisperxOutput,
  type Stages,
  type WhisperxSegment,
} from './whisperx-output.ts'
import { spawnPythonWorker, VolumeMount, type PythonWorkerProcess, type PythonWorkerSetup } from './python-worker.ts'
import { createWorkerApi, WORKER_ROUTE_RE, workerWebhookEnv, type WorkerApiRequest } from './worker-api.ts'

/** Job states (§1.4; `RUNNING` is never returned, docs issue #511). */
export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT'
const FINAL: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']

/** Operations with a rate limit (§1.7, per endpoint, sliding window). `health`/`retry` have none documented. */
export type RateLimitedOperation = 'run' | 'status' | 'cancel' | 'retry' | 'health'

/** §1.7 rate limits per 10 s. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitedOperation, number>> = {
  run: 1000,
  status: 2000,
  cancel: 100,
  retry: Number.POSITIVE_INFINITY,
  health: Number.POSITIVE_INFINITY,
}

const DAY_MS = 24 * 60 * 60 * 1000
/** §1.6 policy bounds (ms). */
export const POLICY_BOUNDS = {
  executionTimeout: { min: 5_000, max: 7 * DAY_MS, default: 600_000 },
  ttl: { min: 10_000, max: 7 * DAY_MS, default: DAY_MS },
} as const
/** §1.7 /run payload limit. ASSUMPTION: "10 MB" read as MiB. */
export const RUN_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024

export interface RunpodEmulatorOptions {
  apiKey: string
  endpointId: string
  /** Worker contract of the endpoint's image. Default `whisperx`. */
  worker?: WorkerContract
  /** Time a job stays IN_QUEUE (ms). Default 1000. */
  queueDelayMs?: number
  /** IN_PROGRESS time after the audio is downloaded (ms). Default 1500. */
  executionMs?: number
  /** How long a finished `/run` job stays readable (ms, §1.7). Default 30 min. */
  resultRetentionMs?: number
  /** The network volume attached to the endpoint: `/runpod-volume/<key>` reads `<key>` from it (§2.6). */
  volume?: VolumeConfig
  /** Where `*.script.json` files are looked up. Default `test/fixtures`. */
  scriptsDir?: string
  host?: string
  port?: number
  /** Test-only override of §1.7 limits (requests per window). */
  rateLimits?: Partial<Record<RateLimitedOperation, number>>
  /** Sliding window (ms). Default 10 000 (§1.7). */
  rateLimitWindowMs?: number
  /** Test-only override of the §1.6 minimums for `policy.ttl` / `policy.executionTimeout` (ms). */
  policyMinimums?: { ttlMs?: number; executionTimeoutMs?: number }
  /**
   * What a handler's non-string `error` (kodxana's validator list, §3.2) becomes. ASSUMPTION (unconfirmed, §1.5):
   * default `'completed-no-output'` follows runpod-python issue #299 ("a dict … results in the job returning as
   * COMPLETED instead of FAILED without any output"); `'failed-with-list'` surfaces FAILED with `error` = the list.
   */
  listError?: 'completed-no-output' | 'failed-with-list'
  /**
   * Whether the `whisperx-hub` worker reads `/runpod-volume/…` paths. The real kodxana worker (684dca3) only
   * downloads URLs: a path fails (download returns None → the handler returns an error string). Default
   * `'accept'` (the emulator reads the volume, as for `whisperx`); `'reject-like-kodxana'` reproduces the failure.
   */
  hubVolumePaths?: 'accept' | 'reject-like-kodxana'
  /**
   * §0.3: runpod-python ≥ 1.12 refuses private URLs unless RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS=true. Default true
   * (the local S3 server is on loopback); false makes URL downloads from private addresses raise SSRFError.
   */
  allowPrivateDownloadUrls?: boolean
  /** Default 5 GiB (§0.3). */
  maxDownloadBytes?: number
  /** Default `ffprobe` on PATH. */
  ffprobePath?: string
  /**
   * Run the real `worker/handler.py` under RunPod's Python SDK as the endpoint's worker (see
   * runpod-python-worker.ts) instead of the TypeScript worker. `worker` must then be `whisperx` and `volume` set;
   * `faults.nextJob` outcomes do not apply. Jobs wait `queueDelayMs`, then the worker takes them.
   */
  pythonWorker?: PythonWorkerOptions
  /** The endpoint's settings as the REST API v2 reports them; see {@link EndpointSettings} for defaults. */
  endpoint?: Partial<EndpointSettings>
  /**
   * The account's network volumes (REST v2 `/network-volumes/{id}`). Default: the attached `volume`, in the
   * datacenter of its S3 region.
   */
  networkVolumes?: { id: string; name?: string; size?: number; dataCenter: string }[]
  /**
   * Cold start (ms): the first job waits while the worker is INITIALIZING (RunPod's worker states,
   * docs serverless/workers/overview.mdx). Default 0: the worker is warm (IDLE) from the start.
   */
  coldStartMs?: number
  /** `none`: no GPU of the endpoint's pools is free; its worker stays THROTTLED and jobs stay IN_QUEUE. */
  gpuAvailability?: 'available' | 'none'
}

export interface PythonWorkerOptions {
  /** From `findPythonWorker()`. */
  setup: PythonWorkerSetup
  /** Extra environment of the worker, over the endpoint's `env` (option `endpoint.env`, default `{HF_TOKEN: 'hf_emulated'}`). */
  env?: Record<string, string>
  /** How long job-take / job-stop long polls are held (ms). Default 10 000. */
  holdMs?: number
}

/** The Python worker as the emulator runs it (read-only, for tests). */
export interface PythonWorkerInfo {
  pid: number
  /** The temp folder mounted as `/runpod-volume` (SCRIBE_VOLUME_ROOT). */
  mountRoot: string
  /** Worker-side requests (job-take, job-stop, job-done, job-stream, ping). */
  requests: WorkerApiRequest[]
  /** The worker's stdout and stderr. */
  log(): string
  /** Job ids stop signals were sent for. */
  stopped: string[]
}

/** An endpoint's settings (REST v2 `Endpoint`, the fields the emulator acts on). */
export interface EndpointSettings {
  name: string
  /** Default 0 / 3. RunPod sets `max` to 0 after 7 idle days (docs endpoint-configurations.mdx "Idle endpoint scale-down"). */
  workersMin: number
  workersMax: number
  /** Default: the volume's datacenter. */
  dataCenterIds: string[]
  /** Attached network volume IDs. Default: the `volume`'s bucket. */
  networkVolumes: string[]
  /**
   * The endpoint's environment. Default `{HF_TOKEN: 'hf_emulated'}`: our worker needs `HF_TOKEN` to diarize
   * (the pyannote model is gated; whisperX README), and without it the `whisperx` handler returns an error.
   */
  env: Record<string, string>
}

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

export type FaultRoute = 'run' | 'status' | 'cancel' | 'health' | 'retry' | 'any'

/**
 * How `faults.nextJob` ends the next submitted job. The worker still validates the input and fetches the audio
 * (natural failures win); then, after `executionMs`:
 * - `fail-string`: FAILED, `error` = a plain string (handler returned `{"error": "CUDA out of memory…"}`, §1.5);
 * - `fail-json`: FAILED, `error` = runpod-python's JSON-encoded raised exception (§1.5);
 * - `fail-list`: the handler returns kodxana's validator list (§3.2), surfaced per `listError`;
 * - `timed-out`: TIMED_OUT; `cancelled-outside`: CANCELLED at half of `executionMs`, without a /cancel call;
 * - `completed-no-output`: COMPLETED without `output` (§1.5, runpod-python #309);
 * - `invalid-output`: COMPLETED with an output that is not WhisperX-shaped (default `{segments: 'oops'}`);
 * - `progress`: IN_PROGRESS carries `output: {stage: 'transcribing', percent}` updates, then the real output;
 * - `nan-output`: COMPLETED; the output's word scores and one segment start are NaN, which `/status` writes as
 *   bare `NaN` tokens (runpod-python posts `json.dumps` with NaN allowed; ASSUMPTION: RunPod passes them on);
 * - `oversize-output`: the worker's result exceeds the /run payload limit ({@link RUN_PAYLOAD_LIMIT_BYTES}):
 *   COMPLETED without `output` (ASSUMPTION, unconfirmed: like runpod-python #309, a result RunPod cannot take
 *   leaves a COMPLETED job with no output); the result file on the volume is written as usual;
 * - `segments-omitted`: the output leaves `segments` out with `segments_omitted: true`, as the worker does for a
 *   result over 9 MB; the full result is in the result file on the volume.
 */
export type NextJobOutcome =
  | 'fail-string'
  | 'fail-json'
  | 'fail-list'
  | 'timed-out'
  | 'cancelled-outside'
  | 'completed-no-output'
  | 'invalid-output'
  | 'progress'
  | 'nan-output'
  | 'oversize-output'
  | 'segments-omitted'

export interface NextJobFault {
  outcome: NextJobOutcome
  /** fail-string / fail-json: the message (default: a CUDA out-of-memory message). */
  message?: string
  /** fail-list: the list (default: the hub validator's errors for the job's input, or a type error). */
  errors?: string[]
  /** invalid-output: the output (default `{segments: 'oops'}`). */
  output?: unknown
  /** progress: number of updates before the final output (default 4). */
  progressSteps?: number
  /**
   * progress: deliver the updates out of order (each pair after the first swapped: 0, 50, 25, 75 %).
   * runpod-python's `progress_update` posts from a daemon thread per call (`rp_progress.py`), so a later update
   * can land before an earlier one. ASSUMPTION: how often that happens on RunPod is not documented.
   */
  progressOutOfOrder?: boolean
  /** progress: these updates, evenly spread over `executionMs`, instead of `transcribing` percentages. */
  progressUpdates?: { stage: string; percent: number }[]
}

export interface FaultControl {
  /** The next `times` (default 1) requests to `route` answer `status` with `body` (default a JSON error). */
  httpError(f: {
    route: FaultRoute
    status: 401 | 404 | 429 | 500 | 502 | 503
    times?: number
    retryAfterSeconds?: number
    body?: string
  }): void
  /** The next `times` requests to `route` get their socket destroyed without an answer. */
  dropConnection(f: { route: FaultRoute; times: number }): void
  /** The next submitted job ends the way `f.outcome` says (calls queue: one per submission, in order). */
  nextJob(f: NextJobFault): void
  /** Changes the delays of phases that start from now on (ms). */
  setDelays(d: { queueDelayMs?: number; executionMs?: number }): void
  /**
   * Makes a finished job's result expire now, as if `resultRetentionMs` had passed (§1.7): `/status` → 404.
   * @throws Error for an unknown, already expired or unfinished job.
   */
  expireResult(jobId: string): void
  /** Drops all pending httpError / dropConnection / nextJob faults. */
  clear(): void
  /** Changes the endpoint's settings as the console (or RunPod's idle scale-down) would; queued jobs start if they now can. */
  setEndpoint(s: Partial<EndpointSettings>): void
  /** Makes GPUs (un)available; queued jobs start once they are. */
  setGpuAvailability(a: 'available' | 'none'): void
}

export interface RunpodEmulator {
  /** Base URL for RUNPOD_API_BASE, e.g. `http://127.0.0.1:PORT/v2`. */
  url: string
  /** Base URL for RUNPOD_REST_API_BASE, e.g. `http://127.0.0.1:PORT/rest/v2`. */
  restUrl: string
  /** The endpoint's current settings (read-only for tests; change them with `faults.setEndpoint` or a PATCH). */
  readonly endpoint: Readonly<EndpointSettings>
  endpointId: string
  jobs: ReadonlyMap<string, Readonly<EmulatedJob>>
  requests: { method: string; path: string; status: number; at: number }[]
  faults: FaultControl
  /** The Python worker, when `pythonWorker` was given. */
  pythonWorker: PythonWorkerInfo | null
  close(): Promise<void>
}

const CUDA_OOM =
  'CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity; 21.12 GiB already allocated; ' +
  '1.19 GiB free; 21.50 GiB reserved in total by PyTorch)'

const PolicySchema = z
  .object({
    executionTimeout: z.number().int().optional(),
    ttl: z.number().int().optional(),
    lowPriority: z.boolean().optional(),
  })
  .loose()

const RunBodySchema = z
  .object({
    input: z.record(z.string(), z.unknown()),
    webhook: z.string().optional(),
    policy: PolicySchema.optional(),
    s3Config: z.looseObject({}).optional(),
  })
  .loose()

interface RunState {
  abort: AbortController
  timers: Set<NodeJS.Timeout>
  fault: NextJobFault | null
  /** Taken by the Python worker: stopping the run sends it a stop signal. */
  taken: boolean
}

const ROUTE_RE = /^\/v2\/([^/]+)\/([a-z-]+)(?:\/([^/]+))?\/?$/

/**
 * Starts the emulator on `host:port` (default 127.0.0.1, any free port).
 * @returns the emulator; `close()` stops its timers, its worker runs and its server.
 * @throws Error when the port cannot be bound.
 */
export async function startRunpodEmulator(opts: RunpodEmulatorOptions): Promise<RunpodEmulator> {
  const contract: WorkerContract = opts.worker ?? 'whisperx'
  const delays = { queueDelayMs: opts.queueDelayMs ?? 1000, executionMs: opts.executionMs ?? 1500 }
  const retentionMs = opts.resultRetentionMs ?? 30 * 60_000
  const scriptsDir = opts.scriptsDir ?? fileURLToPath(new URL('../../test/fixtures/', import.meta.url))
  const limits: Record<RateLimitedOperation, number> = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits }
  const windowMs = opts.rateLimitWindowMs ?? 10_000
  const minTtl = opts.policyMinimums?.ttlMs ?? POLICY_BOUNDS.ttl.min
  const minExecutionTimeout = opts.policyMinimums?.executionTimeoutMs ?? POLICY_BOUNDS.executionTimeout.min
  const listErrorMode = opts.listError ?? 'completed-no-output'
  const volumeClient: S3Client | undefined = opts.volume ? createVolumeClient(opts.volume) : undefined
  // One worker per endpoint; RunPod worker ids look like `oqk7ao1uomckye` (§1.3).
  const workerId = createHash('sha256')
    .update(opts.endpointId)
    .digest('hex')
    .replace(/[^a-z]/g, '')
    .padEnd(14, 'x')
    .slice(0, 14)

  const jobs = new Map<string, EmulatedJob>()
  const runs = new Map<string, RunState>()
  const lifeTimers = new Map<string, Set<NodeJS.Timeout>>()
  const requests: RunpodEmulator['requests'] = []
  const hits = new Map<RateLimitedOperation, number[]>()
  const httpFaults: {
    route: FaultRoute
    status: number
    remaining: number
    retryAfterSeconds?: number
    body?: string
  }[] = []
  const dropFaults: { route: FaultRoute; remaining: number }[] = []
  const jobFaults: NextJobFault[] = []
  let retriedCount = 0
  let closed = false
  const endpoint: EndpointSettings = {
    name: opts.endpoint?.name ?? 'scribe-whisperx',
    workersMin: opts.endpoint?.workersMin ?? 0,
    workersMax: opts.endpoint?.workersMax ?? 3,
    dataCenterIds: opts.endpoint?.dataCenterIds ?? (opts.volume ? [opts.volume.region.toUpperCase()] : []),
    networkVolumes: opts.endpoint?.networkVolumes ?? (opts.volume ? [opts.volume.bucket] : []),
    env: opts.endpoint?.env ?? { HF_TOKEN: 'hf_emulated' },
  }
  const accountVolumes = (opts.networkVolumes ?? (opts.volume ? [{ id: opts.volume.bucket, dataCenter: opts.volume.region.toUpperCase() }] : [])).map((v) => ({
    id: v.id,
    name: v.name ?? 'scribe-panel',
    size: v.size ?? 50,
    dataCenter: v.dataCenter,
  }))
  let gpuAvailability = opts.gpuAvailability ?? 'available'
  /** The one worker: absent until a cold start, INITIALIZING during it, then warm. */
  let gpuWorker: { phase: 'none' | 'initializing' | 'warm'; readyAt: number } = { phase: (opts.coldStartMs ?? 0) > 0 ? 'none' : 'warm', readyAt: 0 }
  /** Jobs whose queue delay has passed but that no worker can take yet (max workers 0, no GPU, cold start). */
  const waiting = new Map<string, RunState>()
  const endpointVersion = { value: 1 }

  // ---------------------------------------------------------------------------------------------------------
  // Job lifecycle

  const setStatus = (job: EmulatedJob, status: JobStatus) => {
    job.status = status
    job.history.push({ status, at: Date.now() })
  }
  /**
   * Runs `fn` once `ms` have passed by the wall clock. Node timers may fire up to ~1 ms early as seen by
   * `Date.now()`; re-arming for the remainder keeps `delayTime >= queueDelayMs` and friends exact.
   */
  const deadlineTimer = (timers: Set<NodeJS.Timeout>, ms: number, fn: () => void) => {
    const due = Date.now() + ms
    const arm = (wait: number) => {
      const t = setTimeout(() => {
        timers.delete(t)
        if (Date.now() < due) arm(due - Date.now())
        else fn()
      }, wait)
      timers.add(t)
    }
    arm(ms)
  }
  const lifeTimer = (job: EmulatedJob, ms: number, fn: () => void) => {
    const set = lifeTimers.get(job.id) ?? new Set<NodeJS.Timeout>()
    lifeTimers.set(job.id, set)
    deadlineTimer(set, ms, fn)
  }
  const runTimer = (run: RunState, ms: number, fn: () => void) => deadlineTimer(run.timers, ms, fn)
  const stopRun = (job: EmulatedJob) => {
    const run = runs.get(job.id)
    if (!run) return
    for (const t of run.timers) clearTimeout(t)
    run.abort.abort()
    runs.delete(job.id)
    // RunPod tells the worker through its stop channel (runpod-python rp_scale.monitor_stop_signals).
    if (run.taken) python?.signalStop(job.id)
  }
  const expire = (job: EmulatedJob, why: 'ttl' | 'retention') => {
    if (job.expired) return
    stopRun(job)
    for (const t of lifeTimers.get(job.id) ?? []) clearTimeout(t)
    lifeTimers.delete(job.id)
    job.expired = why
  }
  const isLive = (job: EmulatedJob | undefined): job is EmulatedJob => job !== undefined && job.expired === null

  /** Ends the current run with a final status; later results of that run are ignored. */
  const finish = (
    job: EmulatedJob,
    run: RunState,
    status: JobStatus,
    fields: { output?: unknown; error?: unknown },
  ) => {
    if (runs.get(job.id) !== run || FINAL.includes(job.status)) return
    stopRun(job)
    const now = Date.now()
    job.finishedAt = now
    if (job.startedAt !== null) job.executionTime = now - job.startedAt
    job.output = fields.output
    job.error = fields.error
    // ASSUMPTION (unconfirmed): a result over the /run payload limit (https://docs.runpod.io/serverless/workers/
    // handler-functions "Payload limits") leaves the job COMPLETED without output, like runpod-python #309.
    if (status === 'COMPLETED' && fields.output !== undefined && outputBytes(fields.output) > RUN_PAYLOAD_LIMIT_BYTES) {
      job.output = undefined
    }
    setStatus(job, status)
    // §1.7: results are kept 30 min after /run, then gone (404, presumably like TTL, §5).
    lifeTimer(job, retentionMs, () => expire(job, 'retention'))
  }

  const enqueue = (job: EmulatedJob, fault: NextJobFault | null) => {
    const run: RunState = { abort: new AbortController(), timers: new Set(), fault, taken: false }
    runs.set(job.id, run)
    job.queuedAt = Date.now()
    setStatus(job, 'IN_QUEUE')
    runTimer(run, delays.queueDelayMs, () => dispatchQueued(job, run))
  }

  /** Whether a worker can take a job now; starts a cold worker when one may start. */
  const workerReady = (): boolean => {
    if (endpoint.workersMax === 0 || gpuAvailability === 'none') return false
    if (gpuWorker.phase === 'warm') return true
    if (gpuWorker.phase === 'none') {
      gpuWorker = { phase: 'initializing', readyAt: Date.now() + (opts.coldStartMs ?? 0) }
      const timers = new Set<NodeJS.Timeout>()
      deadlineTimer(timers, opts.coldStartMs ?? 0, () => {
        gpuWorker = { phase: 'warm', readyAt: Date.now() }
        wakeWaiting()
      })
    }
    return false
  }
  const wakeWaiting = () => {
    for (const [id, run] of [...waiting]) {
      const job = jobs.get(id)
      waiting.delete(id)
      if (job) dispatchQueued(job, run)
    }
  }
  /** After its queue delay a job goes to a worker, or waits while none can take it. */
  const dispatchQueued = (job: EmulatedJob, run: RunState) => {
    if (runs.get(job.id) !== run) return
    if (!workerReady()) {
      // ASSUMPTION (RunPod does not document it, docs endpoint-configurations.mdx only says jobs wait): with 0 max
      // workers or no free GPU a job simply stays IN_QUEUE until its TTL runs out.
      waiting.set(job.id, run)
      return
    }
    if (python) python.offer(job, run)
    else pickUp(job, run)
  }

  /** The job starts on the worker: IN_PROGRESS, and the emulated worker runs it unless the Python worker took it. */
  const pickUp = (job: EmulatedJob, run: RunState) => {
    if (runs.get(job.id) !== run) return
    const now = Date.now()
    job.startedAt = now
    job.delayTime = now - job.queuedAt
    job.workerId = workerId
    setStatus(job, 'IN_PROGRESS')
    // §1.4: whether an exceeded executionTimeout reports FAILED or TIMED_OUT is not confirmed.
    // ASSUMPTION: TIMED_OUT ("the worker failed to report back before reaching the timeout threshold").
    runTimer(run, job.policy.executionTimeout, () => finish(job, run, 'TIMED_OUT', {}))
    if (run.taken) return
    void work(job, run).catch((err: unknown) => {
      if (run.abort.signal.aborted) return
      // A bug in the emulator itself: report it as a raised exception rather than hanging the job.
      const e = new RaisedException('RuntimeError', `emulator: ${String(err)}`)
      finish(job, run, 'FAILED', { error: raisedErrorString(e, workerId) })
    })
  }

  /** The emulated worker: validate → fetch audio → "transcribe" → wait executionMs → result (§1.5). */
  const work = async (job: EmulatedJob, run: RunState) => {
    const outcome = await runHandler(job, run)
    if (runs.get(job.id) !== run) return
    if (outcome.kind === 'raised') {
      finish(job, run, 'FAILED', { error: raisedErrorString(outcome.err, workerId, handlerFile(contract)) })
      return
    }
    if (outcome.kind === 'returned-error') {
      failWithReturnedError(job, run, outcome.value)
      return
    }
    const fault = run.fault
    const exec = delays.executionMs
    // A handler that got this far writes the full result beside the audio, which the S3 API then serves;
    // one that fails (or is stopped) does not.
    const fails = ['fail-string', 'fail-json', 'fail-list', 'timed-out', 'cancelled-outside', 'invalid-output']
    if (outcome.resultKey && volumeClient && opts.volume && !fails.includes(fault?.outcome ?? '')) {
      await volumeClient.send(
        new PutObjectCommand({ Bucket: opts.volume.bucket, Key: outcome.resultKey, Body: JSON.stringify(outcome.output), ContentType: 'application/json' }),
      )
    }
    if (runs.get(job.id) !== run) return
    switch (fault?.outcome) {
      case 'fail-string':
        return runTimer(run, exec, () => failWithReturnedError(job, run, fault.message ?? CUDA_OOM))
      case 'fail-json':
        return runTimer(run, exec, () => {
          const err = new RaisedException(
            'torch.OutOfMemoryError',
            fault.message ?? CUDA_OOM,
            'result = model.transcribe(audio, batch_size=batch_size)',
          )
          finish(job, run, 'FAILED', { error: raisedErrorString(err, workerId, handlerFile(contract)) })
        })
      case 'fail-list':
        return runTimer(run, exec, () => failWithReturnedError(job, run, fault.errors ?? defaultListErrors(job.input)))
      case 'timed-out':
        return runTimer(run, exec, () => finish(job, run, 'TIMED_OUT', {}))
      case 'cancelled-outside':
        return runTimer(run, Math.max(1, Math.floor(exec / 2)), () => finish(job, run, 'CANCELLED', {}))
      case 'completed-no-output':
        // §1.5 known quirk (runpod-python #309): the result post failed, the client sees COMPLETED without output.
        return runTimer(run, exec, () => finish(job, run, 'COMPLETED', {}))
      case 'invalid-output':
        return runTimer(run, exec, () =>
          finish(job, run, 'COMPLETED', { output: fault.output ?? { segments: 'oops' } }),
        )
      case 'progress': {
        // §1.5 / finding 4: progress_update() posts {status: IN_PROGRESS, output: x}; /status shows it.
        const scripted = fault.progressUpdates
        const steps = scripted ? scripted.length : Math.max(1, fault.progressSteps ?? 4)
        const order = Array.from({ length: steps }, (_, i) => i)
        if (fault.progressOutOfOrder) for (let i = 1; i + 1 < steps; i += 2) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!]
        for (let slot = 0; slot < steps; slot++) {
          const i = order[slot]!
          runTimer(run, Math.floor((exec * slot) / steps), () => {
            job.output = scripted ? scripted[i] : { stage: 'transcribing', percent: Math.round((100 * i) / steps) }
          })
        }
        return runTimer(run, exec, () => finish(job, run, 'COMPLETED', { output: outcome.output }))
      }
      case 'nan-output':
        return runTimer(run, exec, () => finish(job, run, 'COMPLETED', { output: withNaN(outcome.output) }))
      case 'oversize-output': {
        const big = { ...(outcome.output as object), padding: 'x'.repeat(RUN_PAYLOAD_LIMIT_BYTES + 1) }
        return runTimer(run, exec, () => finish(job, run, 'COMPLETED', { output: big }))
      }
      case 'segments-omitted': {
        const { segments: _omitted, ...rest } = outcome.output as { segments?: unknown }
        return runTimer(run, exec, () => finish(job, run, 'COMPLETED', { output: { ...rest, segments_omitted: true } }))
      }
      default:
        return runTimer(run, exec, () => finish(job, run, 'COMPLETED', { output: outcome.output }))
    }
  }

  /**
   * §1.5: a handler-returned `{"error": "msg"}` → FAILED with that string. A list (kodxana's validator, §3.2) is
   * not a string: see `listError` (ASSUMPTION).
   */
  const failWithReturnedError = (job: EmulatedJob, run: RunState, value: string | string[]) => {
    if (typeof value === 'string') return finish(job, run, 'FAILED', { error: value })
    if (listErrorMode === 'failed-with-list') return finish(job, run, 'FAILED', { error: value })
    finish(job, run, 'COMPLETED', {})
  }

  type HandlerOutcome =
    | { kind: 'output'; output: unknown; resultKey?: string }
    | { kind: 'raised'; err: RaisedException }
    | { kind: 'returned-error'; value: string | string[] }

  const runHandler = async (job: EmulatedJob, run: RunState): Promise<HandlerOutcome> => {
    const fetchOpts: FetchOptions = {
      // A volume that is not attached to the endpoint is not mounted: /runpod-volume paths do not exist (§2.6).
      volume: opts.volume && endpoint.networkVolumes.includes(opts.volume.bucket) ? opts.volume : undefined,
      volumeClient,
      allowPrivateDownloadUrls: opts.allowPrivateDownloadUrls ?? true,
      maxDownloadBytes: opts.maxDownloadBytes ?? 5 * 1024 ** 3,
      signal: run.abort.signal,
      onBytes: (n) => {
        job.downloadedBytes = n
      },
    }
    try {
      return contract === 'whisperx' ? await whisperxHandler(job, fetchOpts) : await hubHandler(job, fetchOpts)
    } catch (err) {
      if (err instanceof RaisedException) return { kind: 'raised', err }
      if (err instanceof ReturnedError) return { kind: 'returned-error', value: err.value }
      throw err
    }
  }

  /** Our image's handler (§3.1): errors it raises become runpod-python's JSON error (§1.5). */
  const whisperxHandler = async (job: EmulatedJob, fetchOpts: FetchOptions): Promise<HandlerOutcome> => {
    const input = validateWhisperxInput(job.input)
    if (input.diarize && !endpoint.env.HF_TOKEN) {
      // The pyannote diarization model is gated: without a Hugging Face token our worker refuses to diarize
      // (whisperX README, "Speaker Diarization"). ASSUMPTION: the message our Python worker returns; the panel
      // only relies on it naming HF_TOKEN.
      throw new ReturnedError('HF_TOKEN_MISSING: diarization needs a Hugging Face token. Set HF_TOKEN on the endpoint and accept the terms of pyannote/speaker-diarization-community-1.')
    }
    const bytes = await fetchAudio(input.audio, fetchOpts)
    const stages: Stages = { align: input.align, diarize: input.diarize }
    const { segments, language, duration } = await transcribe(job, bytes, stages, input.language, (msg) => {
      throw new RaisedException(
        'RuntimeError',
        `Failed to load audio: ${msg}`,
        'audio = whisperx.load_audio(audio_path)',
      )
    })
    const resultPath = input.audio.startsWith(VOLUME_PREFIX)
      ? `${input.audio.slice(0, input.audio.lastIndexOf('/'))}/result-${job.id}.json`
      : null
    const output = whisperxOutput(segments, { language, duration, model: input.model, resultPath }, stages)
    return { kind: 'output', output, resultKey: resultPath?.slice(VOLUME_PREFIX.length) }
  }

  /**
   * kodxana/whisperx-worker 684dca3 (§3.2): validator errors are returned as a list; a failed download
   * makes `download_files_from_urls` return None, then `predict(None)` raises inside the handler's try and the
   * handler returns the message as a string; errors of predict likewise.
   */
  const hubHandler = async (job: EmulatedJob, fetchOpts: FetchOptions): Promise<HandlerOutcome> => {
    const v = validateHubInput(job.input)
    if ('errors' in v) return { kind: 'returned-error', value: v.errors }
    const ref = String(v.validated_input.audio_file)
    let bytes: Buffer
    try {
      if (ref.startsWith(VOLUME_PREFIX) && opts.hubVolumePaths === 'reject-like-kodxana') {
        throw new RaisedException('requests.exceptions.MissingSchema', `Invalid URL '${ref}': No scheme supplied.`)
      }
      bytes = await fetchAudio(ref, fetchOpts)
    } catch (err) {
      // SSRFError is raised by download_files_from_urls itself (v1.12.0, §0.3): outside the handler's try.
      if (err instanceof RaisedException && err.pythonType.endsWith('SSRFError')) throw err
      if (!(err instanceof RaisedException)) throw err
      // ASSUMPTION (inferred): pydub's AudioSegment.from_file(None) fails with this TypeError message.
      return { kind: 'returned-error', value: 'expected str, bytes or os.PathLike object, not NoneType' }
    }
    const stages: Stages = {
      align: v.validated_input.align_output === true,
      diarize: v.validated_input.diarization === true,
    }
    const language = typeof v.validated_input.language === 'string' ? v.validated_input.language : null
    const { segments, language: detected } = await transcribe(job, bytes, stages, language, (msg) => {
      throw new ReturnedError(`Decoding failed. ffmpeg returned error code: 1\n\nOutput from ffmpeg/avlib:\n\n${msg}`)
    })
    return { kind: 'output', output: hubOutput(segments, detected) }
  }

  const fetchAudio = async (ref: string, fetchOpts: FetchOptions): Promise<Buffer> => {
    if (/^https?:\/\//i.test(ref)) return downloadUrl(ref, fetchOpts)
    if (ref.startsWith(VOLUME_PREFIX)) return readVolumePath(ref, fetchOpts)
    throw new RaisedException('ValueError', `audio must be an http(s) URL or a path under ${VOLUME_PREFIX}: '${ref}'`)
  }

  /** What the GPU would hear: the matching script, else an honest placeholder from ffprobe's duration. */
  const transcribe = async (
    job: EmulatedJob,
    bytes: Buffer,
    stages: Stages,
    language: string | null,
    undecodable: (msg: string) => never,
  ): Promise<{ segments: WhisperxSegment[]; language: string; duration: number }> => {
    const sha = sha256Hex(bytes)
    job.audioSha256 = sha
    const found = await findScript(scriptsDir, sha)
    if (found) {
      job.script = found.file
      return {
        segments: scriptSegments(found.script, stages),
        language: language ?? found.script.language,
        duration: found.script.duration,
      }
    }
    let duration: number
    try {
      duration = await probeDuration(bytes, opts.ffprobePath)
    } catch (err) {
      return undecodable(err instanceof Error ? err.message : String(err))
    }
    return { segments: placeholderSegments(duration, stages), language: language ?? 'en', duration }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The Python worker (worker/handler.py under runpod-python), when `pythonWorker` is given

  interface PythonMode {
    /** The job may be taken now (its queue delay passed). */
    offer(job: EmulatedJob, run: RunState): void
    /** Tells the worker to stop the job (cancel, timeout). */
    signalStop(jobId: string): void
    handle(req: IncomingMessage, res: ServerResponse): Promise<void>
    info: PythonWorkerInfo
    close(): Promise<void>
  }
  let python: PythonMode | null = null

  /** Starts the worker process and serves its routes; resolves once it asked for its first job. */
  const startPython = async (po: PythonWorkerOptions, origin: string): Promise<PythonMode> => {
    if (contract !== 'whisperx') throw new Error('pythonWorker runs worker/handler.py: use worker "whisperx"')
    if (!opts.volume || !volumeClient) throw new Error('pythonWorker needs the volume its handler mounts (option volume)')
    const mountRoot = mkdtempSync(join(tmpdir(), 'runpod-volume-'))
    const mount = new VolumeMount(mountRoot, volumeClient, opts.volume.bucket)
    const takeable: { job: EmulatedJob; run: RunState }[] = []
    const takeWaiters = new Set<() => void>()
    const stops: string[] = []
    const stopWaiters = new Set<() => void>()
    const stopped: string[] = []
    const requests: WorkerApiRequest[] = []
    const workerKey = `rpa_worker_${createHash('sha256').update(opts.apiKey).digest('hex').slice(0, 32)}`
    let ready: () => void = () => {}
    const firstTake = new Promise<void>((resolve) => (ready = resolve))
    const wake = (waiters: Set<() => void>) => [...waiters].forEach((w) => w())
    /** Waits until `poll` gives something, the hold time passes, the worker hangs up or the emulator closes. */
    const hold = async <T>(ms: number, gone: () => boolean, waiters: Set<() => void>, poll: () => T | null): Promise<T | null> => {
      const until = Date.now() + ms
      for (;;) {
        if (closed || gone()) return null
        const got = poll()
        if (got !== null) return got
        const left = until - Date.now()
        if (left <= 0) return null
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t)
            waiters.delete(done)
            resolve()
          }
          const t = setTimeout(done, left)
          waiters.add(done)
        })
      }
    }
    const nextTakeable = () => {
      while (takeable.length > 0) {
        const next = takeable.shift()!
        if (runs.get(next.job.id) === next.run && next.job.status === 'IN_QUEUE') return next
      }
      return null
    }

    const handle = createWorkerApi(
      {
        endpointId: opts.endpointId,
        workerKey,
        workerId,
        holdMs: po.holdMs ?? 10_000,
        async take(ms, gone) {
          ready()
          for (;;) {
            const next = await hold(ms, gone, takeWaiters, nextTakeable)
            if (!next) return null
            const { job, run } = next
            // The mount shows what the S3 API holds: the audio is visible at its key before the worker starts.
            const audio = typeof job.input.audio === 'string' ? job.input.audio : ''
            // A volume that is not attached to the endpoint is not mounted: the handler finds no file there.
            const attached = endpoint.networkVolumes.includes(opts.volume!.bucket)
            if (attached && audio.startsWith(VOLUME_PREFIX)) job.downloadedBytes = (await mount.mirrorIn(audio.slice(VOLUME_PREFIX.length))) ?? 0
            if (runs.get(job.id) !== run || job.status !== 'IN_QUEUE') continue // cancelled meanwhile
            if (gone()) {
              takeable.unshift(next)
              return null
            }
            run.taken = true
            pickUp(job, run)
            return { id: job.id, input: job.input }
          }
        },
        async stopSignals(ms, gone) {
          return (await hold(ms, gone, stopWaiters, () => (stops.length > 0 ? stops.splice(0) : null))) ?? []
        },
        async post(jobId, body, route) {
          const job = jobs.get(jobId)
          const run = runs.get(jobId)
          // ASSUMPTION: a result for a job that already ended (cancelled, timed out) is dropped.
          if (!job || !run || !run.taken || route === 'job-stream') return
          let data: { status?: unknown; output?: unknown; error?: unknown; stopPod?: unknown }
          try {
            data = parsePythonJson(body) as typeof data
          } catch {
            finish(job, run, 'FAILED', { error: 'emulator: the worker posted a result that is not JSON' })
            return
          }
          if (data.status === 'IN_PROGRESS') {
            // runpod-python rp_progress.py: progress_update(job, x) posts {status: IN_PROGRESS, output: x}.
            if (job.status === 'IN_PROGRESS') job.output = data.output
            return
          }
          // Files the handler wrote on the volume are on it before its result is (the mount is shared storage).
          await mount.mirrorOut()
          if (data.stopPod === true) job.stopPod = true
          run.taken = false
          const oversize = Buffer.byteLength(body) > RUN_PAYLOAD_LIMIT_BYTES
          if (data.error !== undefined && data.error !== null && data.error !== '') {
            finish(job, run, 'FAILED', { error: data.error, output: data.output })
          } else {
            finish(job, run, 'COMPLETED', { output: oversize ? undefined : data.output })
          }
        },
        ping() {},
      },
      requests,
    )

    const worker: PythonWorkerProcess = spawnPythonWorker(po.setup, {
      ...workerWebhookEnv(origin, opts.endpointId),
      RUNPOD_AI_API_KEY: workerKey,
      RUNPOD_POD_ID: workerId,
      RUNPOD_POD_HOSTNAME: `${workerId}-64410b93`,
      RUNPOD_ENDPOINT_ID: opts.endpointId,
      RUNPOD_PING_INTERVAL: '2000',
      // The SDK's start-up fitness checks want a GPU host: 4 GB free memory, a route to 8.8.8.8, nvidia-smi.
      RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: 'true',
      RUNPOD_SKIP_GPU_CHECK: 'true',
      SCRIBE_VOLUME_ROOT: mountRoot,
      SCRIBE_FAKE_WHISPERX_SCRIPTS: scriptsDir,
      // The endpoint's environment (REST v2 `env`, e.g. HF_TOKEN), then what the test adds.
      ...endpoint.env,
      ...po.env,
    })
    const exitedEarly = worker.exited.then((code) => {
      throw new Error(`worker/handler.py exited (code ${code}) before taking jobs:\n${worker.log().slice(-4000)}`)
    })
    const mode: PythonMode = {
      offer(job, run) {
        takeable.push({ job, run })
        wake(takeWaiters)
      },
      signalStop(jobId) {
        stops.push(jobId)
        stopped.push(jobId)
        wake(stopWaiters)
      },
      handle,
      info: { pid: worker.pid, mountRoot, requests, log: () => worker.log(), stopped },
      async close() {
        wake(takeWaiters)
        wake(stopWaiters)
        await worker.kill()
        await rm(mountRoot, { recursive: true, force: true })
      },
    }
    python = mode // the worker's requests are served from now on
    let timer: NodeJS.Timeout | undefined
    const tooSlow = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker/handler.py did not ask for a job within 60 s:\n${worker.log().slice(-4000)}`)), 60_000)
    })
    try {
      await Promise.race([firstTake, exitedEarly, tooSlow])
    } catch (err) {
      python = null
      await mode.close()
      throw err
    } finally {
      clearTimeout(timer)
    }
    exitedEarly.catch(() => {}) // a later exit shows in the log
    return mode
  }

  // ---------------------------------------------------------------------------------------------------------
  // HTTP

  const app = new Hono<{ Bindings: HttpBindings }>()

  app.use('/v2/:endpointId/*', async (c, next) => {
    // §1.1: `Authorization: Bearer <key>`; the docs' curl examples send the raw key: accept both.
    const auth = c.req.header('authorization') ?? ''
    const key = auth.replace(/^Bearer\s+/i, '').trim()
    if (key === '' || key !== opts.apiKey) return jsonError(c, 401, 'Unauthorized')
    if (c.req.param('endpointId') !== opts.endpointId) return jsonError(c, 404, 'Endpoint not found')
    const op = rateOperation(c.req.path)
    if (op) {
      const now = Date.now()
      const list = (hits.get(op) ?? []).filter((t) => t > now - windowMs)
      hits.set(op, list)
      if (list.length >= limits[op]) return jsonError(c, 429, 'Too many requests')
      list.push(now)
    }
    await next()
  })

  const submit = async (c: Context) => {
    const raw = new Uint8Array(await c.req.arrayBuffer())
    if (raw.byteLength > RUN_PAYLOAD_LIMIT_BYTES) {
      return jsonError(c, 400, `Payload too large: ${raw.byteLength} bytes (limit 10 MB)`)
    }
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(raw))
    } catch {
      return jsonError(c, 400, 'Body must be JSON')
    }
    const parsed = RunBodySchema.safeParse(json)
    if (!parsed.success) return jsonError(c, 400, 'Body must be a JSON object with an "input" object')
    const policy = parsed.data.policy ?? {}
    const executionTimeout = policy.executionTimeout ?? POLICY_BOUNDS.executionTimeout.default
    const ttl = policy.ttl ?? POLICY_BOUNDS.ttl.default
    if (executionTimeout < minExecutionTimeout || executionTimeout > POLICY_BOUNDS.executionTimeout.max) {
      return jsonError(
        c,
        400,
        `policy.executionTimeout must be between ${minExecutionTimeout} and ${POLICY_BOUNDS.executionTimeout.max} ms`,
      )
    }
    if (ttl < minTtl || ttl > POLICY_BOUNDS.ttl.max) {
      return jsonError(c, 400, `policy.ttl must be between ${minTtl} and ${POLICY_BOUNDS.ttl.max} ms`)
    }
    const now = Date.now()
    // §1.3 id format: `<uuid>-u1`.
    const id = `${randomUUID()}-u1`
    const job: EmulatedJob = {
      id,
      status: 'IN_QUEUE',
      input: parsed.data.input,
      policy: { executionTimeout, ttl, lowPriority: policy.lowPriority ?? false },
      webhook: parsed.data.webhook ?? null,
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
      fault: null,
      expired: null,
      history: [],
      stopPod: false,
    }
    const fault = jobFaults.shift() ?? null
    job.fault = fault?.outcome ?? null
    jobs.set(id, job)
    // §1.6: ttl = total lifespan from submit; on expiry the job is deleted and /status answers 404, even mid-run.
    lifeTimer(job, ttl, () => expire(job, 'ttl'))
    enqueue(job, fault)
    return job
  }

  app.post('/v2/:endpointId/run', async (c) => {
    const job = await submit(c)
    if (job instanceof Response) return job
    return c.json({ id: job.id, status: 'IN_QUEUE' })
  })

  const statusRoute = async (c: Context) => {
    const job = jobs.get(c.req.param('id') ?? '')
    if (!isLive(job)) return jsonError(c, 404, 'Job not found')
    // ASSUMPTION: RunPod passes a worker's NaN through as the bare token runpod-python wrote (finding P3).
    return c.body(stringifyKeepingNonFinite(jobView(job)), 200, { 'content-type': 'application/json' })
  }
  app.get('/v2/:endpointId/status/:id', statusRoute)

  app.post('/v2/:endpointId/cancel/:id', (c) => {
    const job = jobs.get(c.req.param('id'))
    if (!isLive(job)) return jsonError(c, 404, 'Job not found')
    if (job.status === 'IN_QUEUE' || job.status === 'IN_PROGRESS') {
      const run = runs.get(job.id)
      if (run) finish(job, run, 'CANCELLED', {})
      return c.json({ id: job.id, status: 'CANCELLED' })
    }
    // ASSUMPTION: cancelling a finished job changes nothing and answers its current status (undocumented).
    return c.json({ id: job.id, status: job.status })
  })

  app.post('/v2/:endpointId/retry/:id', (c) => {
    const job = jobs.get(c.req.param('id'))
    // §1.2: impossible once the result expired.
    if (!isLive(job)) return jsonError(c, 404, 'Job not found')
    // §1.2: only FAILED / TIMED_OUT. ASSUMPTION: other states answer 400 (undocumented).
    if (job.status !== 'FAILED' && job.status !== 'TIMED_OUT') {
      return jsonError(c, 400, `Job ${job.id} is ${job.status}; only FAILED or TIMED_OUT jobs can be retried`)
    }
    // Clear the retention timer; the ttl (total lifespan from the first submit) keeps running.
    for (const t of lifeTimers.get(job.id) ?? []) clearTimeout(t)
    lifeTimers.delete(job.id)
    const remainingTtl = job.submittedAt + job.policy.ttl - Date.now()
    lifeTimer(job, Math.max(0, remainingTtl), () => expire(job, 'ttl'))
    job.retries += 1
    retriedCount += 1
    job.output = undefined
    job.error = undefined
    job.delayTime = null
    job.executionTime = null
    job.startedAt = null
    job.finishedAt = null
    job.workerId = null
    job.downloadedBytes = 0
    enqueue(job, null)
    return c.json({ id: job.id, status: 'IN_QUEUE' })
  })

  /** The one worker's state as REST v2 `WorkerStatus` (null: no worker allocated). */
  const workerStatus = (): 'RUNNING' | 'IDLE' | 'INITIALIZING' | 'THROTTLED' | null => {
    if (endpoint.workersMax === 0) return null
    const live = [...jobs.values()].filter((j) => j.expired === null)
    if (gpuAvailability === 'none') return live.some((j) => j.status === 'IN_QUEUE') ? 'THROTTLED' : null
    if (gpuWorker.phase === 'none') return null
    if (gpuWorker.phase === 'initializing') return 'INITIALIZING'
    return live.some((j) => j.status === 'IN_PROGRESS') ? 'RUNNING' : 'IDLE'
  }

  app.get('/v2/:endpointId/health', (c) => {
    const live = [...jobs.values()].filter((j) => j.expired === null)
    const count = (s: JobStatus) => live.filter((j) => j.status === s).length
    const state = workerStatus()
    const running = state === 'RUNNING' ? 1 : 0
    // §1.2 `/health` shows idle/running; ASSUMPTION: initializing/throttled appear under those names (the REST
    // API v2 summary uses them; the queue API's /health shape beyond idle/running is undocumented).
    const workerCounts: Record<string, number> = { idle: state === 'IDLE' ? 1 : 0, running }
    if (state === 'INITIALIZING') workerCounts.initializing = 1
    if (state === 'THROTTLED') workerCounts.throttled = 1
    return c.json({
      jobs: {
        completed: count('COMPLETED'),
        failed: count('FAILED') + count('TIMED_OUT'),
        inProgress: count('IN_PROGRESS'),
        inQueue: count('IN_QUEUE'),
        retried: retriedCount,
      },
      workers: workerCounts,
    })
  })

  // ---------------------------------------------------------------------------------------------------------
  // REST API v2 (RunPod's OpenAPI `api-reference-v2/openapi.json`): errors are RFC 9457 problem details.

  app.use('/rest/v2/*', async (c, next) => {
    const auth = c.req.header('authorization') ?? ''
    if (!/^Bearer\s+\S/i.test(auth)) return problem(c, 401, 'missing bearer token')
    if (auth.replace(/^Bearer\s+/i, '').trim() !== opts.apiKey) return problem(c, 401, 'invalid bearer token')
    await next()
  })

  let baseUrl = ''
  const emulatorUrl = () => baseUrl
  const endpointView = () => ({
    id: opts.endpointId,
    name: endpoint.name,
    type: 'QUEUE',
    requestUrls: Object.fromEntries(
      ['run', 'runSync', 'status', 'stream', 'cancel', 'retry', 'purgeQueue', 'health'].map((k) => [
        k,
        `${emulatorUrl()}/${opts.endpointId}/${{ runSync: 'runsync', purgeQueue: 'purge-queue', status: 'status/{job_id}', stream: 'stream/{job_id}', cancel: 'cancel/{job_id}', retry: 'retry/{job_id}' }[k] ?? k}`,
      ]),
    ),
    image: contract === 'whisperx' ? 'ghcr.io/scribe-panel/whisperx-worker:emulated' : 'kodxana/whisperx-worker:emulated',
    args: '',
    disk: 20,
    ports: [],
    env: endpoint.env,
    registry: null,
    gpu: { pools: ['ADA_24'], count: 1, allowedCudaVersions: [], minCudaVersion: '12.8' },
    workers: { min: endpoint.workersMin, max: endpoint.workersMax, idleTimeout: 5 },
    scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
    dataCenterIds: endpoint.dataCenterIds,
    networkVolumes: endpoint.networkVolumes,
    timeout: POLICY_BOUNDS.executionTimeout.default,
    flashboot: 'OFF',
    createdAt: '2026-06-01T12:00:00Z',
  })

  app.get('/rest/v2/serverless/:id', (c) => {
    if (c.req.param('id') !== opts.endpointId) return problem(c, 404, 'endpoint not found')
    return c.json(endpointView())
  })

  const PatchSchema = z
    .object({
      workers: z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), idleTimeout: z.number().int().min(1).max(3600).optional() }).optional(),
      networkVolumes: z.array(z.string()).optional(),
      dataCenterIds: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      name: z.string().min(1).optional(),
    })
    .strict()
  app.patch('/rest/v2/serverless/:id', async (c) => {
    if (c.req.param('id') !== opts.endpointId) return problem(c, 404, 'endpoint not found')
    const parsed = PatchSchema.safeParse(await c.req.json().catch(() => undefined))
    // ASSUMPTION: the emulator accepts only the update fields the panel may send; RunPod's validator words its
    // errors like the OpenAPI example ("$: additional properties 'bogus' not allowed").
    if (!parsed.success) return problem(c, 400, 'request validation failed', parsed.error.issues.map((i) => `$${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`))
    const { workers, ...rest } = parsed.data
    const min = workers?.min ?? endpoint.workersMin
    const max = workers?.max ?? endpoint.workersMax
    if (min > max) return problem(c, 400, 'request validation failed', ['$.workers: min must not exceed max'])
    faults.setEndpoint({ ...rest, workersMin: min, workersMax: max })
    return c.json(endpointView())
  })

  app.get('/rest/v2/serverless/:id/workers', (c) => {
    if (c.req.param('id') !== opts.endpointId) return problem(c, 404, 'endpoint not found')
    const state = workerStatus()
    const list = state
      ? [
          {
            id: workerId,
            status: state,
            isStale: false,
            version: endpointVersion.value,
            gpuCount: 1,
            image: endpointView().image,
            uptimeSeconds: state === 'THROTTLED' || state === 'INITIALIZING' ? null : 60,
            gpuTypeId: 'NVIDIA GeForce RTX 4090',
            dataCenterId: endpoint.dataCenterIds[0] ?? 'EU-RO-1',
            startedAt: new Date(gpuWorker.readyAt || Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        ]
      : []
    const n = (s: string) => list.filter((w) => w.status === s).length
    return c.json({
      endpointVersion: endpointVersion.value,
      summary: { running: n('RUNNING'), idle: n('IDLE'), initializing: n('INITIALIZING'), throttled: n('THROTTLED'), unhealthy: 0, total: list.length },
      workers: list,
    })
  })

  app.get('/rest/v2/network-volumes/:id', (c) => {
    const v = accountVolumes.find((x) => x.id === c.req.param('id'))
    if (!v) return problem(c, 404, 'network volume not found')
    return c.json({ ...v, type: 'STANDARD' })
  })

  app.notFound((c) => jsonError(c, 404, 'Not found'))
  app.onError((err, c) => jsonError(c, 500, `emulator error: ${err.message}`))

  const honoListener = getRequestListener(app.fetch)

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const entry = { method: req.method ?? 'GET', path, status: 0, at: Date.now() }
    requests.push(entry)
    res.on('finish', () => {
      entry.status = res.statusCode
    })
    if (python && WORKER_ROUTE_RE.test(path)) {
      void python.handle(req, res)
      return
    }
    const route = ROUTE_RE.exec(path)?.[2] ?? ''
    const drop = dropFaults.find((f) => f.remaining > 0 && (f.route === 'any' || f.route === route))
    if (drop) {
      drop.remaining -= 1
      req.socket.destroy()
      return
    }
    const fault = httpFaults.find((f) => f.remaining > 0 && (f.route === 'any' || f.route === route))
    if (fault) {
      fault.remaining -= 1
      const body = fault.body ?? JSON.stringify({ error: defaultErrorMessage(fault.status) })
      const headers: Record<string, string | number> = {
        'content-type': fault.body === undefined ? 'application/json' : 'text/plain; charset=utf-8',
      }
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = fault.retryAfterSeconds
      req.resume()
      req.on('end', () => {
        res.writeHead(fault.status, headers)
        res.end(body)
      })
      return
    }
    void honoListener(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = opts.host ?? '127.0.0.1'

  /** §1.3 job object: fields appear once known. */
  function jobView(job: EmulatedJob): Record<string, unknown> {
    const view: Record<string, unknown> = { id: job.id, status: job.status }
    if (job.delayTime !== null) view.delayTime = job.delayTime
    if (job.executionTime !== null) view.executionTime = job.executionTime
    // A real capture shows executionTime while IN_PROGRESS (runpod-python issue #105: `"executionTime":40213,
    // …"status":"IN_PROGRESS"`). ASSUMPTION: it counts from the start of the run, like the final value.
    else if (job.status === 'IN_PROGRESS' && job.startedAt !== null) view.executionTime = Date.now() - job.startedAt
    // §1.5: an output that is an empty dict is dropped.
    if (job.output !== undefined && !isEmptyObject(job.output)) view.output = job.output
    if (job.error !== undefined) view.error = job.error
    if (job.workerId !== null) view.workerId = job.workerId
    if (job.retries > 0) view.retries = job.retries
    return view
  }



  const faults: FaultControl = {
    httpError(f) {
      httpFaults.push({
        route: f.route,
        status: f.status,
        remaining: f.times ?? 1,
        retryAfterSeconds: f.retryAfterSeconds,
        body: f.body,
      })
    },
    dropConnection(f) {
      dropFaults.push({ route: f.route, remaining: f.times })
    },
    nextJob(f) {
      jobFaults.push(f)
    },
    setDelays(d) {
      if (d.queueDelayMs !== undefined) delays.queueDelayMs = d.queueDelayMs
      if (d.executionMs !== undefined) delays.executionMs = d.executionMs
    },
    expireResult(jobId) {
      const job = jobs.get(jobId)
      if (!job) throw new Error(`expireResult: unknown job ${jobId}`)
      if (job.expired) throw new Error(`expireResult: job ${jobId} already expired (${job.expired})`)
      if (!FINAL.includes(job.status)) throw new Error(`expireResult: job ${jobId} is ${job.status}, not finished`)
      expire(job, 'retention')
    },
    clear() {
      httpFaults.length = 0
      dropFaults.length = 0
      jobFaults.length = 0
    },
    setEndpoint(patch) {
      Object.assign(endpoint, patch)
      endpointVersion.value += 1
      wakeWaiting()
    },
    setGpuAvailability(a) {
      gpuAvailability = a
      wakeWaiting()
    },
  }

  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
  baseUrl = `${origin}/v2`
  if (opts.pythonWorker) {
    try {
      await startPython(opts.pythonWorker, origin)
    } catch (err) {
      closed = true
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      volumeClient?.destroy()
      throw err
    }
  }

  return {
    url: `${origin}/v2`,
    restUrl: `${origin}/rest/v2`,
    endpoint,
    endpointId: opts.endpointId,
    jobs,
    requests,
    faults,
    get pythonWorker() {
      return python?.info ?? null
    },
    async close() {
      if (closed) return
      closed = true
      await python?.close()
      for (const job of jobs.values()) {
        stopRun(job)
        for (const t of lifeTimers.get(job.id) ?? []) clearTimeout(t)
      }
      lifeTimers.clear()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      volumeClient?.destroy()
    },
  }
}

// -------------------------------------------------------------------------------------------------------------

/** REST v2 `ErrorResponse` (RFC 9457), as `application/problem+json`. */
function problem(c: Context, status: 400 | 401 | 404, detail: string, errors?: string[]): Response {
  const title = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[status]
  return new Response(JSON.stringify({ title, status, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })
}

/** ASSUMPTION: RunPod's error bodies are not documented (§1.8); the emulator answers `{"error": "<message>"}`. */
function jsonError(c: Context, status: 400 | 401 | 404 | 429 | 500, message: string): Response {
  return c.json({ error: message }, status)
}

function defaultErrorMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized'
    case 404:
      return 'Not found'
    case 429:
      return 'Too many requests'
    case 502:
      return 'Bad gateway'
    case 503:
      return 'Service unavailable'
    default:
      return 'Internal server error'
  }
}

function rateOperation(path: string): RateLimitedOperation | null {
  const op = ROUTE_RE.exec(path)?.[2]
  switch (op) {
    case 'run':
    case 'cancel':
    case 'retry':
    case 'health':
      return op
    case 'status':
      return 'status'
    default:
      return null
  }
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0
}

/** Bytes of `output` as JSON (UTF-8). */
function outputBytes(output: unknown): number {
  return Buffer.byteLength(stringifyKeepingNonFinite(output) ?? '')
}

/** A copy of a WhisperX output whose word scores and first segment start are NaN (WhisperX's unaligned values). */
function withNaN(output: unknown): unknown {
  const copy = structuredClone(output) as { segments?: { start: number; words?: { score?: number }[] }[] }
  copy.segments?.forEach((seg, i) => {
    if (i === 0) seg.start = Number.NaN
    for (const w of seg.words ?? []) if (w.score !== undefined) w.score = Number.NaN
  })
  return copy
}

function handlerFile(contract: WorkerContract): string {
  return contract === 'whisperx' ? '/handler.py' : '/src/rp_handler.py'
}

/** kodxana's validator errors for the job's input (§3.2), or a type error when the input passes. */
function defaultListErrors(input: Record<string, unknown>): string[] {
  const v = validateHubInput(input)
  return 'errors' in v ? v.errors : ["batch_size should be <class 'int'> type, not <class 'str'>."]
}
