/**
 * The compact copy for the GPU (UPLOAD_TRANSCODE=auto): which recordings get one, that the worker is sent
 * the copy while the page keeps the original, and that the copy has the original's duration and timing to
 * the millisecond. Inputs are made with ffmpeg from the bundled interview (real speech).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SileroSpeechDetector } from '../../src/adapters/media/speech-detector.ts'
import type { SpeechMap } from '../../src/domain/speech-map.ts'
import { silentLogger } from '../../src/logger.ts'
import { readObject } from '../../standins/s3/server.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const INTERVIEW = path.join(FIXTURES, 'interview.m4a')

function run(cmd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    child.stdout!.on('data', (d: Buffer) => out.push(d))
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} ${args.join(' ')}: ${err}`))))
    if (input) child.stdin!.end(input)
  })
}

/** Duration by ffprobe's container field (seconds). */
async function formatDuration(file: string): Promise<number> {
  return Number((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file])).toString().trim())
}

/** Duration of the first audio track by ffprobe (seconds): a video's picture track may run longer. */
async function audioDuration(file: string): Promise<number> {
  const out = (await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=duration:format=duration', '-of', 'json', file])).toString()
  const j = JSON.parse(out) as { streams: { duration?: string }[]; format: { duration: string } }
  return Number(j.streams[0]?.duration ?? j.format.duration)
}

/** The encoder's input rate recorded in the Ogg Opus header (`OpusHead`, RFC 7845 section 5.1); Opus itself always decodes at 48 kHz. */
function opusInputRate(ogg: Buffer): number {
  const at = ogg.indexOf('OpusHead')
  return ogg.readUInt32LE(at + 12)
}

/**
 * Duration by ffprobe's packets: end of the last packet (pts + duration), in seconds. For Ogg Opus this is
 * the playable length: the first packet starts at minus the encoder's pre-skip (312 samples, 6.5 ms) that
 * decoders drop, and the last packet's duration is trimmed by the end granule. (ffmpeg 5.1's ffprobe
 * `format.duration` of Ogg Opus counts the pre-skip as well, so it reads 6.5 ms long.)
 */
async function packetEnd(file: string): Promise<number> {
  const lines = (await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file])).toString().trim().split('\n')
  const [pts, dur] = lines.at(-1)!.split(',').map(Number)
  return pts! + dur!
}

/** The audio as WhisperX's `load_audio` decodes it: 16 kHz mono signed 16-bit samples. */
async function decode16k(file: string): Promise<Int16Array> {
  const pcm = await run('ffmpeg', ['-v', 'error', '-nostdin', '-threads', '0', '-i', file, '-f', 's16le', '-ac', '1', '-acodec', 'pcm_s16le', '-ar', '16000', '-'])
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2)
}

/** Lag (ms) between two loudness envelopes (1 ms windows) that matches them best, within ±`maxMs`. */
function bestLagMs(a: Int16Array, b: Int16Array, maxMs = 20): number {
  const env = (x: Int16Array) => {
    const out = new Float64Array(Math.floor(x.length / 16))
    for (let i = 0; i < out.length; i++) {
      let sum = 0
      for (let j = 0; j < 16; j++) sum += Math.abs(x[i * 16 + j]!)
      out[i] = sum / 16
    }
    return out
  }
  const ea = env(a)
  const eb = env(b)
  let best = 0
  let bestScore = -Infinity
  for (let lag = -maxMs; lag <= maxMs; lag++) {
    let score = 0
    for (let i = maxMs; i < Math.min(ea.length, eb.length) - maxMs; i++) score += ea[i]! * eb[i + lag]!
    if (score > bestScore) {
      bestScore = score
      best = lag
    }
  }
  return best
}

/** Seconds of speech two maps agree on, over the seconds either hears speech (intersection over union). */
function speechAgreement(a: SpeechMap, b: SpeechMap): number {
  const total = (m: SpeechMap) => m.regions.reduce((n, [s, e]) => n + (e - s), 0)
  let both = 0
  for (const [s, e] of a.regions) for (const [t, u] of b.regions) both += Math.max(0, Math.min(e, u) - Math.max(s, t))
  return both / (total(a) + total(b) - both)
}

describe('compact copy for the GPU (UPLOAD_TRANSCODE=auto)', () => {
  let stack: Stack
  let dir: string
  const files: Record<string, string> = {}

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'scribe-copy-'))
    files.wav = path.join(dir, 'field.wav')
    files.mp4 = path.join(dir, 'meeting.mp4')
    files.mp4fast = path.join(dir, 'meeting-faststart.mp4')
    files.m4a128 = path.join(dir, 'music-rate.m4a')
    files.flac = path.join(dir, 'field.flac')
    const loop = ['-stream_loop', '2', '-i', INTERVIEW]
    await run('ffmpeg', ['-v', 'error', '-y', ...loop, '-ar', '48000', '-ac', '2', '-c:a', 'pcm_s24le', files.wav])
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10', ...loop, '-shortest', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', files.mp4])
    await run('ffmpeg', ['-v', 'error', '-y', '-i', files.mp4, '-c', 'copy', '-movflags', '+faststart', files.mp4fast])
    await run('ffmpeg', ['-v', 'error', '-y', '-i', INTERVIEW, '-ar', '44100', '-ac', '2', '-c:a', 'aac', '-b:a', '160k', files.m4a128])
    await run('ffmpeg', ['-v', 'error', '-y', '-i', INTERVIEW, '-c:a', 'flac', files.flac])
    stack = await startStack()
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const put = async (s: Stack, file: string, name: string) => {
    const res = await fetch(`${s.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: new Blob([new Uint8Array(readFileSync(file))]) })
    expect(res.status).toBe(201)
    return (await res.json()) as { id: string; size: number }
  }
  const transcribeToEnd = async (s: Stack, id: string) => {
    await waitForRecording(s.url, id, (r) => r.status === 'uploaded' || r.status === 'failed', 60_000)
    const res = await fetch(`${s.url}/api/recordings/${id}/transcribe`, { method: 'POST' })
    expect(res.status).toBeLessThan(300)
    const done = (await waitForRecording(s.url, id, (r) => ['done', 'failed'].includes(r.status), 60_000)) as { status: string; job: { id: string } }
    expect(done.status).toBe('done')
    return s.emulator.jobs.get(done.job.id)!
  }

  it('a 24-bit 48 kHz WAV: the worker gets a 16 kHz mono Opus copy of the same length and timing; the page keeps the WAV', async () => {
    const rec = await put(stack, files.wav!, 'field.wav')
    const job = await transcribeToEnd(stack, rec.id)
    expect(job.input.audio).toBe(`/runpod-volume/scribe-panel/${rec.id}/audio-16k-mono.ogg`)
    const copy = await readObject(stack.s3, `scribe-panel/${rec.id}/audio-16k-mono.ogg`)
    await expect(readObject(stack.s3, `scribe-panel/${rec.id}/audio.wav`)).rejects.toThrow()
    const copyFile = path.join(dir, 'copy.ogg')
    await writeFile(copyFile, copy)
    const streams = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', copyFile])).toString()) as {
      streams: { codec_name: string; sample_rate: string; channels: number }[]
      format: { format_name: string }
    }
    expect(streams.format.format_name).toBe('ogg')
    expect(streams.streams.map((s) => [s.codec_name, s.channels])).toEqual([['opus', 1]])
    expect(opusInputRate(copy)).toBe(16000)
    // Same duration to the millisecond, by ffprobe; and the same number of samples where WhisperX decodes it.
    const original = await formatDuration(files.wav!)
    expect(Math.abs((await packetEnd(copyFile)) - original)).toBeLessThan(0.001)
    const [a, b] = await Promise.all([decode16k(files.wav!), decode16k(copyFile)])
    expect(b.length).toBe(a.length)
    // Same timing: the loudness envelopes line up at lag 0 (1 ms resolution).
    expect(bestLagMs(a, b)).toBe(0)
    // 24 kbit/s Opus: a fraction of the WAV (48 kHz × 24 bit × 2 = 2304 kbit/s).
    expect((copy.length * 8) / original).toBeLessThan(40_000)
    const stored = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as { size: number; duration: number; upload: { sentBytes: number; totalBytes: number } }
    expect(stored.size).toBe(readFileSync(files.wav!).length)
    expect(stored.upload).toEqual({ sentBytes: copy.length, totalBytes: copy.length })
    expect(stored.duration).toBeCloseTo(original, 3)
    const audio = Buffer.from(await (await fetch(`${stack.url}/api/recordings/${rec.id}/audio`)).arrayBuffer())
    expect(audio.equals(readFileSync(files.wav!))).toBe(true)
    // The speech map is made from the copy (cheaper to decode than the WAV): it hears what the original holds.
    const mapFile = path.join(stack.dirs.uploads, rec.id, 'speech.json')
    await expect.poll(() => existsSync(mapFile), { timeout: 30_000 }).toBe(true)
    const fromCopy = JSON.parse(readFileSync(mapFile, 'utf8')) as SpeechMap
    const fromOriginal = await new SileroSpeechDetector({ logger: silentLogger }).detect(files.wav!, original)
    expect(fromCopy.method).toBe('silero-vad')
    expect(fromOriginal.regions.length).toBeGreaterThan(5)
    expect(speechAgreement(fromCopy, fromOriginal)).toBeGreaterThan(0.95)
  }, 90_000)

  it('video (mp4, index first or last), FLAC and 160 kbit/s AAC get the copy; 64 kbit/s AAC goes as it is', async () => {
    // [file, name, object on the volume, whether ffprobe's container duration of the original is its decoded length]
    const cases: [string, string, string, boolean][] = [
      // Index at the end: the copy is made from the stored file. Fast start: from the bytes as they arrive.
      [files.mp4!, 'meeting.mp4', 'audio-16k-mono.ogg', true],
      [files.mp4fast!, 'meeting-faststart.mp4', 'audio-16k-mono.ogg', true],
      [files.flac!, 'field.flac', 'audio-16k-mono.ogg', true],
      // ffmpeg's own AAC encoder: ffprobe reads its stream as 40.512 s, ffmpeg decodes 40.519 s (end padding); the
      // copy has the decoded length, which is what WhisperX hears from either file.
      [files.m4a128!, 'music-rate.m4a', 'audio-16k-mono.ogg', false],
      [INTERVIEW, 'memo.m4a', 'audio.m4a', true],
    ]
    for (const [file, name, object, probed] of cases) {
      const rec = await put(stack, file, name)
      const job = await transcribeToEnd(stack, rec.id)
      expect([name, job.input.audio]).toEqual([name, `/runpod-volume/scribe-panel/${rec.id}/${object}`])
      const sent = path.join(dir, `check-${name}.bin`)
      await writeFile(sent, await readObject(stack.s3, `scribe-panel/${rec.id}/${object}`))
      const [a, b] = await Promise.all([decode16k(file), decode16k(sent)])
      expect([name, b.length, bestLagMs(a, b)]).toEqual([name, a.length, 0])
      if (probed) {
        const end = object === 'audio.m4a' ? await formatDuration(sent) : await packetEnd(sent)
        expect([name, Math.abs(end - (await audioDuration(file))) < 0.001]).toEqual([name, true])
      }
    }
    // The bundled interview is scripted for the emulator by its SHA-256: sent as it is, it is recognised.
    expect([...stack.emulator.jobs.values()].some((j) => j.script !== null)).toBe(true)
  }, 120_000)

  it('UPLOAD_TRANSCODE=off uploads the WAV as it is', async () => {
    const off = await startStack({ env: { UPLOAD_TRANSCODE: 'off' } })
    try {
      const rec = await put(off, files.wav!, 'field.wav')
      const job = await transcribeToEnd(off, rec.id)
      expect(job.input.audio).toBe(`/runpod-volume/scribe-panel/${rec.id}/audio.wav`)
      expect((await readObject(off.s3, `scribe-panel/${rec.id}/audio.wav`)).equals(readFileSync(files.wav!))).toBe(true)
    } finally {
      await off.close()
    }
  }, 90_000)
})
