/**
 * The S3 stand-in's fault switches: S3 errors for the next matching requests, and Cloudflare's 524 after a
 * Complete that went through, as RunPod's volume answers a long merge.
 */
import type { S3Operation } from './operations.ts'

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

/** The faults of one server; the front asks it per request. */
export class S3FaultRules implements S3Faults {
  private readonly rules: { remaining: number; status: number; match: S3FaultMatch }[] = []
  private commit524 = 0

  commitThen524(count: number): void {
    this.commit524 += count
  }

  failNext(count: number, status: number, match: S3FaultMatch = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('failNext: count must be a positive integer')
    this.rules.push({ remaining: count, status, match })
  }

  clear(): void {
    this.rules.length = 0
    this.commit524 = 0
  }

  pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0)
  }

  /** The error a client request gets instead of an answer (one count used), or null. */
  takeError(method: string, operation: S3Operation, query: URLSearchParams): { status: number; code: string; message: string } | null {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r.match, method, operation, query))
    if (!rule) return null
    rule.remaining -= 1
    const [code, message] = faultCode(rule.status)
    return { status: rule.status, code, message }
  }

  /** Whether this Complete's answer becomes a 524 (one count used). */
  takeCommit524(): boolean {
    if (this.commit524 <= 0) return false
    this.commit524 -= 1
    return true
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
