/**
 * LiveAudio over ffmpeg: decodes a microphone recording while it grows (the browser's MediaRecorder sends one
 * WebM/Opus stream in pieces; only the first piece has the header, so the pieces are fed, in order, to one
 * ffmpeg that reads the stream from stdin) into 16 kHz mono 16-bit PCM on disk, and cuts windows out of that
 * PCM by byte offset: exact, and cheap whatever the recording's length.
 *
 * 16 kHz mono is what WhisperX decodes every input to (`whisperx/audio.py` `load_audio`,
 * https://github.com/m-bain/whisperX) and what Silero VAD takes; windows go to the GPU as Opus in Ogg with the
 * settings of the compact copy (ffmpeg-media.ts).
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, writeSync } from 'node:fs'
import { open, writeFile } from 'node:fs/promises'
import { AppError } from '../../domain/errors.ts'
import type { LiveAudio, PcmDecoder } from '../../domain/ports.ts'
import { OPUS_ENCODE_ARGS } from './ffmpeg-media.ts'

const RATE = 16_000
const BYTES_PER_SECOND = RATE * 2

/** A 44-byte RIFF/WAVE header for 16 kHz mono 16-bit PCM of `dataBytes` bytes. */
export function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'ascii')
  h.writeUInt32LE(36 + dataBytes, 4)
  h.write('WAVE', 8, 'ascii')
  h.write('fmt ', 12, 'ascii')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20) // PCM
  h.writeUInt16LE(1, 22) // mono
  h.writeUInt32LE(RATE, 24)
  h.writeUInt32LE(BYTES_PER_SECOND, 28)
  h.writeUInt16LE(2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'ascii')
  h.writeUInt32LE(dataBytes, 40)
  return h
}

export class FfmpegLiveAudio implements LiveAudio {
  private readonly ffmpeg: string

  constructor(ffmpeg = 'ffmpeg') {
    this.ffmpeg = ffmpeg
  }

  openDecoder(pcmPath: string): PcmDecoder {
    // Small probe: the stream's header is in its first bytes, and the window cutter waits for nothing else.
    const child = spawn(this.ffmpeg, ['-v', 'error', '-probesize', '32768', '-analyzeduration', '0', '-i', 'pipe:0', '-vn', '-ac', '1', '-ar', String(RATE), '-f', 's16le', 'pipe:1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const fd = openSync(pcmPath, 'w')
    let bytes = 0
    let odd: Buffer | null = null
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      const data = odd ? Buffer.concat([odd, d]) : d
      const whole = data.length - (data.length % 2)
      odd = whole < data.length ? data.subarray(whole) : null
      writeSync(fd, data, 0, whole)
      bytes += whole
    })
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
    child.stdin.on('error', () => {}) // a failed ffmpeg is reported by `ended`
    const ended = new Promise<void>((resolve, reject) => {
      child.on('error', (err) => reject(new AppError('internal', `ffmpeg could not be started (${err.message}); install ffmpeg.`, { cause: err })))
      child.on('close', (code, signal) => {
        closeSync(fd)
        if (code === 0 || signal === 'SIGKILL') resolve()
        else reject(new AppError('unsupported_media', `The microphone audio could not be decoded (${stderr.trim().split('\n').at(-1) || `ffmpeg exit ${code}`}).`))
      })
    })
    ended.catch(() => {}) // observed through end()
    return {
      get seconds() {
        return bytes / BYTES_PER_SECOND
      },
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          if (child.exitCode !== null || child.stdin.destroyed) return reject(new AppError('unsupported_media', `The microphone audio decoder stopped (${stderr.trim().split('\n').at(-1) || 'ffmpeg exited'}).`))
          child.stdin.write(chunk, (err) => (err ? reject(err) : resolve()))
        }),
      end: async () => {
        child.stdin.end()
        await ended
      },
      kill: () => {
        child.kill('SIGKILL')
      },
    }
  }

  async writeWav(pcmPath: string, start: number, end: number, outPath: string): Promise<void> {
    const data = await readRange(pcmPath, start, end)
    await writeFile(outPath, Buffer.concat([wavHeader(data.length), data]))
  }

  async encodeWindow(pcmPath: string, start: number, end: number, outPath: string): Promise<void> {
    const data = await readRange(pcmPath, start, end)
    await new Promise<void>((resolve, reject) => {
      const child = spawn(this.ffmpeg, ['-v', 'error', '-y', '-f', 's16le', '-ar', String(RATE), '-ac', '1', '-i', 'pipe:0', ...OPUS_ENCODE_ARGS, outPath], { stdio: ['pipe', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
      child.stdin.on('error', () => {})
      child.on('error', (err) => reject(new AppError('internal', `ffmpeg could not be started (${err.message}); install ffmpeg.`, { cause: err })))
      child.on('close', (code) => (code === 0 ? resolve() : reject(new AppError('internal', `A live-text window could not be encoded (ffmpeg: ${stderr.trim().split('\n').at(-1) || `exit ${code}`}).`))))
      child.stdin.end(data)
    })
  }
}

/** The PCM bytes of `[start, end)` seconds (whole samples). */
async function readRange(pcmPath: string, start: number, end: number): Promise<Buffer> {
  const from = Math.max(0, Math.round(start * RATE)) * 2
  const to = Math.max(from, Math.round(end * RATE) * 2)
  const handle = await open(pcmPath, 'r')
  try {
    const buf = Buffer.alloc(to - from)
    const { bytesRead } = await handle.read(buf, 0, buf.length, from)
    return buf.subarray(0, bytesRead - (bytesRead % 2))
  } finally {
    await handle.close()
  }
}
