/**
 * Cloud upload: brings a recording's object (the original, or its compact copy for the GPU) to the network
 * volume with a resumable multipart upload, a few at a time (UPLOAD_CONCURRENCY), with progress events and
 * retries of interrupted uploads from the parts the volume has. An upload begun during the PUT is adopted.
 * Nothing local is removed on failure.
 */
import pLimit, { type LimitFunction } from 'p-limit'
import { AppError, toErrorInfo } from '../domain/errors.ts'
import { transition } from '../domain/lifecycle.ts'
import type { Logger, ObjectStore, RecordingFiles } from '../domain/ports.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import { toRecording } from '../domain/store.ts'
import type { EarlyUpload } from './early-upload.ts'
import type { EventBus } from './events.ts'
import { multipartNote, type VolumeTransfer } from './volume-transfer.ts'

/** What follows a cloud upload. */
export interface UploadListener {
  /** The object is on the volume: a transcription that waited for it can be submitted. */
  uploaded?(recordingId: string): void
  /** The upload finished or failed; `r` as it is then (a speech map that waited for the upload). */
  settled?(r: StoredRecording): void
}

export interface CloudUploadDeps {
  store: RecordingStore
  /** How an object reaches the volume; null when the S3 settings are missing: recordings are kept locally and the user is told what to set. */
  volume: VolumeTransfer | null
  events: EventBus
  logger: Logger
  /** Cloud uploads running at once (UPLOAD_CONCURRENCY); more wait their turn, shown as uploading at 0 %. */
  uploadConcurrency: number
  on?: UploadListener
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
  private readonly deps: CloudUploadDeps
  constructor(deps: CloudUploadDeps) {
    this.deps = deps
    this.limit = pLimit(deps.uploadConcurrency)
  }

  /** Hands a cloud upload that started during the PUT to the recording it now belongs to. */
  adoptEarlyUpload(r: StoredRecording, early: EarlyUpload): void {
    const ac = new AbortController()
    ac.signal.addEventListener('abort', () => early.abort(), { once: true })
    const entry: ActiveUpload = { ac, settled: early.done, key: early.key, uploadId: early.uploadId }
    this.active.set(r.id, entry)
    const report = this.progressReporter(r.id, r.upload.totalBytes)
    early.follow({
      progress: report,
      uploadId: (uploadId) => {
        entry.uploadId = uploadId
        this.deps.store.updateRecording(r.id, { multipartUploadId: uploadId })
      },
    })
    if (early.uploadId) this.deps.store.updateRecording(r.id, { multipartUploadId: early.uploadId })
    report(early.sent)
    early.done.then(
      () => this.finishActive(r.id, entry, () => this.cloudUploadDone(r.id, ac, early.copyBytes ?? r.size)),
      (err: unknown) =>
        this.finishActive(r.id, entry, () => {
          // Cut off (network, 5xx): continue from the parts the volume has, reading the stored file.
          if (!ac.signal.aborted && err instanceof AppError && err.retryable && this.deps.store.getRecording(r.id)) {
            this.deps.logger.warn('cloud upload interrupted; resuming from the stored file', { id: r.id, error: err })
            this.startCloudUpload(r.id)
          } else this.cloudUploadFailed(r.id, ac, err)
        }),
    )
  }

  /** Ends an active upload's entry (if it is still the current one) and runs `then`. */
  private finishActive(id: string, entry: ActiveUpload, then: () => void): void {
    if (this.active.get(id) === entry) this.active.delete(id)
    this.deps.volume?.dropNote(id)
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
    const volume = this.deps.volume
    if (!volume) {
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
        const bytes = await volume.send(r, {
          signal: ac.signal,
          onProgress: this.progressReporter(id, r.upload.totalBytes),
          onUploadId: (uploadId) => {
            entry.uploadId = uploadId
            this.deps.store.updateRecording(id, { multipartUploadId: uploadId })
          },
        })
        this.finishActive(id, entry, () => this.cloudUploadDone(id, ac, bytes))
      } catch (err) {
        this.finishActive(id, entry, () => this.cloudUploadFailed(id, ac, err))
      }
    }
    entry.settled = this.limit(run)
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
    if (t.effects.includes('dispatch')) this.deps.on?.uploaded?.(id)
    this.deps.on?.settled?.(after)
  }

  private cloudUploadFailed(id: string, ac: AbortController, err: unknown): void {
    if (ac.signal.aborted) return // stopped on purpose (delete or shutdown)
    const current = this.deps.store.getRecording(id)
    if (!current) return
    this.deps.logger.warn('cloud upload failed', { id, error: err })
    // Its parts stay on the volume (multipartUploadId kept): the next start resumes from them.
    this.fail(current, err)
    this.deps.on?.settled?.(current)
  }

  /**
   * Stops a running cloud upload. By default (before a delete) its multipart upload is also aborted on the
   * volume once it has stopped, so no parts are left behind; `keepParts` leaves them for a resume.
   */
  stopCloudUpload(id: string, opts: { keepParts?: boolean } = {}): void {
    const entry = this.active.get(id)
    entry?.ac.abort()
    this.active.delete(id)
    const volume = this.deps.volume
    if (opts.keepParts || !volume) return
    const r = this.deps.store.getRecording(id)
    const key = entry?.key ?? r?.objectKey
    if (!key) return
    void (async () => {
      await entry?.settled.catch(() => {})
      for (const uploadId of new Set([entry?.uploadId, r?.multipartUploadId])) {
        if (uploadId) await volume.abort(key, uploadId).catch((err: unknown) => this.deps.logger.warn('could not abort a stopped upload', { id, error: err }))
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

/**
 * Removes what a crash during an upload left behind: folders in the uploads folder that no recording owns (the
 * PUT never finished), and the multipart upload such a PUT had started on the volume.
 * @param startedAt - when this process started (epoch ms): folders changed since belong to uploads still arriving.
 * @returns how many folders were removed.
 */
export async function sweepOrphanedUploads(
  deps: { store: RecordingStore; files: RecordingFiles; objectStore: ObjectStore | null; logger: Logger },
  startedAt: number,
): Promise<number> {
  let removed = 0
  for (const { id, changedMs } of await deps.files.listRecordingDirs()) {
    if (deps.store.getRecording(id)) continue
    if (changedMs >= startedAt) continue // an upload of this process, still arriving
    const note = multipartNote(await deps.files.readSidecar(id, 'multipart'))
    if (note) {
      try {
        await deps.objectStore?.abortMultipartUpload(note.key, note.uploadId)
      } catch (err) {
        deps.logger.warn('could not abort an orphaned multipart upload', { dir: id, error: err })
      }
    }
    await deps.files.removeRecording(id)
    removed++
  }
  if (removed) deps.logger.info('removed folders of uploads interrupted by a crash', { removed })
  return removed
}
