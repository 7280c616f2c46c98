/**
 * Notes: `GET /api/notes` (whether a model is configured, and the templates), and per recording
 * `POST /api/recordings/:id/notes` `{template} | {prompt}` → 202 with the note being written,
 * `GET /api/recordings/:id/notes`, `POST …/notes/:noteId/stop` and `DELETE …/notes/:noteId`.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { AppError } from '../domain/errors.ts'
import type { Note } from '../domain/notes.ts'
import { MAX_PROMPT_CHARS, type NoteRequest, type NotesService } from '../services/notes.ts'

const NoteRequestSchema = z.union([
  z.object({ template: z.string().trim().min(1).max(64) }).strict(),
  z.object({ prompt: z.string().max(MAX_PROMPT_CHARS * 2) }).strict(),
])

/** A note as the API answers it. */
export function noteView(n: Note) {
  const { recordingId: _recordingId, ...view } = n
  return view
}

/** `GET /api/notes`. */
export function notesStatusRoutes(deps: { notes: NotesService }): Hono {
  const app = new Hono()
  app.get('/', async (c) => c.json(await deps.notes.status()))
  return app
}

/** Mounted at `/api/recordings/:id/notes`. */
export function recordingNotesRoutes(deps: { notes: NotesService }): Hono {
  const app = new Hono()
  const id = (c: { req: { param(name: string): string | undefined } }) => c.req.param('id') ?? ''

  app.get('/', (c) => c.json(deps.notes.list(id(c)).map(noteView)))

  app.post('/', async (c) => {
    let body: unknown
    try {
      body = JSON.parse(await c.req.text())
    } catch {
      throw new AppError('bad_request', 'Send JSON: {"template": "summary"} (GET /api/notes lists the templates) or {"prompt": "your own instruction"}.')
    }
    const parsed = NoteRequestSchema.safeParse(body)
    if (!parsed.success) throw new AppError('bad_request', 'Send either {"template": "<id>"} (GET /api/notes lists them) or {"prompt": "your own instruction"}, not both.')
    const note = await deps.notes.create(id(c), parsed.data as NoteRequest)
    return c.json(noteView(note), 202)
  })

  app.post('/:noteId/stop', (c) => c.json(noteView(deps.notes.stop(id(c), c.req.param('noteId')))))

  app.delete('/:noteId', (c) => {
    deps.notes.delete(id(c), c.req.param('noteId'))
    return c.json({ deleted: c.req.param('noteId') })
  })
  return app
}
