import { describe, expect, it } from 'vitest'
import { coverageProblems, DEFAULT_WINDOW_RULES, planWindow, type PlannedWindow } from './live-windows.ts'

const R = DEFAULT_WINDOW_RULES

/** Speech every `period` seconds for `talk` seconds, up to `until`. */
function talking(until: number, talk = 3, period = 3.6): [number, number][] {
  const out: [number, number][] = []
  for (let t = 0.3; t < until; t += period) out.push([t, Math.min(until, t + talk)])
  return out
}

/** Feeds audio in 2 s chunks and plans windows as the service does (one at a time, then the rest at the end). */
function simulate(total: number, speech: [number, number][], busyUntil: (i: number) => number = () => 0): PlannedWindow[] {
  const windows: PlannedWindow[] = []
  let covered = 0
  let freeAt = 0
  const step = (edge: number, final: boolean) => {
    for (;;) {
      if (!final && edge < freeAt) return
      const w = planWindow({ covered, edge, speech: speech.filter(([, e]) => e > covered - 1), final })
      if (!w) return
      windows.push(w)
      covered = w.end
      freeAt = edge + busyUntil(windows.length - 1)
    }
  }
  for (let edge = 2; edge < total; edge += 2) step(edge, false)
  step(total, true)
  return windows
}

describe('planWindow', () => {
  it('waits for enough audio, then cuts the first window at a pause after about 4 s', () => {
    const speech = talking(60)
    expect(planWindow({ covered: 0, edge: 2, speech, final: false })).toBeNull()
    const w = planWindow({ covered: 0, edge: 8, speech: speech.filter(([s]) => s < 8), final: false })!
    expect(w.start).toBe(0)
    expect(w.speech).toBe(true)
    // The pause at 3.3–3.9 s comes before 4 s; the next, 6.9–7.5 s, is cut in the middle.
    expect(w.end).toBeCloseTo(7.2, 5)
  })

  it('cuts later windows at a pause between 10 and 20 s of new audio, starting half a second early', () => {
    const speech = talking(60)
    const w = planWindow({ covered: 7.2, edge: 22, speech, final: false })!
    expect(w.start).toBeCloseTo(6.7, 5)
    expect(w.end - 7.2).toBeGreaterThanOrEqual(R.minSeconds)
    expect(w.end - 7.2).toBeLessThanOrEqual(R.maxSeconds)
    // At a pause: between two speech regions.
    expect(speech.some(([s, e]) => w.end > s && w.end < e)).toBe(false)
  })

  it('cuts inside speech only when there is no pause for a whole window', () => {
    const speech: [number, number][] = [[0, 100]]
    expect(planWindow({ covered: 10, edge: 25, speech, final: false })).toBeNull()
    expect(planWindow({ covered: 10, edge: 30, speech, final: false })).toEqual({ start: 9.5, end: 30, speech: true })
  })

  it('skips silence without sending it, keeping a margin at the live edge', () => {
    expect(planWindow({ covered: 20, edge: 26, speech: [], final: false })).toBeNull()
    expect(planWindow({ covered: 20, edge: 31, speech: [], final: false })).toEqual({ start: 19.5, end: 30.7, speech: false })
  })

  it('merges audio that waited for a busy job into one window, up to two minutes', () => {
    const speech = talking(300)
    const w = planWindow({ covered: 10, edge: 70, speech, final: false })!
    expect(w.end).toBeGreaterThan(65)
    const capped = planWindow({ covered: 10, edge: 250, speech, final: false })!
    expect(capped.end - 10).toBeLessThanOrEqual(R.maxMergedSeconds)
    expect(capped.end - 10).toBeGreaterThan(R.maxMergedSeconds - 4)
  })

  it('after Stop, windows the rest at once', () => {
    const speech = talking(45)
    const w = planWindow({ covered: 40, edge: 45, speech, final: true })!
    expect(w).toEqual({ start: 39.5, end: 45, speech: true })
    expect(planWindow({ covered: 45, edge: 45, speech, final: true })).toBeNull()
  })

  it('covers a whole recording without gaps or repeats, with a job slot busy for a while', () => {
    const speech = talking(180)
    for (const busy of [() => 0, () => 6, (i: number) => (i === 0 ? 40 : 3)]) {
      const windows = simulate(180, speech, busy)
      expect(coverageProblems(windows, 180, R.overlapSeconds)).toEqual([])
      for (const [i, w] of windows.entries()) {
        if (i < windows.length - 1 && w.speech) expect(w.end - w.start).toBeLessThanOrEqual(R.maxMergedSeconds + R.overlapSeconds)
      }
    }
  })
})

describe('coverageProblems', () => {
  it('names gaps, repeats and a wrong end', () => {
    expect(coverageProblems([{ start: 0, end: 10 }, { start: 9.5, end: 20 }], 20, 0.5)).toEqual([])
    expect(coverageProblems([{ start: 0, end: 10 }, { start: 10.5, end: 20 }], 20, 0.5)).toEqual(['gap of 1.000 s before window 1'])
    expect(coverageProblems([{ start: 0, end: 10 }, { start: 8, end: 20 }], 20, 0.5)).toEqual(['window 1 repeats 1.500 s beyond the overlap'])
    expect(coverageProblems([{ start: 0, end: 10 }], 12, 0.5)).toEqual(['the windows end at 10.000 s, the audio at 12.000 s'])
  })
})
