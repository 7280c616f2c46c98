/**
 * Persistence in SQLite (better-sqlite3, WAL): recordings, jobs, transcripts and the edits made to
 * them. Every write is synchronous and durable when the call returns, so services can follow the
 * rule "persist the state change, then act on it". Schema changes are versioned migrations.
 */
import Database from 'better-sqlite3'
import type { ErrorCode } from '../../domain/errors.ts'
import type { LifecyclePatch, RecordingStatus } from '../../domain/lifecycle.ts'
import { NOT_DISPATCHABLE_STATUSES } from '../../domain/lifecycle.ts'
import type { AudioReferenceKind, JobInfo, JobOptions, JobState } from '../../domain/recording.ts'
import type { HistoryStepKind, NewRecording, RecordingPatch, RecordingStore, StoredRecording, StoredTranscript, StoredVersion } from '../../domain/store.ts'
import type { Speaker, Transcript } from '../../domain/transcript.ts'
import { ftsQuery, splitMarked } from './fts.ts'
import { NOTES_SCHEMA, SqliteNoteStore } from './sqlite-notes.ts'

export { ftsQuery } from './fts.ts'

/** Ordered migrations; index + 1 = schema version. Never edit a released one: append. Exported for migration tests. */
export const MIGRATIONS: readonly (string | ((db: Database.Database) => void))[] = [
  `
  CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    extension TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT,
    duration REAL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_bytes INTEGER NOT NULL DEFAULT 0,
    total_bytes INTEGER NOT NULL DEFAULT 0,
    object_key TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT,
    job_options TEXT,
    current_job_id TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX recordings_status ON recordings(status);
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    audio_reference TEXT NOT NULL,
    delay_time INTEGER,
    execution_time INTEGER,
    progress TEXT,
    submitted_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX jobs_recording ON jobs(recording_id);
  CREATE TABLE transcripts (
    recording_id TEXT PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE transcript_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    ops TEXT NOT NULL,
    previous_document TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX transcript_edits_recording ON transcript_edits(recording_id, version);
  `,
  // 2: the UploadId of a running multipart upload, so one interrupted by a crash can be aborted on restart.
  `ALTER TABLE recordings ADD COLUMN multipart_upload_id TEXT;`,
  // 3: library search (FTS5 over kept segments; unicode61 folds case for Cyrillic and Latin alike),
  // library summary columns, and transcriptions waiting for a free job slot.
  (db) => {
    db.exec(`
      CREATE VIRTUAL TABLE segment_fts USING fts5(
        text, recording_id UNINDEXED, segment_id UNINDEXED, start UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
      );
      ALTER TABLE recordings ADD COLUMN language TEXT;
      ALTER TABLE recordings ADD COLUMN speaker_names TEXT;
      ALTER TABLE recordings ADD COLUMN submit_requested_at TEXT;
    `)
    const rows = db.prepare('SELECT recording_id, document FROM transcripts').all() as { recording_id: string; document: string }[]
    for (const row of rows) indexTranscript(db, row.recording_id, JSON.parse(row.document) as Transcript)
  },
  // 4: transcript versions. Every worker result is kept as a version with its own edits; `transcripts` points at
  // the current one. One history per recording (edits, restores, new results) is undone and redone in order;
  // an undone step keeps the document it took back (`next_document`) so redo restores it exactly.
  (db) => {
    db.exec(`
      CREATE TABLE transcript_versions (
        recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        job_id TEXT NOT NULL,
        document TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (recording_id, version)
      );
      INSERT INTO transcript_versions (recording_id, version, job_id, document, created_at, updated_at)
        SELECT recording_id, 1, job_id, document, created_at, updated_at FROM transcripts;
      CREATE TABLE transcript_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('edit', 'restore', 'result')),
        version INTEGER NOT NULL,
        from_version INTEGER,
        ops TEXT,
        previous_document TEXT,
        next_document TEXT,
        undone INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE INDEX transcript_history_recording ON transcript_history(recording_id, undone, id);
      INSERT INTO transcript_history (recording_id, kind, version, ops, previous_document, created_at)
        SELECT recording_id, 'edit', 1, ops, previous_document, created_at FROM transcript_edits ORDER BY id;
      DROP TABLE transcript_edits;
      ALTER TABLE transcripts ADD COLUMN current_version INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE transcripts DROP COLUMN document;
    `)
  },
  // 5: when the recording was made (file metadata or typed by the user), for the exports' "Recorded on".
  `ALTER TABLE recordings ADD COLUMN recorded_at TEXT;`,
  // 6: a title the user gives a recording in the page (the file name stays as uploaded).
  `ALTER TABLE recordings ADD COLUMN title TEXT;`,
  // 7: notes written by an LLM, with their checked quotes and a full-text index for the library search.
  NOTES_SCHEMA,
  // 8: job states in the panel's words (`JobState`) instead of RunPod's, which the jobs table held until now.
  `UPDATE jobs SET status = CASE status
     WHEN 'IN_QUEUE' THEN 'queued' WHEN 'IN_PROGRESS' THEN 'running' WHEN 'COMPLETED' THEN 'completed'
     WHEN 'FAILED' THEN 'failed' WHEN 'CANCELLED' THEN 'cancelled' WHEN 'TIMED_OUT' THEN 'timed-out' ELSE status END;`,
]

/** Re-indexes one recording's kept segments for search and refreshes its library summary (language, speakers). */
function indexTranscript(db: Database.Database, recordingId: string, t: Transcript): void {
  db.prepare('DELETE FROM segment_fts WHERE recording_id = ?').run(recordingId)
  const insert = db.prepare('INSERT INTO segment_fts (text, recording_id, segment_id, start) VALUES (?, ?, ?, ?)')
  for (const seg of t.segments) if (seg.filtered === null) insert.run(seg.text, recordingId, seg.id, seg.start)
  const used = new Set(t.segments.filter((s) => s.filtered === null).map((s) => s.speaker))
  const names = t.speakers.filter((s) => used.has(s.id)).map((s) => s.name)
  db.prepare('UPDATE recordings SET language = ?, speaker_names = ? WHERE id = ?').run(t.language, JSON.stringify(names), recordingId)
}

/** One search hit: a kept segment whose text matches, with the matched words marked. */
export interface SearchHit {
  recordingId: string
  segmentId: string
  /** Seconds. */
  start: number
  /** The segment's text in parts; `match` parts are the words that matched the query. */
  snippet: { text: string; match: boolean }[]
}

interface HistoryRow {
  id: number
  kind: HistoryStepKind
  version: number
  from_version: number | null
  previous_document: string | null
  next_document: string | null
}

interface RecordingRow {
  id: string
  filename: string
  title: string | null
  extension: string
  content_type: string
  size: number
  sha256: string | null
  duration: number | null
  created_at: string
  status: RecordingStatus
  sent_bytes: number
  total_bytes: number
  object_key: string
  error_code: string | null
  error_message: string | null
  job_options: string | null
  current_job_id: string | null
  multipart_upload_id: string | null
  language: string | null
  speaker_names: string | null
  submit_requested_at: string | null
  recorded_at: string | null
  gpu_ms: number
  queue_ms: number
  job_status: JobState | null
  job_audio_reference: AudioReferenceKind | null
  job_delay_time: number | null
  job_execution_time: number | null
  job_progress: string | null
}

const SELECT_RECORDING = `
  SELECT r.*, j.status AS job_status, j.audio_reference AS job_audio_reference, j.delay_time AS job_delay_time,
         j.execution_time AS job_execution_time, j.progress AS job_progress,
         (SELECT COALESCE(SUM(execution_time), 0) FROM jobs WHERE recording_id = r.id) AS gpu_ms,
         (SELECT COALESCE(SUM(delay_time), 0) FROM jobs WHERE recording_id = r.id) AS queue_ms
  FROM recordings r LEFT JOIN jobs j ON j.id = r.current_job_id`

export class SqliteStore implements RecordingStore {
  private readonly db: Database.Database
  /** The recordings' notes, in the same database. */
  readonly notes: SqliteNoteStore

  /** @param file - database path, or `:memory:`. Applies pending migrations. */
  constructor(file: string) {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
    this.migrate()
    this.notes = new SqliteNoteStore(this.db)
  }

  /** Current schema version (number of applied migrations). */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number
  }

  private migrate(): void {
    const current = this.schemaVersion
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        const m = MIGRATIONS[v]!
        if (typeof m === 'string') this.db.exec(m)
        else m(this.db)
        this.db.pragma(`user_version = ${v + 1}`)
      })()
    }
  }

  close(): void {
    this.db.close()
  }

  createRecording(r: NewRecording, initial: LifecyclePatch): void {
    const now = new Date().toISOString()
    if (!initial.status) throw new Error('createRecording needs the initial status from lifecycle.created()')
    this.db
      .prepare(
        `INSERT INTO recordings (id, filename, extension, content_type, size, sha256, duration, created_at, status,
           sent_bytes, total_bytes, object_key, updated_at)
         VALUES (@id, @filename, @extension, @contentType, @size, @sha256, @duration, @createdAt, @status,
           @sentBytes, @totalBytes, @objectKey, @now)`,
      )
      .run({
        id: r.id,
        filename: r.filename,
        extension: r.extension,
        contentType: r.contentType,
        size: r.size,
        sha256: r.sha256,
        duration: r.duration,
        createdAt: r.createdAt,
        status: initial.status,
        sentBytes: r.upload.sentBytes,
        totalBytes: r.upload.totalBytes,
        objectKey: r.objectKey,
        now,
      })
  }

  getRecording(id: string): StoredRecording | null {
    const row = this.db.prepare(`${SELECT_RECORDING} WHERE r.id = ?`).get(id) as RecordingRow | undefined
    return row ? toStored(row) : null
  }

  listRecordings(): StoredRecording[] {
    const rows = this.db.prepare(`${SELECT_RECORDING} ORDER BY r.created_at DESC, r.id`).all() as RecordingRow[]
    return rows.map(toStored)
  }

  findBySha256(sha256: string): StoredRecording[] {
    const rows = this.db.prepare(`${SELECT_RECORDING} WHERE r.sha256 = ? ORDER BY r.created_at`).all(sha256) as RecordingRow[]
    return rows.map(toStored)
  }

  countByStatus(statuses: readonly RecordingStatus[]): number {
    if (statuses.length === 0) return 0
    const row = this.db.prepare(`SELECT COUNT(*) AS n FROM recordings WHERE status IN (${statuses.map(() => '?').join(',')})`).get(...statuses) as { n: number }
    return row.n
  }

  listPendingSubmissions(): StoredRecording[] {
    const rows = this.db
      .prepare(
        `${SELECT_RECORDING} WHERE r.submit_requested_at IS NOT NULL AND r.sent_bytes >= r.total_bytes AND r.status NOT IN (${NOT_DISPATCHABLE_STATUSES.map(() => '?').join(',')}) ORDER BY r.submit_requested_at, r.id`,
      )
      .all(...NOT_DISPATCHABLE_STATUSES) as RecordingRow[]
    return rows.map(toStored)
  }

  listByStatus(statuses: readonly RecordingStatus[]): StoredRecording[] {
    if (statuses.length === 0) return []
    const rows = this.db
      .prepare(`${SELECT_RECORDING} WHERE r.status IN (${statuses.map(() => '?').join(',')}) ORDER BY r.created_at`)
      .all(...statuses) as RecordingRow[]
    return rows.map(toStored)
  }

  updateRecording(id: string, patch: RecordingPatch): void {
    this.writeRecording(id, patch)
  }

  applyLifecycle(id: string, patch: LifecyclePatch): void {
    this.writeRecording(id, patch)
  }

  /** One UPDATE of the fields present in `patch` (a status only arrives here through `applyLifecycle`). */
  private writeRecording(id: string, patch: Omit<RecordingPatch, 'status'> & { status?: RecordingStatus }): void {
    const sets: string[] = ['updated_at = @now']
    const params: Record<string, unknown> = { id, now: new Date().toISOString() }
    if (patch.status !== undefined) (sets.push('status = @status'), (params.status = patch.status))
    if (patch.duration !== undefined) (sets.push('duration = @duration'), (params.duration = patch.duration))
    if (patch.sha256 !== undefined) (sets.push('sha256 = @sha256'), (params.sha256 = patch.sha256))
    if (patch.sentBytes !== undefined) (sets.push('sent_bytes = @sentBytes'), (params.sentBytes = patch.sentBytes))
    if (patch.totalBytes !== undefined) (sets.push('total_bytes = @totalBytes'), (params.totalBytes = patch.totalBytes))
    if (patch.error !== undefined) {
      sets.push('error_code = @errorCode', 'error_message = @errorMessage')
      params.errorCode = patch.error?.code ?? null
      params.errorMessage = patch.error?.message ?? null
    }
    if (patch.multipartUploadId !== undefined) (sets.push('multipart_upload_id = @mpu'), (params.mpu = patch.multipartUploadId))
    if (patch.submitRequestedAt !== undefined) (sets.push('submit_requested_at = @sra'), (params.sra = patch.submitRequestedAt))
    if (patch.recordedAt !== undefined) (sets.push('recorded_at = @recordedAt'), (params.recordedAt = patch.recordedAt))
    if (patch.title !== undefined) (sets.push('title = @title'), (params.title = patch.title))
    if (patch.jobOptions !== undefined) {
      sets.push('job_options = @jobOptions')
      params.jobOptions = patch.jobOptions ? JSON.stringify(patch.jobOptions) : null
    }
    this.db.prepare(`UPDATE recordings SET ${sets.join(', ')} WHERE id = @id`).run(params)
  }

  /** Records a submitted job and makes it the recording's current job, with the lifecycle's patch, atomically. */
  recordJobSubmitted(recordingId: string, job: JobInfo, patch: LifecyclePatch): void {
    const now = new Date().toISOString()
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO jobs (id, recording_id, status, audio_reference, delay_time, execution_time, submitted_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(job.id, recordingId, job.status, job.audioReference, job.delayTime, job.executionTime, now)
      this.db.prepare(`UPDATE recordings SET current_job_id = ?, updated_at = ? WHERE id = ?`).run(job.id, now, recordingId)
      this.writeRecording(recordingId, patch)
    })()
  }

  updateJob(
    jobId: string,
    patch: Partial<{ status: JobState; delayTime: number | null; executionTime: number | null; progress: unknown; finished: boolean }>,
  ): void {
    const sets: string[] = []
    const params: Record<string, unknown> = { id: jobId }
    if (patch.status !== undefined) (sets.push('status = @status'), (params.status = patch.status))
    if (patch.delayTime !== undefined) (sets.push('delay_time = @delayTime'), (params.delayTime = patch.delayTime))
    if (patch.executionTime !== undefined) (sets.push('execution_time = @executionTime'), (params.executionTime = patch.executionTime))
    if (patch.progress !== undefined) (sets.push('progress = @progress'), (params.progress = JSON.stringify(patch.progress)))
    if (patch.finished) (sets.push('finished_at = @finishedAt'), (params.finishedAt = new Date().toISOString()))
    if (sets.length === 0) return
    this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run(params)
  }

  deleteRecording(id: string): void {
    this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id)
  }

  /**
   * Stores a worker result as a new transcript version (1, 2, …) and makes it current, in one transaction.
   * Earlier versions stay as they are, with their edits. When another version was current, the switch is a
   * step of the history (undo goes back to it). Returns the new version number.
   */
  saveTranscript(recordingId: string, jobId: string, doc: Transcript): number {
    const now = new Date().toISOString()
    return this.db.transaction(() => {
      const max = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM transcript_versions WHERE recording_id = ?').get(recordingId) as { v: number }
      const version = max.v + 1
      this.db
        .prepare('INSERT INTO transcript_versions (recording_id, version, job_id, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(recordingId, version, jobId, JSON.stringify(doc), now, now)
      const current = this.currentRow(recordingId)
      if (current) {
        this.pushStep(recordingId, { kind: 'result', version, fromVersion: current.current_version })
        this.db
          .prepare('UPDATE transcripts SET job_id = ?, version = version + 1, current_version = ?, updated_at = ? WHERE recording_id = ?')
          .run(jobId, version, now, recordingId)
      } else {
        this.db
          .prepare('INSERT INTO transcripts (recording_id, job_id, version, current_version, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)')
          .run(recordingId, jobId, version, now, now)
      }
      indexTranscript(this.db, recordingId, doc)
      return version
    })()
  }

  /**
   * Full-text search over kept transcript segments (FTS5).
   * @returns up to `limit` hits, best first (bm25), at most `perRecording` per recording.
   */
  searchSegments(q: string, limit = 200, perRecording = 5): SearchHit[] {
    const query = ftsQuery(q)
    if (!query) return []
    const rows = this.db
      .prepare(
        `SELECT recording_id, segment_id, start, highlight(segment_fts, 0, char(1), char(2)) AS marked
         FROM segment_fts WHERE segment_fts MATCH ? ORDER BY bm25(segment_fts) LIMIT ?`,
      )
      .all(query, limit * 4) as { recording_id: string; segment_id: string; start: number; marked: string }[]
    const perRec = new Map<string, number>()
    const hits: SearchHit[] = []
    for (const row of rows) {
      const n = perRec.get(row.recording_id) ?? 0
      if (n >= perRecording) continue
      perRec.set(row.recording_id, n + 1)
      hits.push({ recordingId: row.recording_id, segmentId: row.segment_id, start: Number(row.start), snippet: splitMarked(row.marked) })
      if (hits.length >= limit) break
    }
    return hits
  }

  getTranscript(recordingId: string): StoredTranscript | null {
    const row = this.db
      .prepare(
        `SELECT v.job_id, t.version, t.current_version, v.document, v.created_at, t.updated_at,
           (SELECT COUNT(*) FROM transcript_history h WHERE h.recording_id = t.recording_id AND h.undone = 0) AS undoable,
           (SELECT COUNT(*) FROM transcript_history h WHERE h.recording_id = t.recording_id AND h.undone = 1) AS redoable
         FROM transcripts t JOIN transcript_versions v ON v.recording_id = t.recording_id AND v.version = t.current_version
         WHERE t.recording_id = ?`,
      )
      .get(recordingId) as
      | { job_id: string; version: number; current_version: number; document: string; created_at: string; updated_at: string; undoable: number; redoable: number }
      | undefined
    if (!row) return null
    return {
      jobId: row.job_id,
      version: row.version,
      transcriptVersion: row.current_version,
      undoable: row.undoable,
      redoable: row.redoable,
      transcript: JSON.parse(row.document) as Transcript,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  refineVersion(recordingId: string, version: number, refine: (doc: Transcript) => Transcript | null): boolean {
    return this.db.transaction(() => {
      const raw = this.versionDocument(recordingId, version)
      if (raw === null) return false
      const refined = (json: string | null): string | null => {
        if (json === null) return null
        const next = refine(JSON.parse(json) as Transcript)
        return next ? JSON.stringify(next) : null
      }
      // What undo and redo would bring back of this version's edits gets the same judgement.
      const steps = this.db
        .prepare("SELECT id, previous_document, next_document FROM transcript_history WHERE recording_id = ? AND kind = 'edit' AND version = ?")
        .all(recordingId, version) as Pick<HistoryRow, 'id' | 'previous_document' | 'next_document'>[]
      const update = this.db.prepare('UPDATE transcript_history SET previous_document = ?, next_document = ? WHERE id = ?')
      for (const step of steps) {
        const previous = refined(step.previous_document)
        const next = refined(step.next_document)
        if (previous !== null || next !== null) update.run(previous ?? step.previous_document, next ?? step.next_document, step.id)
      }
      const document = refined(raw)
      if (document === null) return false
      this.db.prepare('UPDATE transcript_versions SET document = ? WHERE recording_id = ? AND version = ?').run(document, recordingId, version)
      if (this.currentRow(recordingId)?.current_version !== version) return false
      indexTranscript(this.db, recordingId, JSON.parse(document) as Transcript)
      return true
    })()
  }

  listVersions(recordingId: string): StoredVersion[] {
    const rows = this.db
      .prepare(
        `SELECT v.version, v.job_id, v.created_at, v.updated_at, json_extract(v.document, '$.speakers') AS speakers,
           (v.version = t.current_version) AS current,
           (SELECT COUNT(*) FROM transcript_history h
              WHERE h.recording_id = v.recording_id AND h.kind = 'edit' AND h.version = v.version AND h.undone = 0) AS edits
         FROM transcript_versions v JOIN transcripts t ON t.recording_id = v.recording_id
         WHERE v.recording_id = ? ORDER BY v.version DESC`,
      )
      .all(recordingId) as { version: number; job_id: string; created_at: string; updated_at: string; speakers: string | null; current: number; edits: number }[]
    return rows.map((r) => ({
      version: r.version,
      jobId: r.job_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      current: r.current === 1,
      edits: r.edits,
      speakers: r.speakers ? (JSON.parse(r.speakers) as Speaker[]) : [],
    }))
  }

  /**
   * Replaces the current version's document with an edited one and logs the ops with the previous document
   * (for undo), in one transaction; steps that were undone can no longer be redone. Returns the new revision.
   */
  saveEdit(recordingId: string, ops: unknown, previous: Transcript, next: Transcript): number {
    return this.db.transaction(() => {
      const current = this.currentRow(recordingId)
      if (!current) throw new Error(`no transcript for ${recordingId}`)
      this.pushStep(recordingId, { kind: 'edit', version: current.current_version, ops, previous })
      return this.show(recordingId, current.current_version, next)
    })()
  }

  restoreVersion(recordingId: string, version: number): { transcript: Transcript; version: number } | null {
    return this.db.transaction(() => {
      const current = this.currentRow(recordingId)
      const target = this.versionDocument(recordingId, version)
      if (!current || target === null) return null
      this.pushStep(recordingId, { kind: 'restore', version, fromVersion: current.current_version })
      return { transcript: JSON.parse(target) as Transcript, version: this.show(recordingId, version, null, target) }
    })()
  }

  undo(recordingId: string): { transcript: Transcript; version: number; step: HistoryStepKind } | null {
    return this.db.transaction(() => {
      const step = this.db.prepare('SELECT * FROM transcript_history WHERE recording_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1').get(recordingId) as HistoryRow | undefined
      if (!step) return null
      let version: number
      let document: string
      if (step.kind === 'edit') {
        // Keep what the edit produced, so redo can put it back exactly.
        const now = this.versionDocument(recordingId, step.version)!
        this.db.prepare('UPDATE transcript_history SET undone = 1, next_document = ? WHERE id = ?').run(now, step.id)
        version = step.version
        document = step.previous_document!
      } else {
        this.db.prepare('UPDATE transcript_history SET undone = 1 WHERE id = ?').run(step.id)
        version = step.from_version!
        document = this.versionDocument(recordingId, version)!
      }
      return this.shown(recordingId, version, document, step.kind)
    })()
  }

  /** Makes `version` with `document` current and answers what undo/redo now shows. */
  private shown(recordingId: string, version: number, document: string, step: HistoryStepKind): { transcript: Transcript; version: number; step: HistoryStepKind } {
    return { transcript: JSON.parse(document) as Transcript, version: this.show(recordingId, version, null, document), step }
  }

  redo(recordingId: string): { transcript: Transcript; version: number; step: HistoryStepKind } | null {
    return this.db.transaction(() => {
      const step = this.db.prepare('SELECT * FROM transcript_history WHERE recording_id = ? AND undone = 1 ORDER BY id LIMIT 1').get(recordingId) as HistoryRow | undefined
      if (!step) return null
      this.db.prepare('UPDATE transcript_history SET undone = 0, next_document = NULL WHERE id = ?').run(step.id)
      const document = step.kind === 'edit' ? step.next_document! : this.versionDocument(recordingId, step.version)!
      return this.shown(recordingId, step.version, document, step.kind)
    })()
  }

  private currentRow(recordingId: string): { current_version: number } | undefined {
    return this.db.prepare('SELECT current_version FROM transcripts WHERE recording_id = ?').get(recordingId) as { current_version: number } | undefined
  }

  private versionDocument(recordingId: string, version: number): string | null {
    const row = this.db.prepare('SELECT document FROM transcript_versions WHERE recording_id = ? AND version = ?').get(recordingId, version) as
      | { document: string }
      | undefined
    return row ? row.document : null
  }

  /** Appends a step to the history; the steps that were undone cannot be redone after a new one. */
  private pushStep(
    recordingId: string,
    step: { kind: HistoryStepKind; version: number; fromVersion?: number; ops?: unknown; previous?: Transcript },
  ): void {
    this.db.prepare('DELETE FROM transcript_history WHERE recording_id = ? AND undone = 1').run(recordingId)
    this.db
      .prepare('INSERT INTO transcript_history (recording_id, kind, version, from_version, ops, previous_document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        recordingId,
        step.kind,
        step.version,
        step.fromVersion ?? null,
        step.ops === undefined ? null : JSON.stringify(step.ops),
        step.previous ? JSON.stringify(step.previous) : null,
        new Date().toISOString(),
      )
  }

  /**
   * Makes `version` current (with `doc` as its document when given, else `raw`, else unchanged), bumps the
   * revision and re-indexes search. Returns the new revision. Call inside a transaction.
   */
  private show(recordingId: string, version: number, doc: Transcript | null, raw?: string): number {
    const now = new Date().toISOString()
    const json = doc ? JSON.stringify(doc) : raw
    if (json !== undefined) {
      this.db.prepare('UPDATE transcript_versions SET document = ?, updated_at = ? WHERE recording_id = ? AND version = ?').run(json, now, recordingId, version)
    }
    this.db
      .prepare(
        `UPDATE transcripts SET version = version + 1, current_version = ?, updated_at = ?,
           job_id = (SELECT job_id FROM transcript_versions WHERE recording_id = ? AND version = ?)
         WHERE recording_id = ?`,
      )
      .run(version, now, recordingId, version, recordingId)
    const row = this.db.prepare('SELECT version FROM transcripts WHERE recording_id = ?').get(recordingId) as { version: number }
    indexTranscript(this.db, recordingId, doc ?? (JSON.parse(json ?? this.versionDocument(recordingId, version)!) as Transcript))
    return row.version
  }
}

function toStored(row: RecordingRow): StoredRecording {
  const job: JobInfo | null =
    row.current_job_id && row.job_status && row.job_audio_reference
      ? {
          id: row.current_job_id,
          status: row.job_status,
          audioReference: row.job_audio_reference,
          delayTime: row.job_delay_time,
          executionTime: row.job_execution_time,
        }
      : null
  return {
    id: row.id,
    filename: row.filename,
    title: row.title,
    extension: row.extension,
    contentType: row.content_type,
    size: row.size,
    sha256: row.sha256,
    duration: row.duration,
    createdAt: row.created_at,
    status: row.status,
    upload: { sentBytes: row.sent_bytes, totalBytes: row.total_bytes },
    objectKey: row.object_key,
    job,
    jobProgress: row.job_progress ? (JSON.parse(row.job_progress) as unknown) : null,
    jobOptions: row.job_options ? (JSON.parse(row.job_options) as JobOptions) : null,
    multipartUploadId: row.multipart_upload_id,
    submitRequestedAt: row.submit_requested_at,
    recordedAt: row.recorded_at,
    summary: {
      language: row.language,
      speakers: row.speaker_names ? (JSON.parse(row.speaker_names) as string[]) : [],
      gpuMs: row.gpu_ms,
      queueMs: row.queue_ms,
    },
    error: row.error_code ? { code: row.error_code as ErrorCode, message: row.error_message ?? '' } : null,
  }
}
