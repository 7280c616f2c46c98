import { randomBytes } from 'node:crypto'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { SignatureV4 } from '@smithy/signature-v4'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestS3Client, readObject, startS3Server, VOLUME_MOUNT_HEADER, withTestS3Client, type S3TestServer } from './server.ts'
import { NodeSha256 } from './sigv4.ts'

const KEYS = { accessKeyId: 'user_2f21CfO73Mm2Uq2lEGFiEF24IPw', secretAccessKey: 'rps_s3servertest' }

/** Errors the SDK throws carry the S3 code as `name` and the HTTP status in `$metadata`. */
async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }
  }
  throw new Error('expected the S3 call to fail')
}

async function signedHeaders(server: S3TestServer, method: string, path: string, query: Record<string, string> = {}) {
  const url = new URL(server.endpoint)
  const signer = new SignatureV4({
    credentials: KEYS,
    region: server.region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  })
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query,
    headers: {
      host: url.host,
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
  })
  return signed.headers
}

describe("S3 stand-in, presign 'unsupported' (RunPod-like)", () => {
  let server: S3TestServer
  let s3: S3Client

  beforeAll(async () => {
    server = await startS3Server({ ...KEYS, bucket: '7z79eg0uur', presign: 'unsupported' })
    s3 = createTestS3Client(server)
  })
  afterAll(async () => {
    s3.destroy()
    await server.close()
  })

  it('exposes a loopback endpoint, the datacenter region and the bucket', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.region).toBe('EU-RO-1')
    expect(server.bucket).toBe('7z79eg0uur')
  })

  it('HeadBucket and ListObjectsV2 work with the real SDK (bucket-level signature fix)', async () => {
    const head = await s3.send(new HeadBucketCommand({ Bucket: server.bucket }))
    expect(head.$metadata.httpStatusCode).toBe(200)
    const empty = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket }))
    expect(empty.KeyCount ?? 0).toBe(0)
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'list/a.txt', Body: 'a' }))
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'list/sub/b.txt', Body: 'bb' }))
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'list/' }))
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['list/a.txt', 1],
      ['list/sub/b.txt', 2],
    ])
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'rec (1)/a!*.txt', Body: 'c' }))
    const odd = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'rec (1)/a!' }))
    expect(odd.Contents?.map((o) => o.Key)).toEqual(['rec (1)/a!*.txt'])
    const delimited = await s3.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'list/', Delimiter: '/' }),
    )
    expect(delimited.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/sub/'])
    expect(
      server.requests
        .filter((r) => r.operation === 'HeadBucket' || r.operation === 'ListObjectsV2')
        .every((r) => r.status === 200),
    ).toBe(true)
  })

  it('PutObject, HeadObject, GetObject, DeleteObject round-trip (keys with spaces and non-ASCII)', async () => {
    const key = 'uploads/rec 1/интервью (1).m4a'
    const body = randomBytes(70_000)
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: body, ContentType: 'audio/mp4' }))
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }))
    expect(head.ContentLength).toBe(body.length)
    expect(head.ContentType).toBe('audio/mp4')
    expect((await readObject(server, key)).equals(body)).toBe(true)
    await s3.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: key }))
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key })))).name).toBe('NoSuchKey')
  })

  it('multipart-uploads ~12 MB in 5 MB parts with lib-storage and gives the same bytes back', async () => {
    const body = randomBytes(12 * 1024 * 1024 + 12345)
    const before = server.requests.length
    const progress: number[] = []
    const upload = new Upload({
      client: s3,
      params: { Bucket: server.bucket, Key: 'big/multipart.bin', Body: body },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    })
    upload.on('httpUploadProgress', (p) => progress.push(p.loaded ?? 0))
    await upload.done()
    const ops = server.requests.slice(before).map((r) => r.operation)
    expect(ops.filter((o) => o === 'CreateMultipartUpload')).toHaveLength(1)
    expect(ops.filter((o) => o === 'UploadPart')).toHaveLength(3)
    expect(ops.filter((o) => o === 'CompleteMultipartUpload')).toHaveLength(1)
    expect(progress.at(-1)).toBe(body.length)
    const back = await readObject(server, 'big/multipart.bin')
    expect(back.length).toBe(body.length)
    expect(back.equals(body)).toBe(true)
  })

  it('AbortMultipartUpload (supported by RunPod, emulated over s3rver) discards the parts', async () => {
    const key = 'big/aborted.bin'
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: key }))
    const part = await s3.send(
      new UploadPartCommand({ Bucket: server.bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(1000) }),
    )
    const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: key, UploadId }))
    expect(aborted.$metadata.httpStatusCode).toBe(204)
    const complete = s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: server.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    )
    expect((await s3Error(complete)).status).toBeGreaterThanOrEqual(400)
    expect(
      (await s3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: key, UploadId })))).name,
    ).toBe('NoSuchUpload')
  })

  it('ListParts lists the finished parts with size and MD5 ETag, pages them, and knows only pending uploads of that key', async () => {
    const key = 'big/listed parts ü.bin'
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: key }))
    const bodies = [randomBytes(3000), randomBytes(1000), randomBytes(2000)]
    const etags: string[] = []
    for (const [i, n] of [1, 3, 4].entries()) {
      const r = await s3.send(new UploadPartCommand({ Bucket: server.bucket, Key: key, UploadId, PartNumber: n, Body: bodies[i] }))
      etags.push(r.ETag!)
    }
    const all = await s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: key, UploadId }))
    expect(all.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 3000, `"${createHash('md5').update(bodies[0]!).digest('hex')}"`],
      [3, 1000, etags[1]],
      [4, 2000, etags[2]],
    ])
    expect(all.IsTruncated).toBe(false)
    const first = await s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: key, UploadId, MaxParts: 2 }))
    expect(first.Parts?.map((p) => p.PartNumber)).toEqual([1, 3])
    expect(first.IsTruncated).toBe(true)
    const rest = await s3.send(
      new ListPartsCommand({ Bucket: server.bucket, Key: key, UploadId, PartNumberMarker: first.NextPartNumberMarker }),
    )
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([4])
    // Another key, an unknown id, and the same upload once completed: NoSuchUpload.
    expect((await s3Error(s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: 'big/other.bin', UploadId })))).name).toBe('NoSuchUpload')
    expect((await s3Error(s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: key, UploadId: 'ab12' })))).status).toBe(404)
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: server.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: all.Parts!.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
      }),
    )
    expect((await readObject(server, key)).equals(Buffer.concat(bodies))).toBe(true)
    expect((await s3Error(s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: key, UploadId })))).name).toBe('NoSuchUpload')
    const late = s3.send(new UploadPartCommand({ Bucket: server.bucket, Key: key, UploadId, PartNumber: 5, Body: randomBytes(10) }))
    expect(await s3Error(late)).toMatchObject({ name: 'NoSuchUpload', status: 404 })
  })

  it('rejects a wrong secret on bucket-level and object calls, and an unknown access key', async () => {
    const wrong = createTestS3Client(server, { secretAccessKey: 'rps_wrong' })
    try {
      expect((await s3Error(wrong.send(new HeadBucketCommand({ Bucket: server.bucket })))).status).toBe(403)
      expect(await s3Error(wrong.send(new ListObjectsV2Command({ Bucket: server.bucket })))).toMatchObject({
        name: 'SignatureDoesNotMatch',
        status: 403,
      })
      expect(
        await s3Error(wrong.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'x', Body: 'x' }))),
      ).toMatchObject({
        name: 'SignatureDoesNotMatch',
        status: 403,
      })
      expect(
        await s3Error(wrong.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'list/a.txt' }))),
      ).toMatchObject({
        name: 'SignatureDoesNotMatch',
      })
    } finally {
      wrong.destroy()
    }
    const stranger = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
    expect(await withTestS3Client(server, (c) => s3Error(c.send(new ListObjectsV2Command({ Bucket: server.bucket }))), stranger)).toMatchObject({
      name: 'InvalidAccessKeyId',
      status: 403,
    })
  })

  it('rejects tampered requests (object path changed; list query changed) and unsigned ones', async () => {
    const headers = await signedHeaders(server, 'GET', `/${server.bucket}/list/a.txt`)
    const ok = await fetch(`${server.endpoint}/${server.bucket}/list/a.txt`, { headers })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('a')
    const tamperedPath = await fetch(`${server.endpoint}/${server.bucket}/list/sub/b.txt`, { headers })
    expect(tamperedPath.status).toBe(403)
    expect(await tamperedPath.text()).toContain('<Code>SignatureDoesNotMatch</Code>')

    const listHeaders = await signedHeaders(server, 'GET', `/${server.bucket}/`, { 'list-type': '2', prefix: 'list/' })
    const listOk = await fetch(`${server.endpoint}/${server.bucket}/?list-type=2&prefix=list%2F`, {
      headers: listHeaders,
    })
    expect(listOk.status).toBe(200)
    const listTampered = await fetch(`${server.endpoint}/${server.bucket}/?list-type=2&prefix=big%2F`, {
      headers: listHeaders,
    })
    expect(listTampered.status).toBe(403)
    expect(await listTampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>')

    const anonymous = await fetch(`${server.endpoint}/${server.bucket}/list/a.txt`)
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>')
  })

  it('rejects a signing region other than the datacenter ID', async () => {
    expect(await withTestS3Client(server, (c) => s3Error(c.send(new ListObjectsV2Command({ Bucket: server.bucket }))), { region: 'us-east-1' })).toMatchObject({
      name: 'AuthorizationHeaderMalformed',
      status: 400,
    })
  })

  it('refuses presigned URLs with 403 AccessDenied "Pre-signed URLs are not supported" (https://docs.runpod.io/storage/s3-api)', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: server.bucket, Key: 'list/a.txt' }), {
      expiresIn: 600,
    })
    const res = await fetch(url)
    expect(res.status).toBe(403)
    const body = await res.text()
    expect(body).toContain('<Code>AccessDenied</Code>')
    expect(body).toContain('<Message>Pre-signed URLs are not supported</Message>')
    const logged = server.requests.at(-1)!
    expect(logged.query).toContain('X-Amz-Signature=REDACTED')
    expect(logged.query).not.toMatch(/X-Amz-Signature=[0-9a-f]{64}/)
  })

  it('answers 501 to operations RunPod does not support (CreateBucket, https://docs.runpod.io/storage/s3-api)', async () => {
    expect(await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'another-volume' })))).toMatchObject({
      name: 'NotImplemented',
      status: 501,
    })
  })

  it('failNext: a 500 on the next PutObject is retried by the SDK; 503s on UploadPart fail an upload', async () => {
    server.faults.failNext(1, 500, { operation: 'PutObject' })
    const before = server.requests.length
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'faults/retried.txt', Body: 'ok' }))
    expect(server.requests.slice(before).map((r) => [r.operation, r.status])).toEqual([
      ['PutObject', 500],
      ['PutObject', 200],
    ])
    expect((await readObject(server, 'faults/retried.txt')).toString()).toBe('ok')

    const once = createTestS3Client(server, { maxAttempts: 1 })
    try {
      server.faults.failNext(10, 503, { operation: 'UploadPart', method: 'PUT' })
      const upload = new Upload({
        client: once,
        params: { Bucket: server.bucket, Key: 'faults/upload.bin', Body: randomBytes(6 * 1024 * 1024) },
        partSize: 5 * 1024 * 1024,
        queueSize: 1,
      })
      const err = await s3Error(upload.done())
      expect(err).toMatchObject({ name: 'SlowDown', status: 503 })
      expect(server.faults.pending()).toBe(9)
      server.faults.clear()
      expect(server.faults.pending()).toBe(0)
      // lib-storage aborts the multipart upload after the failure
      expect(server.requests.some((r) => r.operation === 'AbortMultipartUpload' && r.status === 204)).toBe(true)
    } finally {
      once.destroy()
    }
  })

  it('failNext does not touch reads flagged as the emulated volume mount', async () => {
    server.faults.failNext(1, 500, { operation: 'any' })
    const headers = await signedHeaders(server, 'GET', `/${server.bucket}/list/a.txt`)
    const res = await fetch(`${server.endpoint}/${server.bucket}/list/a.txt`, {
      headers: { ...headers, [VOLUME_MOUNT_HEADER]: '1' },
    })
    // the flag header is not signed here, which s3rver does not mind; the point is the fault was not consumed
    expect(res.status).toBe(200)
    expect(server.requests.at(-1)!.source).toBe('volume-mount')
    expect(server.faults.pending()).toBe(1)
    server.faults.clear()
  })
})

describe("S3 stand-in, presign 'supported'", () => {
  let server: S3TestServer
  let s3: S3Client

  beforeAll(async () => {
    server = await startS3Server({ ...KEYS, bucket: 'presignvol1', presign: 'supported' })
    s3 = createTestS3Client(server)
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'a/audio.bin', Body: 'audio bytes' }))
  })
  afterAll(async () => {
    s3.destroy()
    await server.close()
  })

  it('serves a presigned GET, rejects it tampered, and rejects it once expired', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: server.bucket, Key: 'a/audio.bin' }), {
      expiresIn: 1,
    })
    const ok = await fetch(url)
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('audio bytes')

    const tampered = await fetch(url.replace('/a/audio.bin', '/a/other.bin'))
    expect(tampered.status).toBe(403)
    expect(await tampered.text()).toContain('SignatureDoesNotMatch')

    await new Promise((r) => setTimeout(r, 2100))
    const expired = await fetch(url)
    expect(expired.status).toBe(403)
    const body = await expired.text()
    expect(body).toContain('<Code>AccessDenied</Code>')
    expect(body).toContain('Request has expired')
  })

  it('rejects a presigned URL signed with a wrong secret', async () => {
    const wrong = createTestS3Client(server, { secretAccessKey: 'rps_wrong' })
    try {
      const url = await getSignedUrl(wrong, new GetObjectCommand({ Bucket: server.bucket, Key: 'a/audio.bin' }), {
        expiresIn: 60,
      })
      expect((await fetch(url)).status).toBe(403)
    } finally {
      wrong.destroy()
    }
  })
})

describe('several S3 stand-ins in one process', () => {
  it("keep their keys apart (s3rver's key registry is global)", async () => {
    const a = await startS3Server({
      accessKeyId: 'user_A',
      secretAccessKey: 'rps_a',
      bucket: 'vola',
      presign: 'unsupported',
    })
    const b = await startS3Server({
      accessKeyId: 'user_B',
      secretAccessKey: 'rps_b',
      bucket: 'volb',
      presign: 'unsupported',
    })
    const bOnA = createTestS3Client(a, { accessKeyId: 'user_B', secretAccessKey: 'rps_b' })
    try {
      expect((await s3Error(bOnA.send(new ListObjectsV2Command({ Bucket: a.bucket })))).name).toBe('InvalidAccessKeyId')
      await expect(
        startS3Server({ accessKeyId: 'user_A', secretAccessKey: 'other', bucket: 'x', presign: 'supported' }),
      ).rejects.toThrow(/another S3 test server/)
    } finally {
      bOnA.destroy()
      await a.close()
      await b.close()
    }
  })
})
