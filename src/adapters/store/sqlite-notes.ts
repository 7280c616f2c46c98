/**
 * Notes in SQLite, in the recordings' database (table `notes`, full-text index `note_fts`); the schema is a
 * migration in sqlite-store.ts. A recording's notes are deleted with it (foreign key, and a trigger for the index).
 */
import type Database from 'better-sqlite3'
import type { Note, NoteError, NoteHit, NotePatch, NoteStatus, NoteStore, NoteUsage } from '../../domain/notes.ts'
import type { CheckedQuote } from '../../domain/quotes.ts'
import { ftsQuery, splitMarked } from './fts.ts'

/** The schema of notes: applied as one migration. */
export const NOTES_SCHEMA = `
  CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    template TEXT NOT NULL,
    title TEXT NOT NULL,
    prompt TEXT,
    model TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('writing', 'done', 'failed', 'stopped')),
    text TEXT NOT NULL DEFAULT '',
    quotes TEXT NOT NULL DEFAULT '[]',
    usage TEXT,
    error_code TEXT,
    error_message TEXT,
    transcript_version INTEGER NOT NULL,
    parts INTEGER NOT NULL DEFAULT 1,
    emulated INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    duration_ms INTEGER
  );
  CREATE INDEX notes_recording ON notes(recording_id, created_at);
  CREATE VIRTUAL TABLE note_fts USING fts5(
    text, note_id UNINDEXED, recording_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN DELETE FROM note_fts WHERE note_id = old.id; END;
`

interface NoteRow {
  id: string
  recording_id: string
  template: string
  title: string
  prompt: string | null
  model: string
  status: NoteStatus
  text: string
  quotes: string
  usage: string | null
  error_code: string | null
  error_message: string | null
  transcript_version: number
  parts: number
  emulated: number
  created_at: string
  finished_at: string | null
  duration_ms: number | null
}

function toNote(r: NoteRow): Note {
  return {
    id: r.id,
    recordingId: r.recording_id,
    template: r.template,
    title: r.title,
    prompt: r.prompt,
    model: r.model,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    status: r.status,
    text: r.text,
    quotes: JSON.parse(r.quotes) as CheckedQuote[],
    usage: r.usage ? (JSON.parse(r.usage) as NoteUsage) : null,
    error: r.error_code ? { code: r.error_code as NoteError['code'], message: r.error_message ?? '' } : null,
    transcriptVersion: r.transcript_version,
    parts: r.parts,
    emulated: r.emulated === 1,
  }
}

export class SqliteNoteStore implements NoteStore {
  private readonly db: Database.Database

  /** @param db - the panel's database, already migrated. */
  constructor(db: Database.Database) {
    this.db = db
  }

  createNote(n: Note): void {
    this.db
      .prepare(
        `INSERT INTO notes (id, recording_id, template, title, prompt, model, status, text, quotes, usage, error_code, error_message,
           transcript_version, parts, emulated, created_at, finished_at, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(n.id, n.recordingId, n.template, n.title, n.prompt, n.model, n.status, n.text, JSON.stringify(n.quotes), n.usage ? JSON.stringify(n.usage) : null,
        n.error?.code ?? null, n.error?.message ?? null, n.transcriptVersion, n.parts, n.emulated ? 1 : 0, n.createdAt, n.finishedAt, n.durationMs)
    if (n.text) this.index(n.id, n.recordingId, n.text)
  }

  getNote(id: string): Note | null {
    const row = this.db.prepare('SELECT * FROM notes WHERE id = ?').get(id) as NoteRow | undefined
    return row ? toNote(row) : null
  }

  listNotes(recordingId: string): Note[] {
    return (this.db.prepare('SELECT * FROM notes WHERE recording_id = ? ORDER BY created_at DESC, id').all(recordingId) as NoteRow[]).map(toNote)
  }

  listWriting(): Note[] {
    return (this.db.prepare(`SELECT * FROM notes WHERE status = 'writing' ORDER BY created_at`).all() as NoteRow[]).map(toNote)
  }

  updateNote(id: string, patch: NotePatch): void {
    const sets: string[] = []
    const params: Record<string, unknown> = { id }
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = @${column}`)
      params[column] = value
    }
    if (patch.status !== undefined) set('status', patch.status)
    if (patch.text !== undefined) set('text', patch.text)
    if (patch.quotes !== undefined) set('quotes', JSON.stringify(patch.quotes))
    if (patch.usage !== undefined) set('usage', patch.usage ? JSON.stringify(patch.usage) : null)
    if (patch.error !== undefined) (set('error_code', patch.error?.code ?? null), set('error_message', patch.error?.message ?? null))
    if (patch.finishedAt !== undefined) set('finished_at', patch.finishedAt)
    if (patch.durationMs !== undefined) set('duration_ms', patch.durationMs)
    if (patch.parts !== undefined) set('parts', patch.parts)
    if (sets.length === 0) return
    this.db.transaction(() => {
      this.db.prepare(`UPDATE notes SET ${sets.join(', ')} WHERE id = @id`).run(params)
      if (patch.text !== undefined) {
        const row = this.db.prepare('SELECT recording_id FROM notes WHERE id = ?').get(id) as { recording_id: string } | undefined
        if (row) this.index(id, row.recording_id, patch.text)
      }
    })()
  }

  deleteNote(id: string): void {
    this.db.prepare('DELETE FROM notes WHERE id = ?').run(id)
  }

  searchNotes(q: string, limit = 50): NoteHit[] {
    const query = ftsQuery(q)
    if (!query) return []
    const rows = this.db
      .prepare(
        `SELECT f.note_id, f.recording_id, n.title, snippet(note_fts, 0, char(1), char(2), '…', 14) AS marked
         FROM note_fts f JOIN notes n ON n.id = f.note_id
         WHERE note_fts MATCH ? ORDER BY bm25(note_fts) LIMIT ?`,
      )
      .all(query, limit) as { note_id: string; recording_id: string; title: string; marked: string }[]
    return rows.map((r) => ({ recordingId: r.recording_id, noteId: r.note_id, title: r.title, snippet: splitMarked(r.marked) }))
  }

  private index(noteId: string, recordingId: string, text: string): void {
    this.db.prepare('DELETE FROM note_fts WHERE note_id = ?').run(noteId)
    this.db.prepare('INSERT INTO note_fts (text, note_id, recording_id) VALUES (?, ?, ?)').run(text, noteId, recordingId)
  }
}
