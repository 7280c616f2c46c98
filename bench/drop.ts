/**
 * Benchmark 7: drop → transcript on a 20 Mbit/s uplink. A one-hour recording in three shapes (64 kbit/s
 * m4a phone memo, 1 GB field-recorder WAV, 300 MB meeting video with its index first, as meeting tools save
 * it for streaming), plus the same video with its index at the end (as a camera or OBS leaves it), made from
 * the bundled interview (real speech) in a temp folder. The panel (a child process, UPLOAD_TRANSCODE=auto)
 * talks to the S3 stand-in through a throttling proxy (bench/lib/throttle.ts) that gives every upload one
 * shared 20 Mbit/s link; the emulated RunPod is the same for every run (500 ms in the queue, then the worker
 * reads the audio from the volume and takes 1500 ms; its delayTime and executionTime are reported).
 *
 * The baseline, "original upload": the file as it is sent over the same link by lib-storage from this process
 * with the panel's own multipart settings (8 MiB parts, 3 at once): the least any panel that uploads the
 * original must wait before a GPU can start. It leaves out the GPU and the polling, which the panel's drop →
 * transcript includes, so the ratio is the stricter one. The video with its index at the end has the same
 * size and shares the first video's baseline.
 *
 * For each shape, drop → transcript through the panel: the PUT, `POST /transcribe` as soon as the PUT answers,
 * and the recording's events: `uploaded`, `queued` (the first status from RunPod: /run answered IN_QUEUE) and
 * `done` (the transcript stored). Bytes sent are what crossed the proxy. The panel's speech map (Silero VAD
 * over the hour, on this computer) no longer holds the transcript back: when it is stored, and when its
 * judgement was applied to the stored transcript, are read from the panel's log and reported beside. The m4a
 * also runs with UPLOAD_TRANSCODE=off ("today": it goes as it is either way), two runs of each, alternating.
 *
 * Resume: the 1 GB WAV with UPLOAD_TRANSCODE=off (so the 1 GB itself goes up), parts from 63 on refused
 * (503) until the panel has given up its retries and waits; then SIGKILL, faults cleared, a restart on the
 * same folders: the parts the panel then sends are counted against the parts missing on the volume. The
 * link is not throttled for this run (the count is the point, not the time).
 */
import path from 'node:path'
import { DeleteObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createS3Client } from '../src/adapters/s3/s3-object-store.ts'
import { ffmpeg, makeLongM4a, makeMeetingMp4, makeRecorderWav } from './lib/audio.ts'
import { callJson, listenEvents, putFile, waitFor } from './lib/http.ts'
import { startPanelProcess } from './lib/panel-process.ts'
import { info, mb, median, ms, row, type ResultRow } from './lib/report.ts'
import { startBenchStandIns, type StandIns } from './lib/stand-ins.ts'
import { removeTempRoot, tempRoot } from './lib/temp.ts'
import { startThrottledLink, type ThrottledLink } from './lib/throttle.ts'

const UPLINK_BPS = 20e6
/** Length of the recordings (s): one hour; BENCH_DROP_SECONDS shortens it for a quick check of the bench itself. */
const HOUR = Number(process.env.BENCH_DROP_SECONDS ?? 3600)
/** Emulated RunPod: time in the queue and on the GPU, the same for every run. */
const QUEUE_MS = 500
const GPU_MS = 1500
const PART_SIZE = 8 * 1024 * 1024

interface Shape {
  key: string
  label: string
  file: string
  contentType: string
  /** Another shape of the same size whose baseline this one shares. */
  baselineOf?: string
}

interface DropRun {
  bytesSent: number
  uploadMs: number
  firstStatusMs: number
  transcriptMs: number
  /** When the panel's speech map was stored, and when its judgement reached the stored transcript (null: not within the run). */
  speechMapMs: number | null
  speechAppliedMs: number | null
  /** The emulated job's delayTime and executionTime as RunPod reports them (ms). */
  gpu: { delayTime: number | null; executionTime: number | null }
  objectKey: string
}

const cells = (r: DropRun) => `${mb(r.bytesSent)} | ${ms(r.uploadMs)} | ${ms(r.firstStatusMs)} | ${ms(r.transcriptMs)}`
const later = (v: number | null) => (v === null ? '—' : ms(v))

/** Runs benchmark 7 and returns its rows. */
export async function benchDrop(log: (line: string) => void): Promise<ResultRow[]> {
  const root = tempRoot('drop')
  let standIns: StandIns | null = null
  let link: ThrottledLink | null = null
  try {
    log('  making one hour as m4a (64 kbit/s), WAV (48 kHz 24-bit stereo) and mp4 (video + 128 kbit/s AAC, index first and at the end) with ffmpeg…')
    const t0 = Date.now()
    const shapes: Shape[] = [
      { key: 'm4a', label: 'm4a 64 kbit/s', file: path.join(root, 'memo.m4a'), contentType: 'audio/mp4' },
      { key: 'wav', label: 'WAV 1 GB', file: path.join(root, 'recorder.wav'), contentType: 'audio/wav' },
      { key: 'mp4', label: 'mp4 300 MB', file: path.join(root, 'meeting.mp4'), contentType: 'video/mp4' },
      { key: 'mp4end', label: 'mp4 300 MB, index at the end', file: path.join(root, 'meeting-index-last.mp4'), contentType: 'video/mp4', baselineOf: 'mp4' },
    ]
    // BENCH_DROP_SHAPES=m4a,wav,mp4,mp4end (default all) runs a subset; the resume run needs the WAV.
    const wanted = (process.env.BENCH_DROP_SHAPES ?? 'm4a,wav,mp4,mp4end').toLowerCase().split(',')
    const chosen = shapes.filter((s) => wanted.includes(s.key))
    const has = (key: string) => chosen.some((s) => s.key === key)
    if (has('m4a')) await makeLongM4a(shapes[0]!.file, HOUR)
    if (has('wav')) await makeRecorderWav(shapes[1]!.file, HOUR)
    if (has('mp4') || has('mp4end')) await makeMeetingMp4(shapes[2]!.file, HOUR, root)
    // The same streams, the index (moov) written after the media, as ffmpeg's mp4 muxer does by default.
    if (has('mp4end')) await ffmpeg(['-i', shapes[2]!.file, '-map', '0', '-c', 'copy', shapes[3]!.file], 300_000)
    for (const s of chosen) log(`    ${s.label}: ${(await stat(s.file)).size.toLocaleString('en')} bytes`)
    log(`  made in ${ms(Date.now() - t0)}; emulated RunPod: ${QUEUE_MS} ms queue + ${GPU_MS} ms GPU per job; uplink ${UPLINK_BPS / 1e6} Mbit/s`)
    standIns = await startBenchStandIns(root, { queueDelayMs: QUEUE_MS, executionMs: GPU_MS })
    const target = new URL(standIns.s3.endpoint)
    link = await startThrottledLink({ host: target.hostname, port: Number(target.port) }, UPLINK_BPS)

    const rows: ResultRow[] = []
    const baselines = new Map<string, number>()
    for (const s of chosen) {
      const size = (await stat(s.file)).size
      let asIs = s.baselineOf ? baselines.get(s.baselineOf) : undefined
      if (asIs === undefined) {
        asIs = await uploadAsIs(standIns, link, s)
        log(`  ${s.label}: original as it is over the link: ${ms(asIs)} (${mb(size)})`)
      } else log(`  ${s.label}: original as it is: the ${s.baselineOf} baseline, ${ms(asIs)} (same size, ${mb(size)})`)
      baselines.set(s.key, asIs)
      rows.push(info(`drop ${s.label}: original upload over the link (baseline)`, `${ms(asIs)} (${mb(size)})`))
      if (s.key === 'm4a') {
        // The same path either way (64 kbit/s goes as it is); two runs of each, alternating, medians.
        const runs: Record<'auto' | 'off', DropRun[]> = { auto: [], off: [] }
        for (let i = 0; i < 2; i++) {
          for (const mode of ['off', 'auto'] as const) {
            const r = await dropToTranscript(standIns, link, s, root, mode, i)
            log(`    drop → transcript (${mode === 'off' ? 'off, today' : 'auto'}): ${describe(r)}`)
            runs[mode].push(r)
          }
        }
        const pick = (mode: 'auto' | 'off', f: (r: DropRun) => number) => median(runs[mode].map(f))
        rows.push(info(`drop ${s.label} (auto): bytes sent | upload | first RunPod status | transcript`, cells(runs.auto[0]!)))
        rows.push(info(`  ${s.label} today (UPLOAD_TRANSCODE=off)`, cells(runs.off[0]!)))
        rows.push(info(`  ${s.label}: emulated job delayTime / executionTime, auto | off`, `${gpuCell(runs.auto[0]!)} | ${gpuCell(runs.off[0]!)}`))
        const first = pick('auto', (r) => r.firstStatusMs) / pick('off', (r) => r.firstStatusMs)
        rows.push(row(`drop ${s.label}: first RunPod status, auto vs today (median of 2)`, `${first.toFixed(2)}× (${ms(pick('auto', (r) => r.firstStatusMs))} vs ${ms(pick('off', (r) => r.firstStatusMs))})`, '≤ 1.05× (no slower)', first <= 1.05))
        rows.push(info(`drop ${s.label}: transcript, auto vs today (median of 2)`, `${ms(pick('auto', (r) => r.transcriptMs))} vs ${ms(pick('off', (r) => r.transcriptMs))}`))
        continue
      }
      const auto = await dropToTranscript(standIns, link, s, root, 'auto')
      log(`    drop → transcript (auto): ${describe(auto)}`)
      rows.push(info(`drop ${s.label}: bytes sent | upload | first RunPod status | transcript`, cells(auto)))
      rows.push(info(`  ${s.label}: emulated job delayTime / executionTime; speech map stored | applied`, `${gpuCell(auto)}; ${later(auto.speechMapMs)} | ${later(auto.speechAppliedMs)}`))
      const factor = asIs / auto.transcriptMs
      rows.push(row(`drop ${s.label}: original upload ÷ drop → transcript`, `${factor.toFixed(1)}× (${ms(asIs)} vs ${ms(auto.transcriptMs)})`, '≥ 10×', factor >= 10))
    }
    link.setRate(Infinity)
    const wav = chosen.find((s) => s.key === 'wav')
    if (wav) rows.push(...(await resumeRun(standIns, link, wav, root, log)))
    return rows
  } finally {
    await link?.close()
    await standIns?.stop()
    await removeTempRoot(root)
  }
}

function gpuCell(r: DropRun): string {
  return `${r.gpu.delayTime === null ? '?' : ms(r.gpu.delayTime)} / ${r.gpu.executionTime === null ? '?' : ms(r.gpu.executionTime)}`
}

function describe(r: DropRun): string {
  return `${r.objectKey.split('/').at(-1)}, ${mb(r.bytesSent)} sent, uploaded at ${ms(r.uploadMs)}, first RunPod status at ${ms(r.firstStatusMs)}, transcript stored at ${ms(r.transcriptMs)} (job ${gpuCell(r)}); speech map stored at ${later(r.speechMapMs)}, applied at ${later(r.speechAppliedMs)}`
}

/** Uploads the file as it is over the link with the panel's multipart settings (the baseline). @returns ms. */
async function uploadAsIs(standIns: StandIns, link: ThrottledLink, s: Shape): Promise<number> {
  const client = createS3Client({ ...s3Settings(standIns), endpoint: link.url })
  const key = `bench/as-is/${path.basename(s.file)}`
  try {
    const t0 = Date.now()
    await new Upload({ client, params: { Bucket: standIns.s3.bucket, Key: key, Body: createReadStream(s.file), ContentType: s.contentType }, partSize: PART_SIZE, queueSize: 3 }).done()
    const took = Date.now() - t0
    await client.send(new DeleteObjectCommand({ Bucket: standIns.s3.bucket, Key: key }))
    return took
  } finally {
    client.destroy()
  }
}

function s3Settings(standIns: StandIns) {
  const { s3 } = standIns
  return { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
}

/** After the transcript, how long to wait for the speech map's judgement so it can be reported (it is not part of drop → transcript). */
const SPEECH_MAP_REPORT_WAIT_MS = 120_000

/** One drop through a fresh panel child: PUT, transcribe, wait for the stored transcript. */
async function dropToTranscript(standIns: StandIns, link: ThrottledLink, s: Shape, root: string, transcode: 'auto' | 'off', run = 0): Promise<DropRun> {
  const dir = path.join(root, `panel-${transcode}-${run}-${path.basename(s.file)}`)
  let speechMapAt: number | null = null
  let appliedAt: number | null = null
  const panel = await startPanelProcess(
    { ...standIns.env, RUNPOD_S3_ENDPOINT: link.url, UPLOAD_TRANSCODE: transcode, UPLOADS_DIR: path.join(dir, 'uploads'), OUTPUT_DIR: path.join(dir, 'output'), LOG_LEVEL: 'info' },
    {
      onOutput: (text) => {
        if (text.includes('speech map stored')) speechMapAt ??= Date.now()
        if (text.includes('speech map applied to the stored transcript')) appliedAt ??= Date.now()
      },
    },
  )
  const seen = new Map<string, Map<string, number>>()
  const events = listenEvents(panel.url, (e) => {
    if (e.event !== 'recording') return
    const { recording } = JSON.parse(e.data) as { recording: { id: string; status: string } }
    const times = seen.get(recording.id) ?? new Map<string, number>()
    if (!times.has(recording.status)) times.set(recording.status, e.at)
    seen.set(recording.id, times)
  })
  try {
    await events.ready
    const sent0 = link.sentBytes()
    const t0 = Date.now()
    const rec = await putFile(panel.url, s.file, path.basename(s.file))
    await callJson('POST', `${panel.url}/api/recordings/${rec.id}/transcribe`, {})
    const at = (status: string) => seen.get(rec.id)?.get(status)
    const done = await waitFor(`${s.label} to be transcribed`, () => {
      if (at('failed')) throw new Error(`the recording failed: ${panel.output().slice(-400)}`)
      return at('done')
    }, 900_000, 20)
    const bytesSent = link.sentBytes() - sent0
    const job = lastJob(standIns)
    // For the report only: the speech map and its judgement arrive after the transcript (or were there before).
    await waitFor('the speech map', () => (speechMapAt !== null && (appliedAt !== null || speechMapAt < done) ? true : undefined), SPEECH_MAP_REPORT_WAIT_MS, 100).catch(() => undefined)
    const since = (v: number | null) => (v === null ? null : v - t0)
    return {
      bytesSent,
      uploadMs: at('uploaded')! - t0,
      firstStatusMs: at('queued')! - t0,
      transcriptMs: done - t0,
      speechMapMs: since(speechMapAt),
      speechAppliedMs: since(appliedAt),
      gpu: { delayTime: job?.delayTime ?? null, executionTime: job?.executionTime ?? null },
      objectKey: (job?.input as { audio?: string } | undefined)?.audio ?? '?',
    }
  } finally {
    events.close()
    await panel.stop()
  }
}

/** The last job the emulator ran (the one the panel just submitted). */
function lastJob(standIns: StandIns) {
  return [...standIns.emulator.jobs.values()].at(-1)
}

/** A 1 GB upload cut off (network, then SIGKILL) and resumed: parts sent after the restart vs parts missing. */
async function resumeRun(standIns: StandIns, link: ThrottledLink, s: Shape, root: string, log: (line: string) => void): Promise<ResultRow[]> {
  const dir = path.join(root, 'panel-resume')
  const env = { ...standIns.env, RUNPOD_S3_ENDPOINT: link.url, UPLOAD_TRANSCODE: 'off', UPLOADS_DIR: path.join(dir, 'uploads'), OUTPUT_DIR: path.join(dir, 'output') }
  const size = (await stat(s.file)).size
  const parts = Math.ceil(size / PART_SIZE)
  // The "connection" drops at the middle part: every later part is refused until the panel is killed.
  standIns.s3.faults.failNext(1_000_000, 500, { operation: 'UploadPart', partNumberFrom: Math.floor(parts / 2) })
  let panel = await startPanelProcess(env)
  const client = createS3Client(s3Settings(standIns))
  try {
    // The PUT answers once the streamed upload has given up (the rest of the file goes to disk only).
    const rec = await putFile(panel.url, s.file, 'resume.wav')
    const key = `scribe-panel/${rec.id}/audio.wav`
    // Let the panel resume, hit the refused parts again and wait to retry; then the process dies.
    await new Promise((r) => setTimeout(r, 3000))
    process.kill(panel.pid, 'SIGKILL')
    await panel.stop()
    standIns.s3.faults.clear()
    const partRequest = standIns.s3.requests.filter((q) => q.operation === 'UploadPart' && decodeURIComponent(q.path).endsWith(key)).at(-1)
    const uploadId = new URLSearchParams(partRequest?.query ?? '').get('uploadId')
    if (!uploadId) throw new Error('no multipart upload was started')
    const listed = await client.send(new ListPartsCommand({ Bucket: standIns.s3.bucket, Key: key, UploadId: uploadId }))
    const kept = listed.Parts?.length ?? 0
    const keptBytes = (listed.Parts ?? []).reduce((n, p) => n + (p.Size ?? 0), 0)
    const missing = parts - kept
    log(`  resume: ${parts} parts of 8 MiB; on the volume after the cut: ${kept} (${mb(keptBytes)}); missing ${missing}`)
    const before = standIns.s3.requests.length
    const sent0 = link.sentBytes()
    const t0 = Date.now()
    panel = await startPanelProcess(env)
    await waitFor('the resumed upload', async () => {
      const r = await callJson<{ status: string }>('GET', `${panel.url}/api/recordings/${rec.id}`)
      if (r.status === 'failed') throw new Error('the resumed upload failed')
      return r.status === 'uploaded' ? true : undefined
    }, 600_000, 200)
    const took = Date.now() - t0
    const after = standIns.s3.requests.slice(before).filter((q) => q.source === 'client')
    const sentParts = after.filter((q) => q.operation === 'UploadPart' && q.status === 200).length
    const creates = after.filter((q) => q.operation === 'CreateMultipartUpload').length
    const bytes = link.sentBytes() - sent0
    log(`  resumed in ${ms(took)}: ${sentParts} parts sent, ${mb(bytes)} over the link, ${creates} new multipart uploads`)
    return [
      row('resume 1 GB WAV after a cut + SIGKILL: parts sent', `${sentParts} = the ${missing} missing (of ${parts}; ${mb(bytes)} sent, ${mb(keptBytes)} kept)`, 'only the missing parts', sentParts === missing && creates === 0),
    ]
  } finally {
    client.destroy()
    await panel.stop()
  }
}
