import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Transcript } from '../../domain/transcript.ts'
import Database from 'better-sqlite3'
import { created, transition, type LifecycleEvent } from '../../domain/lifecycle.ts'
import { MIGRATIONS, SqliteStore } from './sqlite-store.ts'

/** Moves a stored recording on by a lifecycle event, as the services do. */
const step = (s: SqliteStore, id: string, event: LifecycleEvent) => s.applyLifecycle(id, transition(s.getRecording(id)!, event).patch)

const rec = (id: string, createdAt: string) => ({
  id,
  filename: 'Интервью.m4a',
  extension: 'm4a',
  contentType: 'audio/x-m4a',
  size: 1000,
  sha256: 'abc',
  duration: 40.5,
  createdAt,
  upload: { sentBytes: 0, totalBytes: 1000 },
  objectKey: `scribe-panel/${id}/audio.m4a`,
})

/** A database file as a panel of schema `version` left it (its migrations applied, none after); open, to fill. */
function databaseAtSchema(version: number): { file: string; old: Database.Database } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'scribe-store-')), 'db.sqlite')
  const old = new Database(file)
  for (const m of MIGRATIONS.slice(0, version)) typeof m === 'string' ? old.exec(m) : m(old)
  old.pragma(`user_version = ${version}`)
  return { file, old }
}

const transcript: Transcript = { language: 'ru', duration: 1, speakers: [{ id: 'SPEAKER_00', name: 'Speaker 1' }], segments: [] }

describe('SqliteStore', () => {
  it('persists recordings, jobs and transcripts across reopening', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'scribe-store-')), 'db.sqlite')
    const a = new SqliteStore(file)
    expect(a.schemaVersion).toBe(MIGRATIONS.length)
    a.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    step(a, 'r1', { type: 'UploadFinished', bytes: 1000 })
    step(a, 'r1', { type: 'SubmitStarted', options: { language: null, diarize: true, minSpeakers: null, maxSpeakers: null } })
    a.recordJobSubmitted('r1', { id: 'job-1', status: 'queued', audioReference: 'volume-path', delayTime: null, executionTime: null }, transition(a.getRecording('r1')!, { type: 'JobAccepted' }).patch)
    a.updateJob('job-1', { status: 'completed', delayTime: 1200, executionTime: 3400, finished: true })
    a.saveTranscript('r1', 'job-1', transcript)
    a.close()

    const b = new SqliteStore(file)
    const r = b.getRecording('r1')!
    expect(r).toMatchObject({ filename: 'Интервью.m4a', status: 'queued', upload: { sentBytes: 1000, totalBytes: 1000 }, error: null })
    expect(r.job).toEqual({ id: 'job-1', status: 'completed', audioReference: 'volume-path', delayTime: 1200, executionTime: 3400 })
    expect(b.getTranscript('r1')).toMatchObject({ jobId: 'job-1', version: 1, transcript })
    expect(b.listByStatus(['queued']).map((x) => x.id)).toEqual(['r1'])
    expect(b.findBySha256('abc')).toHaveLength(1)
    b.close()
  })

  it('logs edits with the previous document and bumps the version', () => {
    const s = new SqliteStore(':memory:')
    s.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    s.saveTranscript('r1', 'job-1', transcript)
    const next = { ...transcript, speakers: [{ id: 'SPEAKER_00', name: 'Interviewer' }] }
    expect(s.saveEdit('r1', [{ op: 'renameSpeaker' }], transcript, next)).toBe(2)
    expect(s.getTranscript('r1')!.transcript.speakers[0]!.name).toBe('Interviewer')
    expect(() => s.saveEdit('missing', [], transcript, next)).toThrow()
  })

  it('stores errors and deletes everything of a recording', () => {
    const s = new SqliteStore(':memory:')
    s.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    s.createRecording(rec('r2', '2026-11-21T11:00:00.000Z'), created())
    step(s, 'r1', { type: 'UploadFailed', error: { code: 'storage_auth', message: 'Check the keys.' } })
    expect(s.getRecording('r1')!.status).toBe('failed')
    expect(s.getRecording('r1')!.error).toEqual({ code: 'storage_auth', message: 'Check the keys.' })
    expect(s.listRecordings().map((r) => r.id)).toEqual(['r2', 'r1'])
    s.saveTranscript('r1', 'j', transcript)
    s.deleteRecording('r1')
    expect(s.getRecording('r1')).toBeNull()
    expect(s.getTranscript('r1')).toBeNull()
  })
})

describe('undo', () => {
  it('goes back one edit at a time, then reports nothing to undo', () => {
    const s = new SqliteStore(':memory:')
    s.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    s.saveTranscript('r1', 'job-1', transcript)
    const a = { ...transcript, speakers: [{ id: 'SPEAKER_00', name: 'A' }] }
    const b = { ...transcript, speakers: [{ id: 'SPEAKER_00', name: 'B' }] }
    s.saveEdit('r1', [], transcript, a)
    s.saveEdit('r1', [], a, b)
    expect(s.undo('r1')).toEqual({ transcript: a, version: 4, step: 'edit' })
    expect(s.undo('r1')).toEqual({ transcript, version: 5, step: 'edit' })
    expect(s.getTranscript('r1')!.transcript).toEqual(transcript)
    expect(s.undo('r1')).toBeNull()
    // Redo puts the edits back exactly, in order; a new edit ends what can be redone.
    expect(s.getTranscript('r1')!.redoable).toBe(2)
    expect(s.redo('r1')).toMatchObject({ transcript: a, step: 'edit' })
    expect(s.getTranscript('r1')).toMatchObject({ transcript: a, undoable: 1, redoable: 1 })
    const c = { ...transcript, speakers: [{ id: 'SPEAKER_00', name: 'C' }] }
    s.saveEdit('r1', [], a, c)
    expect(s.getTranscript('r1')).toMatchObject({ transcript: c, undoable: 2, redoable: 0 })
    expect(s.redo('r1')).toBeNull()
  })
})

describe('library search', () => {
  const seg = (id: string, text: string, filtered = false) => ({
    id,
    start: Number(id.slice(1)),
    end: Number(id.slice(1)) + 1,
    speaker: 'SPEAKER_00',
    text,
    words: [],
    filtered: filtered ? { rule: 'media-artifact' as const, reason: 'x' } : null,
  })
  it('finds Cyrillic and Latin words by prefix, case-insensitively, marks the match, skips filtered segments', () => {
    const s = new SqliteStore(':memory:')
    s.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    s.createRecording(rec('r2', '2026-11-21T11:00:00.000Z'), created())
    s.saveTranscript('r1', 'j1', { ...transcript, segments: [seg('s1', 'Мы записали Интервью в архиве'), seg('s2', 'Продолжение следует...', true)] })
    s.saveTranscript('r2', 'j2', { ...transcript, language: 'en', segments: [seg('s5', 'The Weasels have eaten our phone system')] })
    const hits = s.searchSegments('интерв')
    expect(hits).toHaveLength(1)
    expect(hits[0]).toMatchObject({ recordingId: 'r1', segmentId: 's1', start: 1 })
    expect(hits[0]!.snippet).toEqual([
      { text: 'Мы записали ', match: false },
      { text: 'Интервью', match: true },
      { text: ' в архиве', match: false },
    ])
    expect(s.searchSegments('WEASELS phone').map((h) => h.recordingId)).toEqual(['r2'])
    expect(s.searchSegments('продолжение')).toEqual([])
    expect(s.searchSegments('"); DROP TABLE recordings; --')).toEqual([])
    expect(s.searchSegments('   ')).toEqual([])
    expect(s.getRecording('r2')!.summary).toEqual({ language: 'en', speakers: ['Speaker 1'], gpuMs: 0, queueMs: 0 })
  })
})

describe('transcript versions', () => {
  const named = (name: string, language = 'ru'): Transcript => ({ ...transcript, language, speakers: [{ id: 'SPEAKER_00', name }] })

  it('keeps every worker result as a version with its own edits; a new result is an undoable step', () => {
    const s = new SqliteStore(':memory:')
    s.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    expect(s.listVersions('r1')).toEqual([])
    expect(s.saveTranscript('r1', 'job-1', transcript)).toBe(1)
    s.saveEdit('r1', [{ op: 'renameSpeaker' }], transcript, named('Anna'))
    expect(s.getTranscript('r1')).toMatchObject({ transcriptVersion: 1, undoable: 1, redoable: 0 })
    expect(s.saveTranscript('r1', 'job-2', named('Speaker 1', 'de'))).toBe(2)
    expect(s.getTranscript('r1')).toMatchObject({ jobId: 'job-2', transcriptVersion: 2, transcript: { language: 'de' }, undoable: 2 })
    expect(s.listVersions('r1').map(({ version, jobId, current, edits, speakers }) => ({ version, jobId, current, edits, speakers }))).toEqual([
      { version: 2, jobId: 'job-2', current: true, edits: 0, speakers: [{ id: 'SPEAKER_00', name: 'Speaker 1' }] },
      { version: 1, jobId: 'job-1', current: false, edits: 1, speakers: [{ id: 'SPEAKER_00', name: 'Anna' }] },
    ])
    // Undo of the new result shows version 1 again, with its edit; redo goes back to version 2.
    expect(s.undo('r1')).toMatchObject({ transcript: named('Anna'), step: 'result' })
    expect(s.getTranscript('r1')).toMatchObject({ jobId: 'job-1', transcriptVersion: 1 })
    expect(s.redo('r1')).toMatchObject({ transcript: { language: 'de' }, step: 'result' })
    // Search follows what is current.
    expect(s.getRecording('r1')!.summary.language).toBe('de')
  })

  it('restores a version as an undoable step, keeps both versions edits apart, and survives reopening', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'scribe-store-')), 'db.sqlite')
    const s = new SqliteStore(file)
    s.createRecording(rec('r1', '2026-11-21T10:00:00.000Z'), created())
    s.saveTranscript('r1', 'job-1', transcript)
    s.saveEdit('r1', [], transcript, named('Anna'))
    s.saveTranscript('r1', 'job-2', named('Boris'))
    expect(s.restoreVersion('r1', 7)).toBeNull()
    expect(s.restoreVersion('r1', 1)).toMatchObject({ transcript: named('Anna') })
    // An edit of the restored version 1 does not touch version 2.
    s.saveEdit('r1', [], named('Anna'), named('Anna Petrova'))
    expect(s.listVersions('r1').map((v) => [v.version, v.current, v.edits, v.speakers[0]!.name])).toEqual([
      [2, false, 0, 'Boris'],
      [1, true, 2, 'Anna Petrova'],
    ])
    s.close()
    const b = new SqliteStore(file)
    expect(b.undo('r1')).toMatchObject({ transcript: named('Anna'), step: 'edit' })
    expect(b.undo('r1')).toMatchObject({ transcript: named('Boris'), step: 'restore' })
    expect(b.getTranscript('r1')).toMatchObject({ transcriptVersion: 2, redoable: 2 })
    expect(b.redo('r1')).toMatchObject({ transcript: named('Anna'), step: 'restore' })
    expect(b.redo('r1')).toMatchObject({ transcript: named('Anna Petrova'), step: 'edit' })
    b.close()
  })

  it('migrates a schema-7 database: its jobs keep their state, in the panel\'s words instead of RunPod\'s', () => {
    const { file, old } = databaseAtSchema(7)
    const runpod = ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']
    runpod.forEach((status, i) => {
      old.prepare(`INSERT INTO recordings (id, filename, extension, content_type, size, created_at, status, object_key, updated_at, current_job_id)
        VALUES (?, 'a.m4a', 'm4a', 'audio/mp4', 1, 'c', 'failed', 'k', 'u', ?)`).run(`r${i}`, `job-${i}`)
      old.prepare(`INSERT INTO jobs (id, recording_id, status, audio_reference, submitted_at) VALUES (?, ?, ?, 'volume-path', 's')`).run(`job-${i}`, `r${i}`, status)
    })
    old.close()
    const s = new SqliteStore(file)
    expect(runpod.map((_, i) => s.getRecording(`r${i}`)!.job!.status)).toEqual(['queued', 'running', 'completed', 'failed', 'cancelled', 'timed-out'])
    s.close()
  })

  it('migrates a schema-3 database: its transcript becomes version 1 and its edits stay undoable', () => {
    const { file, old } = databaseAtSchema(3)
    old.prepare(`INSERT INTO recordings (id, filename, extension, content_type, size, created_at, status, object_key, updated_at)
      VALUES ('r1', 'a.m4a', 'm4a', 'audio/mp4', 1, 'c', 'done', 'k', 'u')`).run()
    old.prepare(`INSERT INTO transcripts VALUES ('r1', 'job-1', 2, ?, '2026-11-21T10:00:00.000Z', 'u')`).run(JSON.stringify(named('Anna')))
    old.prepare(`INSERT INTO transcript_edits (recording_id, version, ops, previous_document, created_at) VALUES ('r1', 2, '[]', ?, 'c')`).run(JSON.stringify(transcript))
    old.close()
    const s = new SqliteStore(file)
    expect(s.schemaVersion).toBeGreaterThanOrEqual(4)
    expect(s.getTranscript('r1')).toMatchObject({ jobId: 'job-1', version: 2, transcriptVersion: 1, undoable: 1, transcript: named('Anna') })
    expect(s.listVersions('r1')).toMatchObject([{ version: 1, current: true, edits: 1, createdAt: '2026-11-21T10:00:00.000Z' }])
    expect(s.undo('r1')).toMatchObject({ transcript, step: 'edit' })
    s.close()
  })
})
