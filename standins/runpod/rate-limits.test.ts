import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_RATE_LIMITS, RateLimiter, rateOperation } from './rate-limits.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('rate limits', () => {
  it("names only the queue API's limited operations", () => {
    expect(['run', 'status', 'cancel', 'retry', 'health'].map(rateOperation)).toEqual(['run', 'status', 'cancel', 'retry', 'health'])
    expect(['runsync', 'purge-queue', 'toString', ''].map(rateOperation)).toEqual([null, null, null, null])
    expect(DEFAULT_RATE_LIMITS).toMatchObject({ run: 1000, status: 2000, cancel: 100 })
  })

  it('admits `limit` requests per sliding window and one more once the oldest left it', () => {
    vi.useFakeTimers({ now: 0 })
    const limiter = new RateLimiter({ cancel: 2 }, 1000)
    expect([limiter.admit('cancel'), limiter.admit('cancel'), limiter.admit('cancel')]).toEqual([true, true, false])
    expect(limiter.admit('status')).toBe(true)
    vi.setSystemTime(999)
    expect(limiter.admit('cancel')).toBe(false)
    vi.setSystemTime(1001)
    expect([limiter.admit('cancel'), limiter.admit('cancel'), limiter.admit('cancel')]).toEqual([true, true, false])
  })
})
