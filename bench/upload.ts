/**
 * Benchmark 1: upload through the panel vs a direct multipart upload, the small sizes included. For the bundled sample (346 KB), a 100 MB and a 1 GB WAV:
 * - direct: a lib-storage `Upload` of the file to the S3 stand-in from this process, with the panel's
 *   client settings, 8 MiB parts and queueSize 3 (what `S3ObjectStore.uploadFile` uses);
 * - panel: a fresh panel child process per size; time from the start of `PUT /api/recordings` until
 *   the recording's `uploaded` event on `/api/events` (local copy + sniff + probe + cloud upload);
 *   its RSS is sampled every 50 ms from /proc, with VmHWM reset at each phase (PUT, cloud upload).
 * Direct and panel runs alternate so drift of this VM's speed hits both alike; medians are reported.
 * The S3 stand-in runs in this process for both (for the panel the client side runs
 * in the child, so the two sides use separate cores; for the direct upload they share this one).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createS3Client } from '../src/adapters/s3/s3-object-store.ts'
import { INTERVIEW, makeWav } from './lib/audio.ts'
import { callJson, listenEvents, putFile, waitFor } from './lib/http.ts'
import { readCpuMs, RssSampler, startPanelProcess, type MemoryReport } from './lib/panel-process.ts'
import { info, mb, median, ms, row, type ResultRow } from './lib/report.ts'
import { startBenchStandIns, type StandIns } from './lib/stand-ins.ts'
import { removeTempRoot, tempRoot } from './lib/temp.ts'

const PART_SIZE = 8 * 1024 * 1024
/** CPU time of this process so far (ms): the S3 stand-in runs here. */
const benchCpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const QUEUE_SIZE = 3

interface Case {
  label: string
  file: string
  contentType: string
  runs: number
}

/** Runs benchmark 1 and returns its rows. */
export async function benchUpload(log: (line: string) => void): Promise<ResultRow[]> {
  const root = tempRoot('upload')
  let standIns: StandIns | null = null
  try {
    log('  making a 100 MB and a 1 GiB WAV with ffmpeg…')
    const t0 = Date.now()
    const wav100 = path.join(root, 'interview-100mb.wav')
    const wav1g = path.join(root, 'interview-1gb.wav')
    await makeWav(wav100, 100e6)
    await makeWav(wav1g, 2 ** 30)
    log(`  made in ${ms(Date.now() - t0)}`)
    standIns = await startBenchStandIns(root)
    const cases: Case[] = [
      { label: 'sample 346 KB m4a', file: INTERVIEW, contentType: 'audio/mp4', runs: 5 },
      { label: '100 MB wav', file: wav100, contentType: 'audio/wav', runs: 3 },
      { label: '1 GB wav', file: wav1g, contentType: 'audio/wav', runs: 3 },
    ]
    const rows: ResultRow[] = []
    for (const c of cases) rows.push(...(await runCase(c, standIns, root, log)))
    return rows
  } finally {
    await standIns?.stop()
    await removeTempRoot(root)
  }
}

async function runCase(c: Case, standIns: StandIns, root: string, log: (line: string) => void): Promise<ResultRow[]> {
  const size = (await stat(c.file)).size
  log(`  ${c.label}: ${size.toLocaleString('en')} bytes, ${c.runs} run(s) each, direct and panel alternating`)
  const client = createS3Client({
    endpoint: standIns.s3.endpoint,
    region: standIns.s3.region,
    bucket: standIns.s3.bucket,
    accessKeyId: standIns.s3.accessKeyId,
    secretAccessKey: standIns.s3.secretAccessKey,
  })
  const dir = path.join(root, `panel-${c.label.replace(/\W+/g, '-')}`)
  const panel = await startPanelProcess({ ...standIns.env, UPLOADS_DIR: path.join(dir, 'uploads'), OUTPUT_DIR: path.join(dir, 'output') })
  const uploadedAt = new Map<string, number>()
  const failed = new Map<string, string>()
  const events = listenEvents(panel.url, (e) => {
    if (e.event !== 'recording') return
    const { recording } = JSON.parse(e.data) as { recording: { id: string; status: string; error: { message: string } | null } }
    if (recording.status === 'uploaded' && !uploadedAt.has(recording.id)) uploadedAt.set(recording.id, e.at)
    if (recording.status === 'failed') failed.set(recording.id, recording.error?.message ?? 'failed')
  })
  const direct: number[] = []
  const panelTimes: number[] = []
  const putTimes: number[] = []
  const putPeaks: number[] = []
  const cloudPeaks: number[] = []
  const cpu: string[] = []
  const peaksAfter: number[] = []
  let memory: MemoryReport
  try {
    await events.ready
    const sampler = new RssSampler(panel.pid, 50)
    await sampler.start()
    try {
      for (let i = 0; i < c.runs; i++) {
        // Direct: lib-storage from this process, same part size and queue as the panel's adapter.
        const key = `bench/direct/${i}-${path.basename(c.file)}`
        const d0 = Date.now()
        await new Upload({
          client,
          params: { Bucket: standIns.s3.bucket, Key: key, Body: createReadStream(c.file), ContentType: c.contentType },
          partSize: PART_SIZE,
          queueSize: QUEUE_SIZE,
          leavePartsOnError: false,
        }).done()
        direct.push(Date.now() - d0)
        await client.send(new DeleteObjectCommand({ Bucket: standIns.s3.bucket, Key: key }))

        // Through the panel: PUT (local copy, sniff, probe) → cloud upload → `uploaded`.
        sampler.mark() // the idle time before this run is not part of either phase
        const cpu0 = { panel: readCpuMs(panel.pid), bench: benchCpuMs() }
        const t0 = Date.now()
        const rec = await putFile(panel.url, c.file, `${c.label} ${i}${path.extname(c.file)}`)
        const tPut = Date.now()
        putPeaks.push(sampler.mark().peak)
        const cpu1 = { panel: readCpuMs(panel.pid), bench: benchCpuMs() }
        const done = await waitFor(
          `${c.label} to reach "uploaded"`,
          () => {
            if (failed.has(rec.id)) throw new Error(`the panel's upload failed: ${failed.get(rec.id)}`)
            return uploadedAt.get(rec.id)
          },
          300_000,
          10,
        )
        cloudPeaks.push(sampler.mark().peak)
        cpu.push(
          `PUT ${ms(tPut - t0)} (CPU: panel ${ms(cpu1.panel - cpu0.panel)}, bench ${ms(cpu1.bench - cpu0.bench)}), ` +
            `cloud ${ms(done - tPut)} (CPU: panel ${ms(readCpuMs(panel.pid) - cpu1.panel)}, bench incl. S3 stand-in ${ms(benchCpuMs() - cpu1.bench)})`,
        )
        putTimes.push(tPut - t0)
        panelTimes.push(done - t0)
        // Let the waveform peaks (started with the cloud upload) finish, so they do not run into the
        // next direct upload; then free the disk (local copy + volume object).
        const p0 = Date.now()
        await callJson('GET', `${panel.url}/api/recordings/${rec.id}/peaks`, undefined, 300_000)
        peaksAfter.push(Date.now() - p0)
        await callJson('DELETE', `${panel.url}/api/recordings/${rec.id}`)
      }
    } finally {
      memory = sampler.stop()
    }
  } finally {
    events.close()
    client.destroy()
    await panel.stop()
  }

  const d = median(direct)
  const p = median(panelTimes)
  const put = median(putTimes)
  const ratio = p / d
  // Peak over the PUT and cloud-upload phases (the window users wait through); the whole run is logged too.
  const peak = Math.max(...putPeaks, ...cloudPeaks)
  const growth = peak - memory.baseline
  log(`    direct ${direct.map(ms).join(', ')}; panel ${panelTimes.map(ms).join(', ')}`)
  for (const line of cpu) log(`    panel run: ${line}`)
  log(`    waveform peaks still computing after "uploaded": ${peaksAfter.map(ms).join(', ')}`)
  log(
    `    panel RSS: baseline ${mb(memory.baseline)}, peak in PUT ${putPeaks.map(mb).join('/')}, peak in cloud upload ${cloudPeaks.map(mb).join('/')}, ` +
      `peak over the whole run incl. peaks computation ${mb(memory.peak)}; ${memory.samples} samples (longest gap ${memory.maxGapMs} ms), VmHWM ${Number.isNaN(memory.hwm) ? 'n/a' : 'reset per phase'}`,
  )
  return [
    row(`upload ${c.label}: panel PUT→uploaded vs direct`, `${ratio.toFixed(2)}× (${ms(p)} vs ${ms(d)})`, '≤ 1.5×', ratio <= 1.5),
    info(`  ${c.label}: PUT phase | cloud phase vs direct`, `${ms(put)} | ${((p - put) / d).toFixed(2)}× (${ms(p - put)})`),
    row(`upload ${c.label}: panel RSS growth`, `${mb(growth)} (${mb(memory.baseline)} → ${mb(peak)})`, '≤ 100 MB', growth <= 100e6),
  ]
}
