/**
 * A local stand-in for a RunPod network volume's S3-compatible API (https://docs.runpod.io/storage/s3-api), for
 * the tests, the demo and the benchmarks.
 *
 * @20minutes/s3rver 4.0.4 stores the objects and checks SigV4 signatures and presigned-URL expiry. A small
 * HTTP front in this file sits before s3rver's Koa app and makes it behave like RunPod where s3rver does not:
 * - Bucket-level calls: the AWS SDK signs the path `/<bucket>/`, s3rver canonicalizes `/<bucket>` and rejects
 *   every HeadBucket / ListObjectsV2. For those requests the front verifies the signature itself (sigv4.ts, with
 *   the SDK's own signer), then forwards the verified request to s3rver as `/<bucket>` without its Authorization
 *   header (s3rver serves unsigned requests).
 * - AbortMultipartUpload and ListParts (RunPod supports both, s3rver answers MethodNotAllowed): verified the same
 *   way, then served from s3rver's store of pending parts (store.ts; ListParts as AWS documents it: only parts
 *   whose upload finished, ETag = MD5 of the part, `max-parts` / `part-number-marker` paging, NoSuchUpload for an
 *   unknown or finished upload or another key).
 * - UploadPart and CompleteMultipartUpload for an upload that does not exist (aborted or completed) answer 404
 *   NoSuchUpload, as S3 does (s3rver would create a fresh part folder and accept the part).
 * - Unsigned requests are refused (s3rver serves anonymous requests); only this server's access key is accepted
 *   (s3rver's key registry is process-global); the signing region must be this server's region, e.g. `EU-RO-1`
 *   (RunPod: region = datacenter ID; case is not enforced because third parties use both).
 * - `presign: 'unsupported'`: query-string-signed requests are refused; RunPod's compatibility table says
 *   "Pre-signed URLs are not supported".
 * - Operations RunPod lists as unsupported (operations.ts) answer 501 NotImplemented; PutObject / UploadPart over
 *   500 MB answer 400 EntityTooLarge (RunPod's limit for both).
 * - Fault injection (`faults`, faults.ts) for retry tests; a volume quota (507) and `UTC` dates on request.
 *
 * Not emulated: ListMultipartUploads (s3rver lacks it), RunPod's 1-hour clock-skew tolerance
 * (s3rver allows 15 minutes), empty-directory listing.
 * s3rver quirk kept: listings escape `'` in keys as `&#x27;`, which the AWS SDK does not decode (avoid `'` in keys).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from '@20minutes/s3rver'
import s3rverAccount from '@20minutes/s3rver/lib/models/account.js'
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { S3FaultRules, type S3Faults } from './faults.ts'
import { classify, header, redactQuery, splitPath, type S3Operation } from './operations.ts'
import { answerAfterwardsWith524, sendError, utcDateHeaders } from './responses.ts'
import { parseHeaderScope, parseQueryScope, verifyHeaderSignature } from './sigv4.ts'
import { abortMultipartUpload, directoryBytes, listParts, uploadExists } from './store.ts'

export type { S3FaultMatch, S3Faults } from './faults.ts'
export type { S3Operation } from './operations.ts'

export interface S3ServerOptions {
  accessKeyId: string
  secretAccessKey: string
  /** The bucket = the network volume ID (RunPod: `s3://<volume id>/<key>`); created at start. */
  bucket: string
  /** Where s3rver keeps the objects. Default: a new temp dir, removed by `close()`. */
  directory?: string
  /**
   * `'unsupported'` mimics RunPod ("Pre-signed URLs are not supported"): query-signed requests get 403. `'supported'` lets s3rver verify
   * presigned GETs and their expiry (like AWS, R2, MinIO).
   */
  presign: 'supported' | 'unsupported'
  /** SigV4 region (the datacenter ID, as RunPod's S3 API wants it). Default `EU-RO-1`. */
  region?: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  /**
   * Bytes the volume holds at most (a network volume has a fixed size). A PutObject or UploadPart that would go
   * over it answers 507 Insufficient Storage, as RunPod's volume does when full (runpod-s3-examples
   * `upload_large_file.py` `is_insufficient_storage_error`). ASSUMPTION: the error code and body are not
   * documented; the stand-in sends an S3 XML error with code `InsufficientStorage`. Default: no limit.
   */
  quotaBytes?: number
  /**
   * Answer `Date` and `Last-Modified` with "UTC" instead of "GMT", as a third party reports RunPod does
   * (mason276752/runpod-s3-proxy `runpod_proxy.go`, unverified). ASSUMPTION. Default false.
   */
  utcDates?: boolean
}

export interface S3RequestLogEntry {
  method: string
  /** Path as sent (still percent-encoded). */
  path: string
  /** Query string without `?`; `X-Amz-Signature` values replaced by `REDACTED`. */
  query: string
  operation: S3Operation
  /** `volume-mount`: a read by the RunPod emulator's worker (see {@link VOLUME_MOUNT_HEADER}). */
  source: 'client' | 'volume-mount'
  /** HTTP status answered (0 until the answer is sent). */
  status: number
}

export interface S3TestServer {
  /** e.g. `http://127.0.0.1:PORT` (path-style: `<endpoint>/<bucket>/<key>`). */
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  directory: string
  presign: 'supported' | 'unsupported'
  faults: S3Faults
  requests: S3RequestLogEntry[]
  close(): Promise<void>
}

/**
 * Header carried by the RunPod emulator's reads of `/runpod-volume/…` (a worker reads the mounted volume, not the
 * S3 API): such requests never consume `faults.failNext` counts and are logged with `source: 'volume-mount'`.
 */
export const VOLUME_MOUNT_HEADER = 'x-scribe-volume-mount'

const PART_OR_PUT_LIMIT_BYTES = 500 * 1024 * 1024

/** Live servers per access key id: s3rver's key registry is one Map per process. */
const liveKeys = new Map<string, { secret: string; servers: number }>()

/**
 * Starts the S3 stand-in on `host:port` with `bucket` created.
 * @returns the server; its `endpoint`, `region`, `bucket` and keys configure an S3Client (forcePathStyle: true,
 *   requestChecksumCalculation/responseChecksumValidation 'WHEN_REQUIRED', as an S3-compatible API needs:
 *   https://github.com/aws/aws-sdk-js-v3/issues/6810).
 * @throws Error when another live server in this process uses the same access key id with another secret
 *   (s3rver's key registry is process-global), or when the port cannot be bound.
 */
export async function startS3Server(opts: S3ServerOptions): Promise<S3TestServer> {
  const region = opts.region ?? 'EU-RO-1'
  const live = liveKeys.get(opts.accessKeyId)
  if (live && live.secret !== opts.secretAccessKey) {
    throw new Error(`another S3 test server in this process uses access key ${opts.accessKeyId} with another secret`)
  }
  const ownDirectory = opts.directory === undefined
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), 's3-volume-')))

  const s3rver = new S3rver({
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket }],
  })
  await s3rver.configureBuckets()
  s3rverAccount.DUMMY_ACCOUNT.createKeyPair(opts.accessKeyId, opts.secretAccessKey)
  liveKeys.set(opts.accessKeyId, { secret: opts.secretAccessKey, servers: (live?.servers ?? 0) + 1 })
  const koa = s3rver.callback()

  const faults = new S3FaultRules()
  const requests: S3RequestLogEntry[] = []
  const credentials = { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/'
    const q = rawUrl.indexOf('?')
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q)
    const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1)
    const query = new URLSearchParams(rawQuery)
    const method = (req.method ?? 'GET').toUpperCase()
    const { bucket, key } = splitPath(rawPath)
    const operation = classify(method, bucket, key, query, req.headers)
    const source = header(req, VOLUME_MOUNT_HEADER) === undefined ? 'client' : 'volume-mount'
    const entry: S3RequestLogEntry = {
      method,
      path: rawPath,
      query: redactQuery(rawQuery),
      operation,
      source,
      status: 0,
    }
    requests.push(entry)
    res.on('finish', () => {
      entry.status = res.statusCode
    })

    const presigned = query.has('X-Amz-Signature') || query.has('X-Amz-Algorithm') || query.has('Signature')
    if (presigned && opts.presign === 'unsupported') {
      // ASSUMPTION: RunPod documents presigned URLs as unsupported but not what it answers to one;
      // a 403 AccessDenied S3 error is our guess.
      return sendError(req, res, 403, 'AccessDenied', 'Pre-signed URLs are not supported')
    }
    const authorization = header(req, 'authorization')
    if (!presigned && authorization === undefined) {
      return sendError(req, res, 403, 'AccessDenied', 'Access Denied')
    }
    const scope = presigned ? parseQueryScope(query) : parseHeaderScope(authorization ?? '')
    if (!scope) {
      return sendError(req, res, 400, 'AuthorizationHeaderMalformed', 'Only AWS4-HMAC-SHA256 signatures are supported.')
    }
    if (scope.accessKeyId !== opts.accessKeyId) {
      return sendError(
        req,
        res,
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      )
    }
    if (scope.region.toLowerCase() !== region.toLowerCase() || scope.service !== 's3') {
      return sendError(
        req,
        res,
        400,
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region '${scope.region}' is wrong; expecting '${region}'`,
      )
    }

    const fault = source === 'client' ? faults.takeError(method, operation, query) : null
    if (fault) return sendError(req, res, fault.status, fault.code, fault.message)
    if (operation === 'Unsupported') {
      // RunPod lists these as not supported; the real error body is not documented (ASSUMPTION: 501 NotImplemented).
      return sendError(
        req,
        res,
        501,
        'NotImplemented',
        'A header you provided implies functionality that is not implemented',
      )
    }
    if (operation === 'PutObject' || operation === 'UploadPart') {
      const size = Number(header(req, 'x-amz-decoded-content-length') ?? header(req, 'content-length') ?? 0)
      if (size > PART_OR_PUT_LIMIT_BYTES) {
        return sendError(req, res, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size')
      }
      if (opts.quotaBytes !== undefined && (await directoryBytes(directory)) + size > opts.quotaBytes) {
        return sendError(req, res, 507, 'InsufficientStorage', 'Insufficient storage space on the network volume')
      }
    }
    if (operation === 'CompleteMultipartUpload' && source === 'client' && faults.takeCommit524()) answerAfterwardsWith524(res)
    if (opts.utcDates) utcDateHeaders(res)

    const bucketLevel = bucket !== '' && key === '' && rawPath.endsWith('/')
    if ((operation === 'UploadPart' || operation === 'CompleteMultipartUpload') && !(await uploadExists(s3rver, bucket, key, query.get('uploadId') ?? ''))) {
      return sendError(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.')
    }
    if (!presigned && (bucketLevel || operation === 'AbortMultipartUpload' || operation === 'ListParts')) {
      const verified = await verifyHeaderSignature(req, rawPath, query, credentials)
      if (!verified) {
        return sendError(
          req,
          res,
          403,
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. ' +
            'Check your key and signing method.',
        )
      }
      if (operation === 'AbortMultipartUpload') {
        return abortMultipartUpload(req, res, s3rver, bucket, query.get('uploadId') ?? '')
      }
      if (operation === 'ListParts') {
        return listParts(req, res, s3rver, bucket, key, query)
      }
      // Verified: forward as `/<bucket>` without the Authorization header. s3rver serves unsigned requests
      // (this front refuses them above), so its check cannot reject what the SDK signed correctly. Re-signing
      // for s3rver would not do: it escapes the query with encodeURIComponent (not RFC 3986: `(`, `)`, `!`, `*`
      // and `'` stay raw) and would reject e.g. a ListObjectsV2 prefix `rec (1)/`.
      delete req.headers.authorization
      req.url = rawPath.replace(/\/+$/, '') + (rawQuery ? `?${rawQuery}` : '')
    }
    koa(req, res)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(req, res, 500, 'InternalError', `test server: ${String(err)}`)
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = opts.host ?? '127.0.0.1'

  let closed = false
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    region,
    bucket: opts.bucket,
    accessKeyId: opts.accessKeyId,
    secretAccessKey: opts.secretAccessKey,
    directory,
    presign: opts.presign,
    faults,
    requests,
    async close() {
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      s3rver.logger.close()
      const entry = liveKeys.get(opts.accessKeyId)
      if (entry && entry.servers > 1) entry.servers -= 1
      else {
        liveKeys.delete(opts.accessKeyId)
        s3rverAccount.DUMMY_ACCOUNT.revokeAccessKey(opts.accessKeyId)
      }
      if (ownDirectory) await rm(directory, { recursive: true, force: true })
    },
  }
}

/** Where a test client connects: the server's endpoint, region and keys. */
type S3ClientAddress = Pick<S3TestServer, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>

/** What a test client may do differently from the panel's: other keys or region (to be refused), fewer attempts. */
export interface TestS3ClientOverrides {
  accessKeyId?: string
  secretAccessKey?: string
  region?: string
  maxAttempts?: number
}

/**
 * An S3Client configured for `server` the way the panel configures one for RunPod: path-style,
 * checksums only when required, the server's region and keys, no retries beyond the SDK default (3 attempts).
 */
export function createTestS3Client(server: S3ClientAddress, overrides: TestS3ClientOverrides = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: overrides.region ?? server.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: overrides.accessKeyId ?? server.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? server.secretAccessKey,
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(overrides.maxAttempts !== undefined ? { maxAttempts: overrides.maxAttempts } : {}),
  })
}

/**
 * Runs `use` with a client from `createTestS3Client(server, overrides)` and destroys the client afterwards, also
 * when `use` throws.
 * @returns what `use` returns
 */
export async function withTestS3Client<T>(server: S3ClientAddress, use: (client: S3Client) => Promise<T>, overrides: TestS3ClientOverrides = {}): Promise<T> {
  const client = createTestS3Client(server, overrides)
  try {
    return await use(client)
  } finally {
    client.destroy()
  }
}

/**
 * Reads object `key` of the server's bucket through the real SDK (GetObject).
 * @returns the object's bytes.
 * @throws the SDK's error (e.g. `NoSuchKey`) when the object cannot be read.
 */
export async function readObject(server: S3ClientAddress & Pick<S3TestServer, 'bucket'>, key: string): Promise<Buffer> {
  return withTestS3Client(server, async (client) => {
    const out = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }))
    return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0)
  })
}

/** Deletes `key` from the stand-in's bucket (a test's hand on the volume). */
export async function deleteObject(server: S3ClientAddress & Pick<S3TestServer, 'bucket'>, key: string): Promise<void> {
  await withTestS3Client(server, (client) => client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: key })))
}
