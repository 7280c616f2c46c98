/**
 * The one place where errors become HTTP answers: `{error: {code, message}}` with a fitting status.
 * AppError messages are written for users and are sent as is; anything else is logged and answered
 * with a generic message (no stack traces, paths or upstream bodies reach the browser).
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { AppError, type ErrorCode } from '../domain/errors.ts'
import type { Logger } from '../domain/ports.ts'

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media: 415,
  not_configured: 503,
  upload_failed: 502,
  storage_auth: 502,
  storage_unavailable: 503,
  volume_full: 507,
  runpod_auth: 502,
  runpod_not_found: 502,
  runpod_rate_limited: 503,
  runpod_unavailable: 503,
  job_failed: 409,
  job_timed_out: 409,
  job_expired: 409,
  job_cancelled: 409,
  job_waiting: 409,
  invalid_output: 502,
  internal: 500,
}

/** HTTP status for an error code. */
export function statusFor(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code]
}

/** Hono `onError` handler. */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof AppError) {
      const status = statusFor(err.code)
      if (status >= 500) logger.warn('request failed', { path: c.req.path, code: err.code, error: err, cause: err.cause })
      return c.json({ error: { code: err.code, message: err.message } }, status)
    }
    logger.error('unexpected error', { method: c.req.method, path: c.req.path, error: err, stack: err.stack })
    return c.json({ error: { code: 'internal', message: 'Something unexpected went wrong in the panel; see its log for details.' } }, 500)
  }
}
