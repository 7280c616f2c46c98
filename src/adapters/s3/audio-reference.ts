/**
 * How the worker is told where a job's audio is (`AUDIO_REFERENCE`): a presigned GET URL, or the object's key
 * on the network volume, which serverless workers mount at `/runpod-volume/` (the RunPod adapter writes that
 * path; https://docs.runpod.io/storage/s3-api "Network volume path mapping").
 */
import { request } from 'undici'
import type { AudioReferenceMode } from '../../domain/recording.ts'
import { AppError } from '../../domain/errors.ts'
import type { AudioReference, Logger } from '../../domain/ports.ts'

/** Presigned URLs given to the worker stay valid this long (s): the job may wait in the queue. */
const PRESIGN_EXPIRY_SECONDS = 24 * 3600

export interface AudioReferenceSettings {
  mode: AudioReferenceMode
  /** The S3 endpoint is RunPod's own (`s3api-<dc>.runpod.io`). */
  runpodS3: boolean
  logger: Logger
}

/**
 * The reference for `objectKey`.
 * `auto` on RunPod's own S3 API uses the volume path at once, without a preflight: RunPod documents
 * presigned URLs as unsupported there (https://docs.runpod.io/storage/s3-api, "GeneratePresignedURL ❌"),
 * and a presigned URL that happened to work would make the worker download the file over the internet
 * instead of reading its mount. On other S3-compatible stores (AWS, R2, MinIO) `auto` presigns and
 * preflights the URL from the panel (a 1-byte ranged GET), falling back to the volume path when refused.
 * @param presign - makes a presigned GET URL for a key, valid for the given seconds.
 * @throws AppError `storage_unavailable` when `presigned` is forced and no URL can be made.
 */
export async function resolveAudioReference(s: AudioReferenceSettings, presign: (key: string, expiresInSeconds: number) => Promise<string>, objectKey: string): Promise<AudioReference> {
  const volumePath: AudioReference = { kind: 'volume-path', key: objectKey }
  if (s.mode === 'volume-path') return volumePath
  if (s.mode === 'auto' && s.runpodS3) return volumePath
  let url: string
  try {
    url = await presign(objectKey, PRESIGN_EXPIRY_SECONDS)
  } catch (err) {
    if (s.mode === 'presigned') throw new AppError('storage_unavailable', 'A presigned URL could not be made for the audio. Set AUDIO_REFERENCE=volume-path or auto.', { cause: err })
    return volumePath
  }
  if (s.mode === 'presigned') return { kind: 'presigned', url }
  try {
    const res = await request(url, { method: 'GET', headers: { range: 'bytes=0-0' }, headersTimeout: 10_000, bodyTimeout: 10_000 })
    await res.body.dump()
    if (res.statusCode === 200 || res.statusCode === 206) return { kind: 'presigned', url }
    s.logger.info('presigned URL refused by the volume, using the volume path', { status: res.statusCode })
  } catch (err) {
    s.logger.info('presigned URL preflight failed, using the volume path', { error: err })
  }
  return volumePath
}
