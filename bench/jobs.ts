/**
 * Benchmark 2: how fast the poller notices a finished job. The panel runs as a child process with the
 * default POLL_INTERVAL_MS (2000) and status cap (100/s), JOB_CONCURRENCY=50; 50 recordings of the bundled interview are
 * uploaded, then transcribed against the emulator in two rounds:
 * - A (a batch of interviews dropped together): all 50 submitted at once, queue 200 ms + execution 300 ms;
 * - B: 50 submitted one after another with queue delays spread evenly over 0.2–4.2 s (execution
 *   300 ms), so completions fall at every phase of the 2 s poll cycle, the case a user meets when a
 *   job's length is not known in advance.
 * Latency per job = the moment the panel set the recording `done` (transcript stored, exports written;
 * the time stamp of its `transcript stored` log line, written just before the event goes out) minus the
 * emulator's `finishedAt` (the moment it marked the job COMPLETED). Both clocks are this machine's. The
 * arrival of the `done` event on /api/events (what a page sees) is reported too; it also carries this
 * process's own delays, since the stand-ins run here. The /status request log of the emulator gives the
 * polls per job per 2 s window.
 */
import path from 'node:path'
import { INTERVIEW } from './lib/audio.ts'
import { callJson, listenEvents, mapLimit, putFile, waitFor, type RecordingJson } from './lib/http.ts'
import { startPanelProcess, type PanelProcess } from './lib/panel-process.ts'
import { info, maxInWindow, minGap, ms, percentile, row, type ResultRow } from './lib/report.ts'
import { startBenchStandIns, type StandIns } from './lib/stand-ins.ts'
import { removeTempRoot, tempRoot } from './lib/temp.ts'

const JOBS = 50

/** Runs benchmark 2 and returns its rows. */
export async function benchJobs(log: (line: string) => void): Promise<ResultRow[]> {
  const root = tempRoot('jobs')
  let standIns: StandIns | null = null
  let panel: PanelProcess | null = null
  let events: { close(): void } | null = null
  try {
    standIns = await startBenchStandIns(root, { queueDelayMs: 200, executionMs: 300 })
    const emulator = standIns.emulator
    const storedAt = new Map<string, number>() // RunPod job id → the panel's `transcript stored` log time
    let pending = ''
    const onOutput = (text: string) => {
      pending += text
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^(\S+) INFO transcript stored (\{.*\})$/.exec(line)
        if (!m) continue
        const { jobId } = JSON.parse(m[2]!) as { jobId?: string }
        if (jobId && !storedAt.has(jobId)) storedAt.set(jobId, Date.parse(m[1]!))
      }
    }
    // JOB_CONCURRENCY=50: all 50 on RunPod at once (the default, 4, queues the rest in the panel).
    panel = await startPanelProcess(
      { ...standIns.env, UPLOADS_DIR: path.join(root, 'uploads'), OUTPUT_DIR: path.join(root, 'output'), JOB_CONCURRENCY: String(JOBS), LOG_LEVEL: 'info' },
      { onOutput },
    )
    const url = panel.url
    const uploaded = new Set<string>()
    const doneAt = new Map<string, number>() // RunPod job id → arrival of the `done` event
    const failures: string[] = []
    const listener = listenEvents(url, (e) => {
      if (e.event !== 'recording') return
      const { recording: r } = JSON.parse(e.data) as { recording: RecordingJson }
      if (r.status === 'uploaded') uploaded.add(r.id)
      if (r.status === 'done' && r.job && !doneAt.has(r.job.id)) doneAt.set(r.job.id, e.at)
      if (r.status === 'failed') failures.push(`${r.id}: ${r.error?.message ?? ''}`)
    })
    events = listener
    await listener.ready

    const recs = await mapLimit(Array.from({ length: JOBS }, (_, i) => i), 4, (i) => putFile(url, INTERVIEW, `interview ${i}.m4a`))
    await waitFor('50 cloud uploads', () => (recs.every((r) => uploaded.has(r.id)) ? true : undefined), 120_000)
    log(`  ${JOBS} recordings uploaded`)

    /** Starts a transcription; the RunPod job id (the panel answers once /run has answered). */
    const transcribe = async (id: string): Promise<string> => {
      const r = await callJson<RecordingJson>('POST', `${url}/api/recordings/${id}/transcribe`, { language: 'en', diarize: true })
      if (!r.job) throw new Error(`POST …/transcribe answered without a RunPod job (status ${r.status}): the panel queued it instead of submitting`)
      return r.job.id
    }
    const waitDone = async (jobIds: () => string[]) =>
      waitFor(
        'all jobs done',
        () => {
          if (failures.length > 0) throw new Error(`a job failed: ${failures[0]}`)
          const ids = jobIds()
          return ids.length === JOBS && ids.every((j) => doneAt.has(j)) ? true : undefined
        },
        120_000,
      )

    // Round A: a burst of 50.
    const aJobs = await Promise.all(recs.map((r) => transcribe(r.id)))
    await waitDone(() => aJobs)

    // Round B: one after another, queue delays spread over two poll cycles. The emulator reads the
    // queue delay when /run answers, and POST …/transcribe answers after /run, so each job gets its own.
    const bJobs: string[] = []
    for (let i = 0; i < JOBS; i++) {
      emulator.faults.setDelays({ queueDelayMs: 200 + Math.round((i * 4000) / JOBS) })
      bJobs.push(await transcribe(recs[i]!.id))
    }
    emulator.faults.setDelays({ queueDelayMs: 200 })
    await waitDone(() => bJobs)

    // Polls per job: the emulator logs every request with its arrival time.
    const statusTimes = new Map<string, number[]>()
    for (const r of emulator.requests) {
      const m = /\/status\/([^/]+)$/.exec(r.path)
      if (m) statusTimes.set(m[1]!, [...(statusTimes.get(m[1]!) ?? []), r.at])
    }
    // Latency = wait for the next poll (COMPLETED → the /status request that saw it) + the panel's
    // work after that answer (→ done).
    const useLog = [...aJobs, ...bJobs].every((id) => storedAt.has(id))
    if (!useLog) log('  (no "transcript stored" log line for every job: using the event arrival as the done time)')
    const split = (jobIds: string[]) =>
      jobIds.map((id) => {
        const job = emulator.jobs.get(id)
        if (!job || job.status !== 'COMPLETED' || job.finishedAt === null) throw new Error(`emulator job ${id} is not COMPLETED`)
        const finishedAt = job.finishedAt
        const seen = (statusTimes.get(id) ?? []).filter((t) => t >= finishedAt)
        const poll = seen.length > 0 ? Math.min(...seen) : Number.NaN
        const done = useLog ? storedAt.get(id)! : doneAt.get(id)!
        return { total: done - finishedAt, wait: poll - finishedAt, work: done - poll, event: doneAt.get(id)! - finishedAt }
      })
    const sa = split(aJobs)
    const sb = split(bJobs)
    const la = sa.map((x) => x.total)
    const lb = sb.map((x) => x.total)
    const waits = [...sa, ...sb].map((x) => x.wait)
    const arrivals = [...sa, ...sb].map((x) => x.event)
    let perWindow = 0
    let gap = Number.POSITIVE_INFINITY
    let gaps = 0
    let shortGaps = 0
    for (const id of [...aJobs, ...bJobs]) {
      const times = [...(statusTimes.get(id) ?? [])].sort((x, y) => x - y)
      perWindow = Math.max(perWindow, maxInWindow(times, 2000))
      gap = Math.min(gap, minGap(times))
      for (let i = 1; i < times.length; i++) {
        gaps++
        if (times[i]! - times[i - 1]! < 2000) shortGaps++
      }
    }
    const polls = [...aJobs, ...bJobs].map((id) => statusTimes.get(id)?.length ?? 0)
    const throttled = emulator.requests.filter((r) => r.status === 429).length
    log(`  A latencies (ms): ${[...la].sort((x, y) => x - y).join(' ')}`)
    log(`  B latencies (ms): ${[...lb].sort((x, y) => x - y).join(' ')}`)

    const p95a = percentile(la, 95)
    const p95b = percentile(lb, 95)
    const dist = (v: number[]) => `p50 ${ms(percentile(v, 50))}, p95 ${ms(percentile(v, 95))}, max ${ms(Math.max(...v))}`
    return [
      row('jobs A (50 at once, 200+300 ms): COMPLETED→done p95', `${ms(p95a)} (p50 ${ms(percentile(la, 50))}, max ${ms(Math.max(...la))})`, '≤ 2 s', p95a <= 2000),
      row('jobs B (50, completions over the poll cycle): p95', `${ms(p95b)} (p50 ${ms(percentile(lb, 50))}, max ${ms(Math.max(...lb))})`, '≤ 2 s', p95b <= 2000),
      info('  A+B: COMPLETED → the poll that saw it', dist(waits)),
      info('  A: that poll → done (panel work)', dist(sa.map((x) => x.work))),
      info('  B: that poll → done (panel work)', dist(sb.map((x) => x.work))),
      info('  A+B: COMPLETED → done event arriving here', dist(arrivals)),
      row('/status requests per job per 2 s window (max)', String(perWindow), '≤ 1', perWindow <= 1),
      info('  shortest gap between two polls of one job', `${ms(gap)}; ${shortGaps} of ${gaps} consecutive polls of a job < 2 s apart`),
      info('  polls per job (A+B)', `min ${Math.min(...polls)}, max ${Math.max(...polls)}; HTTP 429 answers: ${throttled}`),
    ]
  } finally {
    events?.close()
    await panel?.stop()
    await standIns?.stop()
    await removeTempRoot(root)
  }
}
