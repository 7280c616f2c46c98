/**
 * Result rows, the printed table, and the small statistics the benchmarks share (percentiles,
 * sliding-window counts). Times are milliseconds, sizes bytes, unless a name says otherwise.
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'

/** One line of the result table. `pass` null means "information, no target". */
export interface ResultRow {
  name: string
  measured: string
  target: string
  pass: boolean | null
}

/** A row with a target; `pass` is computed by the caller. */
export function row(name: string, measured: string, target: string, pass: boolean): ResultRow {
  return { name, measured, target, pass }
}

/** A row without a target (context for the rows that have one). */
export function info(name: string, measured: string): ResultRow {
  return { name, measured, target: '', pass: null }
}

/** A failed benchmark: one row that says what went wrong instead of its numbers. */
export function errorRow(benchmark: string, err: unknown): ResultRow {
  const msg = err instanceof Error ? err.message : String(err)
  return { name: `${benchmark}: ERROR`, measured: msg.split('\n')[0]!.slice(0, 160), target: '', pass: false }
}

/** Renders rows as a fixed-width table: name, measured, target, pass/fail ('-' = information). */
export function formatTable(rows: readonly ResultRow[]): string {
  const cells = rows.map((r) => [r.name, r.measured, r.target, r.pass === null ? '-' : r.pass ? 'PASS' : 'FAIL'])
  const head = ['benchmark', 'measured', 'target', 'result']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}

/** Milliseconds as `123 ms` or `12.34 s`. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  return v < 10_000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`
}

/** Bytes as MB (10^6) with one decimal. */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

/** Nearest-rank percentile (p in [0, 100]) of the values; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]!
}

/** Median (mean of the middle two for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Largest number of events inside any window `[t, t + windowMs)` (a sliding window anchored on each
 * event), e.g. requests per 10 s as RunPod counts its rate limits.
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

/** Smallest gap between consecutive times (Infinity for fewer than two). */
export function minGap(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = Number.POSITIVE_INFINITY
  for (let i = 1; i < sorted.length; i++) best = Math.min(best, sorted[i]! - sorted[i - 1]!)
  return best
}

/** Lines describing the machine: CPU model, cores, RAM, Node version, OS. */
export function machineInfo(): string[] {
  const cpus = os.cpus()
  let model = cpus[0]?.model ?? 'unknown'
  try {
    // Some VMs report a bare model in os.cpus(); /proc/cpuinfo may say more.
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m?.[1] && m[1].length > model.length) model = m[1]
  } catch {
    // not Linux: keep os.cpus()
  }
  return [
    `CPU: ${model} (${cpus.length} logical cores${cpus[0]?.speed ? `, ${cpus[0].speed} MHz` : ''})`,
    `RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`,
    `Node: ${process.version} (${process.platform} ${os.release()}, ${process.arch})`,
    loadLine(),
  ]
}

/**
 * The load average (1, 5, 15 min) next to the core count: other work on the machine (a test run, a
 * browser) competes with the panel and the stand-ins and shows up in every number here.
 */
export function loadLine(): string {
  const [one, five, fifteen] = os.loadavg().map((v) => v.toFixed(2))
  return `Load average: ${one}, ${five}, ${fifteen} (${os.cpus().length} cores)`
}
