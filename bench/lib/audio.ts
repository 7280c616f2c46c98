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
