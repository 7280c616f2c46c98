/**
 * The upload pipeline: browser bytes → local copy (streamed to disk, hashed, sniffed, probed) →
 * multipart upload to the network volume, with progress events. The local copy is stored and
 * playable before the cloud upload starts; a failed cloud upload never touches it.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileTypeFromFile } from 'file-type'
import { AppError } from '../domain/errors.ts'
import type { Logger, MediaProbe, ObjectStore, RecordingFiles, SpeechDetector } from '../domain/ports.ts'
import { parseSpeechMap, type SpeechMap } from '../domain/speech-map.ts'
import { toRecording, type NewRecording, type RecordingStore, type StoredRecording } from '../domain/store.ts'
import { created } from '../domain/lifecycle.ts'
import { CloudUploads, sweepOrphanedUploads } from './cloud-upload.ts'
import { discardEarlyUpload, objectKeyFor, startEarlyUpload, type EarlyUpload } from './early-upload.ts'
import type { EventBus } from './events.ts'
import { estimatedCopyBytes, gpuCopyKey, isGpuCopyKey, needsGpuCopy, type UploadTranscode } from './gpu-copy.ts'
import { IngestMeter } from './ingest-meter.ts'
import { VolumeTransfer } from './volume-transfer.ts'

export interface UploadDeps {
  store: RecordingStore
  media: MediaProbe
  /** Voice activity detection for the speech map beside the peaks; absent: no speech maps (text-only filter). */
  speech?: SpeechDetector
  /** null when the S3 settings are missing: recordings are kept locally and the user is told what to set. */
  objectStore: ObjectStore | null
  events: EventBus
  logger: Logger
  /** Where the recording's local files live (the original, the compact copy, peaks, speech map, sidecars). */
  files: RecordingFiles
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

// Control characters (C0, DEL, C1) and path separators never belong in a file name we keep.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/
const MAX_NAME_LENGTH = 255
/** Number of waveform bins stored per recording: enough detail for a one-hour zoomed-out view. */
export const PEAK_BINS = 4000
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
  /** The cloud uploads to the volume (and their restart after a crash). */
  readonly cloud: CloudUploads

  /** Folders changed after this (ms) belong to this process; `sweepOrphans` leaves them alone. */
  private readonly startedAt = Date.now()
  private readonly deps: UploadDeps
  constructor(deps: UploadDeps) {
    this.deps = deps
    const { store, objectStore, media, files, events, logger } = deps
    this.cloud = new CloudUploads({
      store,
      volume: objectStore ? new VolumeTransfer({ objectStore, media, files, logger, retryDelaysMs: deps.uploadRetryDelaysMs }) : null,
      events,
      logger,
      uploadConcurrency: deps.uploadConcurrency,
      on: { uploaded: deps.onUploaded, settled: (r) => this.speechMapAfterUpload(r) },
    })
  }

  /** Absolute path of the stored audio. */
  audioPath(r: Pick<StoredRecording, 'id' | 'extension'>): string {
    return this.deps.files.audioPath(r)
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
    const files = this.deps.files
    await files.createRecordingDir(id)
    const partPath = files.incomingPath(id)
    const earlyDeps = { ...this.deps, limit: this.cloud.limit }
    // The early cloud upload, when one starts, is the meter's consumer of the bytes after the head.
    const meter = new IngestMeter<EarlyUpload>(this.deps.maxUploadBytes, (head) => startEarlyUpload(earlyDeps, id, head))
    try {
      await pipeline(source, meter, createWriteStream(partPath))
      const { size, sha256 } = meter.result()
      const streaming = meter.consumer
      streaming?.end()
      if (size === 0) throw new AppError('bad_request', 'The file is empty (0 bytes). Choose the recording again; it may not have finished saving.')

      const type = await fileTypeFromFile(partPath)
      if (!type || !(type.mime.startsWith('audio/') || type.mime.startsWith('video/'))) {
        throw new AppError('unsupported_media', `"${filename}" is not an audio file (its content looks like ${type ? type.mime : 'text or unknown data'}). Upload an m4a, mp3, wav, ogg, flac, webm or mp4 recording.`)
      }
      const info = await this.deps.media.probe(partPath)
      const { duration, recordedAt } = info
      const extension = type.ext
      await files.keepIncoming(id, extension)

      const duplicates = this.deps.store.findBySha256(sha256)
      // Decided here, after probing; an upload begun during the PUT is kept only when it sends what was decided.
      const copy = this.deps.transcode === 'auto' && needsGpuCopy(info, size)
      const objectKey = copy ? gpuCopyKey(id) : objectKeyFor(id, extension)
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
      if (this.deps.objectStore) this.deps.events.publish({ type: 'recording', recording: toRecording(stored) })
      void this.computePeaks(stored)
      // A recording that goes to the GPU as the compact copy gets its speech map from the copy once the upload has
      // made it, so the analysis does not take the CPU from the copy and the upload (nothing waits for the map).
      if (!copy || !this.deps.objectStore) void this.computeSpeechMap(stored).catch(() => undefined)
      if (keepEarly) this.cloud.adoptEarlyUpload(stored, streaming)
      else {
        if (resumeEarly) this.deps.store.updateRecording(id, { multipartUploadId: streaming.uploadId })
        else if (streaming) await discardEarlyUpload(this.deps, streaming)
        this.cloud.startCloudUpload(id)
      }
      return { recording: stored, duplicateOf: duplicates[0]?.id ?? null }
    } catch (err) {
      const refused = meter.consumer
      if (refused) await discardEarlyUpload(this.deps, refused)
      await files.removeRecording(id)
      throw err
    }
  }

  /**
   * Waveform peaks for the page, computed once with ffmpeg and cached as `peaks.json` beside the audio.
   * @returns `{duration (s), peaks: number[] in [0, 1]}`.
   */
  async peaks(r: StoredRecording): Promise<{ duration: number; peaks: number[] }> {
    const cached = (await this.deps.files.readSidecar(r.id, 'peaks')) as { duration: number; peaks: number[] } | null
    return cached ?? this.computePeaks(r)
  }

  private readonly peakJobs = new Map<string, Promise<{ duration: number; peaks: number[] }>>()

  private computePeaks(r: StoredRecording): Promise<{ duration: number; peaks: number[] }> {
    const running = this.peakJobs.get(r.id)
    if (running) return running
    const job = (async () => {
      const result = await this.deps.media.peaks(this.audioPath(r), PEAK_BINS)
      await this.deps.files.writeSidecar(r.id, 'peaks', result)
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
    return parseSpeechMap(await this.deps.files.readSidecar(r.id, 'speech'))
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
      const copy = this.deps.files.gpuCopyPath(r.id)
      const file0 = isGpuCopyKey(r.objectKey) && existsSync(copy) ? copy : this.audioPath(r)
      const map = await detector.detect(file0, r.duration ?? (await this.deps.media.probe(file0)).duration)
      await this.deps.files.writeSidecar(r.id, 'speech', map)
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

  /** Starts the speech map of a recording whose analysis waited for its upload (the compact copy). */
  private speechMapAfterUpload(r: StoredRecording): void {
    if (isGpuCopyKey(r.objectKey)) void this.speechMap(r).catch(() => undefined)
  }

  /** See `CloudUploads.startCloudUpload`. */
  startCloudUpload(id: string): void {
    this.cloud.startCloudUpload(id)
  }

  /** See `CloudUploads.stopCloudUpload`. */
  stopCloudUpload(id: string, opts: { keepParts?: boolean } = {}): void {
    this.cloud.stopCloudUpload(id, opts)
  }

  /** Stops every running cloud upload (shutdown), keeping their parts: they resume on the next start. */
  stopAll(): void {
    this.cloud.stopAll()
  }

  /** Whether a cloud upload for `id` is running in this process. */
  isUploading(id: string): boolean {
    return this.cloud.isUploading(id)
  }

  /** See `sweepOrphanedUploads`. */
  sweepOrphans(): Promise<number> {
    return sweepOrphanedUploads(this.deps, this.startedAt)
  }
}
