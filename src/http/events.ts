/**
 * `GET /api/events`: server-sent events. On connect the page gets a `snapshot` of every recording
 * (so a reconnect after a restart catches up), then `recording`, `upload-progress`, `job-progress`
 * and `deleted` events as they happen, and a comment every 15 s to keep proxies from closing it.
 */
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { RecordingStore } from '../domain/store.ts'
import { toRecording } from '../domain/store.ts'
import type { PanelEvent } from '../domain/api.ts'
import type { EventBus } from '../services/events.ts'

export function eventRoutes(deps: { events: EventBus; store: RecordingStore }): Hono {
  const app = new Hono()
  app.get('/', (c) =>
    streamSSE(c, async (stream) => {
      const queue: { seq: number; event: PanelEvent }[] = []
      let wake: (() => void) | null = null
      const unsubscribe = deps.events.subscribe((seq, event) => {
        queue.push({ seq, event })
        wake?.()
      })
      stream.onAbort(() => {
        unsubscribe()
        wake?.()
      })
      await stream.writeSSE({ event: 'snapshot', data: JSON.stringify({ recordings: deps.store.listRecordings().map(toRecording) }), retry: 2000 })
      while (!stream.aborted) {
        const item = queue.shift()
        if (item) {
          await stream.writeSSE({ event: item.event.type, data: JSON.stringify(item.event), id: String(item.seq) })
          continue
        }
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 15_000).unref()
        })
        wake = null
        if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n')
      }
      unsubscribe()
    }),
  )
  return app
}
