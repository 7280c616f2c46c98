/**
 * Benchmark 3: parse + filter + every export of a 3-hour, 3,000-segment transcript, in this process,
 * the way `JobService.complete` and the export routes run them: the worker profile's `readOutput`,
 * `normalizeWhisperX`, `filterHallucinations`, then `render` of every exporter in `EXPORTERS`.
 * Median of 5 runs after one warm-up run (the first run also pays for module JIT).
 */
import { performance } from 'node:perf_hooks'
import { workerProfile } from '../src/adapters/runpod/worker-profiles.ts'
import { filterHallucinations, summarizeFilter } from '../src/domain/hallucinations.ts'
import { SPEECH_MAP_VERSION, type SpeechMap } from '../src/domain/speech-map.ts'
import type { Transcript } from '../src/domain/transcript.ts'
import { normalizeWhisperX } from '../src/domain/whisperx.ts'
import { EXPORTERS } from '../src/exporters/index.ts'
import { syntheticWhisperX } from './lib/synthetic-whisperx.ts'
import { info, median, ms, row, type ResultRow } from './lib/report.ts'

/** Length of the long recording the transcript benchmarks use: 3 hours, in seconds. */
export const TRANSCRIPT_SECONDS = 3 * 3600
/** Speech segments in it (a few hallucinated ones are added on top). */
export const TRANSCRIPT_SEGMENTS = 3000

/**
 * The normalized and filtered 3-hour transcript (what the store would hold), built from the same
 * synthetic WhisperX output the benchmark times. Shared with the review-page benchmark.
 */
export function longTranscript(): Transcript {
  const raw = syntheticWhisperX({ segments: TRANSCRIPT_SEGMENTS, durationSeconds: TRANSCRIPT_SECONDS })
  return filterHallucinations(normalizeWhisperX(raw, { duration: TRANSCRIPT_SECONDS }))
}

/**
 * A speech map like Silero's for the synthetic output: speech under every segment that has a speaker,
 * none under the speakerless ones (the hallucinations the synthetic output adds).
 */
function syntheticSpeechMap(segments: { start: unknown; end: unknown; speaker?: string }[]): SpeechMap {
  const regions = segments
    .filter((s) => s.speaker && typeof s.start === 'number' && typeof s.end === 'number')
    .map((s) => [s.start, s.end] as [number, number])
    .sort((a, b) => a[0] - b[0])
  return { version: SPEECH_MAP_VERSION, method: 'silero-vad', detector: 'synthetic', duration: TRANSCRIPT_SECONDS, regions, elapsedMs: 0 }
}

/** Runs benchmark 3 and returns its rows. */
export async function benchTranscript(log: (line: string) => void): Promise<ResultRow[]> {
  const raw = syntheticWhisperX({ segments: TRANSCRIPT_SEGMENTS, durationSeconds: TRANSCRIPT_SECONDS })
  // The output as it crosses the wire; each run parses it again so no run reuses another's objects.
  const wire = JSON.stringify(raw)
  const words = raw.segments.reduce((n, s) => n + (s.words?.length ?? 0), 0)
  log(`  synthetic WhisperX output: ${raw.segments.length} segments, ${words} words, ${(wire.length / 1e6).toFixed(1)} MB JSON`)
  const profile = workerProfile('whisperx')
  const doc = { title: 'Three hour interview.m4a', createdAt: '2024-05-01T09:00:00.000Z', transcribedAt: '2024-05-01T12:30:00.000Z', timeZone: 'Europe/Berlin' }

  const speech = syntheticSpeechMap(raw.segments)
  log(`  speech map: ${speech.regions.length} regions (one per segment with a speaker)`)
  const stages = new Map<string, number[]>()
  const add = (name: string, v: number) => stages.set(name, [...(stages.get(name) ?? []), v])
  const totals: number[] = []
  let last: Transcript | null = null
  const sizes = new Map<string, number>()
  for (let run = 0; run < 6; run++) {
    const output: unknown = JSON.parse(wire)
    const t0 = performance.now()
    const normalized = normalizeWhisperX(profile.readOutput(output), { duration: TRANSCRIPT_SECONDS })
    const t1 = performance.now()
    // With the audio analysis: the speech map the upload computed (here: speech under every speaker's segment).
    const filtered = filterHallucinations(normalized, { speech })
    const t2 = performance.now()
    const times: [string, number][] = [
      ['parse+normalize', t1 - t0],
      ['filter', t2 - t1],
    ]
    let t = t2
    for (const exporter of EXPORTERS.values()) {
      const body = await exporter.render({ ...doc, transcript: filtered })
      const now = performance.now()
      times.push([`export ${exporter.format}`, now - t])
      sizes.set(exporter.format, typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)
      t = now
    }
    last = filtered
    if (run === 0) continue // warm-up
    totals.push(t - t0)
    for (const [name, v] of times) add(name, v)
  }
  const summary = summarizeFilter(last!)
  log(`  filter: ${summary.removed} segments hidden ${JSON.stringify(summary.byRule)}`)
  log(`  export sizes: ${[...sizes].map(([f, n]) => `${f} ${(n / 1e6).toFixed(2)} MB`).join(', ')}`)
  const total = median(totals)
  return [
    row('3h/3000-segment transcript: parse+filter+all exports (median of 5)', ms(total), '< 1 s', total < 1000),
    info('  stages (median ms)', [...stages].map(([name, v]) => `${name.replace('export ', '')} ${Math.round(median(v))}`).join(', ')),
  ]
}
