/**
 * The worker side of a RunPod Serverless endpoint: the routes RunPod's Python SDK (runpod-python 1.12.0) calls
 * from inside a worker, read from its source (github.com/runpod/runpod-python, `runpod/serverless/modules/`):
 *
 * | SDK (module)                         | request                                                              |
 * |--------------------------------------|----------------------------------------------------------------------|
 * | `rp_job.get_job`                      | GET `RUNPOD_WEBHOOK_GET_JOB` (`$ID` → worker id) `&job_in_progress=0\|1`: 200 job JSON, or 204 |
 * | `rp_job.get_stop_signals`             | GET the same URL with `/job-take/` → `/job-stop/`: 200 `{"jobsToStop": [ids]}` or 204 |
 * | `rp_http.send_result`, `rp_progress`  | POST `RUNPOD_WEBHOOK_POST_OUTPUT` (`$RUNPOD_POD_ID`, `$ID` → job id) `&isStream=false`, body = `json.dumps(result)` sent as `application/x-www-form-urlencoded` |
 * | `rp_http.stream_result`               | POST `RUNPOD_WEBHOOK_POST_STREAM`, same shape, `&isStream=false`        |
 * | `rp_ping.Heartbeat`                   | GET `RUNPOD_WEBHOOK_PING` (`$RUNPOD_POD_ID`) `?job_id=a,b&runpod_version=…` every RUNPOD_PING_INTERVAL ms |
 *
 * Every request carries `Authorization: <RUNPOD_AI_API_KEY>` (no "Bearer", `http_client.get_auth_header`).
 * A result body is `{"output": …}`, `{"error": "…"}` (plus `"stopPod": true` for `refresh_worker`), and a
 * progress update is `{"status": "IN_PROGRESS", "output": …}` on the same URL as the result (`rp_progress.py`).
 *
 * ASSUMPTION (the URLs RunPod puts in a worker's environment are not documented): the paths below, under the
 * queue API's `/v2/<endpoint>/`, with a `?gpu=` query the SDK's `&…` suffixes need. Sources: the placeholders
 * the SDK substitutes (`rp_job.py`, `rp_http.py`, `rp_ping.py`) and a third-party worker Makefile that runs a
 * worker with `RUNPOD_WEBHOOK_GET_JOB=…/v2/<ep>/job-take/$RUNPOD_POD_ID` and
 * `RUNPOD_WEBHOOK_POST_OUTPUT=…/v2/<ep>/job-done/$RUNPOD_POD_ID/$ID`.
 * ASSUMPTION: job-take and job-stop are long polls ("the server is expected to hold the request open",
 * `rp_job.get_stop_signals`; the SDK waits up to 90 s for either); the emulator holds them `holdMs`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Paths of the worker-side routes: `/v2/<endpoint>/<route>/<worker id>[/<job id>]`. */
export const WORKER_ROUTE_RE = /^\/v2\/([^/]+)\/(job-take|job-stop|job-done|job-stream|ping)\/([^/]+)(?:\/([^/]+))?\/?$/

/** GPU the emulated worker claims to run on (RunPod's `gpu` query parameter; a display name). */
const GPU = 'NVIDIA+GeForce+RTX+4090'

/** The worker-side URLs for a worker's environment, with the SDK's placeholders left in. */
export function workerWebhookEnv(origin: string, endpointId: string): Record<string, string> {
  const base = `${origin}/v2/${endpointId}`
  return {
    RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=${GPU}`,
    RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=${GPU}`,
    RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=${GPU}`,
    RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=${GPU}`,
  }
}

/** What the endpoint does for its worker. */
export interface WorkerApiHooks {
  endpointId: string
  /** The worker's key (RUNPOD_AI_API_KEY); not the user's API key. */
  workerKey: string
  workerId: string
  /** How long a job-take or job-stop request is held open with nothing to give (ms). */
  holdMs: number
  /** Waits up to `holdMs` for a job; null = nothing (204). `gone()` tells whether the worker hung up meanwhile. */
  take(holdMs: number, gone: () => boolean): Promise<{ id: string; input: unknown } | null>
  /** Waits up to `holdMs` for job ids to stop; [] = nothing (204). */
  stopSignals(holdMs: number, gone: () => boolean): Promise<string[]>
  /** A result, a progress update or a stream chunk for `jobId`: the raw body as the SDK sent it. */
  post(jobId: string, body: string, route: 'job-done' | 'job-stream'): Promise<void>
  /** A heartbeat: the job ids the worker says it is running. */
  ping(jobIds: string[], query: URLSearchParams): void
}

/** One worker-side request, for tests. */
export interface WorkerApiRequest {
  route: string
  query: string
  status: number
  at: number
}

/**
 * Handles a request whose path matches {@link WORKER_ROUTE_RE}; answers 401 without the worker key, 404 for
 * another endpoint or worker.
 */
export function createWorkerApi(hooks: WorkerApiHooks, log: WorkerApiRequest[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://worker.invalid')
    const m = WORKER_ROUTE_RE.exec(url.pathname)
    const entry: WorkerApiRequest = { route: m?.[2] ?? '', query: url.search, status: 0, at: Date.now() }
    log.push(entry)
    const answer = (status: number, body?: unknown) => {
      entry.status = status
      if (res.destroyed) return
      if (body === undefined) {
        res.writeHead(status).end()
        return
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    let closed = false
    res.on('close', () => {
      closed = true
    })
    const gone = () => closed || res.destroyed
    const body = await readBody(req)
    if (!m) return answer(404, { error: 'Not found' })
    if ((req.headers.authorization ?? '') !== hooks.workerKey) return answer(401, { error: 'Unauthorized' })
    const [, endpointId, route, workerId, jobId] = m
    if (endpointId !== hooks.endpointId || workerId !== hooks.workerId) return answer(404, { error: 'Unknown worker' })
    switch (route) {
      case 'job-take': {
        if (req.method !== 'GET') return answer(405)
        const job = await hooks.take(hooks.holdMs, gone)
        return job ? answer(200, job) : answer(204)
      }
      case 'job-stop': {
        if (req.method !== 'GET') return answer(405)
        const ids = await hooks.stopSignals(hooks.holdMs, gone)
        return ids.length > 0 ? answer(200, { jobsToStop: ids }) : answer(204)
      }
      case 'job-done':
      case 'job-stream':
        if (req.method !== 'POST' || !jobId) return answer(405)
        await hooks.post(decodeURIComponent(jobId), body, route)
        return answer(200, {})
      case 'ping': {
        const ids = (url.searchParams.get('job_id') ?? '').split(',').filter((s) => s !== '')
        hooks.ping(ids, url.searchParams)
        return answer(200, {})
      }
      default:
        return answer(404, { error: 'Not found' })
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
