/**
 * Client for the few routes of RunPod's REST API v2 the panel uses: reading the endpoint's settings, its
 * workers and the network volume (the setup check, the queue warning), and raising `workers.max` after
 * RunPod's idle scale-down. Spec: https://api.runpod.io/v2 OpenAPI (`api-reference-v2/openapi.json` in
 * https://github.com/runpod/docs); errors are RFC 9457 problem details `{title, status, detail, errors?}`.
 * Every answer is validated with zod; failures become `AppError`s a user can act on.
 */
import pRetry, { AbortError } from 'p-retry'
import { request, type Dispatcher } from 'undici'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { EndpointFacts, EndpointManager, NetworkVolumeFacts, WorkerSummary } from '../../domain/ports.ts'
import { networkErrorCode, retryAfterMs } from './runpod-client.ts'

/** `Endpoint` (only the fields the panel reads; others are kept). */
const EndpointSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  workers: z.looseObject({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative(), idleTimeout: z.number().optional() }),
  dataCenterIds: z.array(z.string()),
  networkVolumes: z.array(z.string()),
  timeout: z.number(),
  env: z.record(z.string(), z.string()).optional(),
  image: z.string().optional(),
})

/** `WorkerStatus`: RUNNING, IDLE, INITIALIZING, THROTTLED (waiting on compute capacity), UNHEALTHY. */
const WorkerStatusSchema = z.enum(['RUNNING', 'IDLE', 'INITIALIZING', 'THROTTLED', 'UNHEALTHY'])

/** `ListEndpointWorkersResponse`. */
const WorkersSchema = z.looseObject({
  workers: z.array(z.looseObject({ id: z.string(), status: WorkerStatusSchema, isStale: z.boolean(), gpuCount: z.number() })),
  summary: z.looseObject({
    running: z.number().int().nonnegative(),
    idle: z.number().int().nonnegative(),
    initializing: z.number().int().nonnegative(),
    throttled: z.number().int().nonnegative(),
    unhealthy: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
})

/** `NetworkVolume`. */
const NetworkVolumeSchema = z.looseObject({ id: z.string(), name: z.string(), size: z.number(), dataCenter: z.string() })

/** RFC 9457 problem details as RunPod's `ErrorResponse` has them. */
const ProblemSchema = z.looseObject({ title: z.string(), status: z.number(), detail: z.string(), errors: z.array(z.string()).optional() })

/** A non-2xx answer of the REST API, with its problem details when the body had them. */
export class RunpodRestError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly retryAfterMs: number | null
  constructor(
    status: number,
    title: string,
    detail: string,
    retryAfterMs: number | null,
  ) {
    super(`RunPod REST API answered HTTP ${status}: ${title}${detail ? ` (${detail})` : ''}`)
    this.status = status
    this.title = title
    this.detail = detail
    this.retryAfterMs = retryAfterMs
    this.name = 'RunpodRestError'
  }
}

export interface RunpodRestOptions {
  /** e.g. `https://api.runpod.io/v2` (no trailing slash). */
  restApiBase: string
  apiKey: string
  /** Retries of a GET after a 429, a 5xx or a network error. Default 2. */
  retries?: number
  minTimeoutMs?: number
  /** Per-request timeout (ms). Default 15 000. */
  requestTimeoutMs?: number
  dispatcher?: Dispatcher
}

/** The endpoint and volume management API (REST v2) as an `EndpointManager`. */
export class RunpodRest implements EndpointManager {
  private readonly opts: RunpodRestOptions
  constructor(opts: RunpodRestOptions) {
    this.opts = opts
  }

  /**
   * `GET /serverless/{id}`.
   * @throws AppError `runpod_auth` (401/403), `runpod_not_found` (404), `runpod_unavailable`.
   */
  async endpoint(id: string): Promise<EndpointFacts> {
    const e = await this.call('GET', `/serverless/${encodeURIComponent(id)}`, EndpointSchema, 'reading the endpoint')
    return { id: e.id, name: e.name, workersMin: e.workers.min, workersMax: e.workers.max, dataCenterIds: e.dataCenterIds, networkVolumes: e.networkVolumes, env: e.env ?? {}, timeoutMs: e.timeout }
  }

  /** `GET /serverless/{id}/workers`: counts per worker state. */
  async workers(id: string): Promise<WorkerSummary> {
    const w = await this.call('GET', `/serverless/${encodeURIComponent(id)}/workers`, WorkersSchema, "reading the endpoint's workers")
    return { ...w.summary, stale: w.workers.filter((x) => x.isStale).length }
  }

  /** `GET /network-volumes/{id}`. */
  async networkVolume(id: string): Promise<NetworkVolumeFacts> {
    const v = await this.call('GET', `/network-volumes/${encodeURIComponent(id)}`, NetworkVolumeSchema, 'reading the network volume')
    return { id: v.id, name: v.name, sizeGb: v.size, dataCenter: v.dataCenter }
  }

  /**
   * `PATCH /serverless/{id}` with `{workers: {min, max}}` ("only provided fields are changed").
   * @param max - new maximum number of workers (≥ 1).
   */
  async setMaxWorkers(id: string, max: number, min: number): Promise<EndpointFacts> {
    await this.call('PATCH', `/serverless/${encodeURIComponent(id)}`, EndpointSchema, 'raising max workers', { workers: { min, max } })
    return this.endpoint(id)
  }

  private async call<T>(method: 'GET' | 'PATCH', path: string, schema: z.ZodType<T>, what: string, body?: unknown): Promise<T> {
    const url = `${this.opts.restApiBase}${path}`
    const attempt = async (): Promise<T> => {
      let res: Dispatcher.ResponseData
      try {
        res = await request(url, {
          method,
          headers: { authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          headersTimeout: this.opts.requestTimeoutMs ?? 15_000,
          bodyTimeout: this.opts.requestTimeoutMs ?? 15_000,
          dispatcher: this.opts.dispatcher,
        })
      } catch (err) {
        const e = translateRestError(err, what)
        // A PATCH that may have been applied is not repeated blindly; a GET is.
        throw method === 'GET' && networkErrorCode(err) ? e : new AbortError(e)
      }
      const text = await res.body.text()
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const problem = ProblemSchema.safeParse(safeJson(text))
        const err = new RunpodRestError(res.statusCode, problem.success ? problem.data.title : `HTTP ${res.statusCode}`, problem.success ? [problem.data.detail, ...(problem.data.errors ?? [])].join('; ') : text.slice(0, 200), retryAfterMs(res.headers['retry-after']))
        const retryable = res.statusCode === 429 || (method === 'GET' && res.statusCode >= 500)
        if (!retryable) throw new AbortError(translateRestError(err, what))
        if (err.retryAfterMs) await new Promise((r) => setTimeout(r, Math.min(err.retryAfterMs!, 10_000)))
        throw translateRestError(err, what)
      }
      const parsed = schema.safeParse(safeJson(text))
      if (!parsed.success) {
        throw new AbortError(new AppError('runpod_unavailable', `RunPod's REST API answered ${what} with an unexpected body (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}).`))
      }
      return parsed.data
    }
    return pRetry(attempt, { retries: this.opts.retries ?? 2, minTimeout: this.opts.minTimeoutMs ?? 500, factor: 2, randomize: true })
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Plain words for a REST API failure.
 * @param what - what the panel was doing ("reading the endpoint").
 */
export function translateRestError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err
  if (err instanceof RunpodRestError) {
    const said = err.detail ? ` RunPod said: ${err.title}: ${err.detail}.` : ''
    switch (err.status) {
      case 401:
        return new AppError('runpod_auth', `RunPod refused the API key while ${what}.${said} Check RUNPOD_API_KEY in .env.`, { cause: err })
      case 403:
        return new AppError('runpod_auth', `The API key may not do this while ${what}.${said} Give the key read/write access (RunPod console → Settings → API Keys: "All" or "Restricted" with Serverless write).`, { cause: err })
      case 404:
        return new AppError('runpod_not_found', `RunPod does not know it (while ${what}).${said}`, { cause: err })
      case 429:
        return new AppError('runpod_rate_limited', `RunPod's REST API is rate limiting the panel (while ${what}); try again in a minute.`, { retryable: true, cause: err })
      default:
        return new AppError(err.status >= 500 ? 'runpod_unavailable' : 'bad_request', `RunPod's REST API answered HTTP ${err.status} while ${what}.${said}`, { retryable: err.status >= 500, cause: err })
    }
  }
  const code = networkErrorCode(err)
  return new AppError('runpod_unavailable', `RunPod's REST API could not be reached while ${what}${code ? ` (${code})` : ''}. Check your connection and RUNPOD_REST_API_BASE.`, { retryable: true, cause: err })
}
