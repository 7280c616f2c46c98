/**
 * Audio files for the benchmarks, made quickly with ffmpeg from the bundled interview (real speech
 * over room tone, test/fixtures/README.md), looped to the length needed.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { FIXTURES } from './stand-ins.ts'

/** The bundled two-speaker interview (40.5 s, 345,586 bytes). */
export const INTERVIEW = path.join(FIXTURES, 'interview.m4a')

/** 48 kHz stereo 16-bit PCM: bytes per second of the WAV files made here. */
const WAV_BYTES_PER_SECOND = 48_000 * 2 * 2

/**
 * Runs ffmpeg with `args` (after `-v error -y`).
 * @throws Error with ffmpeg's message on a non-zero exit or after `timeoutMs`.
 */
export async function ffmpeg(args: string[], timeoutMs = 120_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)))
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(t)
      if (code === 0) resolve()
      else reject(new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${err.trim()}`))
    })
  })
}

/**
 * Writes a WAV of about `bytes` bytes (48 kHz stereo PCM: the interview looped); 1 GB takes a few seconds.
 * The file is real, probe-able audio that the panel accepts (audio/wav).
 */
export async function makeWav(file: string, bytes: number): Promise<void> {
  const seconds = Math.ceil(bytes / WAV_BYTES_PER_SECOND)
  await ffmpeg(['-stream_loop', '-1', '-i', INTERVIEW, '-t', String(seconds), '-ar', '48000', '-ac', '2', '-c:a', 'pcm_s16le', file])
}

/**
 * Writes an m4a of `seconds` (the interview's AAC stream copied in a loop, no re-encoding: 64 kb/s,
 * 16 kHz mono, `+faststart` so the page can start playing at once).
 */
export async function makeLongM4a(file: string, seconds: number): Promise<void> {
  await ffmpeg(['-stream_loop', '-1', '-i', INTERVIEW, '-t', String(seconds), '-c', 'copy', '-movflags', '+faststart', file])
}

/**
 * Writes a field recorder's hour: the interview looped to `seconds`, 48 kHz stereo 24-bit PCM WAV
 * (288,000 bytes a second: one hour is 1.04 GB).
 */
export async function makeRecorderWav(file: string, seconds: number): Promise<void> {
  await ffmpeg(['-stream_loop', '-1', '-i', INTERVIEW, '-t', String(seconds), '-ar', '48000', '-ac', '2', '-c:a', 'pcm_s24le', file], 300_000)
}

/**
 * Writes a meeting video of `seconds`: a 640×360 25 fps H.264 test picture at ~560 kbit/s and the interview
 * as 128 kbit/s 48 kHz stereo AAC (about 300 MB an hour), fast start. A 40 s clip of each is encoded once
 * and looped without re-encoding, so an hour takes seconds to make.
 */
export async function makeMeetingMp4(file: string, seconds: number, workDir: string): Promise<void> {
  const clip = path.join(workDir, 'clip-video.mp4')
  const sound = path.join(workDir, 'clip-audio.m4a')
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '40.456', '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '560k', '-maxrate', '600k', '-bufsize', '1200k', '-g', '250', '-pix_fmt', 'yuv420p', '-an', clip])
  await ffmpeg(['-i', INTERVIEW, '-ar', '48000', '-ac', '2', '-c:a', 'aac', '-b:a', '128k', sound])
  await ffmpeg(['-stream_loop', '-1', '-i', clip, '-stream_loop', '-1', '-i', sound, '-t', String(seconds), '-map', '0:v', '-map', '1:a', '-c', 'copy', '-movflags', '+faststart', file], 300_000)
}
