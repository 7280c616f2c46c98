/**
 * The upload pipeline: browser bytes → local copy (streamed to disk, hashed, sniffed, probed) →
 * multipart upload to the network volume, with progress events. The local copy is stored and
 * playable before the cloud upload starts; a failed cloud upload never touches it.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { PassThrough, Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type'
import pLimit, { type LimitFunction } from 'p-limit'
import { AppError, toErrorInfo } from '../domain/errors.ts'
import type { Logger, MediaProbe, ObjectStore, SpeechDetector } from '../domain/ports.ts'
import { parseSpeechMap, type SpeechMap } from '../domain/speech-map.ts'
import type { NewRecording, RecordingStore, StoredRecording } from '../domain/store.ts'
import { toRecording } from '../domain/store.ts'
import { created, transition } from '../domain/lifecycle.ts'
import type { EventBus } from './events.ts'
import { estimatedCopyBytes, GPU_COPY_CONTENT_TYPE, GPU_COPY_FILE, GPU_COPY_PART_SIZE, gpuCopyKey, isGpuCopyKey, losslessContainer, makeGpuCopyFile, needsGpuCopy, pipeReadableVideo, streamGpuCopy, type UploadTranscode } from './gpu-copy.ts'

export interface UploadDeps {
  store: RecordingStore
  media: MediaProbe
  /** Voice activity detection for the speech map beside the peaks; absent: no speech maps (text-only filter). */
  speech?: SpeechDetector
  /** null when the S3 settings are missing: recordings are kept locally and the user is told what to set. */
  objectStore: ObjectStore | null
  events: EventBus
  logger: Logger
  uploadsDir: string
  maxUploadBytes: number
  /** Cloud uploads running at once (UPLOAD_CONCURRENCY); more wait their turn, shown as uploading at 0 %. */
  uploadConcurrency: number
  /** Called when a cloud upload finishes (the job service submits a waiting transcription). */
  onUploaded?: (recordingId: string) => void
  /** `UPLOAD_TRANSCODE`: `auto` sends the GPU a compact 16 kHz mono Opus copy where it pays (see gpu-copy.ts). */
  transcode?: UploadTranscode
  /**
   * Waits (ms) before resuming a cloud upload cut off by a retryable failure (network, 5xx after the SDK's
   * own retries); after the last one the recording is marked failed and its parts stay on the volume
   * for a later resume. Default 2 s, 10 s, 30 s.
   */
  uploadRetryDelaysMs?: readonly number[]
}

/** A cloud upload running in this process. */
interface ActiveUpload {
  ac: AbortController
  /** Settles when the upload has stopped. */
  settled: Promise<unknown>
  key: string
  /** The multipart UploadId once the volume gave one. */
  uploadId: string | null
}

// Control characters (C0, DEL, C1) and path separators never belong in a file name we keep.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/
const MAX_NAME_LENGTH = 255
/** Number of waveform bins stored per recording: enough detail for a one-hour zoomed-out view. */
export const PEAK_BINS = 4000
/** Bytes needed to recognise the container (file-type reads at most 4100 for its checks). */
const SNIFF_BYTES = 4100
/** Beside an upload in progress: the multipart UploadId, until the recording is stored. */
const MULTIPART_FILE = 'multipart.json'
const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Object key of a recording's audio on the volume. */
function objectKeyFor(id: string, extension: string): string {
  return `scribe-panel/${id}/audio.${extension}`
}

/**
 * A cloud upload fed from the bytes of a PUT still in progress. Writes wait for the upload to take
 * them (backpressure), so memory stays bounded by lib-storage's parts in flight; if the upload fails,
 * the PUT goes on to disk and the upload restarts from the stored file.
 */
class EarlyUpload {
  readonly stream = new PassThrough({ highWaterMark: 1024 * 1024 })
  /** Bytes of the compact copy, once it is complete (copy uploads only). */
  copyBytes: number | null = null
  readonly ac = new AbortController()
  done: Promise<void> | null = null
  sent = 0
  uploadId: string | null = null
  failed = false
  onProgress: ((sent: number) => void) | null = null
  onUploadId: ((uploadId: string) => void) | null = null
  private waiting: (() => void) | null = null

  readonly key: string
  readonly copy: boolean
  /** @param copy - whether the bytes go through ffmpeg into the compact copy, rather than to the volume as they are. */
  constructor(
    key: string,
    copy = false,
  ) {
    this.key = key
    this.copy = copy
  }

  /** Stops feeding once the upload has failed, releasing a write that waits for it. */
  /** Why the upload failed, once it has. */
  error: unknown = null

  watch(): void {
    this.done!.catch((err: unknown) => {
      this.failed = true
      this.error = err
      const w = this.waiting
      this.waiting = null
      w?.()
    })
  }

  /** Passes `chunk` on; calls `next` when the upload can take more (at once when it has failed). */
  forward(chunk: Buffer, next: () => void): void {
    if (this.failed || this.ac.signal.aborted) return next()
    if (this.stream.write(chunk)) return next()
    this.waiting = next
    this.stream.once('drain', () => {
      const w = this.waiting
      this.waiting = null
      w?.()
    })
  }

  /** All bytes were handed to the upload. */
  ended = false

  end(): void {
    this.ended = true
    if (!this.failed) this.stream.end()
  }

  /** Aborts the upload (lib-storage aborts the multipart upload) and waits for it to settle. */
  async cancel(): Promise<void> {
    this.ac.abort()
    this.stream.destroy()
    await this.done?.catch(() => {})
  }
}

/**
 * Validates the user's file name (kept for display and download names; never used as a path).
 * @returns the name, Unicode-normalized (NFC) and trimmed. Cyrillic and other letters are kept.
 * @throws AppError `bad_request` for empty names, folders (`/`, `\`, `..`), control characters, or > 255 characters.
 */
export function validateFilename(raw: string | undefined): string {
  const name = (raw ?? '').normalize('NFC').trim()
  if (!name) throw new AppError('bad_request', 'Give the file name in the query: PUT /api/recordings?filename=interview.m4a')
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    throw new AppError('bad_request', 'The file name must be a plain name without folders (no "/", "\\" or ".."). Rename the file and upload it again.')
  }
  if (CONTROL_CHARS.test(name)) {
    throw new AppError('bad_request', 'The file name contains control characters. Rename the file and upload it again.')
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new AppError('bad_request', `The file name is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}. Shorten it and upload again.`)
  }
  return name
}

export class UploadService {
  private readonly active = new Map<string, ActiveUpload>()
  private readonly limit: LimitFunction
  /** Folders changed after this (ms) belong to this process; `sweepOrphans` leaves them alone. */
  private readonly startedAt = Date.now()

  private readonly deps: UploadDeps
  constructor(deps: UploadDeps) {
    this.deps = deps
    this.limit = pLimit(deps.uploadConcurrency)
  }

  /** Folder of a recording's local files. */
  recordingDir(id: string): string {
    return path.join(this.deps.uploadsDir, id)
  }

  /** Absolute path of the stored audio. */
  audioPath(r: Pick<StoredRecording, 'id' | 'extension'>): string {
    return path.join(this.recordingDir(r.id), `audio.${r.extension}`)
  }

  /**
   * Stores the body as a new recording and starts the cloud upload in the background.
   * @param body - the file's bytes (streamed, never held whole in memory): the Node request or a web stream.
   * @returns the stored recording and, when the same bytes were uploaded before, the earlier recording's id.
   * @throws AppError `bad_request` (name, empty), `payload_too_large`, `unsupported_media` (not audio).
   *   Nothing is left on disk when it throws.
   */
  async receive(filenameRaw: string | undefined, body: Readable | ReadableStream<Uint8Array> | null): Promise<{ recording: StoredRecording; duplicateOf: string | null }> {
    const filename = validateFilename(filenameRaw)
    if (!body) throw new AppError('bad_request', 'The request has no body: send the file bytes as the PUT body.')
    // A Node stream (the HTTP request itself) skips the web-stream conversion: ~20 % less CPU per byte.
    const source = body instanceof Readable ? body : Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
    return this.ingest(filename, source)
  }

  /**
   * Adopts a finished local file (e.g. a microphone recording) as a new recording, exactly like an
   * upload; the source file is removed once it is stored.
   * @throws like `receive`.
   */
  async adoptFile(filenameRaw: string, filePath: string): Promise<{ recording: StoredRecording; duplicateOf: string | null }> {
    const result = await this.ingest(validateFilename(filenameRaw), createReadStream(filePath))
    await rm(filePath, { force: true })
    return result
  }

  private async ingest(filename: string, source: Readable): Promise<{ recording: StoredRecording; duplicateOf: string | null }> {
    const id = randomUUID()
    const dir = this.recordingDir(id)
    await mkdir(dir, { recursive: true })
    const partPath = path.join(dir, 'incoming.part')
    let early: EarlyUpload | null = null
    try {
      const hash = createHash('sha256')
      let size = 0
      const max = this.deps.maxUploadBytes
      const head: Buffer[] = []
      let headBytes = 0
      let sniffed = false
      const meter = new Transform({
        transform: (chunk: Buffer, _enc, cb) => {
          size += chunk.length
          if (size > max) {
            cb(new AppError('payload_too_large', `The file is larger than the limit of ${Math.round(max / 1024 / 1024)} MB (MAX_UPLOAD_MB). Split the recording or raise the limit.`))
            return
          }
          hash.update(chunk)
          if (sniffed) {
            if (early) early.forward(chunk, () => cb(null, chunk))
            else cb(null, chunk)
            return
          }
          head.push(chunk)
          headBytes += chunk.length
          if (headBytes < SNIFF_BYTES) {
            cb(null, chunk)
            return
          }
          sniffed = true
          this.startEarlyUpload(id, Buffer.concat(head)).then((e) => {
            early = e
            cb(null, chunk)
          }, cb)
        },
      })
      await pipeline(source, meter, createWriteStream(partPath))
      ;(early as EarlyUpload | null)?.end()
      if (size === 0) throw new AppError('bad_request', 'The file is empty (0 bytes). Choose the recording again; it may not have finished saving.')

      const type = await fileTypeFromFile(partPath)
      if (!type || !(type.mime.startsWith('audio/') || type.mime.startsWith('video/'))) {
        throw new AppError('unsupported_media', `"${filename}" is not an audio file (its content looks like ${type ? type.mime : 'text or unknown data'}). Upload an m4a, mp3, wav, ogg, flac, webm or mp4 recording.`)
      }
      const info = await this.deps.media.probe(partPath)
      const { duration, recordedAt } = info
      const extension = type.ext
      await rename(partPath, path.join(dir, `audio.${extension}`))

      const sha256 = hash.digest('hex')
      const duplicates = this.deps.store.findBySha256(sha256)
      // Decided here, after probing; an upload begun during the PUT is kept only when it sends what was decided.
      const copy = this.deps.transcode === 'auto' && needsGpuCopy(info, size)
      const objectKey = copy ? gpuCopyKey(id) : objectKeyFor(id, extension)
      const streaming = early as EarlyUpload | null
      const keepEarly = streaming !== null && !streaming.failed && streaming.key === objectKey
      // Cut off by the network during the PUT: its parts are on the volume, resume it from the stored file.
      const resumeEarly = streaming !== null && streaming.failed && streaming.key === objectKey && streaming.uploadId !== null && streaming.error instanceof AppError && streaming.error.retryable
      const recording: NewRecording = {
        id,
        filename,
        extension,
        contentType: type.mime,
        size,
        sha256,
        duration,
        createdAt: new Date().toISOString(),
        upload: { sentBytes: keepEarly ? streaming.sent : 0, totalBytes: copy ? (streaming?.copyBytes ?? estimatedCopyBytes(duration)) : size },
        objectKey,
      }
      this.deps.store.createRecording(recording, created())
      if (recordedAt) this.deps.store.updateRecording(id, { recordedAt })
      const stored = this.deps.store.getRecording(id)!
      this.deps.logger.info('recording stored', { id, size, duration, type: type.mime, codec: info.audioCodec, video: info.hasVideo, compactCopy: copy, cloudUploadStarted: keepEarly })
      // Without a volume the recording is kept locally at once (startCloudUpload announces that): announcing
      // "uploading" first would make the page show an upload that never happens.
      if (this.deps.objectStore) this.publish(stored)
      void this.computePeaks(stored)
      // A recording that goes to the GPU as the compact copy gets its speech map from the copy once the upload has
      // made it, so the analysis does not take the CPU from the copy and the upload (nothing waits for the map).
      if (!copy || !this.deps.objectStore) void this.computeSpeechMap(stored).catch(() => undefined)
      if (keepEarly) this.adoptEarlyUpload(stored, streaming)
      else {
        if (resumeEarly) this.deps.store.updateRecording(id, { multipartUploadId: streaming.uploadId })
        else if (streaming) await this.discardEarlyUpload(streaming)
        this.startCloudUpload(id)
      }
      return { recording: stored, duplicateOf: duplicates[0]?.id ?? null }
    } catch (err) {
      const streaming = early as EarlyUpload | null
      if (streaming) await this.discardEarlyUpload(streaming)
      await rm(dir, { recursive: true, force: true })
      throw err
    }
  }

  /**
   * Undoes a cloud upload begun during a PUT that was refused: stops it (or, when all bytes were already
   * handed over, lets it end) and deletes the object.
   */
  private async discardEarlyUpload(early: EarlyUpload): Promise<void> {
    // Once all bytes were handed over, the last request may already be on its way, and an abort would not
    // stop the volume from completing it after our delete: let it finish, then delete.
    if (early.ended) await early.done?.catch(() => {})
    else await early.cancel()
    // A stopped or failed upload keeps its parts for a resume; this one will not be resumed.
    if (early.uploadId) await this.deps.objectStore?.abortMultipartUpload(early.key, early.uploadId).catch((err: unknown) => this.deps.logger.warn('could not abort a refused upload', { key: early.key, error: err }))
    await this.deps.objectStore?.deleteObject(early.key).catch((err: unknown) => this.deps.logger.warn('could not remove a refused upload from the volume', { key: early.key, error: err }))
  }

  /**
   * Starts the cloud upload while the browser is still sending the file, fed from the same bytes, so
   * the two legs overlap instead of adding up. Only when the first bytes look like audio and an upload
   * slot is free; otherwise the upload starts from the stored file afterwards. With UPLOAD_TRANSCODE=auto,
   * lossless containers (WAV, FLAC, AIFF) and video that ffmpeg can read from a pipe (WebM, fast-start MP4)
   * go through ffmpeg into the compact copy as they arrive; other video waits for the stored file (its index
   * is at the end); other audio starts as it is and is dropped after the probe if it needs the copy. The multipart UploadId
   * goes to `multipart.json` beside the file at once, so a crash before the recording is stored can be
   * cleaned up (`sweepOrphans`).
   */
  private async startEarlyUpload(id: string, head: Buffer): Promise<EarlyUpload | null> {
    const os = this.deps.objectStore
    if (!os) return null
    const type = await fileTypeFromBuffer(head)
    if (!type || !(type.mime.startsWith('audio/') || type.mime.startsWith('video/'))) return null
    if (this.limit.activeCount + this.limit.pendingCount >= this.deps.uploadConcurrency) return null
    const auto = this.deps.transcode === 'auto'
    const video = type.mime.startsWith('video/')
    const copy = auto && (losslessContainer(type.mime) || (video && pipeReadableVideo(type.mime, head)))
    if (auto && video && !copy) return null
    const dir = this.recordingDir(id)
    const early = new EarlyUpload(copy ? gpuCopyKey(id) : objectKeyFor(id, type.ext), copy)
    const handlers = {
        signal: early.ac.signal,
        onMultipartStarted: (uploadId: string) => {
          early.uploadId = uploadId
          // Written whole then renamed, so a crash never leaves a half-written file.
          const file = path.join(dir, MULTIPART_FILE)
          void writeFile(`${file}.tmp`, JSON.stringify({ key: early.key, uploadId })).then(() => rename(`${file}.tmp`, file))
          early.onUploadId?.(uploadId)
        },
        onProgress: (sent: number) => {
          early.sent = sent
          early.onProgress?.(sent)
        },
    }
    early.done = this.limit(async () => {
      if (!copy) return os.uploadFile(early.key, early.stream, { contentType: type.mime, ...handlers })
      early.copyBytes = await streamGpuCopy({ media: this.deps.media, objectStore: os }, early.stream, early.key, path.join(dir, GPU_COPY_FILE), handlers)
    })
    early.watch()
    early.forward(head, () => {})
    return early
  }

  /** Hands a cloud upload that started during the PUT to the recording it now belongs to. */
  private adoptEarlyUpload(r: StoredRecording, early: EarlyUpload): void {
    const entry: ActiveUpload = { ac: early.ac, settled: early.done!, key: early.key, uploadId: early.uploadId }
    this.active.set(r.id, entry)
    const report = this.progressReporter(r.id, r.upload.totalBytes)
    early.onProgress = report
    early.onUploadId = (uploadId) => {
      entry.uploadId = uploadId
      this.deps.store.updateRecording(r.id, { multipartUploadId: uploadId })
    }
    if (early.uploadId) this.deps.store.updateRecording(r.id, { multipartUploadId: early.uploadId })
    report(early.sent)
    early.done!.then(
      () => this.finishActive(r.id, entry, () => this.cloudUploadDone(r.id, early.ac, early.copyBytes ?? r.size)),
      (err: unknown) =>
        this.finishActive(r.id, entry, () => {
          // Cut off (network, 5xx): continue from the parts the volume has, reading the stored file.
          if (!early.ac.signal.aborted && err instanceof AppError && err.retryable && this.deps.store.getRecording(r.id)) {
            this.deps.logger.warn('cloud upload interrupted; resuming from the stored file', { id: r.id, error: err })
            this.startCloudUpload(r.id)
          } else this.cloudUploadFailed(r.id, early.ac, err)
        }),
    )
  }

  /** Ends an active upload's entry (if it is still the current one) and runs `then`. */
  private finishActive(id: string, entry: ActiveUpload, then: () => void): void {
    if (this.active.get(id) === entry) this.active.delete(id)
    void rm(path.join(this.recordingDir(id), MULTIPART_FILE), { force: true })
    then()
  }

  /**
   * Uploads the local copy to the volume (background). Progress goes to the event bus and, about
   * once a second, to the store. On success the status becomes `uploaded`; on failure `failed` with
   * a message that says what to fix. Nothing local is removed either way.
   */
  startCloudUpload(id: string): void {
    if (this.active.has(id)) return
    const r = this.deps.store.getRecording(id)
    if (!r) return
    const os = this.deps.objectStore
    if (!os) {
      this.fail(r, new AppError('not_configured', 'The recording is saved on this computer, but the network volume is not configured. Set RUNPOD_VOLUME_ID, RUNPOD_DATACENTER, RUNPOD_S3_ACCESS_KEY and RUNPOD_S3_SECRET_KEY in .env and restart the panel: the upload then starts by itself.'))
      return
    }
    const ac = new AbortController()
    const entry: ActiveUpload = { ac, settled: Promise.resolve(), key: r.objectKey, uploadId: r.multipartUploadId }
    this.active.set(id, entry)
    this.deps.store.applyLifecycle(id, transition(r, { type: 'UploadStarted' }).patch)
    this.publish(this.deps.store.getRecording(id)!)
    const run = async () => {
      if (ac.signal.aborted) return
      try {
        const bytes = await this.sendToVolume(r, os, entry)
        this.finishActive(id, entry, () => this.cloudUploadDone(id, ac, bytes))
      } catch (err) {
        this.finishActive(id, entry, () => this.cloudUploadFailed(id, ac, err))
      }
    }
    entry.settled = this.limit(run)
  }

  /**
   * Brings the recording's object to the volume from the local files: resumes the multipart upload the
   * store (or the sidecar of an upload begun during the PUT) knows, else starts one; the compact copy is
   * made on the way when it is not on disk yet. Retryable failures are resumed after the configured waits.
   * @returns bytes of the object on the volume.
   */
  private async sendToVolume(r: StoredRecording, os: ObjectStore, entry: ActiveUpload): Promise<number> {
    const { id } = r
    const signal = entry.ac.signal
    const copy = isGpuCopyKey(r.objectKey)
    const copyPath = path.join(this.recordingDir(id), GPU_COPY_FILE)
    const file = copy ? copyPath : this.audioPath(r)
    const sidecar = path.join(this.recordingDir(id), MULTIPART_FILE)
    const fromFile = await readFile(sidecar, 'utf8').then((t) => JSON.parse(t) as { key: string; uploadId: string }, () => null)
    let uploadId = r.multipartUploadId ?? (fromFile?.key === r.objectKey ? fromFile.uploadId : null)
    // An upload begun during the PUT for another object (the original, before the probe chose the copy) is not resumed.
    if (fromFile && fromFile.uploadId !== uploadId) await os.abortMultipartUpload(fromFile.key, fromFile.uploadId)
    await rm(sidecar, { force: true })
    const setUploadId = (u: string | null) => {
      uploadId = u
      entry.uploadId = u
      this.deps.store.updateRecording(id, { multipartUploadId: u })
    }
    const onProgress = this.progressReporter(id, r.upload.totalBytes)
    const handlers = { signal, onProgress, onMultipartStarted: (u: string) => setUploadId(u) }
    const partSize = copy ? GPU_COPY_PART_SIZE : undefined
    const delays = this.deps.uploadRetryDelaysMs ?? [2000, 10_000, 30_000]
    for (let attempt = 0; ; attempt++) {
      try {
        if (uploadId) {
          if (copy && !existsSync(copyPath)) await makeGpuCopyFile(this.deps.media, this.audioPath(r), copyPath, signal)
          const resumed = await os.resumeUpload(r.objectKey, file, uploadId, { partSize, onProgress, signal })
          if (resumed) {
            this.deps.logger.info('resumed an interrupted upload', { id, ...resumed })
            return resumed.keptBytes + resumed.sentBytes
          }
          this.deps.logger.info('the volume no longer has the interrupted upload; starting it again', { id })
          setUploadId(null)
        }
        if (copy && !existsSync(copyPath)) return await streamGpuCopy({ media: this.deps.media, objectStore: os }, this.audioPath(r), r.objectKey, copyPath, handlers)
        await os.uploadFile(r.objectKey, file, { contentType: copy ? GPU_COPY_CONTENT_TYPE : r.contentType, partSize, ...handlers })
        return (await stat(file)).size
      } catch (err) {
        if (signal.aborted || !(err instanceof AppError && err.retryable) || attempt >= delays.length) throw err
        this.deps.logger.warn('cloud upload interrupted; resuming it', { id, attempt: attempt + 1, inMs: delays[attempt], error: err })
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]))
        if (signal.aborted) throw err
      }
    }
  }

  /**
   * Progress of a cloud upload: an event at most every 200 ms, the store about once a second. `total` is
   * the object's size, or for a compact copy still being made its estimate (raised when it is passed).
   */
  private progressReporter(id: string, total: number): (sent: number) => void {
    let lastPersist = 0
    let lastEvent = 0
    return (sent) => {
      total = Math.max(total, sent)
      const now = Date.now()
      if (now - lastEvent >= 200 || sent === total) {
        lastEvent = now
        this.deps.events.publish({ type: 'upload-progress', id, sentBytes: sent, totalBytes: total })
      }
      if (now - lastPersist >= 1000) {
        lastPersist = now
        this.deps.store.updateRecording(id, { sentBytes: sent })
      }
    }
  }

  private cloudUploadDone(id: string, ac: AbortController, size: number): void {
    const r = this.deps.store.getRecording(id)
    if (ac.signal.aborted || !r) return // stopped or deleted meanwhile
    const t = transition(r, { type: 'UploadFinished', bytes: size })
    if (t.ignored) return this.deps.logger.warn('cloud upload finished too late', { id, reason: t.ignored })
    this.deps.store.applyLifecycle(id, t.patch)
    this.deps.logger.info('cloud upload done', { id, bytes: size })
    const after = this.deps.store.getRecording(id)!
    this.publish(after)
    if (t.effects.includes('dispatch')) this.deps.onUploaded?.(id)
    this.speechMapAfterUpload(after)
  }

  /** Starts the speech map of a recording whose analysis waited for its upload (the compact copy). */
  private speechMapAfterUpload(r: StoredRecording): void {
    if (isGpuCopyKey(r.objectKey)) void this.speechMap(r).catch(() => undefined)
  }

  private cloudUploadFailed(id: string, ac: AbortController, err: unknown): void {
    if (ac.signal.aborted) return // stopped on purpose (delete or shutdown)
    const current = this.deps.store.getRecording(id)
    if (!current) return
    this.deps.logger.warn('cloud upload failed', { id, error: err })
    // Its parts stay on the volume (multipartUploadId kept): the next start resumes from them.
    this.fail(current, err)
    this.speechMapAfterUpload(current)
  }

  /**
   * Removes what a crash during an upload left behind: folders in the uploads folder that no recording
   * owns (the PUT never finished), and the multipart upload such a PUT had started on the volume.
   * @returns how many folders were removed.
   */
  async sweepOrphans(): Promise<number> {
    let names: string[]
    try {
      names = await readdir(this.deps.uploadsDir)
    } catch {
      return 0
    }
    let removed = 0
    for (const name of names) {
      if (!RECORDING_ID.test(name) || this.deps.store.getRecording(name)) continue
      const dir = this.recordingDir(name)
      const changed = await stat(dir).then((st) => st.mtimeMs, () => Infinity)
      if (changed >= this.startedAt) continue // an upload of this process, still arriving
      try {
        const { key, uploadId } = JSON.parse(await readFile(path.join(dir, MULTIPART_FILE), 'utf8')) as { key: string; uploadId: string }
        await this.deps.objectStore?.abortMultipartUpload(key, uploadId)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.warn('could not abort an orphaned multipart upload', { dir: name, error: err })
      }
      await rm(dir, { recursive: true, force: true })
      removed++
    }
    if (removed) this.deps.logger.info('removed folders of uploads interrupted by a crash', { removed })
    return removed
  }

  /**
   * Stops a running cloud upload. By default (before a delete) its multipart upload is also aborted on the
   * volume once it has stopped, so no parts are left behind; `keepParts` leaves them for a resume.
   */
  stopCloudUpload(id: string, opts: { keepParts?: boolean } = {}): void {
    const entry = this.active.get(id)
    entry?.ac.abort()
    this.active.delete(id)
    const os = this.deps.objectStore
    if (opts.keepParts || !os) return
    const r = this.deps.store.getRecording(id)
    const key = entry?.key ?? r?.objectKey
    if (!key) return
    void (async () => {
      await entry?.settled.catch(() => {})
      for (const uploadId of new Set([entry?.uploadId, r?.multipartUploadId])) {
        if (uploadId) await os.abortMultipartUpload(key, uploadId).catch((err: unknown) => this.deps.logger.warn('could not abort a stopped upload', { id, error: err }))
      }
    })()
  }

  /** Stops every running cloud upload (shutdown), keeping their parts: they resume on the next start. */
  stopAll(): void {
    for (const id of [...this.active.keys()]) this.stopCloudUpload(id, { keepParts: true })
  }

  /** Whether a cloud upload for `id` is running in this process. */
  isUploading(id: string): boolean {
    return this.active.has(id)
  }

  /**
   * Waveform peaks for the page, computed once with ffmpeg and cached as `peaks.json` beside the audio.
   * @returns `{duration (s), peaks: number[] in [0, 1]}`.
   */
  async peaks(r: StoredRecording): Promise<{ duration: number; peaks: number[] }> {
    const file = path.join(this.recordingDir(r.id), 'peaks.json')
    try {
      return JSON.parse(await readFile(file, 'utf8')) as { duration: number; peaks: number[] }
    } catch {
      return this.computePeaks(r)
    }
  }

  private readonly peakJobs = new Map<string, Promise<{ duration: number; peaks: number[] }>>()

  private computePeaks(r: StoredRecording): Promise<{ duration: number; peaks: number[] }> {
    const running = this.peakJobs.get(r.id)
    if (running) return running
    const job = (async () => {
      const result = await this.deps.media.peaks(this.audioPath(r), PEAK_BINS)
      const file = path.join(this.recordingDir(r.id), 'peaks.json')
      await writeFile(`${file}.tmp`, JSON.stringify(result))
      await rename(`${file}.tmp`, file)
      return result
    })()
    this.peakJobs.set(r.id, job)
    job.catch((err: unknown) => this.deps.logger.warn('peaks failed', { id: r.id, error: err })).finally(() => this.peakJobs.delete(r.id))
    return job
  }

  /**
   * The recording's speech map (where a voice activity detector heard speech), computed once and cached as
   * `speech.json` beside the peaks; recordings uploaded before speech maps existed get theirs on first ask.
   * @returns the map, or null when no detector is configured.
   * @throws AppError `unsupported_media` when the audio cannot be decoded.
   */
  async speechMap(r: StoredRecording): Promise<SpeechMap | null> {
    if (!this.deps.speech) return null
    return (await this.storedSpeechMap(r)) ?? this.computeSpeechMap(r)
  }

  /**
   * The recording's speech map if it has been computed (`speech.json`), else null: never starts the analysis.
   * @returns null also when no detector is configured or the cached file is unreadable or of an older format.
   */
  async storedSpeechMap(r: Pick<StoredRecording, 'id'>): Promise<SpeechMap | null> {
    if (!this.deps.speech) return null
    try {
      return parseSpeechMap(JSON.parse(await readFile(path.join(this.recordingDir(r.id), 'speech.json'), 'utf8')))
    } catch {
      return null
    }
  }

  private readonly speechJobs = new Map<string, Promise<SpeechMap | null>>()

  private computeSpeechMap(r: StoredRecording): Promise<SpeechMap | null> {
    const detector = this.deps.speech
    if (!detector) return Promise.resolve(null)
    const running = this.speechJobs.get(r.id)
    if (running) return running
    const job = (async () => {
      // The compact copy, when there is one, is the same audio as the GPU hears, with the same duration, and far
      // cheaper to decode than an hour of WAV or video.
      const copy = path.join(this.recordingDir(r.id), GPU_COPY_FILE)
      const file0 = isGpuCopyKey(r.objectKey) && existsSync(copy) ? copy : this.audioPath(r)
      const map = await detector.detect(file0, r.duration ?? (await this.deps.media.probe(file0)).duration)
      const file = path.join(this.recordingDir(r.id), 'speech.json')
      await writeFile(`${file}.tmp`, JSON.stringify(map))
      await rename(`${file}.tmp`, file)
      this.deps.logger.info('speech map stored', { id: r.id, method: map.method, regions: map.regions.length, elapsedMs: map.elapsedMs, from: path.basename(file0) })
      return map
    })()
    this.speechJobs.set(r.id, job)
    job.catch((err: unknown) => this.deps.logger.warn('speech map failed (the filter works from the text alone)', { id: r.id, error: err })).finally(() => this.speechJobs.delete(r.id))
    return job
  }

  /** Size of the local audio in bytes (404 when it is gone). */
  async localSize(r: StoredRecording): Promise<number> {
    try {
      return (await stat(this.audioPath(r))).size
    } catch {
      throw new AppError('not_found', 'The local copy of this recording is missing from the uploads folder.')
    }
  }

  private fail(r: StoredRecording, err: unknown): void {
    const t = transition(r, { type: 'UploadFailed', error: toErrorInfo(err) })
    if (t.ignored) return this.deps.logger.warn('cloud upload failure not recorded', { id: r.id, reason: t.ignored })
    this.deps.store.applyLifecycle(r.id, t.patch)
    this.publish(this.deps.store.getRecording(r.id)!)
  }

  private publish(r: StoredRecording): void {
    this.deps.events.publish({ type: 'recording', recording: toRecording(r) })
  }
}
