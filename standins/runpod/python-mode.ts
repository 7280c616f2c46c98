/**
 * The emulator's Python mode: the real `worker/handler.py` under RunPod's Python SDK is the endpoint's worker.
 * The emulator serves the worker-side routes the SDK calls (worker-api.ts), mirrors the network volume into a
 * temp folder the handler sees as `/runpod-volume` and back (python-worker.ts), shows progress updates as the
 * job's `output` while IN_PROGRESS, and cancels a running job through the SDK's stop channel
 * (runpod-python `rp_scale.monitor_stop_signals` → `task.cancel()`). runpod-python drops a stop signal for a job
 * it has taken but not started yet (`stop_job`: "No in-progress job"); the handler then runs to its end and the
 * emulator drops its result (ASSUMPTION: RunPod ignores results of jobs it already ended). The worker takes one
 * job at a time, as runpod-python's default concurrency of 1 does.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import type { EndpointSettings } from './endpoint.ts'
import { RUN_PAYLOAD_LIMIT_BYTES, type EmulatedJob, type JobQueue, type RunState } from './jobs.ts'
import { spawnPythonWorker, VolumeMount, type PythonWorkerProcess, type PythonWorkerSetup } from './python-worker.ts'
import { createWorkerApi, workerWebhookEnv, type WorkerApiRequest } from './worker-api.ts'
import { parsePythonJson, VOLUME_PREFIX, type VolumeConfig } from './worker.ts'

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

export interface PythonMode {
  /** The job may be taken now (its queue delay passed). */
  offer(job: EmulatedJob, run: RunState): void
  /** Tells the worker to stop the job (cancel, timeout). */
  signalStop(jobId: string): void
  /** Serves a worker-side request (a path matching `WORKER_ROUTE_RE`). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  info: PythonWorkerInfo
  close(): Promise<void>
}

export interface PythonModeContext {
  apiKey: string
  endpointId: string
  workerId: string
  queue: JobQueue
  endpoint: EndpointSettings
  volume: VolumeConfig
  volumeClient: S3Client
  /** Where the WhisperX stand-in finds `*.script.json` files; null: nowhere. */
  scriptsDir: string | null
  /** The emulator's origin, e.g. `http://127.0.0.1:PORT`: the worker's webhook URLs point there. */
  origin: string
  isClosed(): boolean
}

/**
 * Starts the worker process. Serve `mode.handle` from now on; `ready` resolves once the worker asked for its
 * first job, and rejects (after closing the mode) when the worker exits or has not asked within 60 s.
 */
export function startPythonMode(ctx: PythonModeContext, po: PythonWorkerOptions): { mode: PythonMode; ready: Promise<void> } {
  const { queue } = ctx
  const mountRoot = mkdtempSync(join(tmpdir(), 'runpod-volume-'))
  const mount = new VolumeMount(mountRoot, ctx.volumeClient, ctx.volume.bucket)
  const takeable: { job: EmulatedJob; run: RunState }[] = []
  const takeWaiters = new Set<() => void>()
  const stops: string[] = []
  const stopWaiters = new Set<() => void>()
  const stopped: string[] = []
  const requests: WorkerApiRequest[] = []
  const workerKey = `rpa_worker_${createHash('sha256').update(ctx.apiKey).digest('hex').slice(0, 32)}`
  let firstTakeSeen: () => void = () => {}
  const firstTake = new Promise<void>((resolve) => (firstTakeSeen = resolve))
  const wake = (waiters: Set<() => void>) => [...waiters].forEach((w) => w())
  /** Waits until `poll` gives something, the hold time passes, the worker hangs up or the emulator closes. */
  const hold = async <T>(ms: number, gone: () => boolean, waiters: Set<() => void>, poll: () => T | null): Promise<T | null> => {
    const until = Date.now() + ms
    for (;;) {
      if (ctx.isClosed() || gone()) return null
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
      if (queue.isCurrent(next.job, next.run) && next.job.status === 'IN_QUEUE') return next
    }
    return null
  }

  const handle = createWorkerApi(
    {
      endpointId: ctx.endpointId,
      workerKey,
      workerId: ctx.workerId,
      holdMs: po.holdMs ?? 10_000,
      async take(ms, gone) {
        firstTakeSeen()
        for (;;) {
          const next = await hold(ms, gone, takeWaiters, nextTakeable)
          if (!next) return null
          const { job, run } = next
          // The mount shows what the S3 API holds: the audio is visible at its key before the worker starts.
          const audio = typeof job.input.audio === 'string' ? job.input.audio : ''
          // A volume that is not attached to the endpoint is not mounted: the handler finds no file there.
          const attached = ctx.endpoint.networkVolumes.includes(ctx.volume.bucket)
          if (attached && audio.startsWith(VOLUME_PREFIX)) job.downloadedBytes = (await mount.mirrorIn(audio.slice(VOLUME_PREFIX.length))) ?? 0
          if (!queue.isCurrent(job, run) || job.status !== 'IN_QUEUE') continue // cancelled meanwhile
          if (gone()) {
            takeable.unshift(next)
            return null
          }
          run.taken = true
          queue.pickUp(job, run)
          return { id: job.id, input: job.input }
        }
      },
      async stopSignals(ms, gone) {
        return (await hold(ms, gone, stopWaiters, () => (stops.length > 0 ? stops.splice(0) : null))) ?? []
      },
      async post(jobId, body, route) {
        const job = queue.jobs.get(jobId)
        const run = queue.runOf(jobId)
        // ASSUMPTION: a result for a job that already ended (cancelled, timed out) is dropped.
        if (!job || !run || !run.taken || route === 'job-stream') return
        let data: { status?: unknown; output?: unknown; error?: unknown; stopPod?: unknown }
        try {
          data = parsePythonJson(body) as typeof data
        } catch {
          queue.finish(job, run, 'FAILED', { error: 'emulator: the worker posted a result that is not JSON' })
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
          queue.finish(job, run, 'FAILED', { error: data.error, output: data.output })
        } else {
          queue.finish(job, run, 'COMPLETED', { output: oversize ? undefined : data.output })
        }
      },
      ping() {},
    },
    requests,
  )

  const worker: PythonWorkerProcess = spawnPythonWorker(po.setup, {
    ...workerWebhookEnv(ctx.origin, ctx.endpointId),
    RUNPOD_AI_API_KEY: workerKey,
    RUNPOD_POD_ID: ctx.workerId,
    RUNPOD_POD_HOSTNAME: `${ctx.workerId}-64410b93`,
    RUNPOD_ENDPOINT_ID: ctx.endpointId,
    RUNPOD_PING_INTERVAL: '2000',
    // The SDK's start-up fitness checks want a GPU host: 4 GB free memory, a route to 8.8.8.8, nvidia-smi.
    RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: 'true',
    RUNPOD_SKIP_GPU_CHECK: 'true',
    SCRIBE_VOLUME_ROOT: mountRoot,
    ...(ctx.scriptsDir !== null ? { SCRIBE_FAKE_WHISPERX_SCRIPTS: ctx.scriptsDir } : {}),
    // The endpoint's environment (REST v2 `env`, e.g. HF_TOKEN), then what the test adds.
    ...ctx.endpoint.env,
    ...po.env,
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

  const exitedEarly = worker.exited.then((code) => {
    throw new Error(`worker/handler.py exited (code ${code}) before taking jobs:\n${worker.log().slice(-4000)}`)
  })
  const ready = (async () => {
    let timer: NodeJS.Timeout | undefined
    const tooSlow = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker/handler.py did not ask for a job within 60 s:\n${worker.log().slice(-4000)}`)), 60_000)
    })
    try {
      await Promise.race([firstTake, exitedEarly, tooSlow])
    } catch (err) {
      await mode.close()
      throw err
    } finally {
      clearTimeout(timer)
    }
    exitedEarly.catch(() => {}) // a later exit shows in the log
  })()
  return { mode, ready }
}
