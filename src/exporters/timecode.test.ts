import { describe, expect, it } from 'vitest'
import { formatDuration, formatSrtTime, formatTimestamp, formatVttTime } from './timecode.ts'

describe('timecode', () => {
  it('formats hours, minutes, seconds and milliseconds', () => {
    expect(formatTimestamp(3723.25)).toBe('01:02:03')
    expect(formatSrtTime(3723.25)).toBe('01:02:03,250')
    expect(formatVttTime(3723.25)).toBe('01:02:03.250')
    expect(formatDuration(3723.25)).toBe('1:02:03')
  })

  it('cuts stamps to the second but rounds to the millisecond first', () => {
    expect(formatTimestamp(83.9)).toBe('00:01:23')
    expect(formatTimestamp(59.9996)).toBe('00:01:00')
    expect(formatSrtTime(59.9996)).toBe('00:01:00,000')
    expect(formatSrtTime(0.0004)).toBe('00:00:00,000')
    expect(formatVttTime(1.0015)).toBe('00:00:01.002')
  })

  it('does not wrap past 24 hours and clamps nonsense to zero', () => {
    expect(formatTimestamp(100 * 3600)).toBe('100:00:00')
    expect(formatSrtTime(-1)).toBe('00:00:00,000')
    expect(formatVttTime(Number.NaN)).toBe('00:00:00.000')
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('0:00:00')
  })
})
