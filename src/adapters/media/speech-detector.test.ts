/**
 * The speech detector on real audio: the interview fixture (espeak-ng and recorded human speech with known
 * utterance times, test/fixtures/interview.script.json) and a pure tone. Runs the real Silero model.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { speechShare } from '../../domain/speech-map.ts'
import { silentLogger } from '../../logger.ts'
import { SileroSpeechDetector } from './speech-detector.ts'

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', '..', 'test', 'fixtures')
const script = JSON.parse(readFileSync(path.join(FIXTURES, 'interview.script.json'), 'utf8')) as {
  duration: number
  utterances: { start: number; end: number; text: string }[]
}

describe('SileroSpeechDetector', () => {
  it('finds speech under every utterance of the interview and none in the pauses around them', async () => {
    const detector = new SileroSpeechDetector({ logger: silentLogger })
    const map = await detector.detect(path.join(FIXTURES, 'interview.m4a'), script.duration)
    expect(map.method).toBe('silero-vad')
    expect(detector.status().method).toBe('silero-vad')
    for (const u of script.utterances) expect(speechShare(map, u.start, u.end), u.text).toBeGreaterThan(0.6)
    // Before the first utterance and after the last one there is no voice.
    expect(speechShare(map, 0, script.utterances[0]!.start - 0.05)).toBeLessThan(0.2)
    const last = script.utterances.at(-1)!
    if (script.duration - last.end > 0.5) expect(speechShare(map, last.end + 0.3, script.duration)).toBeLessThan(0.2)
    // Regions are sorted and inside the recording.
    for (let i = 1; i < map.regions.length; i++) expect(map.regions[i]![0]).toBeGreaterThanOrEqual(map.regions[i - 1]![1])
  }, 60_000)

  it('hears no speech in a pure tone', async () => {
    const map = await new SileroSpeechDetector({ logger: silentLogger }).detect(path.join(FIXTURES, 'tone.wav'), 2)
    expect(map.method).toBe('silero-vad')
    expect(speechShare(map, 0, 2)).toBeLessThan(0.1)
  }, 30_000)

  it('falls back to ffmpeg level analysis when the model cannot load, and says so', async () => {
    const warnings: string[] = []
    const logger = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) }
    const detector = new SileroSpeechDetector({ logger, model: path.join(FIXTURES, 'no-such-model.onnx') })
    const map = await detector.detect(path.join(FIXTURES, 'interview.m4a'), script.duration)
    expect(map.method).toBe('ffmpeg-level')
    expect(detector.status()).toMatchObject({ method: 'ffmpeg-level' })
    expect(detector.status().detail).toMatch(/could not load/)
    expect(warnings.join(' ')).toMatch(/fall back to ffmpeg level analysis/)
    // Level analysis still finds sound under every utterance and some silence between them.
    for (const u of script.utterances) expect(speechShare(map, u.start, u.end)).toBeGreaterThan(0.5)
    expect(map.regions.length).toBeGreaterThanOrEqual(2)
  }, 60_000)

  it('refuses a file that is not audio with a clear error', async () => {
    const detector = new SileroSpeechDetector({ logger: silentLogger })
    await expect(detector.detect(path.join(FIXTURES, 'not-audio.m4a'), 1)).rejects.toMatchObject({ code: 'unsupported_media' })
  }, 30_000)
})
