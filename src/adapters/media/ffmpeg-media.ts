/**
 * MediaProbe over ffprobe/ffmpeg child processes (the system's ffmpeg, e.g. Debian's `ffmpeg` package).
 * Peaks are computed by streaming 8 kHz mono s16le PCM out of ffmpeg and keeping max |sample| per
 * bin, so memory stays constant whatever the recording's length.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { setPriority } from 'node:os'
import type { Readable } from 'node:stream'
import { AppError } from '../../domain/errors.ts'
import type { MediaInfo, MediaProbe, Transcode } from '../../domain/ports.ts'

const PEAK_SAMPLE_RATE = 8000

/** The parts of `ffprobe -print_format json -show_format -show_streams` this adapter reads. */
interface FfprobeInfo {
  streams?: { codec_type?: string; codec_name?: string; duration?: string; bit_rate?: string; disposition?: { attached_pic?: number }; tags?: Record<string, string> }[]
  format?: { duration?: string; format_name?: string; bit_rate?: string; tags?: Record<string, string> }
}

/**
 * When a recording was made, from its metadata as ffprobe shows it (tag names are matched case-insensitively):
 * 1. `com.apple.quicktime.creationdate` (iPhone Voice Memos, QuickTime): local time with its offset, e.g.
 *    `2026-11-20T10:15:03+0100`, so the local day is known → `YYYY-MM-DD`;
 * 2. `creation_time` of the container or of the audio stream (MP4/MOV `mvhd`/`mdhd`, Matroska `DateUTC`), UTC, e.g.
 *    `2026-11-20T09:15:03.000000Z` → that instant in ISO 8601;
 * 3. `date` (ID3 `TDRC`, Vorbis `DATE`) when it is a whole day `YYYY-MM-DD`.
 * Dates before 1971 are ignored: recorders without a clock write 0, which MP4 shows as 1904-01-01 and others as 1970.
 * Tag names: https://ffmpeg.org/ffmpeg-formats.html (mov, matroska) and libavformat/id3v2.c.
 * @returns `YYYY-MM-DD`, an ISO 8601 instant, or null.
 */
export function recordedAtFromProbe(info: FfprobeInfo): string | null {
  const tags = [info.format?.tags, ...(info.streams ?? []).map((s) => s.tags)]
  const tag = (name: string): string | undefined => {
    for (const t of tags) {
      const key = t && Object.keys(t).find((k) => k.toLowerCase() === name)
      if (t && key && t[key]) return t[key]!.trim()
    }
    return undefined
  }
  const plausible = (iso: string) => {
    const ms = Date.parse(iso)
    return Number.isFinite(ms) && ms >= Date.UTC(1971, 0, 1) && ms <= Date.now() + 86_400_000
  }
  const apple = tag('com.apple.quicktime.creationdate')
  const local = apple && /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(apple)
  if (local && plausible(`${local[1]}T12:00:00Z`)) return local[1]!
  const created = tag('creation_time')
  if (created && /^\d{4}-\d{2}-\d{2}T/.test(created) && plausible(created)) return new Date(created).toISOString()
  const date = tag('date')
  if (date && /^\d{4}-\d{2}-\d{2}$/.test(date) && plausible(`${date}T12:00:00Z`)) return date
  return null
}

/**
 * The compact copy for the GPU. WhisperX decodes every input to 16 kHz mono before anything else
 * (`whisperx/audio.py` `load_audio`: `ffmpeg … -ac 1 -ar 16000`, https://github.com/m-bain/whisperX), so that is
 * all the worker needs. Opus in Ogg is read by that same ffmpeg call. `-map 0:a:0`: the first audio track only.
 *
 * Two ffmpeg processes joined by a pipe, so that decoding and encoding each have a core (ffmpeg 5 runs one audio
 * chain on one thread): the first decodes to 16 kHz mono 16-bit PCM in NUT, which keeps each frame's timestamp,
 * and the second encodes it. 16-bit, as WhisperX's own decoding (`-f s16le`): fed float samples, libopus codes the
 * same speech much further from the original (on the bundled interview, a mean difference in Whisper's log-mel
 * features of 0.097 against 0.042, and 7 dB against 18 dB signal-to-noise; `npm run bench -- copy` measures it). The copy decodes to exactly the samples one process would make (same timestamps, same duration).
 */
const GPU_DECODE_ARGS = ['-map', '0:a:0', '-vn', '-sn', '-dn', '-map_metadata', '-1', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 'nut']
/**
 * Opus in Ogg for the GPU (the compact copy and live windows): 24 kbit/s wideband, about 11 MB per hour.
 * Complexity 0 and 120 ms packets keep the encoder fast: about 3.5 s of one core per hour of speech here, against
 * 4.6 s with 60 ms packets and about 40 s at the default complexity 10; the packets carry the same frames, which
 * decode to the same samples either way. The longest packet Opus allows is 120 ms (RFC 6716, section 3.2.5).
 */
export const OPUS_ENCODE_ARGS = ['-c:a', 'libopus', '-b:a', '24k', '-application', 'audio', '-compression_level', '0', '-frame_duration', '120', '-f', 'ogg']
const GPU_ENCODE_ARGS = ['-map_metadata', '-1', ...OPUS_ENCODE_ARGS]

/** Background ffmpeg work: let uploads, requests and the page have the CPU first (nice 10). */
function lowPriority(child: ChildProcess): void {
  if (!child.pid) return
  try {
    setPriority(child.pid, 10)
  } catch {
    // Not permitted on this system: run at normal priority.
  }
}

export class FfmpegMedia implements MediaProbe {
  private readonly bins: { ffmpeg: string; ffprobe: string }
  constructor(bins: { ffmpeg: string; ffprobe: string } = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }) {
    this.bins = bins
  }

  async probe(filePath: string): Promise<MediaInfo> {
    const { stdout, code, stderr } = await run(this.bins.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', filePath])
    if (code !== 0) {
      throw new AppError('unsupported_media', `This file could not be read as audio (${firstLine(stderr) || 'ffprobe failed'}). Upload an audio or video file such as m4a, mp3, wav, ogg or mp4.`)
    }
    const info = JSON.parse(stdout) as FfprobeInfo
    const streams = info.streams ?? []
    const audio = streams.find((s) => s.codec_type === 'audio')
    if (!audio) {
      throw new AppError('unsupported_media', 'This file has no audio track. Upload an audio recording (m4a, mp3, wav, ogg, …) or a video with sound.')
    }
    const duration = Number(info.format?.duration ?? audio.duration)
    if (!Number.isFinite(duration) || duration <= 0) {
      throw new AppError('unsupported_media', 'This audio has no measurable length (it may be empty or damaged). Try exporting it again from the recorder.')
    }
    const hasVideo = streams.some((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
    // The container's average counts the video too, so it stands for the audio only in audio-only files.
    const rate = Number(audio.bit_rate ?? (hasVideo ? Number.NaN : info.format?.bit_rate))
    return {
      duration,
      format: info.format?.format_name ?? 'unknown',
      audioCodec: audio.codec_name ?? 'unknown',
      audioBitRate: Number.isFinite(rate) && rate > 0 ? rate : null,
      hasVideo,
      recordedAt: recordedAtFromProbe(info),
    }
  }

  transcodeForGpu(input: string | Readable): Transcode {
    const decoder = spawn(this.bins.ffmpeg, ['-v', 'error', '-nostdin', '-i', typeof input === 'string' ? input : 'pipe:0', ...GPU_DECODE_ARGS, 'pipe:1'], {
      stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    // The decoder's output pipe is the encoder's input, process to process: the PCM (115 MB an hour) never passes
    // through this process, which would cost it about half a second of CPU per hour of audio. Once the encoder has its
    // copy of the pipe, ours is closed so that only the encoder reads it. (Not when the decoder could not start:
    // then there is no pipe, and its 'error' says why.)
    const pcm = decoder.pid === undefined ? null : decoder.stdout
    const encoder = spawn(this.bins.ffmpeg, ['-v', 'error', '-nostdin', '-f', 'nut', '-i', 'pipe:0', ...GPU_ENCODE_ARGS, 'pipe:1'], { stdio: [pcm ?? 'ignore', 'pipe', 'pipe'] })
    pcm?.destroy()
    lowPriority(decoder)
    lowPriority(encoder)
    if (typeof input !== 'string') {
      // ffmpeg may stop reading early (an error, or the end of the audio before trailing chunks): not our error.
      decoder.stdin!.on('error', () => {})
      input.pipe(decoder.stdin!)
    }
    let killed = false
    const exited = (child: ChildProcess) => {
      let stderr = ''
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
      return new Promise<void>((resolve, reject) => {
        child.on('error', (err) => reject(new AppError('internal', `ffmpeg could not be started (${err.message}); install ffmpeg.`, { cause: err })))
        child.on('close', (code) => {
          if (code === 0) resolve()
          else if (killed) reject(new AppError('upload_failed', 'The compact copy for the GPU was stopped.'))
          else reject(new AppError('upload_failed', `The compact copy for the GPU could not be made (ffmpeg: ${firstLine(stderr) || `exit ${code}`}). Set UPLOAD_TRANSCODE=off to upload the original as it is.`))
        })
      })
    }
    const kill = () => {
      killed = true
      decoder.kill('SIGKILL')
      encoder.kill('SIGKILL')
    }
    // The first of the two to fail says why (a bad file stops the decoder; the encoder then only sees its input
    // end), and stops the other: a copy is complete or not made.
    let first: unknown = null
    const watch = (p: Promise<void>) =>
      p.catch((err: unknown) => {
        first ??= err
        kill()
        throw err
      })
    const done = Promise.allSettled([watch(exited(decoder)), watch(exited(encoder))]).then((results) => {
      if (results.some((r) => r.status === 'rejected')) throw first
    })
    return { output: encoder.stdout!, done, kill }
  }

  async remux(input: string, output: string): Promise<void> {
    const { code, stderr } = await run(this.bins.ffmpeg, ['-v', 'error', '-y', '-i', input, '-vn', '-c', 'copy', output])
    if (code !== 0) throw new AppError('unsupported_media', `The recorded audio could not be read (${firstLine(stderr) || 'ffmpeg failed'}).`)
  }

  async peaks(filePath: string, bins: number): Promise<{ duration: number; peaks: number[] }> {
    const { duration } = await this.probe(filePath)
    const totalSamples = Math.max(1, Math.round(duration * PEAK_SAMPLE_RATE))
    const perBin = Math.max(1, Math.ceil(totalSamples / bins))
    const peaks: number[] = []
    let current = 0
    let inBin = 0
    let carry: Buffer | null = null
    await new Promise<void>((resolve, reject) => {
      const child = spawn(this.bins.ffmpeg, ['-v', 'error', '-i', filePath, '-vn', '-ac', '1', '-ar', String(PEAK_SAMPLE_RATE), '-f', 's16le', 'pipe:1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      lowPriority(child)
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).length > 4000 && (stderr = stderr.slice(-4000)))
      child.stdout.on('data', (chunk: Buffer) => {
        let buf = carry ? Buffer.concat([carry, chunk]) : chunk
        const usable = buf.length - (buf.length % 2)
        carry = usable < buf.length ? buf.subarray(usable) : null
        for (let i = 0; i < usable; i += 2) {
          const v = Math.abs(buf.readInt16LE(i))
          if (v > current) current = v
          if (++inBin === perBin) {
            peaks.push(current / 32768)
            current = 0
            inBin = 0
          }
        }
        buf = Buffer.alloc(0)
      })
      child.on('error', reject)
      child.on('close', (code) => {
        if (code !== 0) reject(new AppError('unsupported_media', `The audio could not be decoded for the waveform (${firstLine(stderr)}).`))
        else resolve()
      })
    })
    if (inBin > 0) peaks.push(current / 32768)
    return { duration, peaks: peaks.map((p) => Math.round(p * 1000) / 1000) }
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 200) ?? ''
}

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (err) => reject(new AppError('internal', `${cmd} could not be started (${err.message}); install ffmpeg.`, { cause: err })))
    child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 1 }))
  })
}
