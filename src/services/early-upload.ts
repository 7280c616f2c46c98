/**
 * The early cloud upload: it starts while the browser is still sending the file, fed from the same bytes, so
 * the two legs overlap instead of adding up. Its multipart UploadId goes to `multipart.json` beside the
 * incoming file at once, so a crash before the recording is stored can be cleaned up.
 */
import { PassThrough, type Readable } from 'node:stream'
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

/** Who follows an early upload once its recording is stored (the cloud uploads). */
export interface EarlyUploadFollower {
  /** Bytes on the volume so far. */
  progress(sentBytes: number): void
  /** The multipart UploadId, as soon as the volume gives it. */
  uploadId(uploadId: string): void
}

/** What the sender of an early upload gets: the bytes as they arrive, and how to report. */
export interface EarlySend {
  stream: Readable
  signal: AbortSignal
  onProgress(sentBytes: number): void
  onMultipartStarted(uploadId: string): void
}

/**
 * A cloud upload fed from the bytes of a PUT still in progress. Writes wait for the upload to take
 * them (backpressure), so memory stays bounded by lib-storage's parts in flight; if the upload fails,
 * the PUT goes on to disk and the upload restarts from the stored file.
 */
export class EarlyUpload {
  /** The object key it uploads to. */
  readonly key: string
  /** Whether the bytes go through ffmpeg into the compact copy, rather than to the volume as they are. */
  readonly copy: boolean
  /**
   * Settles when the upload has stopped: fulfilled once the object is complete on the volume, rejected with why
   * it failed or was stopped.
   */
  readonly done: Promise<void>
  readonly #stream = new PassThrough({ highWaterMark: 1024 * 1024 })
  readonly #ac = new AbortController()
  #sent = 0
  #uploadId: string | null = null
  #copyBytes: number | null = null
  #failed = false
  #error: unknown = null
  #ended = false
  /** A write waiting for the upload to take more. */
  #waiting: (() => void) | null = null
  #follower: EarlyUploadFollower | null = null

  /**
   * Starts the upload at once.
   * @param send - runs the upload from `stream`; resolves with the compact copy's size in bytes (copy uploads)
   *   or nothing, once the object is complete on the volume.
   */
  constructor(key: string, copy: boolean, send: (s: EarlySend) => Promise<number | void>) {
    this.key = key
    this.copy = copy
    const s: EarlySend = {
      stream: this.#stream,
      signal: this.#ac.signal,
      onProgress: (sent) => {
        this.#sent = sent
        this.#follower?.progress(sent)
      },
      onMultipartStarted: (uploadId) => {
        this.#uploadId = uploadId
        this.#follower?.uploadId(uploadId)
      },
    }
    this.done = (async () => {
      const bytes = await send(s)
      if (typeof bytes === 'number') this.#copyBytes = bytes
    })()
    // Once the upload has failed, feeding stops and a write that waits for it is released.
    this.done.catch((err: unknown) => {
      this.#failed = true
      this.#error = err
      this.#release()
    })
  }

  /** Bytes on the volume so far. */
  get sent(): number {
    return this.#sent
  }
  /** The multipart UploadId once the volume gave one. */
  get uploadId(): string | null {
    return this.#uploadId
  }
  /** Bytes of the compact copy, once it is complete (copy uploads only). */
  get copyBytes(): number | null {
    return this.#copyBytes
  }
  /** Whether the upload has failed (or was stopped). */
  get failed(): boolean {
    return this.#failed
  }
  /** Why the upload failed, once it has. */
  get error(): unknown {
    return this.#error
  }
  /** Whether all bytes were handed to the upload. */
  get ended(): boolean {
    return this.#ended
  }

  /** From now on, progress and the UploadId go to `follower` (what came before is read from `sent` and `uploadId`). */
  follow(follower: EarlyUploadFollower): void {
    this.#follower = follower
  }

  /** Passes `chunk` on; calls `next` when the upload can take more (at once when it has failed). */
  forward(chunk: Buffer, next: () => void): void {
    if (this.#failed || this.#ac.signal.aborted) return next()
    if (this.#stream.write(chunk)) return next()
    this.#waiting = next
    this.#stream.once('drain', () => this.#release())
  }

  /** All bytes were handed over: the upload completes once it has sent them. */
  end(): void {
    this.#ended = true
    if (!this.#failed) this.#stream.end()
  }

  /** Stops the upload (lib-storage aborts its multipart upload); `done` then rejects. */
  abort(): void {
    this.#ac.abort()
  }

  /** Aborts the upload and waits for it to settle. */
  async cancel(): Promise<void> {
    this.#ac.abort()
    this.#stream.destroy()
    await this.done.catch(() => {})
  }

  #release(): void {
    const w = this.#waiting
    this.#waiting = null
    w?.()
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
  const key = copy ? gpuCopyKey(id) : objectKeyFor(id, type.ext)
  const early = new EarlyUpload(key, copy, (s) => {
    const handlers = {
      signal: s.signal,
      onProgress: s.onProgress,
      onMultipartStarted: (uploadId: string) => {
        s.onMultipartStarted(uploadId)
        // Not awaited (the upload goes on), but never unwatched: without the note a crash before the recording is
        // stored would leave the parts on the volume.
        deps.files
          .writeSidecar(id, 'multipart', { key, uploadId })
          .catch((err: unknown) => deps.logger.warn('could not note the multipart upload beside the incoming file', { id, error: err }))
      },
    }
    return deps.limit(async () => {
      if (!copy) return os.uploadFile(key, s.stream, { contentType: type.mime, ...handlers })
      return streamGpuCopy({ media: deps.media, objectStore: os }, s.stream, key, deps.files.gpuCopyPath(id), handlers)
    })
  })
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
  if (early.ended) await early.done.catch(() => {})
  else await early.cancel()
  // A stopped or failed upload keeps its parts for a resume; this one will not be resumed.
  if (early.uploadId) await deps.objectStore?.abortMultipartUpload(early.key, early.uploadId).catch((err: unknown) => deps.logger.warn('could not abort a refused upload', { key: early.key, error: err }))
  await deps.objectStore?.deleteObject(early.key).catch((err: unknown) => deps.logger.warn('could not remove a refused upload from the volume', { key: early.key, error: err }))
}
