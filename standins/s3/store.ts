/**
 * What the S3 stand-in serves from s3rver's store itself: the volume's bytes in use, and the multipart calls
 * s3rver lacks (AbortMultipartUpload, ListParts, and the NoSuchUpload check). s3rver keeps a pending upload in
 * `<bucket>/._S3rver_uploads/<uploadId>/`: the key in the file `key`, each part as `<n>` with `<n>.md5`.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import type S3rver from '@20minutes/s3rver'
import { sendError, xmlEscape } from './responses.ts'

/** Bytes of all files under `dir` (s3rver's store: objects, metadata and pending parts). */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size
  }
  return total
}

/** AbortMultipartUpload over s3rver's store: its pending parts live in `<bucket>/._S3rver_uploads/<uploadId>/`. */
export async function abortMultipartUpload(
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
export async function uploadExists(s3rver: S3rver, bucket: string, rawKey: string, uploadId: string): Promise<boolean> {
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
export async function listParts(
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
