/**
 * The setup check over HTTP: `GET /api/setup` (checks without a test job), `POST /api/setup/check`
 * `{testJob?: boolean}` (with `testJob` the bundled clip goes through the whole path), and
 * `POST /api/setup/fix/:id` (applies a fix the panel can make itself, e.g. raising max workers).
 * Answers `{checks: [{id, status, message, fix}], testJobs, checkedAt, missing}`; never a secret.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { AppError } from '../domain/errors.ts'
import type { SetupAnswer, SetupReport } from '../domain/api.ts'
import type { SetupService } from '../services/setup.ts'

const CheckBody = z.strictObject({ testJob: z.boolean().optional() })

export function setupRoutes(deps: { setup: SetupService }): Hono {
  const app = new Hono()
  const answer = (report: SetupReport): SetupAnswer => ({ ...report, missing: deps.setup.missingSettings() })
  app.get('/', async (c) => c.json(answer(await deps.setup.check())))
  app.post('/check', async (c) => {
    const text = await c.req.text()
    let body: unknown = {}
    try {
      body = text.trim() ? JSON.parse(text) : {}
    } catch {
      throw new AppError('bad_request', 'The body must be JSON, e.g. {"testJob": true}.')
    }
    const parsed = CheckBody.safeParse(body)
    if (!parsed.success) throw new AppError('bad_request', 'The body may only hold {"testJob": true|false}.')
    return c.json(answer(await deps.setup.check({ testJob: parsed.data.testJob === true })))
  })
  app.post('/fix/:id', async (c) => c.json(answer(await deps.setup.fix(c.req.param('id')))))
  return app
}
