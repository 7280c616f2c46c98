/**
 * Benchmark 6: the speech map of a one-hour recording, as computed on upload: Silero VAD (onnxruntime-node,
 * one intra-op thread) over 16 kHz PCM streamed from ffmpeg, in this process. Also the event-loop delay while
 * it runs (the panel serves pages from the same process) and the ffmpeg level fallback's time.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { SileroSpeechDetector } from '../src/adapters/media/speech-detector.ts'
import { speechSeconds } from '../src/domain/speech-map.ts'
import { silentLogger } from '../src/logger.ts'
import { makeLongM4a } from './lib/audio.ts'
import { info, ms, row, type ResultRow } from './lib/report.ts'

const ONE_HOUR = 3600

/** Runs benchmark 6 and returns its rows. */
export async function benchSpeech(log: (line: string) => void): Promise<ResultRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'scribe-bench-speech-'))
  try {
    const file = path.join(dir, 'one-hour.m4a')
    await makeLongM4a(file, ONE_HOUR)
    const detector = new SileroSpeechDetector({ logger: silentLogger })
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()
    const t0 = performance.now()
    const map = await detector.detect(file, ONE_HOUR)
    const vad = performance.now() - t0
    loop.disable()
    log(`  silero-vad: ${map.regions.length} speech regions, ${Math.round(speechSeconds(map))} s of speech in ${ONE_HOUR} s`)
    const fallback = new SileroSpeechDetector({ logger: silentLogger, model: path.join(dir, 'missing.onnx') })
    const t1 = performance.now()
    const level = await fallback.detect(file, ONE_HOUR)
    const levelMs = performance.now() - t1
    log(`  ffmpeg-level fallback: ${level.regions.length} sound regions`)
    return [
      // A one-hour WhisperX job on a serverless GPU takes minutes (upload, cold start, transcription); the map
      // must be ready before the transcript arrives so the filter can use it.
      row('speech map (Silero VAD) of a 1-hour m4a', ms(vad), '≤ 120 s', vad <= 120_000),
      info('  event-loop delay while it runs (p99 / max)', `${ms(loop.percentile(99) / 1e6)} / ${ms(loop.max / 1e6)}`),
      info('  ffmpeg level fallback on the same file', ms(levelMs)),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
