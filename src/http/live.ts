/**
 * `/api/live`: microphone recordings made in the page, with live text.
 * `POST /api/live?filename=NAME&liveText=on|off` → `{sessionId, live}` (`live`: the live text's first view, or
 * null when the panel has none); `PUT /api/live/:session/chunks/:seq` body = chunk; `GET /api/live/:session` →
 * the live text so far (segments, windows, status); `POST /api/live/:session/finish` → `201` with the new
 * recording, like `PUT /api/recordings`.
 */
import { Hono } from 'hono'
import { AppError } from '../domain/errors.ts'
import { toRecording } from '../domain/store.ts'
import type { LiveRecordingService } from '../services/live.ts'

export function liveRoutes(deps: { live: LiveRecordingService }): Hono {
  const app = new Hono()
  app.post('/', async (c) => {
    const wanted = c.req.query('liveText') ?? 'on'
    if (wanted !== 'on' && wanted !== 'off') throw new AppError('bad_request', 'liveText must be "on" or "off".')
    return c.json(await deps.live.start(c.req.query('filename'), wanted === 'on'), 201)
  })
  app.get('/:session', async (c) => c.json(await deps.live.liveText(c.req.param('session'))))
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
