/**
 * createApp(deps): the Hono app with security middleware, the API sub-apps, the error handler and
 * the static page (plain ES modules, no bundler; wavesurfer.js served from node_modules).
 */
import { hostname, networkInterfaces } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import type { Config } from './config.ts'
import type { Logger, ObjectStore, RecordingFiles, SpeechDetector, TranscriptionBackend } from './domain/ports.ts'
import type { RecordingStore } from './domain/store.ts'
import { errorHandler } from './http/errors.ts'
import { eventRoutes } from './http/events.ts'
import { exportRoutes } from './http/exports.ts'
import { healthRoutes } from './http/health.ts'
import { liveRoutes } from './http/live.ts'
import { notesStatusRoutes, recordingNotesRoutes } from './http/notes.ts'
import { recordingRoutes } from './http/recordings.ts'
import { passwordGate } from './http/auth.ts'
import { localOnly } from './http/security.ts'
import { setupRoutes } from './http/setup.ts'
import type { EventBus } from './services/events.ts'
import type { ExportService } from './services/exports.ts'
import type { JobService } from './services/jobs.ts'
import type { LiveRecordingService } from './services/live.ts'
import type { NotesService } from './services/notes.ts'
import type { SetupService } from './services/setup.ts'
import type { TranscriptService } from './services/transcripts.ts'
import type { UploadService } from './services/uploads.ts'

export interface AppDeps {
  config: Config
  store: RecordingStore
  uploads: UploadService
  jobs: JobService
  live: LiveRecordingService
  transcripts: TranscriptService
  exports: ExportService
  events: EventBus
  objectStore: ObjectStore | null
  backend: TranscriptionBackend
  files: RecordingFiles
  setup: SetupService
  notes: NotesService
  logger: Logger
  /** Speech maps for the hallucination filter (reported by /api/health). */
  speech?: SpeechDetector
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** Static files are served relative to the project root, wherever the process was started. */
const relativeToCwd = (dir: string) => path.relative(process.cwd(), path.join(ROOT, dir)) || '.'

/**
 * Host names the panel answers to besides loopback: the address it is bound to, or, bound to every
 * interface (0.0.0.0, ::), each interface's address and this computer's name.
 */
export function boundHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host]
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address))
  return [...addresses, hostname(), `${hostname()}.local`]
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono()
  app.use('*', localOnly(boundHosts(deps.config.server.host)))
  app.use('*', passwordGate(deps.config.server.password).middleware)
  app.use('*', async (c, next) => {
    await next()
    c.header('x-content-type-options', 'nosniff')
    c.header('referrer-policy', 'no-referrer')
    if (!c.req.path.startsWith('/api/')) {
      // Inline styles are allowed because wavesurfer.js renders into a shadow root with a <style> element.
      c.header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'")
    }
  })
  app.onError(errorHandler(deps.logger))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No such page or API route: ${c.req.method} ${c.req.path}` } }, 404))

  app.route('/api/recordings/:id/notes', recordingNotesRoutes(deps))
  app.route('/api/notes', notesStatusRoutes(deps))
  app.route('/api/recordings', recordingRoutes({ ...deps, gpuPricePerSecond: deps.config.gpuPricePerSecond }))
  app.route('/api/live', liveRoutes(deps))
  app.route('/api/events', eventRoutes(deps))
  app.route('/api/health', healthRoutes(deps))
  app.route('/api/exports', exportRoutes())
  app.route('/api/setup', setupRoutes(deps))

  app.use('/vendor/wavesurfer/*', serveStatic({ root: relativeToCwd('node_modules/wavesurfer.js/dist'), rewriteRequestPath: (p) => p.replace(/^\/vendor\/wavesurfer/, '') }))
  app.use('/*', serveStatic({ root: relativeToCwd('static') }))
  return app
}
