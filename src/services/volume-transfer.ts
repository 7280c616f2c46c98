/**
 * The volume transfer: brings one recording's object (the original, or its compact copy for the GPU) from the
 * local files to the network volume. It resumes the multipart upload it is given (keeping the parts the volume
 * holds) or starts one, makes the compact copy on the way when it is not on disk yet, and resumes again after
 * a retryable failure. Which uploads run, and what the recording says about them, is `CloudUploads`' job.
 */
import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { AppError } from '../domain/errors.ts'
import type { Logger, MediaProbe, ObjectStore, RecordingFiles } from '../domain/ports.ts'
import type { StoredRecording } from '../domain/store.ts'
import { GPU_COPY_CONTENT_TYPE, GPU_COPY_PART_SIZE, isGpuCopyKey, makeGpuCopyFile, streamGpuCopy } from './gpu-copy.ts'

export interface VolumeTransferDeps {
  objectStore: ObjectStore
  /** ffmpeg, for a compact copy not on disk yet. */
  media: MediaProbe
  /** The recording's local files: its audio, the compact copy, the multipart note. */
  files: RecordingFiles
  logger: Logger
  /**
   * Waits (ms) before resuming a transfer cut off by a retryable failure (network, 5xx after the SDK's own
   * retries); after the last one the failure is thrown and the parts stay on the volume for a later resume.
   * Default 2 s, 10 s, 30 s.
   */
  retryDelaysMs?: readonly number[]
}

/** How one transfer is followed and stopped. */
export interface TransferHandlers {
  signal: AbortSignal
  /** Bytes on the volume so far (monotonic). */
  onProgress: (sentBytes: number) => void
  /** The multipart UploadId the transfer now continues (null: none yet, the volume forgot the old one). Persist it. */
  onUploadId: (uploadId: string | null) => void
}

/** The `multipart` note's `{key, uploadId}`, or null when there is none (or it is not that shape). */
export function multipartNote(value: unknown): { key: string; uploadId: string } | null {
  const v = value as { key?: unknown; uploadId?: unknown } | null
  return v && typeof v.key === 'string' && typeof v.uploadId === 'string' ? { key: v.key, uploadId: v.uploadId } : null
}

export class VolumeTransfer {
  private readonly deps: VolumeTransferDeps
  constructor(deps: VolumeTransferDeps) {
    this.deps = deps
  }

  /**
   * Brings `r`'s object to the volume from the local files: resumes the multipart upload the recording (or the
   * note of an upload begun during the PUT) knows, else starts one.
   * @returns bytes of the object on the volume.
   * @throws the store's AppError once the retries are spent or for a failure no retry fixes (`storage_auth`),
   *   `upload_failed` when the compact copy cannot be made; whatever it was when `signal` stopped it.
   */
  async send(r: StoredRecording, h: TransferHandlers): Promise<number> {
    const { id } = r
    const { objectStore: os, files, logger } = this.deps
    const copy = isGpuCopyKey(r.objectKey)
    const copyPath = files.gpuCopyPath(id)
    const file = copy ? copyPath : files.audioPath(r)
    const fromFile = multipartNote(await files.readSidecar(id, 'multipart'))
    let uploadId = r.multipartUploadId ?? (fromFile?.key === r.objectKey ? fromFile.uploadId : null)
    // An upload begun during the PUT for another object (the original, before the probe chose the copy) is not resumed.
    if (fromFile && fromFile.uploadId !== uploadId) await os.abortMultipartUpload(fromFile.key, fromFile.uploadId)
    await files.removeSidecar(id, 'multipart')
    const setUploadId = (u: string | null) => {
      uploadId = u
      h.onUploadId(u)
    }
    const handlers = { signal: h.signal, onProgress: h.onProgress, onMultipartStarted: (u: string) => setUploadId(u) }
    const partSize = copy ? GPU_COPY_PART_SIZE : undefined
    const delays = this.deps.retryDelaysMs ?? [2000, 10_000, 30_000]
    for (let attempt = 0; ; attempt++) {
      try {
        if (uploadId) {
          if (copy && !existsSync(copyPath)) await makeGpuCopyFile(this.deps.media, files.audioPath(r), copyPath, h.signal)
          const resumed = await os.resumeUpload(r.objectKey, file, uploadId, { partSize, onProgress: h.onProgress, signal: h.signal })
          if (resumed) {
            logger.info('resumed an interrupted upload', { id, ...resumed })
            return resumed.keptBytes + resumed.sentBytes
          }
          logger.info('the volume no longer has the interrupted upload; starting it again', { id })
          setUploadId(null)
        }
        if (copy && !existsSync(copyPath)) return await streamGpuCopy({ media: this.deps.media, objectStore: os }, files.audioPath(r), r.objectKey, copyPath, handlers)
        await os.uploadFile(r.objectKey, file, { contentType: copy ? GPU_COPY_CONTENT_TYPE : r.contentType, partSize, ...handlers })
        return (await stat(file)).size
      } catch (err) {
        if (h.signal.aborted || !(err instanceof AppError && err.retryable) || attempt >= delays.length) throw err
        logger.warn('cloud upload interrupted; resuming it', { id, attempt: attempt + 1, inMs: delays[attempt], error: err })
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]))
        if (h.signal.aborted) throw err
      }
    }
  }

  /** Aborts a multipart upload that will not be resumed (its parts leave the volume); an unknown one is not an error. */
  abort(key: string, uploadId: string): Promise<void> {
    return this.deps.objectStore.abortMultipartUpload(key, uploadId)
  }

  /** Forgets the note of an upload begun during the PUT once that upload has ended (a failure is logged). */
  dropNote(id: string): void {
    this.deps.files.removeSidecar(id, 'multipart').catch((err: unknown) => this.deps.logger.warn('could not remove the multipart note of a finished upload', { id, error: err }))
  }
}
