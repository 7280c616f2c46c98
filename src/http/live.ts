/**
 * `/api/live`: microphone recordings made in the page (not in DESIGN.md's table; issue 5 item 5).
 * `POST /api/live?filename=NAME` → `{sessionId}`; `PUT /api/live/:session/chunks/:seq` body = chunk;
 * `POST /api/live/:session/finish` → `201` with the new recording, like `PUT /api/recordings`.
 */
import { Hono } from 'hono'
import { toRecording } from '../domain/store.ts'
import type { LiveRecordingService } from '../services/live.ts'

export function liveRoutes(deps: { live: LiveRecordingService }): Hono {
  const app = new Hono()
  app.post('/', async (c) => c.json(await deps.live.start(c.req.query('filename')), 201))
  app.put('/:session/chunks/:seq', async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    return c.json(await deps.live.appendChunk(c.req.param('session'), Number(c.req.param('seq')), bytes))
  })
  app.post('/:session/finish', async (c) => {
    const { recording, duplicateOf } = await deps.live.finish(c.req.param('session'))
    return c.json({ ...toRecording(recording), duplicateOf }, 201)
  })
  return app
}
