/**
 * Cloud uploads over a volume in memory, the real local files in a temporary folder and an in-memory store: what
 * is resumed, retried, failed, stopped and aborted, and an upload begun during the PUT taken over.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LocalFiles } from '../adapters/files/local-files.ts'
import type { SqliteStore } from '../adapters/store/sqlite-store.ts'
import { AppError } from '../domain/errors.ts'
import { transition } from '../domain/lifecycle.ts'
import type { MediaProbe } from '../domain/ports.ts'
import type { StoredRecording } from '../domain/store.ts'
import { CloudUploads, sweepOrphanedUploads } from './cloud-upload.ts'
import { EarlyUpload, type EarlySend } from './early-upload.ts'
import { EventBus } from './events.ts'
import { current, MemoryLogger, MemoryVolume, storeWith } from './test-fakes.ts'
import { VolumeTransfer } from './volume-transfer.ts'

/** ffmpeg is not needed for an original sent as it is. */
const noMedia = new Proxy({}, { get: () => () => { throw new Error('no ffmpeg in this test') } }) as MediaProbe

const retryable = () => new AppError('storage_unavailable', 'The network volume did not answer (ECONNRESET).', { retryable: true })

let dir: string
let files: LocalFiles
let volume: MemoryVolume
let logger: MemoryLogger
let uploaded: string[]
let settled: StoredRecording[]

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'scribe-cloud-'))
  files = new LocalFiles({ uploadsDir: path.join(dir, 'uploads'), outputDir: path.join(dir, 'output') })
  volume = new MemoryVolume()
  logger = new MemoryLogger()
  uploaded = []
  settled = []
})

afterEach(() => {
  volume.holding = false
})

/** Cloud uploads of `store`'s recordings with the audio of each on disk; `withVolume: false` = no S3 settings. */
async function setup(store: SqliteStore, opts: { concurrency?: number; withVolume?: boolean } = {}) {
  for (const r of store.listRecordings()) {
    await files.createRecordingDir(r.id)
    writeFileSync(files.audioPath(r), Buffer.alloc(1000))
  }
  const transfer = new VolumeTransfer({ objectStore: volume, media: noMedia, files, logger, retryDelaysMs: [0, 0] })
  return new CloudUploads({
    store,
    volume: opts.withVolume === false ? null : transfer,
    events: new EventBus(),
    logger,
    uploadConcurrency: opts.concurrency ?? 2,
    on: { uploaded: (id) => uploaded.push(id), settled: (r) => settled.push(r) },
  })
}

const KEY = 'scribe-panel/r1/audio.m4a'

/** Waits until recording `id` has `status`. */
const reach = (store: SqliteStore, id: string, status: string) => vi.waitFor(() => expect(current(store, id).status).toBe(status), { timeout: 2000, interval: 5 })

/** Starts recording r1's upload and waits until the volume holds it after the first half (multipart `upload-1`). */
async function startHeld(): Promise<{ store: SqliteStore; cloud: CloudUploads }> {
  const store = storeWith('r1', 'uploading')
  const cloud = await setup(store)
  volume.holding = true
  cloud.startCloudUpload('r1')
  await vi.waitFor(() => expect(volume.pending.has('upload-1')).toBe(true))
  return { store, cloud }
}

/** A recording whose last upload failed after the volume gave `uploadId`. */
function failedUpload(uploadId: string): SqliteStore {
  const store = storeWith('r1', 'uploading')
  store.applyLifecycle('r1', transition(current(store, 'r1'), { type: 'UploadFailed', error: { code: 'storage_unavailable', message: 'x' } }).patch)
  store.updateRecording('r1', { multipartUploadId: uploadId })
  return store
}

describe('CloudUploads.startCloudUpload', () => {
  it('uploads the recording: uploaded with its size, the UploadId kept while it runs and cleared after, the listener told', async () => {
    const { store, cloud } = await startHeld()
    expect(current(store, 'r1').multipartUploadId).toBe('upload-1')
    expect(cloud.isUploading('r1')).toBe(true)
    volume.holding = false
    await reach(store, 'r1', 'uploaded')
    expect(current(store, 'r1')).toMatchObject({ upload: { sentBytes: 1000, totalBytes: 1000 }, multipartUploadId: null, error: null })
    expect(volume.objects.get(KEY)).toBe(1000)
    expect(uploaded).toEqual(['r1'])
    expect(settled.map((r) => r.status)).toEqual(['uploaded'])
    expect(cloud.isUploading('r1')).toBe(false)
  })

  it('resumes the multipart upload the recording knows: the parts the volume holds are not sent again', async () => {
    const store = failedUpload('upload-9')
    volume.pending.set('upload-9', { key: KEY, sentBytes: 500 })
    const cloud = await setup(store)
    cloud.startCloudUpload('r1')
    await reach(store, 'r1', 'uploaded')
    expect(volume.calls).toEqual([`resume ${KEY} upload-9`])
    expect(current(store, 'r1').upload).toEqual({ sentBytes: 1000, totalBytes: 1000 })
    expect(logger.lines).toContainEqual(expect.objectContaining({ msg: 'resumed an interrupted upload', fields: expect.objectContaining({ keptBytes: 500, sentBytes: 500 }) }))
  })

  it('starts again when the volume no longer knows the interrupted upload', async () => {
    const store = failedUpload('upload-9')
    volume.knowsUploads = false
    const cloud = await setup(store)
    cloud.startCloudUpload('r1')
    await reach(store, 'r1', 'uploaded')
    expect(volume.calls).toEqual([`resume ${KEY} upload-9`, `upload ${KEY}`])
  })

  it('resumes an upload cut off by a retryable failure from the parts the volume has', async () => {
    const store = storeWith('r1', 'uploading')
    volume.failNext = [retryable()]
    const cloud = await setup(store)
    cloud.startCloudUpload('r1')
    await reach(store, 'r1', 'uploaded')
    expect(volume.calls).toEqual([`upload ${KEY}`, `resume ${KEY} upload-1`])
  })

  it('fails at once on a failure no retry fixes, and keeps the parts on the volume for a later resume', async () => {
    const store = storeWith('r1', 'uploading')
    volume.failNext = [new AppError('storage_auth', 'The volume refused the S3 keys. Check RUNPOD_S3_ACCESS_KEY.')]
    const cloud = await setup(store)
    cloud.startCloudUpload('r1')
    await reach(store, 'r1', 'failed')
    expect(current(store, 'r1')).toMatchObject({ error: { code: 'storage_auth' }, multipartUploadId: 'upload-1' })
    expect(volume.calls).toEqual([`upload ${KEY}`])
    expect(volume.aborted).toEqual([])
    expect(uploaded).toEqual([])
    expect(settled.map((r) => r.id)).toEqual(['r1'])
  })

  it('fails after the last retry with the last error, the parts kept; starting it again resumes them', async () => {
    const store = storeWith('r1', 'uploading')
    volume.failNext = [retryable(), retryable(), retryable()]
    const cloud = await setup(store)
    cloud.startCloudUpload('r1')
    await reach(store, 'r1', 'failed')
    expect(volume.calls).toEqual([`upload ${KEY}`, `resume ${KEY} upload-1`, `resume ${KEY} upload-1`])
    expect(current(store, 'r1')).toMatchObject({ error: { code: 'storage_unavailable' }, multipartUploadId: 'upload-1' })
    cloud.startCloudUpload('r1')
    await reach(store, 'r1', 'uploaded')
    expect(volume.calls.at(-1)).toBe(`resume ${KEY} upload-1`)
  })

  it('without a volume keeps the recording on this computer and says what to set', async () => {
    const store = storeWith('r1', 'uploading')
    const cloud = await setup(store, { withVolume: false })
    cloud.startCloudUpload('r1')
    expect(current(store, 'r1')).toMatchObject({ status: 'failed', error: { code: 'not_configured', message: expect.stringMatching(/RUNPOD_VOLUME_ID/) } })
  })

  it('runs at most UPLOAD_CONCURRENCY uploads at once; the next waits its turn', async () => {
    const store = storeWith('r1', 'uploading')
    storeWith('r2', 'uploading', store)
    const cloud = await setup(store, { concurrency: 1 })
    volume.holding = true
    cloud.startCloudUpload('r1')
    cloud.startCloudUpload('r2')
    await vi.waitFor(() => expect(volume.pending.size).toBe(1))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(volume.calls).toEqual([`upload ${KEY}`])
    volume.holding = false
    await reach(store, 'r2', 'uploaded')
    expect(current(store, 'r1').status).toBe('uploaded')
  })
})

describe('CloudUploads.stopCloudUpload', () => {
  it('before a delete: stops the upload, then aborts its multipart upload so no parts stay on the volume', async () => {
    const { store, cloud } = await startHeld()
    cloud.stopCloudUpload('r1')
    expect(cloud.isUploading('r1')).toBe(false)
    await vi.waitFor(() => expect(volume.aborted).toEqual(['upload-1']))
    // Stopped on purpose: the recording is not marked failed.
    expect(current(store, 'r1')).toMatchObject({ status: 'uploading', error: null })
  })

  it('at shutdown: stops the upload and keeps its parts for the next start', async () => {
    const { store, cloud } = await startHeld()
    cloud.stopAll()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(volume.aborted).toEqual([])
    expect(volume.pending.has('upload-1')).toBe(true)
    expect(current(store, 'r1')).toMatchObject({ status: 'uploading', multipartUploadId: 'upload-1' })
  })
})

/** An early upload whose sending the test controls: `send` is what it was given, `finish`/`fail` settle it. */
function earlyUpload(key = KEY) {
  let send!: EarlySend
  let finish!: () => void
  let fail!: (err: unknown) => void
  const early = new EarlyUpload(key, false, (s) => {
    send = s
    return new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)))
  })
  return { early, send, finish, fail }
}

describe('CloudUploads.adoptEarlyUpload', () => {
  it('takes over an upload begun during the PUT: its UploadId and progress go to the recording, and it ends uploaded', async () => {
    const store = storeWith('r1', 'uploading')
    const cloud = await setup(store)
    const { early, send, finish } = earlyUpload()
    send.onMultipartStarted('upload-e')
    send.onProgress(300)
    early.end()
    cloud.adoptEarlyUpload(current(store, 'r1'), early)
    expect(current(store, 'r1').multipartUploadId).toBe('upload-e')
    expect(cloud.isUploading('r1')).toBe(true)
    finish()
    await reach(store, 'r1', 'uploaded')
    expect(current(store, 'r1')).toMatchObject({ upload: { sentBytes: 1000, totalBytes: 1000 }, multipartUploadId: null })
    expect(uploaded).toEqual(['r1'])
  })

  it('resumes an adopted upload cut off by the network from the stored file and the parts the volume has', async () => {
    const store = storeWith('r1', 'uploading')
    const cloud = await setup(store)
    const { early, send, fail } = earlyUpload()
    cloud.adoptEarlyUpload(current(store, 'r1'), early)
    send.onMultipartStarted('upload-e')
    volume.pending.set('upload-e', { key: KEY, sentBytes: 500 })
    fail(retryable())
    await reach(store, 'r1', 'uploaded')
    expect(volume.calls).toEqual([`resume ${KEY} upload-e`])
  })

  it('fails the recording when the adopted upload fails for good', async () => {
    const store = storeWith('r1', 'uploading')
    const cloud = await setup(store)
    const { early, fail } = earlyUpload()
    cloud.adoptEarlyUpload(current(store, 'r1'), early)
    fail(new AppError('storage_auth', 'The volume refused the S3 keys.'))
    await reach(store, 'r1', 'failed')
    expect(volume.calls).toEqual([])
  })

  it('stopping an adopted upload before a delete stops it and aborts its multipart upload', async () => {
    const store = storeWith('r1', 'uploading')
    const cloud = await setup(store)
    const { early, send, fail } = earlyUpload()
    send.signal.addEventListener('abort', () => fail(new AppError('upload_failed', 'stopped')))
    send.onMultipartStarted('upload-e')
    cloud.adoptEarlyUpload(current(store, 'r1'), early)
    cloud.stopCloudUpload('r1')
    expect(send.signal.aborted).toBe(true)
    await vi.waitFor(() => expect(volume.aborted).toEqual(['upload-e']))
    expect(current(store, 'r1').status).toBe('uploading')
  })
})

describe('EarlyUpload', () => {
  it('holds a write until the upload takes more, and releases it at once when the upload fails', async () => {
    const { early, fail } = earlyUpload()
    let released = 0
    early.forward(Buffer.alloc(2 * 1024 * 1024), () => released++)
    expect(released).toBe(0)
    fail(retryable())
    await vi.waitFor(() => expect(released).toBe(1))
    expect(early).toMatchObject({ failed: true, error: expect.objectContaining({ code: 'storage_unavailable' }) })
    early.forward(Buffer.alloc(10), () => released++)
    expect(released).toBe(2)
  })
})

describe('sweepOrphanedUploads', () => {
  it('removes the folders of PUTs a crash cut off, aborting their multipart uploads, and leaves recordings and new folders alone', async () => {
    const store = storeWith('11111111-1111-4111-8111-111111111111', 'uploaded')
    const orphan = '22222222-2222-4222-8222-222222222222'
    for (const id of [orphan, '11111111-1111-4111-8111-111111111111']) await files.createRecordingDir(id)
    await files.writeSidecar(orphan, 'multipart', { key: `scribe-panel/${orphan}/audio.m4a`, uploadId: 'upload-o' })
    expect(await sweepOrphanedUploads({ store, files, objectStore: volume, logger }, 0)).toBe(0)
    expect(await sweepOrphanedUploads({ store, files, objectStore: volume, logger }, Date.now() + 1000)).toBe(1)
    expect(volume.aborted).toEqual(['upload-o'])
    expect((await files.listRecordingDirs()).map((d) => d.id)).toEqual(['11111111-1111-4111-8111-111111111111'])
  })
})
