/** Answers of the S3 stand-in's front: S3 XML errors, and the RunPod quirks it can put on an answer. */
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** `s` escaped for XML text and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Answers with an S3 XML error after reading and discarding the request body. */
export function sendError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
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

/** Lets s3rver do the work, then swaps its answer for Cloudflare's 524 (the merge went through). */
export function answerAfterwardsWith524(res: ServerResponse): void {
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
export function utcDateHeaders(res: ServerResponse): void {
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
