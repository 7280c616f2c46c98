/**
 * A long, realistic WhisperX result built in memory (the shape of m-bain/whisperX `whisperx/schema.py`, with the quirks of its `alignment.py` and `diarize.py`): aligned and
 * diarized segments of 10–15 words with word times and scores, two speakers taking turns, and the
 * quirks real output has: unalignable numerals without times, segments without a speaker, a failed
 * alignment (`words: []`), non-finite segment times, extra keys, plus a few hallucinations the filter
 * must find (an end card, a decoding loop, repeated segments, a lone "Thank you." on silence).
 * Deterministic: the same options give the same output.
 */

/** Short function words: about half of what people say (keeps the speech rate realistic, ~15 letters/s). */
const FUNCTION_WORDS = (
  'the a and of to in that it was for on with as we they you I this but at from have had not what all were ' +
  'when there can said which an she he one would about if out so up into more their so well yes no just like ' +
  'then we me my our is are be been do did get got go went know think see say'
).split(' ')

const CONTENT_WORDS = (
  'time people year years work company team system phone customers engineers project budget market question ' +
  'answer remember started decided really actually important problem first second next later morning evening ' +
  'office city country family school research interview data report software network support manager meeting ' +
  'plan idea change result process product service user design test model price cost quality growth risk rules ' +
  'policy public local experience story example moment reason point side part place case week month day night ' +
  'hour minute call email letter board decision clients contract deadline training salary room car train road ' +
  'river weather summer winter history future past'
).split(' ')

const ENDINGS = ['.', '.', '.', '?', ',', '.', '!']

/** A WhisperX word as the worker sends it (`SingleWordSegment`); missing keys are WhisperX's quirks. */
export interface RawWord {
  word: string
  start?: number
  end?: number
  score?: number
  speaker?: string
}

/** A WhisperX segment as the worker sends it; `start` may be null or "NaN" (https://github.com/Nyralei/whisperx-api-server/issues/36). */
export interface RawSegment {
  start: number | string | null
  end: number | string | null
  text: string
  words?: RawWord[]
  speaker?: string
  avg_logprob?: number
  chars?: null
}

export interface SyntheticOptions {
  /** Number of speech segments (hallucinations are added on top). Default 3000. */
  segments?: number
  /** Recording length in seconds. Default 3 h. */
  durationSeconds?: number
  seed?: number
}

/** mulberry32: a small deterministic PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const r3 = (x: number) => Math.round(x * 1000) / 1000

/**
 * Builds `{segments, language}` for a recording of `durationSeconds`: one segment per equal time slot,
 * speakers alternating in turns of 1–5 segments.
 */
export function syntheticWhisperX(opts: SyntheticOptions = {}): { segments: RawSegment[]; language: string } {
  const count = opts.segments ?? 3000
  const duration = opts.durationSeconds ?? 3 * 3600
  const rnd = prng(opts.seed ?? 20240501)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  // The last 12 s stay silent: Whisper writes its end-card hallucinations there.
  const slot = (duration - 12) / count
  const segments: RawSegment[] = []
  let speaker = 'SPEAKER_00'
  let turnLeft = 1 + Math.floor(rnd() * 5)

  for (let i = 0; i < count; i++) {
    if (turnLeft-- <= 0) {
      speaker = speaker === 'SPEAKER_00' ? 'SPEAKER_01' : 'SPEAKER_00'
      turnLeft = Math.floor(rnd() * 5)
    }
    const slotStart = i * slot
    const n = 10 + Math.floor(rnd() * 6)
    const tokens: string[] = []
    for (let k = 0; k < n; k++) {
      // Numerals are written as digits and have no alignable characters (whisperX `alignment.py`, issues #1104, #1115): no times, no score.
      tokens.push(rnd() < 0.02 ? pick(['2016', '3', '12', '1990s', '40%']) : pick(rnd() < 0.5 ? FUNCTION_WORDS : CONTENT_WORDS))
    }
    tokens[0] = tokens[0]!.charAt(0).toUpperCase() + tokens[0]!.slice(1)
    tokens[n - 1] += pick(ENDINGS)
    const speech = slot * (0.84 + rnd() * 0.12)
    const start = slotStart + rnd() * (slot - speech) * 0.5
    const weights = tokens.map((t) => 2 + t.length)
    const total = weights.reduce((a, b) => a + b, 0)
    const noSpeaker = rnd() < 0.005
    let t = start
    const words: RawWord[] = tokens.map((word, k) => {
      const d = (speech * weights[k]!) / total
      const w: RawWord = { word }
      if (!/^\d/.test(word)) {
        w.start = r3(t + d * 0.05)
        w.end = r3(t + d * 0.9)
        w.score = r3(0.45 + rnd() * 0.54)
      }
      // At a turn change the diarizer sometimes gives the first word to the previous speaker.
      if (!noSpeaker) w.speaker = k === 0 && turnLeft === 0 && rnd() < 0.2 ? (speaker === 'SPEAKER_00' ? 'SPEAKER_01' : 'SPEAKER_00') : speaker
      t += d
      return w
    })
    const seg: RawSegment = { start: r3(start), end: r3(start + speech), text: ` ${tokens.join(' ')}`, words }
    if (!noSpeaker) seg.speaker = speaker
    const quirk = rnd()
    if (quirk < 0.004) seg.words = [] // failed alignment (whisperX `alignment.py` "resorting to original"): words: [] and chars: null
    if (quirk < 0.004) seg.chars = null
    else if (quirk < 0.006) seg.start = null
    else if (quirk < 0.008) seg.end = 'NaN'
    else if (quirk < 0.3) seg.avg_logprob = r3(-0.1 - rnd() * 0.5)
    segments.push(seg)
  }

  // Hallucinations Whisper is known for (subtitle credits, loops, stock phrases): what the filter is there for.
  const at = (k: number) => segments[Math.min(segments.length - 1, k)]!
  // A decoding loop inside a segment.
  const loopSeg = at(Math.floor(count * 0.3))
  loopSeg.text = ` So what I was saying is${' I mean'.repeat(10)}`
  delete loopSeg.words
  // The same sentence three times in a row by one speaker.
  for (const k of [0.5, 0.5, 0.5].map((f, j) => Math.floor(count * f) + j)) {
    const s = at(k)
    s.text = ' Okay, let us move on to the next question.'
    delete s.words
    s.speaker = at(Math.floor(count * 0.5)).speaker
  }
  // A lone "Thank you." without a speaker and with poor alignment, and subtitle credits on the final silence.
  const lone = Math.floor(count * 0.7) * slot + 0.1
  const thanks: RawSegment = {
    start: r3(lone),
    end: r3(lone + 0.5),
    text: ' Thank you.',
    words: [{ word: 'Thank', start: r3(lone), end: r3(lone + 0.2), score: 0.12 }, { word: 'you.', start: r3(lone + 0.2), end: r3(lone + 0.5), score: 0.1 }],
  }
  segments.splice(Math.floor(count * 0.7), 0, thanks)
  const last = count * slot
  const credit = (from: number, to: number, text: string): RawSegment => ({ start: r3(from), end: r3(to), text })
  segments.push(credit(last + 2, last + 5, ' Продолжение следует...'), credit(last + 6, last + 8, ' Thanks for watching!'))
  return { segments, language: 'en' }
}
