/**
 * RunPod's REST API v2 (`https://api.runpod.io/v2`, RUNPOD_REST_API_BASE), the routes the panel's setup check
 * uses: GET/PATCH `/serverless/{id}`, GET `/serverless/{id}/workers`, GET `/network-volumes/{id}`. Shapes from
 * RunPod's OpenAPI (`api-reference-v2/openapi.json` in github.com/runpod/docs); errors are RFC 9457 problem
 * details.
 */
import type { HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { z } from 'zod'
import type { EndpointSettings, NetworkVolume, WorkerState } from './endpoint.ts'
import { POLICY_BOUNDS } from './jobs.ts'
import type { WorkerContract } from './worker.ts'

export interface RestApiContext {
  apiKey: string
  endpointId: string
  contract: WorkerContract
  endpoint: Readonly<EndpointSettings>
  /** Bumped by every change of the endpoint's settings (REST v2 `endpointVersion`). */
  endpointVersion(): number
  /** Changes the endpoint's settings (a PATCH); queued jobs start if they now can. */
  updateEndpoint(patch: Partial<EndpointSettings>): void
  workerId: string
  workerState(): WorkerState | null
  /** When the worker became warm (epoch ms; 0 = from the start). */
  workerReadyAt(): number
  accountVolumes: readonly NetworkVolume[]
  /** The queue API's base URL (`…/v2`), for the endpoint's `requestUrls`. */
  queueUrl(): string
}

/** REST v2 `ErrorResponse` (RFC 9457), as `application/problem+json`. */
function problem(status: 400 | 401 | 404, detail: string, errors?: string[]): Response {
  const title = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[status]
  return new Response(JSON.stringify({ title, status, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })
}

const PatchSchema = z
  .object({
    workers: z
      .strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), idleTimeout: z.number().int().min(1).max(3600).optional() })
      .optional(),
    networkVolumes: z.array(z.string()).optional(),
    dataCenterIds: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    name: z.string().min(1).optional(),
  })
  .strict()

/** The REST API as a Hono app to mount at `/rest/v2`. */
export function createRestApi(ctx: RestApiContext): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>()
  const { endpoint } = ctx

  app.use('*', async (c, next) => {
    const auth = c.req.header('authorization') ?? ''
    if (!/^Bearer\s+\S/i.test(auth)) return problem(401, 'missing bearer token')
    if (auth.replace(/^Bearer\s+/i, '').trim() !== ctx.apiKey) return problem(401, 'invalid bearer token')
    await next()
  })

  const routeNames: Record<string, string> = {
    runSync: 'runsync',
    purgeQueue: 'purge-queue',
    status: 'status/{job_id}',
    stream: 'stream/{job_id}',
    cancel: 'cancel/{job_id}',
    retry: 'retry/{job_id}',
  }
  const endpointView = () => ({
    id: ctx.endpointId,
    name: endpoint.name,
    type: 'QUEUE',
    // RunPod lists every queue URL of the endpoint, including those the emulator does not serve.
    requestUrls: Object.fromEntries(
      ['run', 'runSync', 'status', 'stream', 'cancel', 'retry', 'purgeQueue', 'health'].map((k) => [k, `${ctx.queueUrl()}/${ctx.endpointId}/${routeNames[k] ?? k}`]),
    ),
    image: ctx.contract === 'whisperx' ? 'ghcr.io/scribe-panel/whisperx-worker:emulated' : 'kodxana/whisperx-worker:emulated',
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

  app.get('/serverless/:id', (c) => {
    if (c.req.param('id') !== ctx.endpointId) return problem(404, 'endpoint not found')
    return c.json(endpointView())
  })

  app.patch('/serverless/:id', async (c) => {
    if (c.req.param('id') !== ctx.endpointId) return problem(404, 'endpoint not found')
    const parsed = PatchSchema.safeParse(await c.req.json().catch(() => undefined))
    // ASSUMPTION: the emulator accepts only the update fields the panel may send; RunPod's validator words its
    // errors like the OpenAPI example ("$: additional properties 'bogus' not allowed").
    if (!parsed.success) {
      return problem(400, 'request validation failed', parsed.error.issues.map((i) => `$${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`))
    }
    const { workers, ...rest } = parsed.data
    const min = workers?.min ?? endpoint.workersMin
    const max = workers?.max ?? endpoint.workersMax
    if (min > max) return problem(400, 'request validation failed', ['$.workers: min must not exceed max'])
    ctx.updateEndpoint({ ...rest, workersMin: min, workersMax: max })
    return c.json(endpointView())
  })

  app.get('/serverless/:id/workers', (c) => {
    if (c.req.param('id') !== ctx.endpointId) return problem(404, 'endpoint not found')
    const state = ctx.workerState()
    const list = state
      ? [
          {
            id: ctx.workerId,
            status: state,
            isStale: false,
            version: ctx.endpointVersion(),
            gpuCount: 1,
            image: endpointView().image,
            uptimeSeconds: state === 'THROTTLED' || state === 'INITIALIZING' ? null : 60,
            gpuTypeId: 'NVIDIA GeForce RTX 4090',
            dataCenterId: endpoint.dataCenterIds[0] ?? 'EU-RO-1',
            startedAt: new Date(ctx.workerReadyAt() || Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        ]
      : []
    const n = (s: string) => list.filter((w) => w.status === s).length
    return c.json({
      endpointVersion: ctx.endpointVersion(),
      summary: { running: n('RUNNING'), idle: n('IDLE'), initializing: n('INITIALIZING'), throttled: n('THROTTLED'), unhealthy: 0, total: list.length },
      workers: list,
    })
  })

  app.get('/network-volumes/:id', (c) => {
    const v = ctx.accountVolumes.find((x) => x.id === c.req.param('id'))
    if (!v) return problem(404, 'network volume not found')
    return c.json({ ...v, type: 'STANDARD' })
  })

  return app
}
