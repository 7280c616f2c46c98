/**
 * A local stand-in for a RunPod Serverless endpoint with a WhisperX worker behind it: the queue API the panel
 * calls (queue-api.ts), RunPod's REST API v2 for the setup check (rest-v2.ts), the job queue with RunPod's
 * delays, timeouts, TTL and retention (jobs.ts), rate limits (rate-limits.ts), fault switches (faults.ts), the
 * endpoint's settings and its one GPU worker (endpoint.ts), and the worker itself: emulated in TypeScript
 * (emulated-worker.ts with handlers/, our `whisperx` contract or the Hub's `whisperx-hub`) or, with
 * `pythonWorker`, the real `worker/handler.py` under RunPod's Python SDK (python-mode.ts).
 *
 * `url` (`http://127.0.0.1:PORT/v2`) is what the panel takes as RUNPOD_API_BASE, `restUrl`
 * (`http://127.0.0.1:PORT/rest/v2`) its RUNPOD_REST_API_BASE. The endpoint's settings drive the queue: with
 * `workers.max` 0 (RunPod's idle scale-down) or no free GPU, jobs stay IN_QUEUE; a volume that is not in
 * `networkVolumes` is not mounted for the worker. Where RunPod's behaviour is not documented the choice is marked
 * ASSUMPTION.
 *
 * Not emulated: the queue routes the panel never calls (`/runsync`, `/status-sync`, `/purge-queue`, POST
 * `/status` of the Go SDK, `/stream`, `/requests`), webhooks (accepted, never called), `/status?ttl=`, concurrency
 * limits ("200 concurrent"), worker scaling (jobs run in parallel, each on "the" worker; the Python worker takes
 * one job at a time).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { S3Client } from '@aws-sdk/client-s3'
import { getRequestListener, type HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { runEmulatedWorker } from './emulated-worker.ts'
import { accountVolumes, emulatedWorkerId, endpointSettings, GpuWorker, type EndpointSettings } from './endpoint.ts'
import { RouteFaults, type FaultControl, type NextJobFault } from './faults.ts'
import { FINAL_STATES, JobQueue, POLICY_BOUNDS, type EmulatedJob } from './jobs.ts'
import { startPythonMode, type PythonMode, type PythonWorkerInfo, type PythonWorkerOptions } from './python-mode.ts'
import { createQueueApi, jsonError, queueOperation } from './queue-api.ts'
import { RateLimiter, type RateLimitedOperation } from './rate-limits.ts'
import { createRestApi } from './rest-v2.ts'
import { WORKER_ROUTE_RE } from './worker-api.ts'
import { createVolumeClient, type VolumeConfig, type WorkerContract } from './worker.ts'

export type { EmulatedJob, JobStatus } from './jobs.ts'
export type { EndpointSettings } from './endpoint.ts'
export type { FaultControl, FaultRoute, NextJobFault, NextJobOutcome } from './faults.ts'
export type { PythonWorkerInfo, PythonWorkerOptions } from './python-mode.ts'

export interface RunpodEmulatorOptions {
  apiKey: string
  endpointId: string
  /** Worker contract of the endpoint's image. Default `whisperx`. */
  worker?: WorkerContract
  /** Time a job stays IN_QUEUE (ms). Default 1000. */
  queueDelayMs?: number
  /** IN_PROGRESS time after the audio is downloaded (ms). Default 1500. */
  executionMs?: number
  /** How long a finished job stays readable (ms; RunPod's docs, send-requests "Result retention": 30 min). Default 30 min. */
  resultRetentionMs?: number
  /**
   * The network volume attached to the endpoint: `/runpod-volume/<key>` reads `<key>` from it
   * (https://docs.runpod.io/storage/s3-api "Network volume path mapping").
   */
  volume?: VolumeConfig
  /**
   * Where `*.script.json` files are looked up (the tests, the demo and the benchmarks pass the repository's
   * test fixtures). Without it no audio has a script: every job gets the placeholder transcript.
   */
  scriptsDir?: string
  host?: string
  port?: number
  /** Test-only override of RunPod's rate limits (requests per window). */
  rateLimits?: Partial<Record<RateLimitedOperation, number>>
  /** Sliding window (ms). Default 10 000, as RunPod's. */
  rateLimitWindowMs?: number
  /** Test-only override of RunPod's minimums for `policy.ttl` / `policy.executionTimeout` (ms). */
  policyMinimums?: { ttlMs?: number; executionTimeoutMs?: number }
  /**
   * What a handler's non-string `error` (kodxana's validator list) becomes. ASSUMPTION (unconfirmed):
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
   * runpod-python ≥ 1.12 refuses private URLs unless RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS=true (`rp_ssrf.py`). Default true
   * (the local S3 server is on loopback); false makes URL downloads from private addresses raise SSRFError.
   */
  allowPrivateDownloadUrls?: boolean
  /** Default 5 GiB, runpod-python's `RUNPOD_MAX_DOWNLOAD_BYTES`. */
  maxDownloadBytes?: number
  /** Default `ffprobe` on PATH. */
  ffprobePath?: string
  /**
   * Run the real `worker/handler.py` under RunPod's Python SDK as the endpoint's worker (see
   * python-mode.ts) instead of the TypeScript worker. `worker` must then be `whisperx` and `volume` set;
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
   * https://docs.runpod.io/serverless/workers/overview). Default 0: the worker is warm (IDLE) from the start.
   */
  coldStartMs?: number
  /** `none`: no GPU of the endpoint's pools is free; its worker stays THROTTLED and jobs stay IN_QUEUE. */
  gpuAvailability?: 'available' | 'none'
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

/**
 * Starts the emulator on `host:port` (default 127.0.0.1, any free port).
 * @returns the emulator; `close()` stops its timers, its worker runs and its server.
 * @throws Error when the port cannot be bound, or when the Python worker cannot start (`pythonWorker`).
 */
export async function startRunpodEmulator(opts: RunpodEmulatorOptions): Promise<RunpodEmulator> {
  const contract: WorkerContract = opts.worker ?? 'whisperx'
  if (opts.pythonWorker && contract !== 'whisperx') throw new Error('pythonWorker runs worker/handler.py: use worker "whisperx"')
  if (opts.pythonWorker && !opts.volume) throw new Error('pythonWorker needs the volume its handler mounts (option volume)')
  const delays = { queueDelayMs: opts.queueDelayMs ?? 1000, executionMs: opts.executionMs ?? 1500 }
  const scriptsDir = opts.scriptsDir ?? null
  const volumeClient: S3Client | undefined = opts.volume ? createVolumeClient(opts.volume) : undefined
  const workerId = emulatedWorkerId(opts.endpointId)
  const endpoint = endpointSettings(opts.endpoint, opts.volume)
  let endpointVersion = 1
  let closed = false
  let python: PythonMode | null = null
  const requests: RunpodEmulator['requests'] = []
  const jobFaults: NextJobFault[] = []
  const routeFaults = new RouteFaults()

  const gpu = new GpuWorker({
    settings: endpoint,
    coldStartMs: opts.coldStartMs ?? 0,
    gpuAvailability: opts.gpuAvailability ?? 'available',
    onWarm: () => queue.wakeWaiting(),
  })
  const queue: JobQueue = new JobQueue({
    delays,
    retentionMs: opts.resultRetentionMs ?? 30 * 60_000,
    workerId,
    workerReady: () => gpu.ready(),
    dispatch: (job, run) => (python ? python.offer(job, run) : queue.pickUp(job, run)),
    runEmulated: (job, run) =>
      runEmulatedWorker(
        {
          contract,
          workerId,
          queue,
          delays,
          endpoint,
          volume: opts.volume,
          volumeClient,
          scriptsDir,
          allowPrivateDownloadUrls: opts.allowPrivateDownloadUrls ?? true,
          maxDownloadBytes: opts.maxDownloadBytes ?? 5 * 1024 ** 3,
          ffprobePath: opts.ffprobePath,
          hubVolumePaths: opts.hubVolumePaths ?? 'accept',
          listError: opts.listError ?? 'completed-no-output',
        },
        job,
        run,
      ),
    // RunPod tells the worker through its stop channel (runpod-python rp_scale.monitor_stop_signals).
    stopTaken: (jobId) => python?.signalStop(jobId),
  })
  const workerState = () => gpu.state(queue.liveJobs())
  const updateEndpoint = (patch: Partial<EndpointSettings>) => {
    Object.assign(endpoint, patch)
    endpointVersion += 1
    queue.wakeWaiting()
  }

  const app = new Hono<{ Bindings: HttpBindings }>()
  app.route(
    '/v2',
    createQueueApi({
      apiKey: opts.apiKey,
      endpointId: opts.endpointId,
      queue,
      limiter: new RateLimiter(opts.rateLimits, opts.rateLimitWindowMs),
      takeJobFault: () => jobFaults.shift() ?? null,
      policyMinimums: {
        ttlMs: opts.policyMinimums?.ttlMs ?? POLICY_BOUNDS.ttl.min,
        executionTimeoutMs: opts.policyMinimums?.executionTimeoutMs ?? POLICY_BOUNDS.executionTimeout.min,
      },
      workerState,
    }),
  )
  let origin = ''
  app.route(
    '/rest/v2',
    createRestApi({
      apiKey: opts.apiKey,
      endpointId: opts.endpointId,
      contract,
      endpoint,
      endpointVersion: () => endpointVersion,
      updateEndpoint,
      workerId,
      workerState,
      workerReadyAt: () => gpu.readyAt,
      accountVolumes: accountVolumes(opts.networkVolumes, opts.volume),
      queueUrl: () => `${origin}/v2`,
    }),
  )
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
    if (routeFaults.intercept(queueOperation(path), req, res)) return
    void honoListener(req, res)
  })
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`

  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })

  if (opts.pythonWorker && opts.volume && volumeClient) {
    const started = startPythonMode(
      { apiKey: opts.apiKey, endpointId: opts.endpointId, workerId, queue, endpoint, volume: opts.volume, volumeClient, scriptsDir, origin, isClosed: () => closed },
      opts.pythonWorker,
    )
    python = started.mode // the worker's requests are served from now on
    try {
      await started.ready
    } catch (err) {
      python = null
      closed = true
      gpu.close()
      await closeServer()
      volumeClient.destroy()
      throw err
    }
  }

  const faults: FaultControl = {
    httpError: (f) => routeFaults.httpError(f),
    dropConnection: (f) => routeFaults.dropConnection(f),
    nextJob(f) {
      jobFaults.push(f)
    },
    setDelays(d) {
      if (d.queueDelayMs !== undefined) delays.queueDelayMs = d.queueDelayMs
      if (d.executionMs !== undefined) delays.executionMs = d.executionMs
    },
    expireResult(jobId) {
      const job = queue.jobs.get(jobId)
      if (!job) throw new Error(`expireResult: unknown job ${jobId}`)
      if (job.expired) throw new Error(`expireResult: job ${jobId} already expired (${job.expired})`)
      if (!FINAL_STATES.includes(job.status)) throw new Error(`expireResult: job ${jobId} is ${job.status}, not finished`)
      queue.expire(job, 'retention')
    },
    clear() {
      routeFaults.clear()
      jobFaults.length = 0
    },
    setEndpoint: updateEndpoint,
    setGpuAvailability(a) {
      gpu.gpuAvailability = a
      queue.wakeWaiting()
    },
  }

  return {
    url: `${origin}/v2`,
    restUrl: `${origin}/rest/v2`,
    endpoint,
    endpointId: opts.endpointId,
    jobs: queue.jobs,
    requests,
    faults,
    get pythonWorker() {
      return python?.info ?? null
    },
    async close() {
      if (closed) return
      closed = true
      await python?.close()
      queue.close()
      gpu.close()
      await closeServer()
      volumeClient?.destroy()
    },
  }
}
