/**
 * How the worker is told where a job's audio is (DESIGN.md, `AUDIO_REFERENCE`): a presigned GET URL, or
 * the file's path on the network volume as mounted in serverless workers (`/runpod-volume/<key>`,
 * https://docs.runpod.io/storage/s3-api "Network volume path mapping").
 */
import { request } from 'undici'
import type { AudioReferenceMode } from '../config.ts'
import { AppError } from '../domain/errors.ts'
import type { Logger, ObjectStore } from '../domain/ports.ts'
import type { AudioReferenceKind } from '../domain/recording.ts'

/** Presigned URLs given to the worker stay valid this long (s): the job may wait in the queue. */
const PRESIGN_EXPIRY_SECONDS = 24 * 3600

export interface AudioReferenceSettings {
  mode: AudioReferenceMode
  /** The S3 endpoint is RunPod's own (`s3api-<dc>.runpod.io`). */
  runpodS3: boolean
  objectStore: ObjectStore | null
  logger: Logger
}

/**
 * The reference for `objectKey`.
 * `auto` on RunPod's own S3 API uses the volume path at once, without a preflight: RunPod documents
 * presigned URLs as unsupported there (https://docs.runpod.io/storage/s3-api, "GeneratePresignedURL ❌"),
 * and a presigned URL that happened to work would make the worker download the file over the internet
 * instead of reading its mount. On other S3-compatible stores (AWS, R2, MinIO) `auto` presigns and
 * preflights the URL from the panel (a 1-byte ranged GET), falling back to the volume path when refused.
 * @throws AppError `storage_unavailable` when `presigned` is forced and no URL can be made.
 */
export async function resolveAudioReference(s: AudioReferenceSettings, objectKey: string): Promise<{ audio: string; kind: AudioReferenceKind }> {
  const volumePath = { audio: `/runpod-volume/${objectKey}`, kind: 'volume-path' as const }
  if (s.mode === 'volume-path' || !s.objectStore) return volumePath
  if (s.mode === 'auto' && s.runpodS3) return volumePath
  let url: string
  try {
    url = await s.objectStore.presignGet(objectKey, PRESIGN_EXPIRY_SECONDS)
  } catch (err) {
    if (s.mode === 'presigned') throw new AppError('storage_unavailable', 'A presigned URL could not be made for the audio. Set AUDIO_REFERENCE=volume-path or auto.', { cause: err })
    return volumePath
  }
  if (s.mode === 'presigned') return { audio: url, kind: 'presigned' }
  try {
    const res = await request(url, { method: 'GET', headers: { range: 'bytes=0-0' }, headersTimeout: 10_000, bodyTimeout: 10_000 })
    await res.body.dump()
    if (res.statusCode === 200 || res.statusCode === 206) return { audio: url, kind: 'presigned' }
    s.logger.info('presigned URL refused by the volume, using the volume path', { status: res.statusCode })
  } catch (err) {
    s.logger.info('presigned URL preflight failed, using the volume path', { error: err })
  }
  return volumePath
}
