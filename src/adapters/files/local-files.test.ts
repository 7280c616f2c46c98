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
