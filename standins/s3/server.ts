/**
 * A local stand-in for a RunPod network volume's S3-compatible API (reference/runpod.md §2), for tests.
 *
 * @20minutes/s3rver 4.0.4 stores the objects and checks SigV4 signatures and presigned-URL expiry. A small
 * HTTP front in this file sits before s3rver's Koa app and makes it behave like RunPod where s3rver does not:
 * - Bucket-level calls: the AWS SDK signs the path `/<bucket>/`, s3rver canonicalizes `/<bucket>` and rejects
 *   every HeadBucket / ListObjectsV2 (reference/infra.md). For those requests the front verifies the signature
 *   itself with @smithy/signature-v4 (the SDK's own signer, never a hand-rolled SigV4), then forwards the verified
 *   request to s3rver as `/<bucket>` without its Authorization header (s3rver serves unsigned requests).
 * - AbortMultipartUpload and ListParts (RunPod supports both, s3rver answers MethodNotAllowed): verified the same
 *   way, then served from s3rver's store of pending parts (ListParts as AWS documents it: only parts whose upload
 *   finished, ETag = MD5 of the part, `max-parts` / `part-number-marker` paging, NoSuchUpload for an unknown or
 *   finished upload or another key).
 * - UploadPart and CompleteMultipartUpload for an upload that does not exist (aborted or completed) answer 404
 *   NoSuchUpload, as S3 does (s3rver would create a fresh part folder and accept the part).
 * - Unsigned requests are refused (s3rver serves anonymous requests); only this server's access key is accepted
 *   (s3rver's key registry is process-global); the signing region must be this server's region, e.g. `EU-RO-1`
 *   (§2.2: region = datacenter ID; case is not enforced because third parties use both).
 * - `presign: 'unsupported'`: query-string-signed requests are refused, as RunPod documents (§0.1, §2.3).
 * - Operations RunPod lists as unsupported (§2.3: CreateBucket, DeleteBucket, DeleteObjects, bucket location,
 *   versioning, ACLs, policies, tagging, …) answer 501 NotImplemented; PutObject / UploadPart over 500 MB answer
 *   400 EntityTooLarge (§2.4).
 * - Fault injection (`faults.failNext`) for retry tests.
 *
 * Not emulated: ListMultipartUploads (s3rver lacks it), RunPod's 1-hour clock-skew tolerance
 * (s3rver allows 15 minutes), empty-directory listing (§2.4), RunPod's `UTC` date quirk.
 * s3rver quirk kept: listings escape `'` in keys as `&#x27;`, which the AWS SDK does not decode (avoid `'` in keys).
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from '@20minutes/s3rver'
import s3rverAccount from '@20minutes/s3rver/lib/models/account.js'
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { SignatureV4 } from '@smithy/signature-v4'
import type { Checksum, HttpRequest as SmithyHttpRequest, SourceData } from '@smithy/types'

/** S3 operations the front tells apart (for fault matching and the request log). */
export type S3Operation =
  | 'ListBuckets'
  | 'HeadBucket'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'ListMultipartUploads'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'Unsupported'
  | 'Other'

export interface S3ServerOptions {
  accessKeyId: string
  secretAccessKey: string
  /** The bucket = the network volume ID (§2.2); created at start. */
  bucket: string
  /** Where s3rver keeps the objects. Default: a new temp dir, removed by `close()`. */
  directory?: string
  /**
   * `'unsupported'` mimics RunPod (§0.1, §2.3): query-signed requests get 403. `'supported'` lets s3rver verify
   * presigned GETs and their expiry (like AWS, R2, MinIO).
   */
  presign: 'supported' | 'unsupported'
  /** SigV4 region (the datacenter ID, §2.2). Default `EU-RO-1`. */
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

export interface S3FaultMatch {
  method?: string
  operation?: 'UploadPart' | 'CompleteMultipartUpload' | 'PutObject' | 'any' | S3Operation
  /** Only requests whose `partNumber` query parameter is at least this (UploadPart of the later parts). */
  partNumberFrom?: number
}

export interface S3Faults {
  /**
   * The next `count` requests that match `match` (default: any request) get `status` with an S3 XML error body
   * (500 → InternalError, 503 → SlowDown, other → InternalError-style) instead of reaching s3rver. Rules queue in
   * call order; a request consumes one count of the first rule it matches. The request body is read and
   * discarded first, so the client sees a clean answer. Faults apply after the access-key check.
   */
  failNext(count: number, status: number, match?: S3FaultMatch): void
  /**
   * The next `count` CompleteMultipartUpload requests are carried out (the object is merged and committed), but
   * the client gets Cloudflare's 524 "A timeout occurred" instead of the answer, as RunPod's volume behind
   * Cloudflare answers a long merge (runpod-s3-examples `upload_large_file.py`). A retried Complete then gets
   * NoSuchUpload. ASSUMPTION: the 524 body is Cloudflare's generic HTML error page.
   */
  commitThen524(count: number): void
  /** Drops all pending rules. */
  clear(): void
  /** Counts not yet consumed, summed over all rules. */
  pending(): number
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
 *   requestChecksumCalculation/responseChecksumValidation 'WHEN_REQUIRED', as reference/infra.md requires).
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

  const rules: { remaining: number; status: number; match: S3FaultMatch }[] = []
  let commit524 = 0
  const faults: S3Faults = {
    commitThen524(count) {
      commit524 += count
    },
    failNext(count, status, match = {}) {
      if (!Number.isInteger(count) || count < 1) throw new Error('failNext: count must be a positive integer')
      rules.push({ remaining: count, status, match })
    },
    clear() {
      rules.length = 0
      commit524 = 0
    },
    pending() {
      return rules.reduce((n, r) => n + r.remaining, 0)
    },
  }
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
      // ASSUMPTION: RunPod documents presigned URLs as unsupported (§0.1, §2.3) but not what it answers to one;
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

    const rule =
      source === 'client' ? rules.find((r) => r.remaining > 0 && matches(r.match, method, operation, query)) : undefined
    if (rule) {
      rule.remaining -= 1
      const [code, message] = faultCode(rule.status)
      return sendError(req, res, rule.status, code, message)
    }
    if (operation === 'Unsupported') {
      // §2.3 lists these as not supported; the real error body is not documented (ASSUMPTION: 501 NotImplemented).
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
    if (operation === 'CompleteMultipartUpload' && commit524 > 0 && source === 'client') {
      commit524 -= 1
      answerAfterwardsWith524(res)
    }
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

/**
 * An S3Client configured for `server` the way the panel configures one for RunPod (§2.5): path-style,
 * checksums only when required, the server's region and keys, no retries beyond the SDK default (3 attempts).
 */
export function createTestS3Client(
  server: Pick<S3TestServer, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  overrides: { secretAccessKey?: string; accessKeyId?: string; maxAttempts?: number } = {},
): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
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
 * Reads object `key` of the server's bucket through the real SDK (GetObject).
 * @returns the object's bytes.
 * @throws the SDK's error (e.g. `NoSuchKey`) when the object cannot be read.
 */
export async function readObject(
  server: Pick<S3TestServer, 'endpoint' | 'region' | 'bucket' | 'accessKeyId' | 'secretAccessKey'>,
  key: string,
): Promise<Buffer> {
  const client = createTestS3Client(server)
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }))
    if (!out.Body) return Buffer.alloc(0)
    return Buffer.from(await out.Body.transformToByteArray())
  } finally {
    client.destroy()
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** Bytes of all files under `dir` (s3rver's store: objects, metadata and pending parts). */
async function directoryBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size
  }
  return total
}

/** Lets s3rver do the work, then swaps its answer for Cloudflare's 524 (the merge went through). */
function answerAfterwardsWith524(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res)
  const end = res.end.bind(res)
  const body = '<!DOCTYPE html><html><head><title>524: A timeout occurred</title></head><body><h1>A timeout occurred</h1><p>Error code 524</p></body></html>'
  res.writeHead = (() => res) as unknown as typeof res.writeHead
  res.write = (() => true) as unknown as typeof res.write
  res.end = ((..._args: unknown[]) => {
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    writeHead(524, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(body) })
    return end(body)
  }) as unknown as typeof res.end
}

/** Rewrites `Date` / `Last-Modified` from "… GMT" to "… UTC" before the answer goes out. */
function utcDateHeaders(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res)
  res.sendDate = false
  res.setHeader('date', new Date().toUTCString())
  res.writeHead = ((...args: Parameters<typeof res.writeHead>) => {
    for (const name of ['date', 'last-modified']) {
      const v = res.getHeader(name)
      if (typeof v === 'string') res.setHeader(name, v.replace(/ GMT$/, ' UTC'))
    }
    return writeHead(...args)
  }) as typeof res.writeHead
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

function splitPath(rawPath: string): { bucket: string; key: string } {
  const trimmed = rawPath.replace(/^\/+/, '')
  const slash = trimmed.indexOf('/')
  if (slash === -1) return { bucket: decodeURIComponent(trimmed), key: '' }
  return { bucket: decodeURIComponent(trimmed.slice(0, slash)), key: trimmed.slice(slash + 1) }
}

const UNSUPPORTED_SUBRESOURCES = [
  'acl',
  'policy',
  'tagging',
  'versioning',
  'versions',
  'location',
  'encryption',
  'object-lock',
  'legal-hold',
  'retention',
  'lifecycle',
  'restore',
  'delete',
  'cors',
  'website',
  'replication',
  'notification',
  'logging',
  'publicAccessBlock',
]

/** Names the S3 operation of a path-style request (AWS S3 API reference conventions). */
function classify(
  method: string,
  bucket: string,
  key: string,
  query: URLSearchParams,
  headers: IncomingMessage['headers'],
): S3Operation {
  if (UNSUPPORTED_SUBRESOURCES.some((s) => query.has(s))) return 'Unsupported'
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : 'Other'
  const copy = 'x-amz-copy-source' in headers
  if (key === '') {
    switch (method) {
      case 'HEAD':
        return 'HeadBucket'
      case 'GET':
        if (query.has('uploads')) return 'ListMultipartUploads'
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'
      case 'PUT': // CreateBucket
      case 'DELETE': // DeleteBucket
        return 'Unsupported'
      default:
        return 'Other'
    }
  }
  switch (method) {
    case 'PUT':
      if (query.has('uploadId')) return copy ? 'UploadPartCopy' : 'UploadPart'
      return copy ? 'CopyObject' : 'PutObject'
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload'
      if (query.has('uploadId')) return 'CompleteMultipartUpload'
      return 'Other'
    case 'GET':
      return query.has('uploadId') ? 'ListParts' : 'GetObject'
    case 'HEAD':
      return 'HeadObject'
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject'
    default:
      return 'Other'
  }
}

function matches(match: S3FaultMatch, method: string, operation: S3Operation, query: URLSearchParams): boolean {
  if (match.method && match.method.toUpperCase() !== method) return false
  if (match.partNumberFrom !== undefined && !(Number(query.get('partNumber')) >= match.partNumberFrom)) return false
  if (match.operation && match.operation !== 'any' && match.operation !== operation) return false
  return true
}

function faultCode(status: number): [string, string] {
  if (status === 503) return ['SlowDown', 'Please reduce your request rate.']
  if (status === 403) return ['AccessDenied', 'Access Denied']
  if (status === 404) return ['NoSuchKey', 'The specified key does not exist.']
  return ['InternalError', 'We encountered an internal error. Please try again.']
}

function redactQuery(rawQuery: string): string {
  return rawQuery.replace(/(^|&)(X-Amz-Signature|Signature)=[^&]*/gi, '$1$2=REDACTED')
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Answers with an S3 XML error after reading and discarding the request body. */
function sendError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = createHash('sha1').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 16).toUpperCase()
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    `<RequestId>${requestId}</RequestId></Error>`
  const answer = () => {
    if (res.headersSent) return
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      'x-amz-request-id': requestId,
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
  if (req.readableEnded) answer()
  else {
    req.on('end', answer)
    req.on('error', () => res.destroy())
    req.resume()
  }
}

interface SigningScope {
  accessKeyId: string
  date: string
  region: string
  service: string
}

function parseHeaderScope(
  authorization: string,
): (SigningScope & { signedHeaders: string[]; signature: string }) | null {
  const m =
    /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]+)\s*$/i.exec(
      authorization,
    )
  if (!m) return null
  const [accessKeyId, date, region, service, terminator] = (m[1] ?? '').split('/')
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request') return null
  return { accessKeyId, date, region, service, signedHeaders: (m[2] ?? '').split(';'), signature: m[3] ?? '' }
}

function parseQueryScope(query: URLSearchParams): SigningScope | null {
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return null
  const [accessKeyId, date, region, service] = (query.get('X-Amz-Credential') ?? '').split('/')
  if (!accessKeyId || !date || !region || !service) return null
  return { accessKeyId, date, region, service }
}

/** SHA-256 / HMAC-SHA-256 over node:crypto in the shape @smithy/signature-v4 takes (a `Checksum` constructor). */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac
  private readonly secret?: SourceData
  constructor(secret?: SourceData) {
    this.secret = secret
    this.hash = this.create()
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret))
  }
  update(data: Uint8Array): void {
    this.hash.update(data)
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
  reset(): void {
    this.hash = this.create()
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

/** The request as @smithy/signature-v4 sees it, with only the headers the client signed. */
function smithyRequest(
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
  signedHeaders: string[],
): SmithyHttpRequest | null {
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) {
    const value = header(req, name)
    if (value === undefined) return null
    headers[name] = value
  }
  const q: Record<string, string | string[]> = {}
  for (const [k, v] of query) {
    const prev = q[k]
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  const [hostname = '127.0.0.1'] = (headers.host ?? '').split(':')
  return { method: (req.method ?? 'GET').toUpperCase(), protocol: 'http:', hostname, path, query: q, headers }
}

function parseAmzDate(v: string | undefined): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v ?? '')
  if (!m) return null
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
}

function signer(
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
  service: string,
  applyChecksum: boolean,
) {
  // S3 signs the path as sent (no double escaping): uriEscapePath false, like the SDK's S3 signer.
  return new SignatureV4({ credentials, region, service, sha256: NodeSha256, uriEscapePath: false, applyChecksum })
}

/**
 * Recomputes the request's SigV4 header signature with @smithy/signature-v4 and compares it in constant time.
 * @returns false when the signature is missing, malformed, more than 15 minutes off (as s3rver), or wrong.
 */
async function verifyHeaderSignature(
  req: IncomingMessage,
  rawPath: string,
  query: URLSearchParams,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const scope = parseHeaderScope(header(req, 'authorization') ?? '')
  const signingDate = parseAmzDate(header(req, 'x-amz-date'))
  if (!scope || !signingDate || !scope.signedHeaders.includes('host')) return false
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) return false
  if (scope.date !== header(req, 'x-amz-date')?.slice(0, 8)) return false
  const request = smithyRequest(req, rawPath, query, scope.signedHeaders)
  if (!request) return false
  const applyChecksum = scope.signedHeaders.includes('x-amz-content-sha256')
  const signed = await signer(credentials, scope.region, scope.service, applyChecksum).sign(request, {
    signingDate,
    signingRegion: scope.region,
    signingService: scope.service,
  })
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? ''
  const a = Buffer.from(expected)
  const b = Buffer.from(scope.signature.toLowerCase())
  return a.length === b.length && timingSafeEqual(a, b)
}

/** AbortMultipartUpload over s3rver's store: its pending parts live in `<bucket>/._S3rver_uploads/<uploadId>/`. */
async function abortMultipartUpload(
  req: IncomingMessage,
  res: ServerResponse,
  s3rver: S3rver,
  bucket: string,
  uploadId: string,
): Promise<void> {
  if (!/^[0-9a-f]+$/.test(uploadId)) {
    return sendError(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist.')
  }
  const dir = join(s3rver.store.getResourcePath(bucket, undefined, 'uploads'), uploadId)
  try {
    await stat(dir)
  } catch {
    return sendError(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist.')
  }
  await rm(dir, { recursive: true, force: true })
  req.resume()
  res.writeHead(204)
  res.end()
}

/** s3rver keeps a pending upload in `<bucket>/._S3rver_uploads/<uploadId>/` with its key in the file `key`. */
function uploadDir(s3rver: S3rver, bucket: string, uploadId: string): string | null {
  if (!/^[0-9a-f]+$/.test(uploadId)) return null
  return join(s3rver.store.getResourcePath(bucket, undefined, 'uploads'), uploadId)
}

/** Whether `uploadId` is a pending multipart upload of `rawKey` (percent-encoded, as in the path). */
async function uploadExists(s3rver: S3rver, bucket: string, rawKey: string, uploadId: string): Promise<boolean> {
  const dir = uploadDir(s3rver, bucket, uploadId)
  if (!dir) return false
  try {
    return (await readFile(join(dir, 'key'), 'utf8')) === decodeURIComponent(rawKey)
  } catch {
    return false
  }
}

/**
 * ListParts (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html) over s3rver's store: a part is
 * listed once its upload finished (s3rver writes `<n>.md5` after the part's last byte; a part cut off mid-body has
 * no `.md5` and is not listed). Pages of `max-parts` (default and maximum 1000) after `part-number-marker`.
 */
async function listParts(
  req: IncomingMessage,
  res: ServerResponse,
  s3rver: S3rver,
  bucket: string,
  rawKey: string,
  query: URLSearchParams,
): Promise<void> {
  const uploadId = query.get('uploadId') ?? ''
  const dir = uploadDir(s3rver, bucket, uploadId)
  if (!dir || !(await uploadExists(s3rver, bucket, rawKey, uploadId))) {
    return sendError(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.')
  }
  const maxParts = Math.min(1000, Math.max(0, Number(query.get('max-parts') ?? 1000) || 0))
  const marker = Number(query.get('part-number-marker') ?? 0) || 0
  const names = await readdir(dir)
  const numbers = names
    .filter((n) => /^\d+$/.test(n) && names.includes(`${n}.md5`))
    .map(Number)
    .filter((n) => n > marker)
    .sort((a, b) => a - b)
  const page = numbers.slice(0, maxParts)
  const truncated = numbers.length > page.length
  const parts: string[] = []
  for (const n of page) {
    const [st, md5] = await Promise.all([stat(join(dir, String(n))), readFile(join(dir, `${n}.md5`), 'utf8')])
    parts.push(
      `<Part><PartNumber>${n}</PartNumber><LastModified>${st.mtime.toISOString()}</LastModified>` +
        `<ETag>&quot;${xmlEscape(md5.trim())}&quot;</ETag><Size>${st.size}</Size></Part>`,
    )
  }
  const owner = '<ID>123456789000</ID><DisplayName>S3rver</DisplayName>'
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(decodeURIComponent(rawKey))}</Key><UploadId>${uploadId}</UploadId>` +
    `<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${page.at(-1) ?? marker}</NextPartNumberMarker>` +
    `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>` +
    `<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass>` +
    parts.join('') +
    '</ListPartsResult>'
  req.resume()
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Deletes `key` from the stand-in's bucket (a test's hand on the volume). */
export async function deleteObject(
  server: Pick<S3TestServer, 'endpoint' | 'region' | 'bucket' | 'accessKeyId' | 'secretAccessKey'>,
  key: string,
): Promise<void> {
  const client = createTestS3Client(server)
  try {
    await client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: key }))
  } finally {
    client.destroy()
  }
}
