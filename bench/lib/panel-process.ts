/**
 * The panel as a child process (`node --experimental-strip-types src/main.ts`, exactly what `npm start` runs), so
 * its memory is its own, and a sampler of its resident memory from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { ROOT } from './stand-ins.ts'

/**
 * Settings every panel child gets unless a benchmark overrides them: the documented defaults the
 * benchmarks assume, set explicitly so a developer's `.env` (main.ts loads it; it fills only variables
 * that are not set) cannot change them. LOG_LEVEL=warn keeps the children quiet.
 */
export const PANEL_SETTINGS: Readonly<Record<string, string>> = {
  POLL_INTERVAL_MS: '2000',
  MAX_UPLOAD_MB: '4096',
  AUDIO_REFERENCE: 'auto',
  LOG_LEVEL: 'warn',
}

/** Children still running; killed when the bench process exits, whatever the reason. */
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) if (child.pid !== undefined) child.kill('SIGKILL')
})

/** A free TCP port on 127.0.0.1 (the OS picks it; there is a short race until the child binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Resident set size and its high-water mark of a process, in bytes (VmRSS, VmHWM). */
export function readMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

/**
 * Resets a process's VmHWM to its current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0), so
 * the high-water mark read later is the peak of the phase that follows.
 * @returns false when the kernel or permissions do not allow it (then only the samples count).
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Peak memory of one phase (bytes): the larger of the sampled maximum and the kernel's high-water mark. */
export interface PhasePeak {
  peak: number
  sampledMax: number
  /** VmHWM over the phase (NaN when it could not be reset). */
  hwm: number
}

/** What a sampler saw: bytes. */
export interface MemoryReport extends PhasePeak {
  baseline: number
  samples: number
  /** Longest gap between two samples (ms): how busy the bench's own event loop was. */
  maxGapMs: number
}

/**
 * Samples a process's RSS every `intervalMs` between `start()` and `stop()`; `mark()` closes a phase
 * (its peak) and starts the next one. VmHWM is reset at each phase start, so a peak between two
 * samples is not missed.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null
  private baseline = 0
  private max = 0
  private phaseMax = 0
  private samples = 0
  private last = 0
  private maxGap = 0
  private hwmReset = false
  private overallHwm = 0

  private readonly pid: number
  private readonly intervalMs: number
  constructor(
    pid: number,
    intervalMs = 50,
  ) {
    this.pid = pid
    this.intervalMs = intervalMs
  }

  /** Takes the baseline (median of five reads over ~250 ms), resets VmHWM and starts sampling. */
  async start(): Promise<void> {
    const reads: number[] = []
    for (let i = 0; i < 5; i++) {
      reads.push(readMemory(this.pid).rss)
      await new Promise((r) => setTimeout(r, 50))
    }
    reads.sort((a, b) => a - b)
    this.baseline = reads[2]!
    this.hwmReset = resetPeak(this.pid)
    this.max = readMemory(this.pid).rss
    this.phaseMax = this.max
    this.last = Date.now()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
  }

  private sample(): void {
    const now = Date.now()
    this.maxGap = Math.max(this.maxGap, now - this.last)
    this.last = now
    try {
      const rss = readMemory(this.pid).rss
      this.max = Math.max(this.max, rss)
      this.phaseMax = Math.max(this.phaseMax, rss)
      this.samples++
    } catch {
      // the process is gone; stop() reports what was seen
    }
  }

  /** Ends the current phase: its peak since `start()` or the previous `mark()`. */
  mark(): PhasePeak {
    this.sample()
    let hwm = Number.NaN
    if (this.hwmReset) {
      try {
        hwm = readMemory(this.pid).hwm
        this.overallHwm = Math.max(this.overallHwm, hwm)
        resetPeak(this.pid)
      } catch {
        hwm = Number.NaN
      }
    }
    const phase = { peak: Number.isNaN(hwm) ? this.phaseMax : Math.max(this.phaseMax, hwm), sampledMax: this.phaseMax, hwm }
    this.phaseMax = 0
    return phase
  }

  /** Stops sampling and reports baseline and the peak over the whole run. */
  stop(): MemoryReport {
    const lastPhase = this.mark()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    const hwm = this.hwmReset ? Math.max(this.overallHwm, lastPhase.hwm) : Number.NaN
    const peak = Number.isNaN(hwm) ? this.max : Math.max(this.max, hwm)
    return { baseline: this.baseline, peak, sampledMax: this.max, hwm, samples: this.samples, maxGapMs: this.maxGap }
  }
}

export interface PanelProcess {
  url: string
  pid: number
  /** The last few KB the panel wrote to stdout/stderr (for error messages). */
  output(): string
  /** SIGTERM (graceful stop in main.ts), SIGKILL after 5 s. */
  stop(): Promise<void>
}

/**
 * Starts `node --experimental-strip-types src/main.ts` with `env` (on top of PATH/HOME) on a free loopback port and
 * waits until `GET /api/recordings` answers. `onOutput` receives everything the panel writes (its log).
 * @throws Error with the panel's output when it exits or does not answer within `timeoutMs`.
 */
export async function startPanelProcess(
  env: Record<string, string>,
  opts: { timeoutMs?: number; onOutput?: (text: string) => void } = {},
): Promise<PanelProcess> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  const port = await freePort()
  const child = spawn(process.execPath, ['--experimental-strip-types', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: String(port), ...PANEL_SETTINGS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let out = ''
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000)
    opts.onOutput?.(d.toString())
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  let exited = false
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      running.delete(child)
      resolve()
    })
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (exited) return
    child.kill('SIGTERM')
    const t = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exit
    clearTimeout(t)
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${url}/api/recordings`, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      if (res.ok) return { url, pid: child.pid!, output: () => out, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop()
  throw new Error(`the panel did not start (${exited ? 'it exited' : 'timeout'}): ${out.trim().slice(-600)}`)
}
