/**
 * The emulated GPU's answer to a live-text window job: a short job without alignment and diarization over a
 * few seconds of a microphone recording. Such audio never has a script of its own (its sha256 is new every
 * time), so the emulator works out what it would hear:
 *
 * - the window's length, measured from the audio it was sent (decoded samples / 16 kHz), named in the first
 *   segment's text as one token `[window:12.480s]`, so a test can check that windows cover a recording without
 *   gaps or repeats from what the worker actually received;
 * - the words of a scripted fixture (`*.script.json` + its audio) that the window's sound matches: Chromium's
 *   fake microphone plays a fixture file in a loop, so the window is a stretch of it. The match compares
 *   loudness envelopes (10 ms frames, dBFS, clamped at the room-tone floor) by correlation at every offset of
 *   the looped fixture; a correlation under `MIN_CORRELATION` means "not a fixture": only the length is named.
 *   The words whose middle falls inside the matched stretch are returned, one segment per utterance, times
 *   relative to the window (Whisper's segment times, no words: alignment is off).
 */
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseScript, round3, spreadWords, type InterviewScript, type WhisperxSegment } from './whisperx-output.ts'

const RATE = 16_000
const FRAME = 160 // 10 ms
/** Envelope floor (dBFS): room tone and a noise-suppressed silence both read as this. */
const FLOOR_DB = -45
/** Below this the window is not taken for a stretch of a fixture. */
const MIN_CORRELATION = 0.6

/**
 * Decodes audio bytes (any format ffmpeg reads) to 16 kHz mono float samples.
 * @throws Error with ffmpeg's last stderr line when the bytes do not decode.
 */
export function decodePcm(input: Buffer | string, ffmpeg = 'ffmpeg'): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-v', 'error', '-i', typeof input === 'string' ? input : 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', String(RATE), 'pipe:1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)))
    child.on('error', reject)
    child.stdin.on('error', () => {}) // ffmpeg may stop reading early on bad input; `close` reports it
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(err.trim().split('\n').at(-1) || `ffmpeg exited with ${code}`))
      const bytes = Buffer.concat(out)
      const pcm = new Float32Array(Math.floor(bytes.length / 2))
      for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2) / 32768
      resolve(pcm)
    })
    if (typeof input === 'string') child.stdin.end()
    else child.stdin.end(input)
  })
}

/** Loudness per 10 ms frame in dBFS, clamped at {@link FLOOR_DB}. */
export function envelope(pcm: Float32Array): Float32Array {
  const n = Math.floor(pcm.length / FRAME)
  const env = new Float32Array(n)
  for (let f = 0; f < n; f++) {
    let sum = 0
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) sum += pcm[i]! * pcm[i]!
    env[f] = Math.max(FLOOR_DB, 10 * Math.log10(sum / FRAME + 1e-12))
  }
  return env
}

/**
 * Where `probe` best matches `ref` played in a loop: the offset (frames) with the highest Pearson correlation.
 * @returns the offset and its correlation, or null when `probe` is flat (silence) or `ref` is empty.
 */
export function bestOffset(ref: Float32Array, probe: Float32Array): { offset: number; correlation: number } | null {
  const n = probe.length
  if (n < 10 || ref.length === 0) return null
  let pm = 0
  for (let i = 0; i < n; i++) pm += probe[i]!
  pm /= n
  let pv = 0
  for (let i = 0; i < n; i++) pv += (probe[i]! - pm) ** 2
  if (pv < 1e-6) return null
  let best: { offset: number; correlation: number } | null = null
  for (let o = 0; o < ref.length; o++) {
    let rs = 0
    let rss = 0
    let cross = 0
    for (let i = 0; i < n; i++) {
      const r = ref[(o + i) % ref.length]!
      rs += r
      rss += r * r
      cross += r * (probe[i]! - pm)
    }
    const rv = rss - (rs * rs) / n
    if (rv < 1e-6) continue
    const c = cross / Math.sqrt(rv * pv)
    if (!best || c > best.correlation) best = { offset: o, correlation: c }
  }
  return best
}

interface Fixture {
  script: InterviewScript
  env: Float32Array
}

const fixtures = new Map<string, Promise<Fixture[]>>()

/** The scripted fixtures in `dir` with their envelopes (decoded once per folder). */
function loadFixtures(dir: string): Promise<Fixture[]> {
  let loaded = fixtures.get(dir)
  if (!loaded) {
    loaded = (async () => {
      const out: Fixture[] = []
      for (const name of (await readdir(dir)).filter((n) => n.endsWith('.script.json')).sort()) {
        try {
          const script = parseScript(JSON.parse(await readFile(join(dir, name), 'utf8')), name)
          out.push({ script, env: envelope(await decodePcm(join(dir, script.audio))) })
        } catch {
          // not a script, or its audio is missing: not a fixture to match against
        }
      }
      return out
    })()
    fixtures.set(dir, loaded)
  }
  return loaded
}

/**
 * The window answer for `audio`: its decoded length and what a GPU would hear in it.
 * @returns segments relative to the window (the first names the length), the language of the matched fixture
 *   (null when none matched) and the length in seconds.
 * @throws Error when the audio does not decode.
 */
export async function windowAnswer(audio: Buffer, scriptsDir: string | null): Promise<{ segments: WhisperxSegment[]; language: string | null; duration: number }> {
  const pcm = await decodePcm(audio)
  const duration = round3(pcm.length / RATE)
  const marker: WhisperxSegment = { start: 0, end: round3(Math.min(duration, 0.5)), text: ` [window:${duration.toFixed(3)}s]` }
  const probe = envelope(pcm)
  let found: { fixture: Fixture; offset: number; correlation: number } | null = null
  for (const fixture of scriptsDir === null ? [] : await loadFixtures(scriptsDir)) {
    const m = bestOffset(fixture.env, probe)
    if (m && m.correlation >= MIN_CORRELATION && (!found || m.correlation > found.correlation)) found = { fixture, ...m }
  }
  if (!found) return { segments: [marker], language: null, duration }
  const { script, env } = found.fixture
  const loop = env.length / 100 // seconds of one pass of the fixture, by frames
  const from = found.offset / 100
  const to = from + duration
  const segments: WhisperxSegment[] = [marker]
  for (let pass = Math.floor(from / loop); pass * loop < to; pass++) {
    for (const u of script.utterances) {
      const words = spreadWords(u.text, u.start + pass * loop, u.end + pass * loop).filter((w) => (w.start + w.end) / 2 >= from && (w.start + w.end) / 2 < to)
      if (words.length === 0) continue
      segments.push({ start: round3(Math.max(0, words[0]!.start - from)), end: round3(Math.min(duration, words.at(-1)!.end - from)), text: ` ${words.map((w) => w.word).join(' ')}` })
    }
  }
  return { segments, language: script.language, duration }
}
