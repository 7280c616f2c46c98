/**
 * The queue API of a Serverless endpoint (`https://api.runpod.ai/v2/<endpoint>/…`), the routes the panel calls:
 * POST `/run`, GET `/status/{id}`, POST `/cancel/{id}`, POST `/retry/{id}`, GET `/health`
 * (https://docs.runpod.io/serverless/endpoints/operation-reference and send-requests). RunPod's error bodies are
 * not documented; ASSUMPTION: `{"error": "<message>"}`.
 */
import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { WorkerState } from './endpoint.ts'
import type { NextJobFault } from './faults.ts'
import { jobView, POLICY_BOUNDS, RUN_PAYLOAD_LIMIT_BYTES, type JobQueue, type JobStatus } from './jobs.ts'
import { rateOperation, type RateLimiter } from './rate-limits.ts'
import { stringifyKeepingNonFinite } from './worker.ts'

/** Paths of the queue routes: `/v2/<endpoint>/<operation>[/<job id>]`. */
const QUEUE_ROUTE_RE = /^\/v2\/([^/]+)\/([a-z-]+)(?:\/([^/]+))?\/?$/

/** The operation of a queue API path (`run`, `status`, …), or '' for another path. */
export function queueOperation(path: string): string {
  return QUEUE_ROUTE_RE.exec(path)?.[2] ?? ''
}

export interface QueueApiContext {
  apiKey: string
  endpointId: string
  queue: JobQueue
  limiter: RateLimiter
  /** The `faults.nextJob` fault the next submitted job takes, if any. */
  takeJobFault(): NextJobFault | null
  /** Lowest accepted `policy.ttl` / `policy.executionTimeout` (ms); tests may lower RunPod's. */
  policyMinimums: { ttlMs: number; executionTimeoutMs: number }
  /** The endpoint's worker state, for `/health`. */
  workerState(): WorkerState | null
}

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

/** `{"error": message}` with `status`. */
export function jsonError(c: Context, status: 400 | 401 | 404 | 429 | 500, message: string): Response {
  return c.json({ error: message }, status)
}

/** The queue API as a Hono app to mount at `/v2`. */
export function createQueueApi(ctx: QueueApiContext): Hono<{ Bindings: HttpBindings }> {
  const { queue } = ctx
  const app = new Hono<{ Bindings: HttpBindings }>()

  app.use('/:endpointId/*', async (c, next) => {
    // `Authorization: Bearer <key>` (RunPod's SDKs); the docs' curl examples send the raw key: accept both.
    const auth = c.req.header('authorization') ?? ''
    const key = auth.replace(/^Bearer\s+/i, '').trim()
    if (key === '' || key !== ctx.apiKey) return jsonError(c, 401, 'Unauthorized')
    if (c.req.param('endpointId') !== ctx.endpointId) return jsonError(c, 404, 'Endpoint not found')
    const op = rateOperation(queueOperation(c.req.path))
    if (op && !ctx.limiter.admit(op)) return jsonError(c, 429, 'Too many requests')
    await next()
  })

  app.post('/:endpointId/run', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer())
    if (raw.byteLength > RUN_PAYLOAD_LIMIT_BYTES) return jsonError(c, 400, `Payload too large: ${raw.byteLength} bytes (limit 10 MB)`)
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
    const { ttlMs: minTtl, executionTimeoutMs: minExecutionTimeout } = ctx.policyMinimums
    if (executionTimeout < minExecutionTimeout || executionTimeout > POLICY_BOUNDS.executionTimeout.max) {
      return jsonError(c, 400, `policy.executionTimeout must be between ${minExecutionTimeout} and ${POLICY_BOUNDS.executionTimeout.max} ms`)
    }
    if (ttl < minTtl || ttl > POLICY_BOUNDS.ttl.max) {
      return jsonError(c, 400, `policy.ttl must be between ${minTtl} and ${POLICY_BOUNDS.ttl.max} ms`)
    }
    const job = queue.submit({
      input: parsed.data.input,
      policy: { executionTimeout, ttl, lowPriority: policy.lowPriority ?? false },
      webhook: parsed.data.webhook ?? null,
      fault: ctx.takeJobFault(),
    })
    return c.json({ id: job.id, status: 'IN_QUEUE' })
  })

  app.get('/:endpointId/status/:id', (c) => {
    const job = queue.live(c.req.param('id'))
    if (!job) return jsonError(c, 404, 'Job not found')
    // ASSUMPTION: RunPod passes a worker's NaN through as the bare token runpod-python wrote (its results are
    // `json.dumps` with NaN allowed).
    return c.body(stringifyKeepingNonFinite(jobView(job)), 200, { 'content-type': 'application/json' })
  })

  app.post('/:endpointId/cancel/:id', (c) => {
    const job = queue.live(c.req.param('id'))
    if (!job) return jsonError(c, 404, 'Job not found')
    return c.json({ id: job.id, status: queue.cancel(job) })
  })

  app.post('/:endpointId/retry/:id', (c) => {
    // Impossible once the result expired (operation-reference "retry").
    const job = queue.live(c.req.param('id'))
    if (!job) return jsonError(c, 404, 'Job not found')
    // Only FAILED / TIMED_OUT jobs. ASSUMPTION: other states answer 400 (undocumented).
    if (!queue.retry(job)) return jsonError(c, 400, `Job ${job.id} is ${job.status}; only FAILED or TIMED_OUT jobs can be retried`)
    return c.json({ id: job.id, status: 'IN_QUEUE' })
  })

  app.get('/:endpointId/health', (c) => {
    const live = queue.liveJobs()
    const count = (s: JobStatus) => live.filter((j) => j.status === s).length
    const state = ctx.workerState()
    // `/health` documents idle/running; ASSUMPTION: initializing/throttled appear under those names (the REST
    // API v2 summary and the SDKs' HealthCheck types use them).
    const workers: Record<string, number> = { idle: state === 'IDLE' ? 1 : 0, running: state === 'RUNNING' ? 1 : 0 }
    if (state === 'INITIALIZING') workers.initializing = 1
    if (state === 'THROTTLED') workers.throttled = 1
    return c.json({
      jobs: {
        completed: count('COMPLETED'),
        failed: count('FAILED') + count('TIMED_OUT'),
        inProgress: count('IN_PROGRESS'),
        inQueue: count('IN_QUEUE'),
        retried: queue.retried,
      },
      workers,
    })
  })

  return app
}
