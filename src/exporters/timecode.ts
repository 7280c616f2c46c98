/**
 * The one place exports turn seconds into clock text, so every format shows the same time for the same segment.
 * Input times are seconds from the start of the recording.
 */

interface ClockParts {
  hours: number
  minutes: number
  seconds: number
  millis: number
}

/**
 * Splits a time into clock parts after rounding it to whole milliseconds, so 59.9996 s becomes 00:01:00.000 and
 * never 00:00:59.1000. Negative and non-finite times become 0. Hours do not wrap at 24.
 */
function clockParts(seconds: number): ClockParts {
  const totalMs = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0
  const totalSeconds = Math.floor(totalMs / 1000)
  return {
    hours: Math.floor(totalSeconds / 3600),
    minutes: Math.floor(totalSeconds / 60) % 60,
    seconds: totalSeconds % 60,
    millis: totalMs % 1000,
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/**
 * `HH:MM:SS` for a time in seconds, cut to the whole second (123.9 → `00:02:03`), as aTrain writes its
 * `[HH:MM:SS]` stamps (`time.strftime('%H:%M:%S', time.gmtime(t))` in aTrain_core/outputs.py). Cutting rather than
 * rounding means a click on the stamp never starts after the words. Used by md, docx, txt and maxqda.
 */
export function formatTimestamp(seconds: number): string {
  const c = clockParts(seconds)
  return `${pad(c.hours)}:${pad(c.minutes)}:${pad(c.seconds)}`
}

/**
 * `HH:MM:SS,mmm` for a time in seconds: a SubRip (SRT) cue time with a comma before the milliseconds. SRT has no
 * formal specification; this is the layout SubRip wrote and SRT readers expect (aTrain and WhisperX write the same).
 */
export function formatSrtTime(seconds: number): string {
  const c = clockParts(seconds)
  return `${pad(c.hours)}:${pad(c.minutes)}:${pad(c.seconds)},${pad(c.millis, 3)}`
}

/**
 * `HH:MM:SS.mmm` for a time in seconds: a WebVTT timestamp (W3C WebVTT, "WebVTT timestamp": hours of two or
 * more digits — optional, always written here —, two-digit minutes and seconds, a full stop and three-digit
 * milliseconds).
 */
export function formatVttTime(seconds: number): string {
  const c = clockParts(seconds)
  return `${pad(c.hours)}:${pad(c.minutes)}:${pad(c.seconds)}.${pad(c.millis, 3)}`
}

/** `H:MM:SS` for a length in seconds (3725.4 → `1:02:05`): hours unpadded, cut to the whole second. */
export function formatDuration(seconds: number): string {
  const c = clockParts(seconds)
  return `${c.hours}:${pad(c.minutes)}:${pad(c.seconds)}`
}
