/**
 * Cloud upload: brings a recording's object (the original, or its compact copy for the GPU) to the network
 * volume with a resumable multipart upload, a few at a time (UPLOAD_CONCURRENCY), with progress events and
 * retries of interrupted uploads from the parts the volume has. An upload begun during the PUT is adopted.
 * Nothing local is removed on failure.
 */
import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import pLimit, { type LimitFunction } from 'p-limit'
import { AppError, toErrorInfo } from '../domain/errors.ts'
import { transition } from '../domain/lifecycle.ts'
import type { Logger, MediaProbe, ObjectStore, RecordingFiles } from '../domain/ports.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import { toRecording } from '../domain/store.ts'
import type { EarlyUpload } from './early-upload.ts'
import type { EventBus } from './events.ts'
import { GPU_COPY_CONTENT_TYPE, GPU_COPY_PART_SIZE, isGpuCopyKey, makeGpuCopyFile, streamGpuCopy } from './gpu-copy.ts'

export interface CloudUploadDeps {
  store: RecordingStore
  /** ffmpeg, for a compact copy not on disk yet. */
  media: MediaProbe
  /** null when the S3 settings are missing: recordings are kept locally and the user is told what to set. */
  objectStore: ObjectStore | null
  events: EventBus
  logger: Logger
  /** The recording's local files: its audio, the compact copy, the multipart note. */
  files: RecordingFiles
  /** Cloud uploads running at once (UPLOAD_CONCURRENCY); more wait their turn, shown as uploading at 0 %. */
  uploadConcurrency: number
  /**
   * Waits (ms) before resuming a cloud upload cut off by a retryable failure (network, 5xx after the SDK's
   * own retries); after the last one the recording is marked failed and its parts stay on the volume
   * for a later resume. Default 2 s, 10 s, 30 s.
   */
  uploadRetryDelaysMs?: readonly number[]
  /** Called when a cloud upload finishes (the job service submits a waiting transcription). */
  onUploaded?: (recordingId: string) => void
  /** Called after a cloud upload finished or failed, with the recording as it is then (a speech map that waited for it). */
  afterUpload?: (r: StoredRecording) => void
}

/** The `multipart` note's `{key, uploadId}`, or null when there is none (or it is not that shape). */
function multipartNote(value: unknown): { key: string; uploadId: string } | null {
  const v = value as { key?: unknown; uploadId?: unknown } | null
  return v && typeof v.key === 'string' && typeof v.uploadId === 'string' ? { key: v.key, uploadId: v.uploadId } : null
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

export class CloudUploads {
  private readonly active = new Map<string, ActiveUpload>()
  /** The upload slots; early uploads take theirs from the same limit. */
  readonly limit: LimitFunction
  /** Folders changed after this (ms) belong to this process; `sweepOrphans` leaves them alone. */
  private readonly startedAt = Date.now()
  private readonly deps: CloudUploadDeps
  constructor(deps: CloudUploadDeps) {
    this.deps = deps
    this.limit = pLimit(deps.uploadConcurrency)
  }

  /** Hands a cloud upload that started during the PUT to the recording it now belongs to. */
  adoptEarlyUpload(r: StoredRecording, early: EarlyUpload): void {
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
    this.deps.files.removeSidecar(id, 'multipart').catch((err: unknown) => this.deps.logger.warn('could not remove the multipart note of a finished upload', { id, error: err }))
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
    const copyPath = this.deps.files.gpuCopyPath(id)
    const file = copy ? copyPath : this.deps.files.audioPath(r)
    const fromFile = multipartNote(await this.deps.files.readSidecar(id, 'multipart'))
    let uploadId = r.multipartUploadId ?? (fromFile?.key === r.objectKey ? fromFile.uploadId : null)
    // An upload begun during the PUT for another object (the original, before the probe chose the copy) is not resumed.
    if (fromFile && fromFile.uploadId !== uploadId) await os.abortMultipartUpload(fromFile.key, fromFile.uploadId)
    await this.deps.files.removeSidecar(id, 'multipart')
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
          if (copy && !existsSync(copyPath)) await makeGpuCopyFile(this.deps.media, this.deps.files.audioPath(r), copyPath, signal)
          const resumed = await os.resumeUpload(r.objectKey, file, uploadId, { partSize, onProgress, signal })
          if (resumed) {
            this.deps.logger.info('resumed an interrupted upload', { id, ...resumed })
            return resumed.keptBytes + resumed.sentBytes
          }
          this.deps.logger.info('the volume no longer has the interrupted upload; starting it again', { id })
          setUploadId(null)
        }
        if (copy && !existsSync(copyPath)) return await streamGpuCopy({ media: this.deps.media, objectStore: os }, this.deps.files.audioPath(r), r.objectKey, copyPath, handlers)
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
    this.deps.afterUpload?.(after)
  }

  private cloudUploadFailed(id: string, ac: AbortController, err: unknown): void {
    if (ac.signal.aborted) return // stopped on purpose (delete or shutdown)
    const current = this.deps.store.getRecording(id)
    if (!current) return
    this.deps.logger.warn('cloud upload failed', { id, error: err })
    // Its parts stay on the volume (multipartUploadId kept): the next start resumes from them.
    this.fail(current, err)
    this.deps.afterUpload?.(current)
  }

  /**
   * Removes what a crash during an upload left behind: folders in the uploads folder that no recording
   * owns (the PUT never finished), and the multipart upload such a PUT had started on the volume.
   * @returns how many folders were removed.
   */
  async sweepOrphans(): Promise<number> {
    let removed = 0
    for (const { id, changedMs } of await this.deps.files.listRecordingDirs()) {
      if (this.deps.store.getRecording(id)) continue
      if (changedMs >= this.startedAt) continue // an upload of this process, still arriving
      const note = multipartNote(await this.deps.files.readSidecar(id, 'multipart'))
      if (note) {
        try {
          await this.deps.objectStore?.abortMultipartUpload(note.key, note.uploadId)
        } catch (err) {
          this.deps.logger.warn('could not abort an orphaned multipart upload', { dir: id, error: err })
        }
      }
      await this.deps.files.removeRecording(id)
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
