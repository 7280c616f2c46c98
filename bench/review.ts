/**
 * Benchmark 4: the review page with a 3-hour, 3,000-segment transcript, and cached waveform peaks.
 *
 * An in-process panel (so the bench can write the transcript with `panel.store`) against the stand-ins.
 * Two long m4a files (the interview's AAC stream looped, no re-encoding) go in through the real
 * `PUT /api/recordings`: a 1-hour one for the peaks timing and a 3-hour one for the page. The 3-hour
 * recording gets the benchmark-3 transcript with `panel.store.saveTranscript` and status `done`, as
 * the poller would leave it; its peaks are computed beforehand, as the upload does in real use.
 *
 * Page timing in headless Chromium (scripts/lib/browser.ts), three page loads: from the click on the
 * recording in the library (the click event's timestamp) until the last kept segment is in the DOM,
 * and until the page has answered a click on that segment's last word (the frame after the click
 * handler ran). Also from navigation start to that answer. Timestamps are the page's own clock.
 */
import path from 'node:path'
import type { Server } from 'node:http'
import { parseConfig } from '../src/config.ts'
import { transition, type LifecycleEvent } from '../src/domain/lifecycle.ts'
import { silentLogger } from '../src/logger.ts'
import { createPanel, listen, type Panel } from '../src/panel.ts'
import { launchBrowser } from '../scripts/lib/browser.ts'
import { makeLongM4a } from './lib/audio.ts'
import { callJson, putFile, waitFor, type RecordingJson } from './lib/http.ts'
import { info, median, ms, row, type ResultRow } from './lib/report.ts'
import { startBenchStandIns, type StandIns } from './lib/stand-ins.ts'
import { removeTempRoot, tempRoot } from './lib/temp.ts'
import { longTranscript, TRANSCRIPT_SECONDS } from './transcript.ts'

/** What the init script collects in the page (times: performance.now(), ms since navigation start). */
interface PageProbe {
  clicks: { t: number; ts: number; frame: number | null; target: string }[]
  lastAt: number | null
  longTasks: { start: number; duration: number }[]
}

declare global {
  interface Window {
    __bench: PageProbe
  }
}

/** Runs benchmark 4 and returns its rows. */
export async function benchReview(log: (line: string) => void): Promise<ResultRow[]> {
  const root = tempRoot('review')
  let standIns: StandIns | null = null
  let panel: Panel | null = null
  let server: Server | null = null
  let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null
  try {
    const oneHour = path.join(root, 'one-hour.m4a')
    const threeHours = path.join(root, 'three-hours.m4a')
    await makeLongM4a(oneHour, 3600)
    await makeLongM4a(threeHours, TRANSCRIPT_SECONDS)
    standIns = await startBenchStandIns(root)
    const config = parseConfig({ ...standIns.env, UPLOADS_DIR: path.join(root, 'uploads'), OUTPUT_DIR: path.join(root, 'output'), PORT: '0' })
    panel = createPanel(config, silentLogger)
    panel.start()
    const l = await listen(panel.app, '127.0.0.1', 0)
    server = l.server as Server
    const url = `http://127.0.0.1:${l.port}`
    const p = panel

    const uploaded = async (file: string, name: string): Promise<RecordingJson> => {
      const rec = await putFile(url, file, name)
      await waitFor(`${name} uploaded`, async () => ((await callJson<RecordingJson>('GET', `${url}/api/recordings/${rec.id}`)).status === 'uploaded' ? true : undefined), 120_000, 100)
      // The upload computes the peaks in the background and caches them beside the audio.
      await waitFor(`${name} peaks cached`, async () => ((await p.files.readSidecar(rec.id, 'peaks')) !== null ? true : undefined), 120_000, 100).catch(() => log(`  (no peaks cached for ${name}; "first" below may be cached)`))
      return rec
    }

    // Peaks of the one-hour file: drop the cache the upload made, then time a computing and a cached request.
    const hour = await uploaded(oneHour, 'one hour.m4a')
    await p.files.removeSidecar(hour.id, 'peaks')
    const peakTimes: number[] = []
    let bins = 0
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now()
      const res = await fetch(`${url}/api/recordings/${hour.id}/peaks`)
      const body = (await res.json()) as { peaks: unknown[] }
      peakTimes.push(performance.now() - t0)
      bins = body.peaks.length
    }
    log(`  peaks of the 1-hour m4a (${bins} bins): ${peakTimes.map(ms).join(', ')}`)

    // The review recording: 3 hours, transcript stored as the poller stores it.
    const rec = await uploaded(threeHours, 'three hours.m4a')
    const transcript = longTranscript()
    p.store.saveTranscript(rec.id, 'bench-job-u1', transcript)
    // Done, by the lifecycle's own path (no job on RunPod: the transcript was stored above).
    const options = { language: null, diarize: true, minSpeakers: null, maxSpeakers: null }
    const events: LifecycleEvent[] = [{ type: 'SubmitStarted', options }, { type: 'JobAccepted' }, { type: 'JobReported', state: 'completed' }, { type: 'ResultStored' }]
    for (const e of events) p.store.applyLifecycle(rec.id, transition(p.store.getRecording(rec.id)!, e).patch)
    const kept = transcript.segments.filter((s) => s.filtered === null)
    const lastId = kept.at(-1)!.id
    const t0 = performance.now()
    const body = await (await fetch(`${url}/api/recordings/${rec.id}/transcript`)).text()
    log(`  GET …/transcript from this process: ${ms(performance.now() - t0)}, ${(body.length / 1e6).toFixed(1)} MB, ${transcript.segments.length} segments (${kept.length} kept)`)

    browser = await launchBrowser()
    const lastSegment = `#detail [data-segment-id="${lastId}"]`
    await browser.context.addInitScript((selector: string) => {
      const probe: PageProbe = { clicks: [], lastAt: null, longTasks: [] }
      window.__bench = probe
      document.addEventListener(
        'click',
        (e) => {
          const target = e.target instanceof Element ? `${e.target.tagName.toLowerCase()}.${e.target.className}` : String(e.target)
          const entry = { t: performance.now(), ts: e.timeStamp, frame: null as number | null, target }
          probe.clicks.push(entry)
          requestAnimationFrame(() => (entry.frame = performance.now()))
        },
        true,
      )
      new MutationObserver(() => {
        if (probe.lastAt === null && document.querySelector(selector)) probe.lastAt = performance.now()
      }).observe(document, { childList: true, subtree: true })
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration })
        }).observe({ type: 'longtask', buffered: true })
      } catch {
        // no long-task timing in this browser
      }
    }, lastSegment)

    const page = await browser.context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    const toRendered: number[] = []
    const toAnswer: number[] = []
    const fromNavigation: number[] = []
    for (let run = 0; run < 3; run++) {
      await page.goto(url, { waitUntil: 'domcontentloaded' })
      const item = `#library li[data-id="${rec.id}"]`
      await page.waitForSelector(item, { timeout: 30_000 })
      await page.click(item)
      await page.waitForFunction(() => window.__bench.lastAt !== null, undefined, { timeout: 60_000 })
      await page.locator(`${lastSegment} .word`).last().click({ timeout: 60_000 })
      await page.waitForFunction(() => window.__bench.clicks.at(-1)?.frame != null, undefined, { timeout: 60_000 })
      const probe = await page.evaluate(() => window.__bench)
      const open = probe.clicks[0]!
      const answer = probe.clicks.at(-1)!
      const start = Math.min(open.ts, open.t)
      toRendered.push(probe.lastAt! - start)
      toAnswer.push(answer.frame! - start)
      fromNavigation.push(answer.frame!)
      const long = probe.longTasks.filter((x) => x.start >= start)
      log(
        `  page load ${run + 1}: click→last segment in DOM ${ms(probe.lastAt! - start)}, click→answered click ${ms(answer.frame! - start)}, ` +
          `navigation→answered ${ms(answer.frame!)}; long tasks after the click: ${long.length}, longest ${ms(Math.max(0, ...long.map((x) => x.duration)))}, total ${ms(long.reduce((a, x) => a + x.duration, 0))}`,
      )
    }
    if (pageErrors.length > 0) log(`  page errors: ${pageErrors.slice(0, 3).join(' | ')}`)

    const first = peakTimes[0]!
    const cached = median(peakTimes.slice(1))
    const click = median(toAnswer)
    const nav = median(fromNavigation)
    return [
      row('review 3h/3000 segments: click→last turn rendered & click answered', `${ms(click)} (median of 3; rendered at ${ms(median(toRendered))})`, '≤ 1.5 s', click <= 1500),
      row('review 3h/3000 segments: navigation start→click answered', `${ms(nav)} (median of 3)`, '≤ 1.5 s', nav <= 1500),
      info('  peaks of a 1-hour file: first request (computing)', ms(first)),
      row('peaks of a 1-hour file: cached request', `${ms(cached)} (median of 3)`, '≤ 200 ms', cached <= 200),
    ]
  } finally {
    await browser?.close().catch(() => {})
    if (server) {
      const s = server
      await new Promise<void>((resolve) => {
        s.close(() => resolve())
        s.closeAllConnections()
      })
    }
    await panel?.close().catch(() => {})
    await standIns?.stop()
    await removeTempRoot(root)
  }
}
