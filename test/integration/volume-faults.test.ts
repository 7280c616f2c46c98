/**
 * The network volume the way RunPod's behaves (runpod-s3-examples `upload_large_file.py`): a Complete that
 * answers Cloudflare's 524 although the merge went through, a full volume (507), NoSuchUpload after a
 * retried Complete, and "UTC" dates. Against the S3 stand-in, through the panel's own S3 adapter.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { HeadBucketCommand, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client, S3ObjectStore, translateS3Error } from '../../src/adapters/s3/s3-object-store.ts'
import { AppError } from '../../src/domain/errors.ts'
import { GPU_COPY_PART_SIZE } from '../../src/services/gpu-copy.ts'
import { createTestS3Client, readObject, startS3Server, type S3TestServer } from '../../standins/s3/server.ts'

const MiB = 1024 * 1024
let dir: string
let file: string

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'volume-faults-'))
  file = path.join(dir, 'audio.m4a')
  // Two 5 MiB parts and a tail: a real multipart upload with a Complete at the end.
  writeFileSync(file, Buffer.alloc(11 * MiB, 7))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

const servers: S3TestServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function volume(extra: { quotaBytes?: number; utcDates?: boolean } = {}) {
  const s3 = await startS3Server({ accessKeyId: 'user_volumefaults', secretAccessKey: 'rps_volumefaults', bucket: 'volfaults01', presign: 'unsupported', ...extra })
  servers.push(s3)
  const store = new S3ObjectStore(createS3Client({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, maxAttempts: 3 }), { bucket: s3.bucket, partSize: 5 * MiB })
  return { s3, store }
}

describe('uploads to a RunPod-like volume', () => {
  it('a Complete answered with 524 whose merge went through counts as done (HeadObject size matches)', async () => {
    const { s3, store } = await volume()
    s3.faults.commitThen524(1)
    await store.uploadFile('scribe-panel/a/audio.m4a', file, { contentType: 'audio/mp4' })
    expect((await readObject(s3, 'scribe-panel/a/audio.m4a')).length).toBe(11 * MiB)
    const completes = s3.requests.filter((r) => r.operation === 'CompleteMultipartUpload').map((r) => r.status)
    expect(completes[0]).toBe(524)
    expect(s3.requests.some((r) => r.operation === 'HeadObject' && r.status === 200)).toBe(true)
  })

  it('the same with "UTC" dates: HeadObject still parses (the SDK alone would not)', async () => {
    const { s3, store } = await volume({ utcDates: true })
    s3.faults.commitThen524(1)
    await store.uploadFile('scribe-panel/b/audio.m4a', file, { contentType: 'audio/mp4' })
    const plain = createTestS3Client(s3)
    try {
      await expect(plain.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'scribe-panel/b/audio.m4a' }))).rejects.toThrow(/date/i)
    } finally {
      plain.destroy()
    }
  })

  it('a full volume (507) fails at once with a message that says so, without retries', async () => {
    const { s3, store } = await volume({ quotaBytes: 3 * MiB })
    const err = await store.uploadFile('scribe-panel/c/audio.m4a', file, { contentType: 'audio/mp4' }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ code: 'volume_full', retryable: false })
    expect((err as AppError).message).toMatch(/network volume is full.*Free space on it, or make it bigger/)
    // Each part was tried once: a retry cannot make room.
    const parts = s3.requests.filter((r) => r.operation === 'UploadPart')
    expect(parts.some((p) => p.status === 507)).toBe(true)
    expect(new Set(parts.map((p) => p.query.match(/partNumber=(\d+)/)?.[1])).size).toBe(parts.length)
  })

  it('streams the compact copy in 1 MiB parts, under S3\'s 5 MiB minimum that RunPod does not enforce', async () => {
    const { s3, store } = await volume()
    const bytes = Buffer.alloc(Math.round(3.5 * MiB), 3)
    await store.uploadFile('scribe-panel/c/audio-16k-mono.ogg', Readable.from([bytes.subarray(0, MiB / 2), bytes.subarray(MiB / 2)]), { contentType: 'audio/ogg', partSize: GPU_COPY_PART_SIZE })
    expect(GPU_COPY_PART_SIZE).toBe(MiB)
    expect(s3.requests.filter((r) => r.operation === 'UploadPart' && r.status === 200)).toHaveLength(4)
    expect((await readObject(s3, 'scribe-panel/c/audio-16k-mono.ogg')).equals(bytes)).toBe(true)
  })

  it('NoSuchUpload is not "volume not found"', () => {
    const e = new S3ServiceException({ name: 'NoSuchUpload', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'The specified upload does not exist.' })
    const app = translateS3Error(e, 'upload of k')
    expect(app.code).toBe('upload_failed')
    expect(app.message).not.toMatch(/not found|RUNPOD_VOLUME_ID/)
    expect(app.message).toMatch(/NoSuchUpload/)
  })

  it('asks for no compression, so Cloudflare in front of the volume does not gzip its answers', async () => {
    // A third party had to send "Accept-Encoding: identity" to stop Cloudflare gzipping RunPod's answers
    // (mason276752/runpod-s3-proxy runpod_proxy.go); Cloudflare compresses only for clients that accept it.
    const seen: IncomingHttpHeaders[] = []
    const server = createServer((req, res) => {
      seen.push(req.headers)
      res.writeHead(200).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const client = createS3Client({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'EU-RO-1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' })
    try {
      await client.send(new HeadBucketCommand({ Bucket: 'b' }))
      expect(seen).toHaveLength(1)
      expect(seen[0]!['accept-encoding'] ?? 'identity').toBe('identity')
    } finally {
      client.destroy()
      server.close()
    }
  })
})
