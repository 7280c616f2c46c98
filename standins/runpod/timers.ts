/**
 * Runs `fn` once `ms` have passed by the wall clock; the pending timer sits in `timers` so its owner can clear it.
 * Node timers may fire up to ~1 ms early as seen by `Date.now()`; re-arming for the remainder keeps
 * `delayTime >= queueDelayMs` and friends exact.
 */
export function deadlineTimer(timers: Set<NodeJS.Timeout>, ms: number, fn: () => void): void {
  const due = Date.now() + ms
  const arm = (wait: number) => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (Date.now() < due) arm(due - Date.now())
      else fn()
    }, wait)
    timers.add(t)
  }
  arm(ms)
}

/** Clears every timer in `timers`. */
export function clearTimers(timers: Iterable<NodeJS.Timeout>): void {
  for (const t of timers) clearTimeout(t)
}
