/**
 * Resuming a multipart upload of a local file: the parts the volume already holds (ListParts) are kept,
 * only the missing or different ones are sent, then the upload is completed. lib-storage's `Upload`
 * cannot resume (it always starts a new UploadId), so this drives the SDK's own commands.
 *
 * A listed part is kept only when its size and its ETag (the MD5 of the part's bytes, as S3 computes it
 * for parts of unencrypted objects: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html,
 * "ETag") match the same byte range of the local file; anything else is sent again, so a resumed object
 * is never a mix of two different files.
 */
import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { CompleteMultipartUploadCommand, ListPartsCommand, S3ServiceException, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3'
import pLimit from 'p-limit'
import type { ResumedUpload } from '../../domain/ports.ts'

/** One part the volume holds for a pending multipart upload. */
export interface StoredPart {
  partNumber: number
  /** bytes */
  size: number
  /** Without quotes. */
  etag: string
}

/**
 * All parts of a pending multipart upload (ListParts, followed page by page).
 * @returns the parts by part number, or null when the volume does not know the upload (NoSuchUpload / 404:
 *   aborted, completed, expired, or never created).
 * @throws the SDK's error for anything else.
 */
export async function listStoredParts(client: S3Client, bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<StoredPart[] | null> {
  const parts: StoredPart[] = []
  let marker: string | undefined
  try {
    for (;;) {
      const page = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }), { abortSignal: signal })
      for (const p of page.Parts ?? []) {
        if (p.PartNumber !== undefined) parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: (p.ETag ?? '').replace(/"/g, '') })
      }
      if (!page.IsTruncated || page.NextPartNumberMarker === undefined || page.NextPartNumberMarker === marker) break
      marker = page.NextPartNumberMarker
    }
  } catch (err) {
    if (err instanceof S3ServiceException && (err.name === 'NoSuchUpload' || err.$metadata.httpStatusCode === 404)) return null
    throw err
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber)
}

export interface ResumeOptions {
  bucket: string
  key: string
  uploadId: string
  /** The local file whose bytes the upload carries. */
  file: string
  /** Part size in bytes the upload was started with (every part but the last has this size). */
  partSize: number
  /** Parts sent at once. */
  queueSize: number
  signal?: AbortSignal
  /** Bytes on the volume so far (kept parts + parts sent), monotonic. */
  onProgress?: (sentBytes: number) => void
}

/**
 * Resumes the multipart upload `uploadId` of `file` and completes it.
 * @returns what was kept and what was sent, or null when the volume no longer knows the upload (start anew).
 * @throws the SDK's errors (network, auth, 5xx after its retries); the upload stays pending on the volume,
 *   so a later call resumes again.
 */
export async function resumeMultipartUpload(client: S3Client, o: ResumeOptions): Promise<ResumedUpload | null> {
  const stored = await listStoredParts(client, o.bucket, o.key, o.uploadId, o.signal)
  if (!stored) return null
  const size = (await stat(o.file)).size
  const count = Math.max(1, Math.ceil(size / o.partSize))
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]))
  const fh = await open(o.file, 'r')
  try {
    const read = async (n: number): Promise<Buffer> => {
      const start = (n - 1) * o.partSize
      const length = Math.min(o.partSize, size - start)
      const buf = Buffer.alloc(length)
      const { bytesRead } = await fh.read(buf, 0, length, start)
      if (bytesRead !== length) throw new Error(`${o.file} changed while it was being uploaded (short read at part ${n})`)
      return buf
    }
    const etags = new Map<number, string>()
    const missing: number[] = []
    const result: ResumedUpload = { keptParts: 0, keptBytes: 0, sentParts: 0, sentBytes: 0 }
    for (let n = 1; n <= count; n++) {
      const have = byNumber.get(n)
      const expectedSize = Math.min(o.partSize, size - (n - 1) * o.partSize)
      if (have && have.size === expectedSize && have.etag === createHash('md5').update(await read(n)).digest('hex')) {
        etags.set(n, have.etag)
        result.keptParts++
        result.keptBytes += expectedSize
      } else missing.push(n)
    }
    o.onProgress?.(result.keptBytes)
    const limit = pLimit(o.queueSize)
    await Promise.all(
      missing.map((n) =>
        limit(async () => {
          o.signal?.throwIfAborted()
          const body = await read(n)
          const out = await client.send(new UploadPartCommand({ Bucket: o.bucket, Key: o.key, UploadId: o.uploadId, PartNumber: n, Body: body, ContentLength: body.length }), { abortSignal: o.signal })
          etags.set(n, (out.ETag ?? '').replace(/"/g, ''))
          result.sentParts++
          result.sentBytes += body.length
          o.onProgress?.(result.keptBytes + result.sentBytes)
        }),
      ),
    )
    o.signal?.throwIfAborted()
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: o.bucket,
        Key: o.key,
        UploadId: o.uploadId,
        MultipartUpload: { Parts: [...etags].sort((a, b) => a[0] - b[0]).map(([PartNumber, etag]) => ({ PartNumber, ETag: `"${etag}"` })) },
      }),
      { abortSignal: o.signal },
    )
    return result
  } finally {
    await fh.close()
  }
}
