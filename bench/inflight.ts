/**
 * Benchmark 5: 1,000 jobs in flight at once against the emulator (queue 5 s + execution 25 s: submitting
 * 1,000 through the panel takes longer than 10 s of execution, so with less the jobs would not all overlap).
 *
 * Setup, fast but real: the bundled interview is uploaded once through a panel child process (PUT,
 * probe, cloud upload to the S3 stand-in); that panel stops, and this process adds 999 more recordings
 * to its database with `SqliteStore.createRecording`, copies of the first one's row (same volume
 * object, a hard link of the local audio under `uploads/<id>/`). A fresh panel child process then
 * starts on that folder with JOB_CONCURRENCY=1000 (the default, 4, would keep 996 of them waiting in
 * the panel) and the default POLL_INTERVAL_MS and status cap, and all 1,000 are submitted through
 * `POST /api/recordings/:id/transcribe` (16 requests at a time, as a script would).
 *
 * Measured: every recording reaching `done` (events on /api/events), the most jobs in flight at once
 * (emulator records), the panel's request rate to the emulator (most /status and /run requests in any
 * 10 s window vs RunPod's 2000 and 1000, https://docs.runpod.io/serverless/endpoints/send-requests), and the panel process's RSS (sampled every 100 ms).
 */
import { randomUUID } from 'node:crypto'
import { link, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { SqliteStore } from '../src/adapters/store/sqlite-store.ts'
import { created, transition } from '../src/domain/lifecycle.ts'
import { INTERVIEW } from './lib/audio.ts'
import { callJson, listenEvents, mapLimit, putFile, waitFor, type RecordingJson } from './lib/http.ts'
import { readCpuMs, readMemory, RssSampler, startPanelProcess, type PanelProcess } from './lib/panel-process.ts'
import { info, maxInWindow, mb, ms, row, type ResultRow } from './lib/report.ts'
import { startBenchStandIns, type StandIns } from './lib/stand-ins.ts'
import { removeTempRoot, tempRoot } from './lib/temp.ts'

const JOBS = 1000

/** Runs benchmark 5 and returns its rows. */
export async function benchInflight(log: (line: string) => void): Promise<ResultRow[]> {
  const root = tempRoot('inflight')
  let standIns: StandIns | null = null
  let panel: PanelProcess | null = null
  let events: { close(): void } | null = null
  try {
    standIns = await startBenchStandIns(root, { queueDelayMs: 5000, executionMs: 25_000 })
    const emulator = standIns.emulator
    const dirs = { UPLOADS_DIR: path.join(root, 'uploads'), OUTPUT_DIR: path.join(root, 'output') }
    const env = { ...standIns.env, ...dirs, JOB_CONCURRENCY: String(JOBS) }

    // One real upload, then 999 copies of its row.
    const setup0 = Date.now()
    const first = await startPanelProcess(env)
    let template: RecordingJson
    try {
      const put = await putFile(first.url, INTERVIEW, 'interview 0.m4a')
      template = await waitFor('the first upload', async () => {
        const r = await callJson<RecordingJson>('GET', `${first.url}/api/recordings/${put.id}`)
        if (r.status === 'failed') throw new Error(`upload failed: ${r.error?.message}`)
        return r.status === 'uploaded' ? r : undefined
      }, 60_000, 100)
    } finally {
      await first.stop()
    }
    const store = new SqliteStore(path.join(dirs.OUTPUT_DIR, 'scribe.db'))
    try {
      const stored = store.getRecording(template.id)
      if (!stored) throw new Error('the first recording is not in the database')
      const audio = path.join(dirs.UPLOADS_DIR, stored.id, `audio.${stored.extension}`)
      for (let i = 1; i < JOBS; i++) {
        const id = randomUUID()
        await mkdir(path.join(dirs.UPLOADS_DIR, id))
        await link(audio, path.join(dirs.UPLOADS_DIR, id, `audio.${stored.extension}`))
        store.createRecording({ ...stored, id, filename: `interview ${i}.m4a`, createdAt: new Date(Date.parse(stored.createdAt) + i).toISOString() }, created())
        // Uploaded, like the first one: the same object on the volume.
        store.applyLifecycle(id, transition(store.getRecording(id)!, { type: 'UploadFinished', bytes: stored.upload.totalBytes }).patch)
      }
    } finally {
      store.close()
    }
    log(`  ${JOBS} recordings ready in ${ms(Date.now() - setup0)}`)

    panel = await startPanelProcess(env)
    const url = panel.url
    const done = new Set<string>()
    const failures: string[] = []
    const listener = listenEvents(url, (e) => {
      if (e.event !== 'recording') return
      const { recording: r } = JSON.parse(e.data) as { recording: RecordingJson }
      if (r.status === 'done') done.add(r.id)
      if (r.status === 'failed') failures.push(`${r.id}: ${r.error?.message ?? ''}`)
    })
    events = listener
    await listener.ready
    const { recordings } = await callJson<{ recordings: RecordingJson[] }>('GET', `${url}/api/recordings`)
    if (recordings.length !== JOBS) throw new Error(`the panel lists ${recordings.length} recordings, expected ${JOBS}`)

    const sampler = new RssSampler(panel.pid, 100)
    await sampler.start()
    const t0 = Date.now()
    // A coarse timeline every 5 s: where the memory goes (submitting, waiting, completing).
    let submitted = 0
    const pid = panel.pid
    let lastCpu = readCpuMs(pid)
    const timeline = setInterval(() => {
      const live = [...emulator.jobs.values()].filter((j) => j.finishedAt === null).length
      try {
        const cpu = readCpuMs(pid)
        log(`    t+${ms(Date.now() - t0)}: panel RSS ${mb(readMemory(pid).rss)}, CPU ${Math.round((cpu - lastCpu) / 50)}% of a core; requested ${submitted}, on RunPod ${live}, done ${done.size}`)
        lastCpu = cpu
      } catch {
        // the panel is gone; the wait below reports it
      }
    }, 5000)
    let submittedIn = 0
    let finishedIn = 0
    let memory
    try {
      await mapLimit(recordings, 16, async (r) => {
        await callJson('POST', `${url}/api/recordings/${r.id}/transcribe`, { language: 'en', diarize: true })
        submitted++
      })
      submittedIn = Date.now() - t0
      log(`  ${JOBS} transcriptions requested in ${ms(submittedIn)}`)
      await waitFor(
        `${JOBS} recordings done`,
        () => {
          if (failures.length > 0) throw new Error(`${failures.length} failed, e.g. ${failures[0]}`)
          return done.size >= JOBS ? true : undefined
        },
        240_000,
        200,
      ).catch((err: unknown) => log(`  ${err instanceof Error ? err.message : String(err)} (${done.size} done)`))
      finishedIn = Date.now() - t0
    } finally {
      clearInterval(timeline)
      memory = sampler.stop()
    }
    // Transient or kept? The panel's RSS once it has been idle for 5 s.
    await new Promise((r) => setTimeout(r, 5000))
    log(`  panel RSS 5 s after the last job: ${mb(readMemory(pid).rss)}`)

    const jobs = [...emulator.jobs.values()]
    const completed = jobs.filter((j) => j.status === 'COMPLETED').length
    // Most jobs on the emulator at once (submitted, not yet finished).
    const edges = jobs.flatMap((j) => [
      { at: j.submittedAt, d: 1 },
      { at: j.finishedAt ?? Number.POSITIVE_INFINITY, d: -1 },
    ])
    edges.sort((a, b) => a.at - b.at || a.d - b.d)
    let inFlight = 0
    let maxInFlight = 0
    for (const e of edges) maxInFlight = Math.max(maxInFlight, (inFlight += e.d))
    const times = (re: RegExp) => emulator.requests.filter((r) => re.test(r.path)).map((r) => r.at)
    const status = times(/\/status\/[^/]+$/)
    const run = times(/\/run$/)
    const maxStatus = maxInWindow(status, 10_000)
    const maxRun = maxInWindow(run, 10_000)
    const throttled = emulator.requests.filter((r) => r.status === 429).length
    log(`  emulator: ${jobs.length} jobs, ${completed} COMPLETED, ${status.length} /status and ${run.length} /run requests, ${throttled} answered 429`)
    log(`  panel RSS: baseline ${mb(memory.baseline)}, peak ${mb(memory.peak)} (sampled ${mb(memory.sampledMax)}), ${memory.samples} samples`)

    return [
      row('1000 in flight: recordings done', `${done.size} of ${JOBS} in ${ms(finishedIn)} (most at once on RunPod: ${maxInFlight})`, `${JOBS}`, done.size === JOBS),
      row('1000 in flight: max /status per 10 s', String(maxStatus), '≤ 2000 (RunPod)', maxStatus <= 2000),
      row('1000 in flight: max /run per 10 s', String(maxRun), '≤ 1000 (RunPod)', maxRun <= 1000),
      row('1000 in flight: panel process peak RSS (child process)', `${mb(memory.peak)} (baseline ${mb(memory.baseline)})`, '< 300 MB', memory.peak < 300e6),
      info('  1000 in flight: submission of all 1000 (16 at a time)', ms(submittedIn)),
    ]
  } finally {
    events?.close()
    await panel?.stop()
    await standIns?.stop()
    await removeTempRoot(root)
  }
}
