/**
 * ObjectStore over RunPod's S3-compatible API for network volumes (@aws-sdk/client-s3 + lib-storage).
 * Client settings from https://docs.runpod.io/storage/s3-api and the AWS SDK's docs: path-style addressing, the
 * datacenter ID as region, and flexible checksums only when required (S3-compatible stores reject
 * or mangle the aws-chunked CRC32 uploads the SDK sends by default since 3.729).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { S3Settings } from '../../config.ts'
import { AppError } from '../../domain/errors.ts'
import type { AudioReference, ObjectStore, ResumedUpload, UploadOptions } from '../../domain/ports.ts'
import { resolveAudioReference, type AudioReferenceSettings } from './audio-reference.ts'
import { resumeMultipartUpload } from './multipart-resume.ts'
import { addRunpodS3Quirks, VolumeFullError } from './runpod-s3-quirks.ts'

/**
 * The smallest multipart part this adapter sends, in bytes. RunPod's S3 API does not enforce S3's 5 MB minimum
 * part size (its limits, https://docs.runpod.io/storage/s3-api); lib-storage refuses parts
 * under 5 MiB, S3's rule, before sending anything. Its check reads a static field, lowered here once for this
 * process, whose only S3 endpoint is the network volume: the compact copy goes in 1 MiB parts, so the link starts
 * with the first minutes of audio instead of waiting for 5 MiB of them.
 */
export const MIN_PART_BYTES = 1024 * 1024
const libStorage = Upload as unknown as { MIN_PART_SIZE: number }
if (typeof libStorage.MIN_PART_SIZE !== 'number') throw new Error('@aws-sdk/lib-storage no longer has Upload.MIN_PART_SIZE: check how it limits the part size.')
libStorage.MIN_PART_SIZE = Math.min(libStorage.MIN_PART_SIZE, MIN_PART_BYTES)

/** The volume's S3 settings, and how the client sends. */
export interface S3ClientOptions extends S3Settings {
  /** SDK attempts per request (retries with exponential backoff and jitter are the SDK's). RunPod advises more on 502s (https://docs.runpod.io/storage/s3-api). */
  maxAttempts?: number
  /** Multipart part size in bytes (RunPod: max 500 MB, no 5 MB minimum; https://docs.runpod.io/storage/s3-api). */
  partSize?: number
  /** Parts in flight at once; memory use is about partSize × queueSize. */
  queueSize?: number
}

/**
 * Builds the S3 client the way RunPod's S3 API needs it: path-style, checksums only when required (the SDK's default
 * CRC32 breaks S3-compatible stores: https://github.com/aws/aws-sdk-js-v3/issues/6810).
 */
export function createS3Client(s: S3ClientOptions): S3Client {
  const client = new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: s.maxAttempts ?? 6,
  })
  addRunpodS3Quirks(client)
  return client
}

/** The network volume as an `ObjectStore`. */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string
  private readonly partSize: number
  private readonly queueSize: number

  private readonly client: S3Client
  private readonly audioReference: AudioReferenceSettings | null
  /**
   * @param audioReference - how workers are told where audio is (`workerAudio`); absent: the volume path.
   */
  constructor(
    client: S3Client,
    settings: Pick<S3ClientOptions, 'bucket' | 'partSize' | 'queueSize'> & { audioReference?: AudioReferenceSettings },
  ) {
    this.client = client
    this.audioReference = settings.audioReference ?? null
    this.bucket = settings.bucket
    this.partSize = settings.partSize ?? 8 * 1024 * 1024
    this.queueSize = settings.queueSize ?? 3
  }

  async uploadFile(
    key: string,
    source: string | Readable,
    options: UploadOptions,
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: typeof source === 'string' ? createReadStream(source) : source, ContentType: options.contentType },
      partSize: options.partSize ?? this.partSize,
      queueSize: this.queueSize,
      // A failed or stopped upload keeps its parts on the volume so that `resumeUpload` can continue it;
      // the caller aborts it (`abortMultipartUpload`) when it will not be resumed.
      leavePartsOnError: true,
      abortController: options.signal ? abortControllerFor(options.signal) : undefined,
    })
    let sent = 0
    // lib-storage exposes the UploadId (public `uploadId`) once CreateMultipartUpload answered; report it at once.
    let reported = false
    const watch = setInterval(() => {
      if (!reported && upload.uploadId) {
        reported = true
        options.onMultipartStarted?.(upload.uploadId)
      }
    }, 50)
    upload.on('httpUploadProgress', (p) => {
      if (typeof p.loaded === 'number' && p.loaded > sent) {
        sent = p.loaded
        options.onProgress?.(sent)
      }
    })
    try {
      await upload.done()
    } catch (err) {
      const expected = typeof source === 'string' ? (await stat(source).catch(() => null))?.size : source.readableEnded ? sent : undefined
      if (expected !== undefined && sent >= expected && (await this.committedDespite(err, key, expected))) return
      throw translateS3Error(err, `upload of ${key}`)
    } finally {
      clearInterval(watch)
    }
  }

  /**
   * After every part was sent, a failed `CompleteMultipartUpload` may still have merged the object: RunPod's
   * volume is a POSIX filesystem behind Cloudflare, and a Complete that runs long is cut off with a 524 (or a
   * timeout) while the merge goes on; a retried Complete then answers NoSuchUpload. RunPod's own helper checks
   * the object's size with HeadObject (github.com/runpod/runpod-s3-examples, `upload_large_file.py`,
   * `complete_with_timeout_retry`). Looks a few times over ~15 s for the merge to show.
   * @returns true when the object exists with `expectedBytes`.
   */
  private async committedDespite(err: unknown, key: string, expectedBytes: number): Promise<boolean> {
    if (err instanceof VolumeFullError || (err instanceof Error && err.name === 'AbortError')) return false
    const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined
    if (status === 401 || status === 403) return false
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500 * 2 ** attempt))
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
        if (head.ContentLength === expectedBytes) return true
      } catch {
        // Not there (yet): the merge may still be running.
      }
    }
    return false
  }

  async resumeUpload(
    key: string,
    filePath: string,
    uploadId: string,
    options: { partSize?: number; onProgress?: (sentBytes: number) => void; signal?: AbortSignal },
  ): Promise<ResumedUpload | null> {
    const size = (await stat(filePath)).size
    let resumed: ResumedUpload | null
    try {
      resumed = await resumeMultipartUpload(this.client, {
        bucket: this.bucket,
        key,
        uploadId,
        file: filePath,
        partSize: options.partSize ?? this.partSize,
        queueSize: this.queueSize,
        signal: options.signal,
        onProgress: options.onProgress,
      })
    } catch (err) {
      if (await this.committedDespite(err, key, size)) return { keptParts: 0, keptBytes: size, sentParts: 0, sentBytes: 0 }
      throw translateS3Error(err, `resumed upload of ${key}`)
    }
    // The volume forgot the upload: a Complete that answered 524 may have finished it (see committedDespite).
    if (resumed === null && (await this.committedDespite(null, key, size))) return { keptParts: 0, keptBytes: size, sentParts: 0, sentBytes: 0 }
    return resumed
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
    } catch (err) {
      if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchUpload')) return
      throw translateS3Error(err, `abort of an interrupted upload of ${key}`)
    }
  }

  async workerAudio(key: string): Promise<AudioReference> {
    if (!this.audioReference) return { kind: 'volume-path', key }
    return resolveAudioReference(this.audioReference, (k, expiresIn) => this.presignGet(k, expiresIn), key)
  }

  /** A presigned GET URL for `key`, valid for `expiresInSeconds`. */
  private async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    })
  }

  async deleteObject(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
    } catch (err) {
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return
      throw translateS3Error(err, `delete of ${key}`)
    }
  }

  /**
   * Deletes every object under `prefix` one by one: RunPod's S3 API lists DeleteObjects (the batch call) as
   * planned, not supported (public repo runpod/docs, storage/s3-api.mdx, "Supported operations"). Returns how many were deleted.
   */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0
    let token: string | undefined
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }))
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue // RunPod lists folders as keys too
          await this.deleteObject(o.Key)
          deleted++
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
    } catch (err) {
      if (err instanceof AppError) throw err
      throw translateS3Error(err, `delete of ${prefix}*`)
    }
    return deleted
  }

  async readObject(key: string, maxBytes: number): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
        await out.Body?.transformToByteArray().catch(() => undefined)
        throw new AppError('payload_too_large', `${key} on the network volume is ${out.ContentLength} bytes, more than the ${maxBytes} the panel reads.`)
      }
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0)
    } catch (err) {
      if (err instanceof Error && (err.name === 'NoSuchKey' || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404 && err.name !== 'NoSuchBucket'))) return null
      throw translateS3Error(err, `read of ${key}`)
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }))
    } catch (err) {
      throw translateS3Error(err, 'volume check')
    }
  }
}

function abortControllerFor(signal: AbortSignal): AbortController {
  const ac = new AbortController()
  if (signal.aborted) ac.abort()
  else signal.addEventListener('abort', () => ac.abort(), { once: true })
  return ac
}

/**
 * Translates an SDK failure into an AppError a user can act on.
 * 401/403 and credential errors → `storage_auth`; 404 on the bucket → `storage_auth` (wrong volume ID);
 * everything else (network, 5xx after the SDK's retries) → `storage_unavailable` (retryable).
 */
export function translateS3Error(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err
  if (err instanceof VolumeFullError) {
    return new AppError(
      'volume_full',
      `The network volume is full (${what}). Free space on it, or make it bigger in RunPod's console (Storage → your volume → Edit), then add the recording again; the panel does not retry a full volume by itself.`,
      { cause: err },
    )
  }
  const name = err instanceof Error ? err.name : ''
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined
  if (
    status === 401 ||
    status === 403 ||
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(name)
  ) {
    return new AppError(
      'storage_auth',
      `The network volume refused the S3 keys (${what}: ${name && name !== 'Unknown' ? name : `HTTP ${status}`}). Check RUNPOD_S3_ACCESS_KEY, RUNPOD_S3_SECRET_KEY and RUNPOD_DATACENTER in .env.`,
      { cause: err },
    )
  }
  if (name === 'NoSuchUpload') {
    // After a retried CompleteMultipartUpload: the first attempt finished or the upload was cleaned up; the
    // volume itself is there (the parts went in). Not "volume not found".
    return new AppError(
      'upload_failed',
      `The volume no longer knows this multipart upload (${what}: NoSuchUpload), and the file is not complete on it. Add the recording again to upload it anew.`,
      { cause: err },
    )
  }
  if (status === 404 || name === 'NoSuchBucket' || name === 'NotFound') {
    return new AppError(
      'storage_auth',
      `The network volume was not found (${what}). Check RUNPOD_VOLUME_ID and that the volume is in datacenter RUNPOD_DATACENTER.`,
      { cause: err },
    )
  }
  if (name === 'AbortError') {
    return new AppError('upload_failed', `The ${what} was stopped.`, { cause: err })
  }
  const detail = err instanceof Error ? err.message : String(err)
  return new AppError(
    'storage_unavailable',
    `The network volume's S3 API could not be reached (${what}: ${detail}), also after several tries. Check your connection.`,
    { retryable: true, cause: err },
  )
}
