/**
 * `/api/recordings`: the stable HTTP API that scripts drive. Handlers validate with zod, call a service
 * and answer JSON; errors are thrown as AppError and mapped in `http/errors.ts`.
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import contentDisposition from 'content-disposition'
import parseRange from 'range-parser'
import { z } from 'zod'
import {
  JobOptionsSchema,
  type LibraryItem,
  type LibraryResponse,
  type LibraryTotals,
  type RecordingDetail,
  type TranscriptResponse,
  type TranscriptStepFacts,
  type TranscriptView,
  type UploadedRecording,
} from '../domain/api.ts'
import { AppError, recordingNotFound } from '../domain/errors.ts'
import type { NoteHit } from '../domain/notes.ts'
import type { Logger, ObjectStore, RecordingFiles } from '../domain/ports.ts'
import { estimateGpuCostUsd, type JobOptions } from '../domain/recording.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import { EditRequestSchema } from '../domain/transcript-edits.ts'
import { parseTimestampMode } from '../exporters/stamps.ts'
import { requireRecording, toRecording } from '../domain/store.ts'
import type { EventBus } from '../services/events.ts'
import type { ExportService } from '../services/exports.ts'
import type { JobService } from '../services/jobs.ts'
import type { TranscriptService } from '../services/transcripts.ts'
import type { UploadService } from '../services/uploads.ts'

/** A recording as the library lists it (`LibraryItem`), its cost at `pricePerSecond` (US dollars per GPU second). */
export function libraryItem(r: StoredRecording, pricePerSecond: number): LibraryItem {
  const gpuSeconds = r.summary.gpuMs / 1000
  return {
    ...toRecording(r),
    language: r.summary.language,
    speakers: r.summary.speakers,
    pendingSubmit: r.submitRequestedAt !== null,
    recordedAt: r.recordedAt ?? null,
    cost: { queueSeconds: r.summary.queueMs / 1000, gpuSeconds, estimatedUsd: estimateGpuCostUsd(gpuSeconds, pricePerSecond) },
  }
}

export interface RecordingRoutesDeps {
  store: RecordingStore
  uploads: UploadService
  jobs: JobService
  transcripts: TranscriptService
  exports: ExportService
  objectStore: ObjectStore | null
  events: EventBus
  logger: Logger
  files: RecordingFiles
  gpuPricePerSecond: number
  /** Library search in notes' text too (optional: the routes work without notes). */
  notes?: { search(q: string): NoteHit[] }
}

/** `YYYY-MM-DD` that is a real calendar day (2026-02-30 is not). */
const calendarDay = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'recordedAt must be a date written YYYY-MM-DD, e.g. 2026-11-20')
  .refine((d) => {
    const day = new Date(`${d}T12:00:00Z`)
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(d)
  }, 'recordedAt is not a day of the calendar')

/** Body of `PATCH /api/recordings/:id`: `recordedAt` (the day it was recorded; null when unknown). */
export const RecordingChangeSchema = z
  .object({
    recordedAt: calendarDay.nullable().optional(),
    /** A title shown instead of the file name (which never changes); null or "" goes back to the file name. */
    title: z
      .string()
      .transform((s) => s.normalize('NFC').replace(/\s+/g, ' ').trim())
      .pipe(z.string().max(200, 'title can be at most 200 characters'))
      .nullable()
      .optional(),
  })
  .strict()
  .refine((o) => o.recordedAt !== undefined || o.title !== undefined, { message: 'send {"title": …} and/or {"recordedAt": "YYYY-MM-DD"}' })

/**
 * Parses a JSON request body with `schema`.
 * @throws AppError `bad_request` with `notJson` when the body is not JSON, or naming each invalid field.
 */
function parseJsonBody<T>(text: string, schema: z.ZodType<T>, what: string, notJson: string): T {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new AppError('bad_request', notJson)
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    throw new AppError('bad_request', `Invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}

const idParam = z.string().regex(/^[0-9a-f-]{36}$/i)


export function recordingRoutes(deps: RecordingRoutesDeps): Hono {
  const app = new Hono()

  const mustGet = (id: string): StoredRecording => {
    if (!idParam.safeParse(id).success) throw recordingNotFound(id)
    return requireRecording(deps.store, id)
  }

  /** Answers a transcript change and tells open pages (speaker names in the library, a stale copy in another tab). */
  const announce = (c: Context, id: string, { transcript, ...rest }: TranscriptView & TranscriptStepFacts) => {
    deps.events.publish({ type: 'transcript', id, version: rest.version })
    return c.json<TranscriptResponse>({ ...transcript, ...rest })
  }

  app.put('/', async (c) => {
    try {
      // Under @hono/node-server the Node request is in c.env; elsewhere (app.request in tests) the web body.
      // Do not touch c.req.raw.body when the Node request is used: that starts a second reader on it.
      const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming
      const body = incoming ?? c.req.raw.body
      const { recording, duplicateOf } = await deps.uploads.receive(c.req.query('filename'), body)
      // The state now, not at creation: without a volume the recording is already "kept locally" (the page
      // must not show "Uploading… 0 %" for it).
      return c.json<UploadedRecording, 201>({ ...toRecording(deps.store.getRecording(recording.id) ?? recording), duplicateOf }, 201)
    } catch (err) {
      // The body may be unread (a bad name is refused before reading gigabytes): close the connection
      // so the client does not send its next request on a socket the server is about to drop.
      c.header('connection', 'close')
      throw err
    }
  })

  app.get('/', (c) => {
    const q = (c.req.query('q') ?? '').trim()
    const all = deps.store.listRecordings()
    const items = all.map((r) => libraryItem(r, deps.gpuPricePerSecond))
    const totals: LibraryTotals = {
      count: items.length,
      duration: items.reduce((n, r) => n + (r.duration ?? 0), 0),
      gpuSeconds: items.reduce((n, r) => n + r.cost.gpuSeconds, 0),
      estimatedUsd: Math.round(items.reduce((n, r) => n + r.cost.estimatedUsd, 0) * 1e6) / 1e6,
    }
    if (!q) return c.json<LibraryResponse>({ recordings: items, totals })
    // File names (case-insensitive in any script) and transcript text (FTS5, word prefixes).
    const needle = q.toLocaleLowerCase()
    const hits = deps.store.searchSegments(q)
    const byRecording = new Map<string, typeof hits>()
    for (const h of hits) byRecording.set(h.recordingId, [...(byRecording.get(h.recordingId) ?? []), h])
    const noteHits = deps.notes?.search(q) ?? []
    const found = items
      .filter((r) => r.filename.toLocaleLowerCase().includes(needle) || (r.title ?? '').toLocaleLowerCase().includes(needle) || byRecording.has(r.id) || noteHits.some((h) => h.recordingId === r.id))
      .map((r) => ({
        ...r,
        matches: (byRecording.get(r.id) ?? []).map(({ segmentId, start, snippet }) => ({ segmentId, start, snippet })),
        noteMatches: noteHits.filter((h) => h.recordingId === r.id).map(({ noteId, title, snippet }) => ({ noteId, title, snippet })),
      }))
    return c.json<LibraryResponse>({ recordings: found, totals })
  })

  app.get('/:id', (c) => {
    const r = mustGet(c.req.param('id'))
    return c.json<RecordingDetail>({ ...libraryItem(r, deps.gpuPricePerSecond), jobOptions: r.jobOptions, jobProgress: r.jobProgress })
  })

  app.patch('/:id', async (c) => {
    const r = mustGet(c.req.param('id'))
    const change = parseJsonBody(await c.req.text(), RecordingChangeSchema, 'change', 'Send the change as JSON, e.g. {"title": "Interview with Anna Petrova"} or {"recordedAt": "2026-11-20"}.')
    if (change.recordedAt !== undefined) deps.store.updateRecording(r.id, { recordedAt: change.recordedAt })
    if (change.title !== undefined) deps.store.updateRecording(r.id, { title: change.title ? change.title : null })
    const updated = deps.store.getRecording(r.id)!
    deps.events.publish({ type: 'recording', recording: toRecording(updated) })
    // The copies in output/<id>/ show the date in their header.
    if (deps.store.getTranscript(r.id)) deps.exports.writeFiles(r.id).catch((err: unknown) => deps.logger.warn('rewriting export files failed', { id: r.id, error: err }))
    return c.json<RecordingDetail>({ ...libraryItem(updated, deps.gpuPricePerSecond), jobOptions: updated.jobOptions, jobProgress: updated.jobProgress })
  })

  app.delete('/:id', async (c) => {
    const r = mustGet(c.req.param('id'))
    if (r.status === 'submitting') {
      // The /run request is on its way: its job id must be stored before the job can be cancelled.
      throw new AppError('conflict', 'This recording is being submitted to RunPod right now. Wait a second and delete it again: the job is then cancelled with it.')
    }
    if ((r.status === 'queued' || r.status === 'transcribing') && r.job) {
      // Do not leave a paid job running for a recording that no longer exists.
      await deps.jobs.cancel(r.id)
    }
    deps.uploads.stopCloudUpload(r.id)
    // The recording's folder on the volume: its audio, and whatever else was written beside it (a compact
    // copy for the GPU, the worker's result file).
    const folder = r.objectKey.lastIndexOf('/') > 0 ? r.objectKey.slice(0, r.objectKey.lastIndexOf('/') + 1) : null
    if (deps.objectStore) await (folder ? deps.objectStore.deletePrefix(folder) : deps.objectStore.deleteObject(r.objectKey))
    deps.store.deleteRecording(r.id)
    await deps.files.removeRecording(r.id)
    deps.events.publish({ type: 'deleted', id: r.id })
    return c.json({ deleted: r.id })
  })

  app.get('/:id/audio', async (c) => {
    const r = mustGet(c.req.param('id'))
    const file = deps.uploads.audioPath(r)
    const size = await deps.uploads.localSize(r)
    const headers: Record<string, string> = {
      'content-type': r.contentType,
      'accept-ranges': 'bytes',
      'cache-control': 'private, max-age=3600',
    }
    const rangeHeader = c.req.header('range')
    if (rangeHeader) {
      const ranges = parseRange(size, rangeHeader, { combine: true })
      if (ranges === -1) {
        return c.body(null, 416, { ...headers, 'content-range': `bytes */${size}` })
      }
      if (ranges !== -2 && ranges.length === 1) {
        const { start, end } = ranges[0]!
        const stream = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream
        return c.body(stream, 206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) })
      }
    }
    const stream = Readable.toWeb(createReadStream(file)) as ReadableStream
    return c.body(stream, 200, { ...headers, 'content-length': String(size) })
  })

  app.get('/:id/peaks', async (c) => {
    const r = mustGet(c.req.param('id'))
    return c.json(await deps.uploads.peaks(r), 200, { 'cache-control': 'private, max-age=86400' })
  })

  app.post('/:id/transcribe', async (c) => {
    const r = mustGet(c.req.param('id'))
    const text = await c.req.text()
    // An empty body means "all defaults".
    const o = parseJsonBody(text.trim() ? text : '{}', JobOptionsSchema, 'job options', 'The job options must be JSON, e.g. {"language": "ru", "diarize": true}.')
    const options: JobOptions = {
      language: o.language && o.language !== 'auto' ? o.language : null,
      diarize: o.diarize,
      minSpeakers: o.minSpeakers ?? null,
      maxSpeakers: o.maxSpeakers ?? null,
      model: o.model || null,
      initialPrompt: o.initialPrompt || null,
      batchSize: o.batchSize ?? null,
    }
    const updated = await deps.jobs.start(r.id, options)
    return c.json(toRecording(updated), 202)
  })

  app.post('/:id/cancel', async (c) => {
    const r = mustGet(c.req.param('id'))
    return c.json(toRecording(await deps.jobs.cancel(r.id)))
  })

  app.get('/:id/transcript', (c) => {
    const r = mustGet(c.req.param('id'))
    const { transcript, ...rest } = deps.transcripts.get(r.id)
    return c.json<TranscriptResponse>({ ...transcript, ...rest })
  })

  app.patch('/:id/transcript', async (c) => {
    const r = mustGet(c.req.param('id'))
    const { ops, version: expected } = parseJsonBody(await c.req.text(), EditRequestSchema, 'edit', 'Send the edits as JSON: {"ops": [{"op": "renameSpeaker", "speaker": "SPEAKER_00", "name": "Interviewer"}]}.')
    return announce(c, r.id, await deps.transcripts.edit(r.id, ops, expected))
  })

  // Undo and redo walk one history per recording: edits, restores of a version, new worker results.
  app.post('/:id/transcript/undo', (c) => {
    const r = mustGet(c.req.param('id'))
    return announce(c, r.id, deps.transcripts.undo(r.id))
  })

  app.post('/:id/transcript/redo', (c) => {
    const r = mustGet(c.req.param('id'))
    return announce(c, r.id, deps.transcripts.redo(r.id))
  })

  app.get('/:id/versions', (c) => c.json(deps.transcripts.versions(mustGet(c.req.param('id')).id)))

  app.post('/:id/versions/:version/restore', (c) => {
    const r = mustGet(c.req.param('id'))
    const version = z.coerce.number().int().positive().safeParse(c.req.param('version'))
    if (!version.success) throw new AppError('bad_request', `"${c.req.param('version').slice(0, 20)}" is not a version number; GET …/versions lists them.`)
    return announce(c, r.id, deps.transcripts.restore(r.id, version.data))
  })

  app.get('/:id/export/:format', async (c) => {
    const r = mustGet(c.req.param('id'))
    const timestamps = parseTimestampMode(c.req.query('timestamps'))
    const notes = c.req.query('notes') === '1' || c.req.query('notes') === 'true'
    const { body, fileName, contentType } = await deps.exports.render(r.id, c.req.param('format'), { timestamps, notes })
    return c.body(typeof body === 'string' ? body : new Uint8Array(body), 200, {
      'content-type': contentType,
      // RFC 6266: an ASCII fallback plus the UTF-8 name, so Cyrillic file names survive.
      'content-disposition': contentDisposition(fileName),
    })
  })

  return app
}
