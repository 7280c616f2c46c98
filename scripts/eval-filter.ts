/**
 * `npm run eval:filter`: the hallucination filter on an independent labelled set (eval/filter-segments.tsv),
 * laid over real audio. Real lines are spoken by espeak-ng (clean, or under light noise); artifacts lie over
 * near-silence, room hum, noise or music made with sox, as Whisper writes them (half of them as tails right
 * after a real line; every segment's edges reach 0.2 s into its neighbours). Each language becomes one
 * recording; the panel's own speech detector (Silero VAD) computes its speech map; the transcript gets one
 * segment per line, with no speaker and no alignment scores (the hardest case: nothing but text and audio).
 *
 * Prints precision and recall per language and per class, with the speech map and from the text alone,
 * then every mistake. Exit code 0 whatever the numbers (it reports; the test in test/eval asserts targets).
 * Needs espeak-ng and sox (Debian packages of the same names). `npm run eval:filter -- ru en` runs a subset.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { SileroSpeechDetector } from '../src/adapters/media/speech-detector.ts'
import { filterHallucinations } from '../src/domain/hallucinations.ts'
import type { SpeechMap } from '../src/domain/speech-map.ts'
import { speechShare } from '../src/domain/speech-map.ts'
import type { Segment, Transcript } from '../src/domain/transcript.ts'

const run = promisify(execFile)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const DATA_FILE = path.join(ROOT, 'eval', 'filter-segments.tsv')

/** One labelled line of the evaluation set. */
export interface EvalItem {
  lang: string
  label: 'artifact' | 'real'
  cls: string
  text: string
  source: string
}

/** espeak-ng voice per language of the set. */
const VOICES: Record<string, string> = {
  en: 'en-us', ru: 'ru', de: 'de', fr: 'fr-fr', es: 'es', it: 'it', pt: 'pt', pl: 'pl', nl: 'nl', ja: 'ja',
  tr: 'tr', ko: 'ko', zh: 'cmn', no: 'nb',
}

/** What lies under an artifact, in turn: Whisper writes them over all four. */
const ARTIFACT_AUDIO = ['near-silence', 'room hum', 'noise', 'music'] as const
type Condition = (typeof ARTIFACT_AUDIO)[number] | 'speech' | 'speech under noise'

/** Reads eval/filter-segments.tsv. */
export function loadItems(file = DATA_FILE): EvalItem[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line, i) => {
      const [lang, label, cls, text, source] = line.split('\t')
      if (!lang || (label !== 'artifact' && label !== 'real') || !cls || !text || !source) {
        throw new Error(`eval/filter-segments.tsv line ${i + 1}: expected lang, label, class, text, source`)
      }
      return { lang, label, cls, text, source }
    })
}

const SAMPLE_RATE = 16000

/** Seconds of a 16 kHz mono 16-bit WAV written by sox/espeak (44-byte header). */
function wavSeconds(file: string): number {
  return (statSync(file).size - 44) / (SAMPLE_RATE * 2)
}

async function sox(args: string[]): Promise<void> {
  await run('sox', args, { maxBuffer: 1 << 20 })
}

/** Makes the clip of one item (cached by content) and returns its file and condition. */
async function clipFor(item: EvalItem, index: number, dir: string): Promise<{ file: string; condition: Condition }> {
  const condition: Condition =
    item.label === 'real' ? (index % 3 === 2 ? 'speech under noise' : 'speech') : ARTIFACT_AUDIO[index % ARTIFACT_AUDIO.length]!
  const key = createHash('sha1').update(`${item.lang}|${item.text}|${condition}|v1`).digest('hex').slice(0, 16)
  const file = path.join(dir, `${key}.wav`)
  if (existsSync(file)) return { file, condition }
  const tmp = `${file}.tmp.wav`
  if (item.label === 'real') {
    const raw = `${file}.raw.wav`
    await run('espeak-ng', ['-v', VOICES[item.lang] ?? 'en-us', '-s', '165', '-w', raw, item.text])
    if (condition === 'speech') await sox([raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', tmp])
    else {
      const clean = `${file}.clean.wav`
      await sox([raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', clean])
      const noise = `${file}.noise.wav`
      await sox(['-n', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', noise, 'synth', String(wavSeconds(clean)), 'pinknoise', 'vol', '0.03'])
      await sox(['-m', clean, noise, tmp])
    }
  } else {
    // As long as the words would take to say (about 14 characters a second), 1.5 to 6 s.
    const seconds = Math.min(6, Math.max(1.5, item.text.length / 14)).toFixed(2)
    const base = ['-n', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', tmp, 'synth', seconds]
    if (condition === 'near-silence') await sox([...base, 'whitenoise', 'vol', '0.002'])
    else if (condition === 'room hum') await sox([...base, 'brownnoise', 'vol', '0.08'])
    else if (condition === 'noise') await sox([...base, 'pinknoise', 'vol', '0.08'])
    else {
      // A plucked chord, repeated: music without a voice.
      const chord = `${file}.chord.wav`
      await sox(['-n', '-r', String(SAMPLE_RATE), '-c', '3', '-b', '16', chord, 'synth', seconds, 'pluck', '262', 'pluck', '330', 'pluck', '392'])
      await sox([chord, '-c', '1', tmp, 'remix', '-', 'tremolo', '3', '40'])
    }
  }
  const { rename } = await import('node:fs/promises')
  await rename(tmp, file)
  return { file, condition }
}

/** A laid-out item: where its clip sits in the language's recording, in seconds. */
interface Placed {
  item: EvalItem
  condition: Condition
  start: number
  end: number
}

const GAP_SECONDS = 0.7
/** Every other artifact follows the previous line after only this pause, as Whisper's trailing tails do. */
const TAIL_GAP_SECONDS = 0.15
/**
 * Segment edges as WhisperX gives them are not the clip's edges: they reach this far into the neighbouring
 * audio on both sides (VAD padding, alignment drift), so a tail's segment overlaps the speech before it.
 */
const EDGE_DRIFT_SECONDS = 0.2

/**
 * Builds one recording per language (clips with 0.7 s pauses between them, real lines and artifacts
 * interleaved in file order) and runs the speech detector on it.
 */
async function buildLanguage(lang: string, items: EvalItem[], dir: string, detector: SileroSpeechDetector): Promise<{ placed: Placed[]; map: SpeechMap; audio: string }> {
  // Interleave: real, artifact, real, artifact… so artifacts sit between speech, as in an interview.
  const reals = items.filter((i) => i.label === 'real')
  const arts = items.filter((i) => i.label === 'artifact')
  const ordered: EvalItem[] = []
  for (let i = 0; i < Math.max(reals.length, arts.length); i++) {
    if (reals[i]) ordered.push(reals[i]!)
    if (arts[i]) ordered.push(arts[i]!)
  }
  const gap = path.join(dir, 'gap.wav')
  if (!existsSync(gap)) await sox(['-n', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', gap, 'synth', String(GAP_SECONDS), 'whitenoise', 'vol', '0.002'])
  const tailGap = path.join(dir, 'tail-gap.wav')
  if (!existsSync(tailGap)) await sox(['-n', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', tailGap, 'synth', String(TAIL_GAP_SECONDS), 'whitenoise', 'vol', '0.002'])
  const placed: Placed[] = []
  const files: string[] = []
  let t = 0
  const seen = { artifact: 0, real: 0 }
  for (const item of ordered) {
    const n = seen[item.label]++
    const { file, condition } = await clipFor(item, n, dir)
    const tail = item.label === 'artifact' && n % 2 === 1
    files.push(tail ? tailGap : gap, file)
    t += tail ? TAIL_GAP_SECONDS : GAP_SECONDS
    const d = wavSeconds(file)
    placed.push({ item, condition, start: Math.max(0, t - EDGE_DRIFT_SECONDS), end: t + d + EDGE_DRIFT_SECONDS })
    t += d
  }
  files.push(gap)
  const audio = path.join(dir, `recording-${lang}-${createHash('sha1').update(files.join('|')).digest('hex').slice(0, 12)}.wav`)
  if (!existsSync(audio)) await sox([...files, audio])
  const map = await detector.detect(audio, t + GAP_SECONDS)
  return { placed, map, audio }
}

/** One item's outcome under one mode. */
export interface Outcome {
  item: EvalItem
  condition: Condition
  /** Speech share the detector measured under the line. */
  share: number
  /** Share of the line's characters that the filter hid. */
  hiddenShare: number
  rules: string[]
  /** Artifact: at least half of it hidden. Real: nothing of it hidden. */
  correct: boolean
}

function transcriptOf(lang: string, placed: Placed[], duration: number): Transcript {
  const segments: Segment[] = placed.map((p, i) => {
    const tokens = p.item.text.split(/\s+/).filter((x) => x !== '')
    const step = (p.end - p.start) / Math.max(1, tokens.length)
    return {
      id: `e${i}`,
      start: p.start,
      end: p.end,
      speaker: null,
      text: p.item.text,
      words: tokens.map((w, k) => ({ text: w, start: p.start + k * step, end: p.start + (k + 1) * step, score: null, estimated: true })),
      filtered: null,
    }
  })
  return { language: lang, duration, speakers: [], segments }
}

function judge(placed: Placed[], out: Transcript, map: SpeechMap): Outcome[] {
  return placed.map((p, i) => {
    const pieces = out.segments.filter((s) => s.id === `e${i}` || s.id.startsWith(`e${i}.`))
    const chars = (s: Segment) => s.text.replace(/\s+/g, '').length
    const total = pieces.reduce((n, s) => n + chars(s), 0) || 1
    const hidden = pieces.filter((s) => s.filtered !== null)
    const hiddenShare = hidden.reduce((n, s) => n + chars(s), 0) / total
    const correct = p.item.label === 'artifact' ? hiddenShare >= 0.5 : hidden.length === 0
    return {
      item: p.item,
      condition: p.condition,
      share: speechShare(map, p.start, p.end),
      hiddenShare,
      rules: [...new Set(hidden.map((s) => s.filtered!.rule))],
      correct,
    }
  })
}

/** Both modes' outcomes for every item, and the speech detector used. */
export interface EvalResult {
  withAudio: Outcome[]
  textOnly: Outcome[]
  detector: string
  audioSeconds: number
}

/**
 * Runs the evaluation for the given languages (default: all in the file).
 * @throws when espeak-ng or sox is missing (install the Debian packages `espeak-ng` and `sox`).
 */
export async function runEvaluation(langs?: string[]): Promise<EvalResult> {
  const items = loadItems().filter((i) => !langs || langs.length === 0 || langs.includes(i.lang))
  const dir = path.join(tmpdir(), 'scribe-filter-eval')
  mkdirSync(dir, { recursive: true })
  const logger = { debug() {}, info() {}, warn: (m: string, f?: Record<string, unknown>) => process.stderr.write(`${m} ${JSON.stringify(f ?? {})}\n`), error() {} }
  const detector = new SileroSpeechDetector({ logger })
  const withAudio: Outcome[] = []
  const textOnly: Outcome[] = []
  let audioSeconds = 0
  let method = ''
  for (const lang of [...new Set(items.map((i) => i.lang))]) {
    const { placed, map } = await buildLanguage(lang, items.filter((i) => i.lang === lang), dir, detector)
    audioSeconds += map.duration
    method = `${map.method} (${map.detector})`
    const t = transcriptOf(lang, placed, map.duration)
    withAudio.push(...judge(placed, filterHallucinations(t, { speech: map }), map))
    textOnly.push(...judge(placed, filterHallucinations(t), map))
  }
  return { withAudio, textOnly, detector: method, audioSeconds }
}

/** Share of artifacts hidden and of real lines hidden, with counts. */
export function rates(outcomes: Outcome[]): { artifacts: number; caught: number; reals: number; wronglyHidden: number; recall: number; falseHideRate: number; precision: number } {
  const arts = outcomes.filter((o) => o.item.label === 'artifact')
  const reals = outcomes.filter((o) => o.item.label === 'real')
  const caught = arts.filter((o) => o.correct).length
  const wronglyHidden = reals.filter((o) => !o.correct).length
  return {
    artifacts: arts.length,
    caught,
    reals: reals.length,
    wronglyHidden,
    recall: arts.length ? caught / arts.length : 1,
    falseHideRate: reals.length ? wronglyHidden / reals.length : 0,
    precision: caught + wronglyHidden ? caught / (caught + wronglyHidden) : 1,
  }
}

function shareSummary(outcomes: Outcome[], label: EvalItem['label']): string {
  const xs = outcomes.filter((o) => o.item.label === label).map((o) => o.share)
  if (xs.length === 0) return '-'
  return `${pct(xs.reduce((a, b) => a + b, 0) / xs.length)} (${pct(Math.min(...xs))}–${pct(Math.max(...xs))})`
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`
}

function table(title: string, outcomes: Outcome[]): string[] {
  const lines = [title, '  group            artifacts hidden      real lines hidden   precision']
  const row = (name: string, os: Outcome[]) => {
    const r = rates(os)
    lines.push(`  ${name.padEnd(16)} ${`${r.caught}/${r.artifacts}`.padStart(7)} ${pct(r.recall).padStart(8)}   ${`${r.wronglyHidden}/${r.reals}`.padStart(7)} ${pct(r.falseHideRate).padStart(8)}   ${pct(r.precision).padStart(8)}`)
  }
  for (const lang of [...new Set(outcomes.map((o) => o.item.lang))]) row(`lang ${lang}`, outcomes.filter((o) => o.item.lang === lang))
  for (const cls of [...new Set(outcomes.map((o) => o.item.cls))].sort()) row(`class ${cls}`, outcomes.filter((o) => o.item.cls === cls))
  for (const cond of [...new Set(outcomes.map((o) => o.condition))]) row(`audio ${cond}`, outcomes.filter((o) => o.condition === cond))
  row('ALL', outcomes)
  return lines
}

function mistakes(title: string, outcomes: Outcome[]): string[] {
  const wrong = outcomes.filter((o) => !o.correct)
  const lines = [`${title}: ${wrong.length} mistakes`]
  for (const o of wrong) {
    const what = o.item.label === 'artifact' ? 'MISSED artifact' : `HID real line (${o.rules.join(', ')})`
    lines.push(`  [${o.item.lang} ${o.item.cls}] ${what}; speech ${pct(o.share)} (${o.condition}): ${o.item.text}`)
  }
  return lines
}

/** The "done when" check: ≥ 95 % of artifacts hidden and ≤ 1 % of real lines hidden, in ru and en. */
export function targetsMet(outcomes: Outcome[]): boolean {
  return ['ru', 'en'].every((lang) => {
    const r = rates(outcomes.filter((o) => o.item.lang === lang))
    return r.recall >= 0.95 && r.falseHideRate <= 0.01
  })
}

async function main(): Promise<void> {
  const langs = process.argv.slice(2)
  const t0 = Date.now()
  const res = await runEvaluation(langs)
  const items = res.withAudio.map((o) => o.item)
  const variants = items.filter((i) => i.source.startsWith('variant of')).length
  const out = [
    `Hallucination filter evaluation: ${items.length} labelled lines (${items.filter((i) => i.label === 'artifact').length} artifacts, ${items.filter((i) => i.label === 'real').length} real; ${variants} are variants of a published template), ${new Set(items.map((i) => i.lang)).size} languages`,
    `Audio: ${Math.round(res.audioSeconds)} s generated with espeak-ng and sox; speech map: ${res.detector}`,
    '',
    ...table('With the speech map (what the panel does on new recordings):', res.withAudio),
    '',
    ...table('From the text alone (recordings without a speech map):', res.textOnly),
    '',
    `Speech share the detector measured under the lines (mean, min–max): artifacts ${shareSummary(res.withAudio, 'artifact')}; real lines ${shareSummary(res.withAudio, 'real')}`,
    '',
    `Target (ru and en: >= 95 % of artifacts hidden, <= 1 % of real lines hidden): with speech map ${targetsMet(res.withAudio) ? 'MET' : 'NOT MET'}; text alone ${targetsMet(res.textOnly) ? 'MET' : 'NOT MET'}`,
    '',
    ...mistakes('With the speech map', res.withAudio),
    '',
    ...mistakes('From the text alone', res.textOnly),
    '',
    `(${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  ]
  process.stdout.write(`${out.join('\n')}\n`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
