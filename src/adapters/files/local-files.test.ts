import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { atomicWrite, LocalFiles } from './local-files.ts'

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e'
let root: string
let files: LocalFiles

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'scribe-files-'))
  files = new LocalFiles({ uploadsDir: path.join(root, 'uploads'), outputDir: path.join(root, 'output') })
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('atomicWrite', () => {
  it('replaces the file whole and leaves no temporary file', async () => {
    const file = path.join(root, 'a.json')
    await atomicWrite(file, 'old')
    await atomicWrite(file, 'new')
    expect(await readFile(file, 'utf8')).toBe('new')
    expect(await readdir(root)).toEqual(['a.json', 'output', 'uploads'])
  })

  it('lets two writers of one file both finish (the last one wins)', async () => {
    const file = path.join(root, 'b.json')
    await Promise.all([atomicWrite(file, 'one'), atomicWrite(file, 'two')])
    expect(['one', 'two']).toContain(await readFile(file, 'utf8'))
    expect((await readdir(root)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('throws when the folder is missing, keeping nothing behind', async () => {
    await expect(atomicWrite(path.join(root, 'missing', 'c.json'), 'x')).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('LocalFiles', () => {
  it('keeps a recording in uploads/<id>/ and its worker output and copies in output/<id>/', async () => {
    await files.createRecordingDir(ID)
    await writeFile(files.incomingPath(ID), 'bytes')
    const audio = await files.keepIncoming(ID, 'm4a')
    expect(audio).toBe(path.join(root, 'uploads', ID, 'audio.m4a'))
    expect(files.audioPath({ id: ID, extension: 'm4a' })).toBe(audio)
    expect(files.gpuCopyPath(ID)).toBe(path.join(root, 'uploads', ID, 'audio-16k-mono.ogg'))
    expect(files.databasePath).toBe(path.join(root, 'output', 'scribe.db'))
    expect(files.liveDir).toBe(path.join(root, 'uploads', 'live'))

    const raw = await files.saveWorkerOutput(ID, 'job/1:x', 'raw', '{"segments":[]}')
    expect(raw).toBe(path.join(root, 'output', ID, 'raw-job_1_x.json'))
    expect(await files.saveTranscriptCopy(ID, 'md', '# T')).toBe(path.join(root, 'output', ID, 'transcript.md'))

    await files.removeRecording(ID)
    expect(existsSync(path.join(root, 'uploads', ID))).toBe(false)
    expect(existsSync(path.join(root, 'output', ID))).toBe(false)
    await files.removeRecording(ID) // nothing there: not an error
  })

  it('reads back sidecars, and reads a missing or broken one as null', async () => {
    await files.createRecordingDir(ID)
    expect(await files.readSidecar(ID, 'peaks')).toBeNull()
    await files.writeSidecar(ID, 'peaks', { duration: 2, peaks: [0, 1] })
    expect(await files.readSidecar(ID, 'peaks')).toEqual({ duration: 2, peaks: [0, 1] })
    await writeFile(path.join(root, 'uploads', ID, 'speech.json'), '{"regi')
    expect(await files.readSidecar(ID, 'speech')).toBeNull()
    await files.removeSidecar(ID, 'peaks')
    expect(await files.readSidecar(ID, 'peaks')).toBeNull()
  })

  it('lists recording folders only (not live/ or stray files), with when each changed', async () => {
    await files.createRecordingDir(ID)
    await utimes(path.join(root, 'uploads', ID), 1000, 1000)
    await mkdir(path.join(files.liveDir, '1b4e28ba-2fa1-11d2-883f-0016d3cca427'), { recursive: true })
    await writeFile(path.join(root, 'uploads', 'notes.txt'), 'x')
    expect(await files.listRecordingDirs()).toEqual([{ id: ID, changedMs: 1_000_000 }])
  })
})

describe('LocalFiles: microphone sessions', () => {
  const SESSION = '1b4e28ba-2fa1-11d2-883f-0016d3cca427'
  const sessionDir = () => path.join(root, 'uploads', 'live', SESSION)
  const START = { filename: 'Interview.webm', startedAt: '2026-11-29T18:00:00.000Z' }

  it('keeps an open session, its chunks in order and its live text, then marks it finished', async () => {
    expect(await files.openSession(SESSION)).toBeNull()
    await files.createSession(SESSION, START)
    expect(await files.openSession(SESSION)).toEqual(START)
    await files.writeChunk(SESSION, 1, new Uint8Array([3, 4]))
    await files.writeChunk(SESSION, 0, new Uint8Array([9]))
    await files.writeChunk(SESSION, 0, new Uint8Array([1, 2])) // a retry replaces the chunk
    expect(await files.chunkCount(SESSION)).toBe(2)
    expect(await files.readChunk(SESSION, 0)).toEqual(Buffer.from([1, 2]))
    expect(await files.readChunk(SESSION, 2)).toBeNull()
    const joined = await files.joinChunks(SESSION)
    expect(joined).toEqual({ file: files.workPath(SESSION, 'joined'), chunks: 2 })
    expect([...(await readFile(joined.file))]).toEqual([1, 2, 3, 4])
    // Joined again (a finish after a crash): rebuilt, not appended to.
    await files.joinChunks(SESSION)
    expect([...(await readFile(joined.file))]).toEqual([1, 2, 3, 4])

    expect(await files.readLiveText(SESSION)).toBeNull()
    await files.writeLiveText(SESSION, { covered: 4.5 })
    expect(await files.readLiveText(SESSION)).toEqual({ covered: 4.5 })

    expect(await files.finishedSession(SESSION)).toBeNull()
    await files.markFinished(SESSION, { filename: START.filename, recordingId: ID })
    expect(await files.openSession(SESSION)).toBeNull()
    expect(await files.finishedSession(SESSION)).toEqual({ filename: START.filename, recordingId: ID })
    expect((await readdir(sessionDir())).filter((f) => f.endsWith('.tmp'))).toEqual([])

    await files.removeSession(SESSION)
    expect(existsSync(sessionDir())).toBe(false)
    await files.removeSession(SESSION) // nothing there: not an error
    // The folder is never made again by a late save of the live text.
    await expect(files.writeLiveText(SESSION, { covered: 5 })).rejects.toMatchObject({ code: 'ENOENT' })
    expect(existsSync(sessionDir())).toBe(false)
  })

  it('joins nothing when no chunk arrived', async () => {
    await files.createSession(SESSION, START)
    expect(await files.joinChunks(SESSION)).toEqual({ file: files.workPath(SESSION, 'joined'), chunks: 0 })
    expect(existsSync(files.workPath(SESSION, 'joined'))).toBe(false)
  })

  it('lists sessions as open, finished or half-made, with when an open one last changed', async () => {
    const finished = '2c4e28ba-2fa1-11d2-883f-0016d3cca427'
    const halfMade = '3d4e28ba-2fa1-11d2-883f-0016d3cca427'
    await files.createSession(SESSION, START)
    await files.writeChunk(SESSION, 0, new Uint8Array([1]))
    await utimes(path.join(sessionDir(), 'session.json'), 1000, 1000)
    await utimes(path.join(sessionDir(), 'chunk-000000.part'), 2000, 2000)
    await files.createSession(finished, START)
    await files.markFinished(finished, { filename: START.filename, recordingId: ID })
    // A crash inside markFinished (finished.json written, session.json not yet removed): finished, not open.
    const cutShort = '4e4e28ba-2fa1-11d2-883f-0016d3cca427'
    await files.createSession(cutShort, START)
    await writeFile(path.join(files.liveDir, cutShort, 'finished.json'), JSON.stringify({ filename: START.filename, recordingId: ID }))
    expect(await files.openSession(cutShort)).toBeNull()
    await mkdir(path.join(files.liveDir, halfMade))
    await mkdir(path.join(files.liveDir, 'not-a-session'))
    const listed = (await files.listSessions()).sort((a, b) => a.id.localeCompare(b.id))
    expect(listed).toEqual([
      { id: SESSION, open: true, finished: false, changedMs: 2_000_000 },
      { id: finished, open: false, finished: true, changedMs: 0 },
      { id: halfMade, open: false, finished: false, changedMs: 0 },
      { id: cutShort, open: false, finished: true, changedMs: 0 },
    ])
  })

  it('reads an unreadable record as none, and refuses ids that are not session ids', async () => {
    await files.createSession(SESSION, START)
    await writeFile(path.join(sessionDir(), 'finished.json'), '{"filename":"a.webm"}')
    expect(await files.finishedSession(SESSION)).toBeNull()
    await writeFile(path.join(sessionDir(), 'live-text.json'), '{"cov')
    expect(await files.readLiveText(SESSION)).toBeNull()
    expect(files.workPath(SESSION, { window: 7 })).toBe(path.join(sessionDir(), 'window-7.ogg'))
    expect(files.workPath(SESSION, 'pcm')).toBe(path.join(sessionDir(), 'audio.pcm'))
    for (const bad of ['../' + ID, '', 'live']) {
      expect(() => files.workPath(bad, 'pcm')).toThrow(expect.objectContaining({ code: 'not_found' }))
      await expect(files.openSession(bad)).rejects.toMatchObject({ code: 'not_found' })
      await expect(files.writeChunk(bad, 0, new Uint8Array([1]))).rejects.toMatchObject({ code: 'not_found' })
    }
  })
})
