/**
 * Raw client for the RunPod Serverless queue API (https://docs.runpod.io/serverless/endpoints/operation-reference), over undici.
 * One `request()` does auth, timeouts, JSON, zod validation of every response, and retries with
 * exponential backoff and jitter (p-retry), honouring `Retry-After` on 429.
 * It throws `RunpodApiError` (status + body) or the network error; `RunpodBackend` translates.
 */
import pRetry, { AbortError } from 'p-retry'
import { request, type Dispatcher } from 'undici'
import { z } from 'zod'
import type { Logger } from '../../domain/ports.ts'
import { parseJsonLenient } from '../../domain/python-json.ts'

/** A non-2xx answer from RunPod. `body` is the raw text (RunPod does not document its error bodies). */
export class RunpodApiError extends Error {
  readonly status: number
  readonly body: string
  readonly retryAfterMs: number | null
  readonly operation: string
  constructor(
    status: number,
    body: string,
    retryAfterMs: number | null,
    operation: string,
  ) {
    super(`RunPod ${operation} answered HTTP ${status}`)
    this.status = status
    this.body = body
    this.retryAfterMs = retryAfterMs
    this.operation = operation
    this.name = 'RunpodApiError'
  }
}

/** The response body was not what RunPod documents. */
export class RunpodResponseError extends Error {
  readonly operation: string
  constructor(
    operation: string,
    detail: string,
  ) {
    super(`RunPod ${operation} answered with an unexpected body: ${detail}`)
    this.operation = operation
    this.name = 'RunpodResponseError'
  }
}

/** A job's status as RunPod names it (https://docs.runpod.io/serverless/endpoints/job-states). */
export const RUNPOD_JOB_STATUSES = ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'] as const
export type RunpodJobStatus = (typeof RUNPOD_JOB_STATUSES)[number]

/** Job object (https://docs.runpod.io/serverless/endpoints/job-states). Unknown fields are kept; `output`/`error` are validated later by the worker profile. */
export const RunpodJobSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(RUNPOD_JOB_STATUSES),
  delayTime: z.number().nonnegative().optional().nullable(),
  executionTime: z.number().nonnegative().optional().nullable(),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  workerId: z.string().optional(),
  retries: z.number().optional(),
})
export type RunpodJob = z.infer<typeof RunpodJobSchema>

/** `/health` (https://docs.runpod.io/serverless/endpoints/operation-reference). */
export const RunpodHealthSchema = z.looseObject({
  jobs: z.record(z.string(), z.number()).default({}),
  workers: z.record(z.string(), z.number()).default({}),
})

/** `/cancel` answers `{id, status}`; some SDK types add times (runpod/js-sdk `src/index.ts`). */
export const RunpodCancelSchema = z.looseObject({ id: z.string().optional(), status: z.string().optional() })

export interface RunpodClientOptions {
  /** e.g. `https://api.runpod.ai/v2` (no trailing slash). */
  apiBase: string
  endpointId: string
  apiKey: string
  logger: Logger
  /** Retries after the first attempt for retryable failures. Default 5. */
  retries?: number
  /** Backoff bounds in ms. Defaults 500 / 20 000. */
  minTimeoutMs?: number
  maxTimeoutMs?: number
  /** Per-request timeout in ms (headers and body). Default 30 000. */
  requestTimeoutMs?: number
  dispatcher?: Dispatcher
}

/** What may be retried for one request. */
export interface RetryPolicy {
  /** Retry these HTTP statuses. */
  statuses: readonly number[]
  /**
   * Retry network errors. For `/run` only errors where the request surely never reached RunPod
   * (connection refused) are retried, so a job is never submitted twice.
   */
  network: 'all' | 'connect-only'
}

const IDEMPOTENT: RetryPolicy = { statuses: [408, 429, 500, 502, 503, 504], network: 'all' }
/**
 * `/run` is not idempotent: the client itself retries only answers that surely mean "not accepted" (429,
 * and connections that never opened). Ambiguous failures (any 5xx, a connection dropped after sending) are
 * retried by the job service, visibly and a bounded number of times.
 */
export const SUBMIT_RETRY: RetryPolicy = { statuses: [429], network: 'connect-only' }

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])
const NETWORK_ERRORS = new Set([
  ...CONNECT_ERRORS,
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
])

/** Error code of a network failure (undici or Node), or undefined. */
export function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) return code
    e = e.cause
  }
  return undefined
}

export class RunpodClient {
  private readonly base: string

  private readonly opts: RunpodClientOptions
  constructor(opts: RunpodClientOptions) {
    this.opts = opts
    this.base = `${opts.apiBase.replace(/\/+$/, '')}/${encodeURIComponent(opts.endpointId)}`
  }

  /**
   * Calls one operation and validates the JSON answer with `schema`.
   * @param operation - path after the endpoint, e.g. `run`, `status/<id>`.
   * @throws RunpodApiError for non-2xx answers after retries; RunpodResponseError for a body that fails
   *   `schema`; the network error after retries.
   */
  async call<T>(
    method: 'GET' | 'POST',
    operation: string,
    schema: z.ZodType<T>,
    options: { body?: unknown; retry?: RetryPolicy; signal?: AbortSignal } = {},
  ): Promise<T> {
    const policy = options.retry ?? IDEMPOTENT
    const opName = operation.split('/')[0] ?? operation
    const attempt = async (): Promise<T> => {
      let res: Dispatcher.ResponseData
      try {
        res = await request(`${this.base}/${operation}`, {
          method,
          headers: {
            authorization: `Bearer ${this.opts.apiKey}`,
            accept: 'application/json',
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
          headersTimeout: this.opts.requestTimeoutMs ?? 30_000,
          bodyTimeout: this.opts.requestTimeoutMs ?? 30_000,
          dispatcher: this.opts.dispatcher,
          signal: options.signal,
        })
      } catch (err) {
        const code = networkErrorCode(err)
        const retryable = code !== undefined && (policy.network === 'all' || CONNECT_ERRORS.has(code))
        if (!retryable) throw new AbortError(asError(err))
        throw err
      }
      const text = await res.body.text()
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const apiErr = new RunpodApiError(res.statusCode, text.slice(0, 2000), retryAfterMs(res.headers['retry-after']), opName)
        if (!policy.statuses.includes(res.statusCode)) throw new AbortError(apiErr)
        throw apiErr
      }
      let json: unknown
      try {
        // A worker's output may hold NaN/Infinity as Python writes them: read as null, never a retry until expiry.
        json = parseJsonLenient(text)
      } catch {
        throw new AbortError(new RunpodResponseError(opName, 'not JSON'))
      }
      const parsed = schema.safeParse(json)
      if (!parsed.success) {
        throw new AbortError(new RunpodResponseError(opName, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')))
      }
      return parsed.data
    }
    return pRetry(attempt, {
      retries: this.opts.retries ?? 5,
      minTimeout: this.opts.minTimeoutMs ?? 500,
      maxTimeout: this.opts.maxTimeoutMs ?? 20_000,
      factor: 2,
      randomize: true,
      signal: options.signal,
      onFailedAttempt: async (failure) => {
        this.opts.logger.warn('RunPod request failed, retrying', {
          operation: opName,
          attempt: failure.attemptNumber,
          retriesLeft: failure.retriesLeft,
          error: failure.message,
        })
        // Honour Retry-After (429) on top of the backoff p-retry adds.
        const cause = failure as unknown
        if (cause instanceof RunpodApiError && cause.retryAfterMs !== null && failure.retriesLeft > 0) {
          await new Promise((r) => setTimeout(r, Math.min(cause.retryAfterMs!, 60_000)))
        }
      },
    })
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** `Retry-After` in ms: seconds or an HTTP date (RFC 9110 section 10.2.3); null when absent or invalid. */
export function retryAfterMs(header: string | string[] | undefined): number | null {
  const v = Array.isArray(header) ? header[0] : header
  if (!v) return null
  const secs = Number(v)
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
  const date = Date.parse(v)
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now())
}
