/**
 * The domain's error vocabulary. Every error a user can see has a stable `code` and a message in
 * plain words that says what to do; `http/errors.ts` maps codes to HTTP statuses in one table.
 */

/** Stable error codes shown in API responses (`{error: {code, message}}`) and stored on recordings. */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media'
  | 'not_configured'
  | 'forbidden'
  | 'upload_failed'
  | 'storage_auth'
  | 'storage_unavailable'
  | 'volume_full'
  | 'runpod_auth'
  | 'runpod_not_found'
  | 'runpod_rate_limited'
  | 'runpod_unavailable'
  | 'job_failed'
  | 'job_timed_out'
  | 'job_expired'
  | 'job_cancelled'
  | 'job_waiting'
  | 'invalid_output'
  | 'internal'

/** An expected failure: its message is safe to show to the user as is. */
export class AppError extends Error {
  readonly code: ErrorCode
  /**
   * @param code - stable machine-readable code.
   * @param message - plain words: what happened and what to do.
   * @param options.retryable - a later attempt may succeed (network, 5xx, 429).
   * @param options.cause - the underlying error (logged, never sent to the browser).
   */
  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.code = code
    this.name = 'AppError'
    this.retryable = options.retryable ?? false
  }
  readonly retryable: boolean
}

/** `{code, message}` as stored on a recording and sent to the browser. */
export interface ErrorInfo {
  code: ErrorCode
  message: string
}

/** Converts anything thrown into `ErrorInfo`; unknown errors get a generic message (details are logged). */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof AppError) return { code: err.code, message: err.message }
  return { code: 'internal', message: 'Something unexpected went wrong in the panel; see its log for details.' }
}

/**
 * The one "no such recording" error: the id is unknown (deleted meanwhile, or a stale page). The id is quoted cut to
 * 80 characters, since it may come from a URL.
 */
export function recordingNotFound(id: string): AppError {
  return new AppError('not_found', `There is no recording with id "${id.slice(0, 80)}". It may have been deleted; reload the library.`)
}
