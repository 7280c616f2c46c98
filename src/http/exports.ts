/**
 * `GET /api/exports`: the export formats the panel has (the registry, in its order) and the timestamp choices the
 * text formats take, so the page's download links come from the server rather than a copy of the list.
 * Answers `{formats: [{format, label, extension, timestamps}], timestamps: [{value, label}]}`.
 */
import { Hono } from 'hono'
import type { ExportsResponse } from '../domain/api.ts'
import { EXPORTERS } from '../exporters/index.ts'
import { TIMESTAMP_CHOICES } from '../exporters/stamps.ts'

export function exportRoutes(): Hono {
  const app = new Hono()
  const answer: ExportsResponse = {
    formats: [...EXPORTERS.values()].map(({ format, label, extension, timestamps }) => ({ format, label, extension, timestamps })),
    timestamps: TIMESTAMP_CHOICES,
  }
  app.get('/', (c) => c.json(answer))
  return app
}
