/**
 * Names the S3 operation of a path-style request (AWS S3 API reference conventions), and the operations RunPod's
 * S3 API does not support (https://docs.runpod.io/storage/s3-api "Supported operations": bucket creation and
 * deletion, DeleteObjects, bucket location, versioning, ACLs, policies, tagging, encryption, object lock, …).
 */
import type { IncomingMessage } from 'node:http'

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

/** The request header `name` (lower-case), several values joined with `,`. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

/** A path-style path `/<bucket>/<key>` as its bucket (decoded) and key (still percent-encoded). */
export function splitPath(rawPath: string): { bucket: string; key: string } {
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
export function classify(
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

/** The query string with signature values replaced by `REDACTED`, for the request log. */
export function redactQuery(rawQuery: string): string {
  return rawQuery.replace(/(^|&)(X-Amz-Signature|Signature)=[^&]*/gi, '$1$2=REDACTED')
}
