/**
 * RunPod's per-endpoint rate limits on the queue API: requests per operation in a sliding window, excess → 429
 * (https://docs.runpod.io/serverless/endpoints/send-requests "Rate limits").
 */

/** Operations with a rate limit; `/retry` and `/health` have none documented. */
export type RateLimitedOperation = 'run' | 'status' | 'cancel' | 'retry' | 'health'

/** Requests per 10 s ("Rate limits" above). */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitedOperation, number>> = {
  run: 1000,
  status: 2000,
  cancel: 100,
  retry: Number.POSITIVE_INFINITY,
  health: Number.POSITIVE_INFINITY,
}

/** The rate-limited operation of a queue route (`run`, `status`, …), or null. */
export function rateOperation(route: string): RateLimitedOperation | null {
  return Object.hasOwn(DEFAULT_RATE_LIMITS, route) ? (route as RateLimitedOperation) : null
}

/** Sliding-window counters per operation, as RunPod's per-endpoint limits. */
export class RateLimiter {
  private readonly hits = new Map<RateLimitedOperation, number[]>()
  private readonly limits: Record<RateLimitedOperation, number>
  private readonly windowMs: number

  /**
   * @param limits - overrides of {@link DEFAULT_RATE_LIMITS} (requests per window).
   * @param windowMs - the sliding window (ms); RunPod's is 10 000.
   */
  constructor(limits: Partial<Record<RateLimitedOperation, number>> = {}, windowMs = 10_000) {
    this.limits = { ...DEFAULT_RATE_LIMITS, ...limits }
    this.windowMs = windowMs
  }

  /** Counts a request of `op`; false (answer 429) when the window already holds `limit` of them. */
  admit(op: RateLimitedOperation): boolean {
    const now = Date.now()
    const list = (this.hits.get(op) ?? []).filter((t) => t > now - this.windowMs)
    this.hits.set(op, list)
    if (list.length >= this.limits[op]) return false
    list.push(now)
    return true
  }
}
