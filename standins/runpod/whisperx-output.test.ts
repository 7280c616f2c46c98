import { WorkerOutputSchema } from '../../src/domain/worker-contract.ts'
import { describe, expect, it } from 'vitest'
import {
  HALLUCINATED_TAILS,
  hubOutput,
  isUnalignable,
  parseScript,
  PLACEHOLDER_TEXT,
  placeholderSegments,
  scriptSegments,
  shortestUtterance,
  spreadWords,
  stableScore,
  tailWindows,
  whisperxOutput,
  type InterviewScript,
} from './whisperx-output.ts'

const script: InterviewScript = {
  audio: 'interview.m4a',
  sha256: 'a'.repeat(64),
  duration: 20,
  language: 'en',
  utterances: [
    { speaker: 'SPEAKER_00', start: 0.52, end: 3.1, text: 'So, tell me how you started in 2016.' },
    { speaker: 'SPEAKER_01', start: 3.6, end: 8.25, text: 'I answered an ad in the paper, like everyone.' },
    { speaker: 'SPEAKER_00', start: 8.9, end: 9.4, text: 'Really?' },
    { speaker: 'SPEAKER_01', start: 10, end: 14, text: 'Yes, it paid $43,000. a year.' },
  ],
}
const full = { align: true, diarize: true }

describe('parseScript', () => {
  it('accepts the fixture format and rejects other JSON with every problem named', () => {
    expect(parseScript(JSON.parse(JSON.stringify(script)))).toEqual(script)
    expect(() => parseScript({ audio: 'x', sha256: 'nothex', utterances: 'no' }, 'bad.script.json')).toThrow(
      /bad\.script\.json: not a script \(.*sha256.*duration.*utterances/,
    )
  })
})

describe('spreadWords', () => {
  it('spreads words over the span in proportion to their length, 3 decimals, first at start, last at end', () => {
    const words = spreadWords(' ab c  defg ', 1, 2)
    expect(words.map((w) => w.word)).toEqual(['ab', 'c', 'defg'])
    // 2 + 1 + 4 characters and 2 spaces = 9 units over 1 s
    expect(words).toEqual([
      { word: 'ab', start: 1, end: 1.222 },
      { word: 'c', start: 1.333, end: 1.444 },
      { word: 'defg', start: 1.556, end: 2 },
    ])
    expect(spreadWords('   ', 0, 1)).toEqual([])
  })
})

describe('stableScore / isUnalignable', () => {
  it('is deterministic and inside the range', () => {
    expect(stableScore('x')).toBe(stableScore('x'))
    for (let i = 0; i < 200; i++) {
      const s = stableScore(`seed${i}`)
      expect(s).toBeGreaterThanOrEqual(0.5)
      expect(s).toBeLessThanOrEqual(0.99)
      expect(Math.round(s * 1000) / 1000).toBe(s)
    }
  })
  it('flags words with digits (m-bain/whisperX alignment.py)', () => {
    expect(['2016,', '$43,000.', '11', '3rd'].every(isUnalignable)).toBe(true)
    expect(['So,', 'Продолжение', "you're"].some(isUnalignable)).toBe(false)
  })
})

describe('scriptSegments (transcribe → align → diarize, with the m-bain/whisperX alignment.py and diarize.py quirks)', () => {
  const segments = scriptSegments(script, full)

  it('makes one segment per utterance, text with a leading space, times from the script', () => {
    expect(segments.slice(0, 4).map((s) => [s.start, s.end, s.text])).toEqual([
      [0.52, 3.1, ' So, tell me how you started in 2016.'],
      [3.6, 8.25, ' I answered an ad in the paper, like everyone.'],
      [8.9, 9.4, ' Really?'],
      [10, 14, ' Yes, it paid $43,000. a year.'],
    ])
  })

  it('gives aligned words with start/end/score/speaker, except words with digits ({word} only)', () => {
    const first = segments[0]!
    expect(first.speaker).toBe('SPEAKER_00')
    expect(first.words!.map((w) => w.word)).toEqual(['So,', 'tell', 'me', 'how', 'you', 'started', 'in', '2016.'])
    expect(first.words![7]).toEqual({ word: '2016.' })
    for (const w of first.words!.slice(0, 7)) {
      expect(Object.keys(w).sort()).toEqual(['end', 'score', 'speaker', 'start', 'word'])
      expect(w.start!).toBeGreaterThanOrEqual(first.start)
      expect(w.end!).toBeLessThanOrEqual(first.end)
      expect(w.score!).toBeGreaterThanOrEqual(0.5)
      expect(w.score!).toBeLessThanOrEqual(0.99)
      expect(w.speaker).toBe('SPEAKER_00')
    }
    expect(segments[3]!.words!.find((w) => w.word === '$43,000.')).toEqual({ word: '$43,000.' })
  })

  it('leaves the shortest utterance (and its words) without a speaker key', () => {
    expect(shortestUtterance(script.utterances)).toBe(2)
    expect('speaker' in segments[2]!).toBe(false)
    expect(segments[2]!.words!.every((w) => !('speaker' in w))).toBe(true)
    expect(segments.slice(0, 4).filter((s) => !('speaker' in s))).toHaveLength(1)
  })

  it('appends two hallucinated tails after the last utterance, no speaker, low scores', () => {
    const tails = segments.slice(4)
    expect(tails.map((s) => s.text)).toEqual([...HALLUCINATED_TAILS])
    expect(tails[0]!.start).toBeGreaterThanOrEqual(14)
    expect(tails[1]!.start).toBeGreaterThan(tails[0]!.end)
    expect(tails[1]!.end).toBeLessThanOrEqual(script.duration)
    for (const t of tails) {
      expect('speaker' in t).toBe(false)
      for (const w of t.words!) {
        expect('speaker' in w).toBe(false)
        expect(w.score!).toBeLessThanOrEqual(0.3)
      }
    }
  })

  it('is deterministic', () => {
    expect(scriptSegments(script, full)).toEqual(segments)
  })

  it('without alignment: no words; without diarization: no speakers anywhere', () => {
    const plain = scriptSegments(script, { align: false, diarize: false })
    expect(plain.every((s) => !('words' in s) && !('speaker' in s))).toBe(true)
    const aligned = scriptSegments(script, { align: true, diarize: false })
    expect(aligned.flatMap((s) => s.words ?? []).every((w) => !('speaker' in w))).toBe(true)
    const diarizedOnly = scriptSegments(script, { align: false, diarize: true })
    expect(diarizedOnly[0]!.speaker).toBe('SPEAKER_00')
    expect('words' in diarizedOnly[0]!).toBe(false)
  })
})

describe('tailWindows', () => {
  it('uses the room after the last words, capped at 3 s', () => {
    expect(tailWindows(36.456, 40.456)).toEqual([
      [36.756, 38.356],
      [38.456, 39.756],
    ])
  })
  it('squeezes into a short room and goes past the end when there is none', () => {
    const [a, b] = tailWindows(11.843, 14.343)
    expect(a[0]).toBe(12.143)
    expect(b[1]).toBe(14.343)
    expect(tailWindows(10, 10.5)).toEqual([
      [10, 10.5],
      [10.6, 11],
    ])
  })
})

describe('placeholderSegments', () => {
  it('emits one labelled segment per ~5 s with alternating speakers', () => {
    const segs = placeholderSegments(12.3, full)
    expect(segs.map((s) => [s.start, s.end, s.speaker])).toEqual([
      [0, 4.8, 'SPEAKER_00'],
      [5, 9.8, 'SPEAKER_01'],
      [10, 12.3, 'SPEAKER_00'],
    ])
    expect(segs.map((s) => s.text)).toEqual([1, 2, 3].map((n) => ` ${PLACEHOLDER_TEXT} segment ${n}`))
    // "1" has a digit: no timing (m-bain/whisperX alignment.py)
    expect(segs[0]!.words!.at(-1)).toEqual({ word: '1' })
    expect(placeholderSegments(0, full)).toEqual([])
  })
})

describe('whisperxOutput / hubOutput', () => {
  const meta = { language: 'en', duration: 12.3, model: 'large-v3', resultPath: '/runpod-volume/a/result-j.json' }
  it('follows the worker contract: no word_segments, words always present, timings per stage', () => {
    const segs = scriptSegments(script, full)
    const out = whisperxOutput(segs, meta, full)
    expect(WorkerOutputSchema.parse(out)).toEqual(out)
    expect(out).not.toHaveProperty('word_segments')
    expect(out.segments).toEqual(segs)
    expect(out.timings.diarize_s).toBeGreaterThan(0)
    const unaligned = whisperxOutput(scriptSegments(script, { align: false, diarize: false }), meta, { align: false, diarize: false })
    expect(WorkerOutputSchema.parse(unaligned)).toEqual(unaligned)
    expect(unaligned.segments.every((s) => s.words.length === 0)).toBe(true)
    expect([unaligned.timings.align_s, unaligned.timings.diarize_s]).toEqual([null, null])
  })
  it('shapes the hub output as {segments, detected_language}', () => {
    expect(Object.keys(hubOutput([], 'ru'))).toEqual(['segments', 'detected_language'])
  })
})
