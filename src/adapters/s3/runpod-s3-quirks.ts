/**
 * What RunPod's S3 API does that AWS S3 does not, handled at the SDK's edge. Sources: RunPod's own upload
 * helper (https://github.com/runpod/runpod-s3-examples, `upload_large_file.py`: the volume is a POSIX
 * filesystem behind Cloudflare; `CompleteMultipartUpload` may time out or answer Cloudflare's 524 while the
 * merge goes on; 507 Insufficient Storage means the volume is full) and a third-party proxy
 * (https://github.com/mason276752/runpod-s3-proxy, `runpod_proxy.go`: `Last-Modified`/`Date` end in "UTC",
 * which the SDK's RFC 7231 date parser rejects; unverified against RunPod itself).
 */
import type { S3Client } from '@aws-sdk/client-s3'
import type { DeserializeHandler, DeserializeHandlerArguments, HandlerExecutionContext, MetadataBearer } from '@smithy/types'

/** The volume answered 507 Insufficient Storage: it is full. Not retried (a retry cannot make room). */
export class VolumeFullError extends Error {
  readonly operation: string
  constructor(operation: string) {
    super(`The network volume is full (HTTP 507 Insufficient Storage during ${operation}).`)
    this.operation = operation
    this.name = 'VolumeFullError'
  }
}

interface RawResponse {
  statusCode?: number
  headers?: Record<string, string>
  body?: { resume?: () => void; destroy?: () => void }
}

const DATE_HEADERS = ['last-modified', 'date', 'expires']

/**
 * Adds a middleware that sees each raw response before the SDK deserializes it:
 * - 507 becomes a `VolumeFullError`, which the SDK's retry strategy does not retry (it has no HTTP
 *   metadata, so it is not a server error);
 * - dates ending in " UTC" are rewritten to " GMT" (the same instant), so HeadObject/GetObject parse.
 */
export function addRunpodS3Quirks(client: S3Client): void {
  client.middlewareStack.addRelativeTo(
    (next: DeserializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => async (args: DeserializeHandlerArguments<object>) => {
      const result = await next(args)
      const res = result.response as RawResponse
      if (res.statusCode === 507) {
        res.body?.resume?.()
        throw new VolumeFullError(String(context.commandName ?? 'a request').replace(/Command$/, ''))
      }
      for (const h of DATE_HEADERS) {
        const v = res.headers?.[h]
        if (v && / UTC$/.test(v)) res.headers![h] = v.replace(/ UTC$/, ' GMT')
      }
      return result
    },
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'runpodS3Quirks', override: true },
  )
}
