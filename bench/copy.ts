/**
 * Benchmark 9: how close the compact copy stays to the original in what Whisper sees. The bundled English interview
 * and Russian dialogue, each as a field recorder's 48 kHz 24-bit stereo WAV (the shape that gets the copy), go
 * through the panel's own `transcodeForGpu`; the WAV and the copy are then decoded the way WhisperX decodes every
 * input (`ffmpeg -f s16le -ac 1 -ar 16000`), and compared in Whisper's log-mel features (bench/lib/log-mel.ts).
 * The yardstick is the same WAV as a 64 kbit/s AAC m4a, what a phone memo is and what the panel sends as it is.
 * Not measured here: WhisperX's words on a real GPU (none on this machine).
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import { FfmpegMedia } from '../src/adapters/media/ffmpeg-media.ts'
import { ffmpeg } from './lib/audio.ts'
import { featureDistance, logMelFeatures } from './lib/log-mel.ts'
import { info, row, type ResultRow } from './lib/report.ts'
import { FIXTURES } from './lib/stand-ins.ts'

const SOURCES = [
  { label: 'English interview', file: path.join(FIXTURES, 'interview.m4a') },
  { label: 'Russian dialogue', file: path.join(FIXTURES, 'ru-dialogue.m4a') },
]

/** WhisperX's decoding (`whisperx/audio.py` `load_audio`): 16 kHz mono signed 16-bit PCM. */
async function decodeLikeWhisperX(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-acodec', 'pcm_s16le', '-ar', '16000', '-'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg could not decode ${file}: ${stderr.trim()}`))))
  })
}

const cell = (d: { mean: number; p95: number }) => `${d.mean.toFixed(3)} / ${d.p95.toFixed(3)}`

/** Runs benchmark 9 and returns its rows. */
export async function benchCopy(log: (line: string) => void): Promise<ResultRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'scribe-bench-copy-'))
  const media = new FfmpegMedia()
  try {
    const rows: ResultRow[] = []
    for (const [i, source] of SOURCES.entries()) {
      const wav = path.join(dir, `${i}.wav`)
      const aac = path.join(dir, `${i}.m4a`)
      const copy = path.join(dir, `${i}.ogg`)
      await ffmpeg(['-i', source.file, '-ar', '48000', '-ac', '2', '-c:a', 'pcm_s24le', wav])
      await ffmpeg(['-i', wav, '-c:a', 'aac', '-b:a', '64k', aac])
      const t = media.transcodeForGpu(wav)
      const out = createWriteStream(copy)
      t.output.pipe(out)
      await t.done
      await finished(out)
      const [original, ofCopy, ofAac] = await Promise.all([wav, copy, aac].map(decodeLikeWhisperX))
      const seconds = original!.length / 32_000
      const features = logMelFeatures(original!)
      const toCopy = featureDistance(features, logMelFeatures(ofCopy!))
      const toAac = featureDistance(features, logMelFeatures(ofAac!))
      log(`  ${source.label} (${seconds.toFixed(1)} s): compact copy ${cell(toCopy)}, 64 kbit/s AAC ${cell(toAac)} (mean / p95 |Δ| of Whisper's log-mel)`)
      rows.push(info(`copy vs original in Whisper's log-mel, ${source.label}: mean / p95 |Δ|`, `${cell(toCopy)} (64 kbit/s AAC, sent as it is: ${cell(toAac)})`))
      // Twice the phone memo's distance is the line: above it, the copy would hear the speech much worse than a memo does.
      rows.push(row(`  ${source.label}: copy's mean distance ÷ the 64 kbit/s AAC's`, `${(toCopy.mean / toAac.mean).toFixed(2)}×`, '≤ 2×', toCopy.mean <= 2 * toAac.mean))
    }
    return rows
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
