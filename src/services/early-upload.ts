/**
 * The early cloud upload: it starts while the browser is still sending the file, fed from the same bytes, so
 * the two legs overlap instead of adding up. Its multipart UploadId goes to `multipart.json` beside the
 * incoming file at once, so a crash before the recording is stored can be cleaned up.
 */
import { PassThrough } from 'node:stream'
import { fileTypeFromBuffer } from 'file-type'
import type { LimitFunction } from 'p-limit'
import type { Logger, MediaProbe, ObjectStore, RecordingFiles } from '../domain/ports.ts'
import { gpuCopyKey, losslessContainer, pipeReadableVideo, streamGpuCopy, type UploadTranscode } from './gpu-copy.ts'

/** Object key of a recording's audio on the volume. */
export function objectKeyFor(id: string, extension: string): string {
  return `scribe-panel/${id}/audio.${extension}`
}

export interface EarlyUploadDeps {
  /** null: no volume, no early upload. */
  objectStore: ObjectStore | null
  media: MediaProbe
  logger: Logger
  /** The cloud uploads' concurrency limit (shared: an early upload takes a slot like any other). */
  limit: LimitFunction
  uploadConcurrency: number
  transcode?: UploadTranscode
  /** Where the compact copy and the multipart note go. */
  files: RecordingFiles
}

export /**
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
 * Starts the cloud upload while the browser is still sending the file. Only when the first bytes look like
 * audio and an upload slot is free; otherwise (null) the upload starts from the stored file afterwards. With
 * UPLOAD_TRANSCODE=auto, lossless containers (WAV, FLAC, AIFF) and video that ffmpeg can read from a pipe
 * (WebM, fast-start MP4) go through ffmpeg into the compact copy as they arrive; other video waits for the
 * stored file (its index is at the end); other audio starts as it is and is dropped after the probe if it
 * needs the copy.
 * @param head - the file's first bytes (at least SNIFF_BYTES).
 */
export async function startEarlyUpload(deps: EarlyUploadDeps, id: string, head: Buffer): Promise<EarlyUpload | null> {
  const os = deps.objectStore
  if (!os) return null
  const type = await fileTypeFromBuffer(head)
  if (!type || !(type.mime.startsWith('audio/') || type.mime.startsWith('video/'))) return null
  if (deps.limit.activeCount + deps.limit.pendingCount >= deps.uploadConcurrency) return null
  const auto = deps.transcode === 'auto'
  const video = type.mime.startsWith('video/')
  const copy = auto && (losslessContainer(type.mime) || (video && pipeReadableVideo(type.mime, head)))
  if (auto && video && !copy) return null
  const early = new EarlyUpload(copy ? gpuCopyKey(id) : objectKeyFor(id, type.ext), copy)
  const handlers = {
    signal: early.ac.signal,
    onMultipartStarted: (uploadId: string) => {
      early.uploadId = uploadId
      // Not awaited (the upload goes on), but never unwatched: without the note a crash before the recording is
      // stored would leave the parts on the volume.
      deps.files
        .writeSidecar(id, 'multipart', { key: early.key, uploadId })
        .catch((err: unknown) => deps.logger.warn('could not note the multipart upload beside the incoming file', { id, error: err }))
      early.onUploadId?.(uploadId)
    },
    onProgress: (sent: number) => {
      early.sent = sent
      early.onProgress?.(sent)
    },
  }
  early.done = deps.limit(async () => {
    if (!copy) return os.uploadFile(early.key, early.stream, { contentType: type.mime, ...handlers })
    early.copyBytes = await streamGpuCopy({ media: deps.media, objectStore: os }, early.stream, early.key, deps.files.gpuCopyPath(id), handlers)
  })
  early.watch()
  early.forward(head, () => {})
  return early
}

/**
 * Undoes a cloud upload begun during a PUT that was refused: stops it (or, when all bytes were already
 * handed over, lets it end) and deletes the object.
 */
export async function discardEarlyUpload(deps: Pick<EarlyUploadDeps, 'objectStore' | 'logger'>, early: EarlyUpload): Promise<void> {
  // Once all bytes were handed over, the last request may already be on its way, and an abort would not
  // stop the volume from completing it after our delete: let it finish, then delete.
  if (early.ended) await early.done?.catch(() => {})
  else await early.cancel()
  // A stopped or failed upload keeps its parts for a resume; this one will not be resumed.
  if (early.uploadId) await deps.objectStore?.abortMultipartUpload(early.key, early.uploadId).catch((err: unknown) => deps.logger.warn('could not abort a refused upload', { key: early.key, error: err }))
  await deps.objectStore?.deleteObject(early.key).catch((err: unknown) => deps.logger.warn('could not remove a refused upload from the volume', { key: early.key, error: err }))
}
