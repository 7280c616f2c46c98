/**
 * SigV4 checks the S3 stand-in's front does itself where s3rver cannot (bucket-level requests, ListParts,
 * AbortMultipartUpload): the signing scope of a request, and its header signature recomputed with
 * @smithy/signature-v4, the AWS SDK's own signer (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html).
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { Checksum, HttpRequest as SmithyHttpRequest, SourceData } from '@smithy/types'
import { header } from './operations.ts'

export interface SigningScope {
  accessKeyId: string
  date: string
  region: string
  service: string
}

/** The scope, signed headers and signature of an `Authorization: AWS4-HMAC-SHA256 …` header, or null. */
export function parseHeaderScope(
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

/** The scope of a presigned (query-signed) request, or null. */
export function parseQueryScope(query: URLSearchParams): SigningScope | null {
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return null
  const [accessKeyId, date, region, service] = (query.get('X-Amz-Credential') ?? '').split('/')
  if (!accessKeyId || !date || !region || !service) return null
  return { accessKeyId, date, region, service }
}

/** SHA-256 / HMAC-SHA-256 over node:crypto in the shape @smithy/signature-v4 takes (a `Checksum` constructor). */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac
  private readonly secret: SourceData | undefined
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
export async function verifyHeaderSignature(
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
