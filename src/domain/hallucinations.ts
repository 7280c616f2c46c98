/**
 * The hallucination filter: marks segments Whisper invented (subtitle credits, outros, calls to subscribe,
 * web-address plugs, loops, repeated segments, stock phrases and any text over silence, noise or music) so the
 * review page can hide them. Nothing is ever deleted: a judged segment gets `filtered: {rule, reason,
 * evidence}` and the user can restore it. Pure; times in seconds.
 *
 * Two kinds of evidence: the text (listed patterns in hallucination-data/media-artifacts.ts, grammars of
 * whole families in hallucination-data/families.ts, loops, timing) and, when the recording has one, the
 * speech map (speech-map.ts; Silero VAD on upload). A line over no speech is hidden whatever it says; a line
 * over clear speech needs strong textual evidence (a subtitle credit, a loop, impossible timing).
 * WhisperX gives no `no_speech_prob` or compression ratio (m-bain/whisperX `whisperx/asr.py`), which is why
 * the panel runs its own voice activity detector.
 *
 * Rules run in this order and a segment gets at most one decision (the first, most specific rule wins):
 *   1. media-artifact   2. no-speech-text   3. repetition-loop   4. duplicate-segment
 *   5. speech-rate      6. suspect-phrase   7. no-speech-audio
 */
import { ARTIFACT_PATTERNS, TAIL_HINT } from './hallucination-data/media-artifacts.ts'
import type { ArtifactKind, ArtifactPattern } from './hallucination-data/media-artifacts.ts'
import { matchFamily, type FamilyId, type Strength } from './hallucination-data/families.ts'
import { SUSPECT_PHRASES } from './hallucination-data/suspect-phrases.ts'
import { speechShare, type SpeechMap } from './speech-map.ts'
import { estimateWords, type FilterEvidence, type Segment, type Transcript, type Word } from './transcript.ts'

/** Ids of the filter's rules (stored in `FilterDecision.rule`). */
export type FilterRuleId =
  | 'media-artifact'
  | 'no-speech-text'
  | 'repetition-loop'
  | 'duplicate-segment'
  | 'speech-rate'
  | 'suspect-phrase'
  | 'no-speech-audio'

/** One rule as the UI and README show it. */
export interface FilterRule {
  id: FilterRuleId
  /** Plain English: what the rule hides and when. */
  description: string
  /** Where the rule and its thresholds come from: public repositories (owner/name and file), papers, URLs. */
  source: string
}

/**
 * Thresholds of the rules; seconds unless named otherwise. Each one's source is on its line.
 * Exported so the README/UI can quote them and tests can pin them.
 */
export const FILTER_THRESHOLDS = {
  /** A glued credit is at most this many words (`INVENTED_LIMIT = 12` of a public Russian transcript cleaner). */
  tailCreditMaxWords: 12,
  /** A phrase of 2–6 words repeated this many times in a row is a loop (kadirnar/voice-agent-next `stt_guard`; Scicom-AI-Enterprise-Organization/Whisper-Hallucination DATASET_CARD). */
  loopMinPhraseRepeats: 4,
  /**
   * A single word repeated this many times in a row is a loop. Scicom DATASET_CARD: "a correct transcript
   * essentially never repeats one token six times"; lower counts ("да, да, да", "no, no, no, no") are speech.
   */
  loopMinTokenRepeats: 6,
  /** A loop covering at least this share of a segment's words hides the whole segment (the ≥ 80 % coverage variant of a Teams transcript cleaner). */
  loopWholeSegmentShare: 0.8,
  /** Identical consecutive segments: from this many in a row, all but the first `duplicateKeep` hide (tartakynov/whispercpp-scripts `remove_hallucinations.py`; meizhong986/WhisperJAV `DEDUP_THRESHOLD 3`). */
  duplicateMinRun: 3,
  duplicateKeep: 2,
  /**
   * Segments of fewer words than this repeat for real ("Да." "Да." "Да." are three WhisperX sentence
   * segments of one answer), so they need `duplicateShortMinRun` in a row, the same as the token-loop limit.
   * Project choice, not from a source.
   */
  duplicateShortWords: 3,
  duplicateShortMinRun: 6,
  /** Letters and digits per second above which speech is impossible (meizhong986/WhisperJAV `TimingConstants`: remove > 30 cps). */
  maxCharsPerSecond: 30,
  /** …measured only over segments at least this long (seconds), so rounding of short segments does not fire it. */
  charsPerSecondMinDuration: 1.0,
  /**
   * More than `burstMaxWords` words in under `burstMaxDuration` seconds is impossible. Project threshold: that is
   * under 0.0625 s a word, less than half of Whisper's 0.133 s "too short word" anomaly limit (openai/whisper `transcribe.py`, `word_anomaly_score`).
   */
  burstMaxWords: 8,
  burstMaxDuration: 0.5,
  /**
   * Silence (seconds) on both sides that makes a suspect phrase "isolated": the low end of the 2–8 s advised for
   * Whisper's hallucination_silence_threshold (openai/whisper PR #1838) and the 2 s min_silence_duration_ms of
   * faster-whisper's Silero options (SYSTRAN/faster-whisper `faster_whisper/vad.py`).
   */
  isolationSeconds: 2,
  /**
   * Mean wav2vec2 alignment score under which a suspect phrase's words "do not match the audio". Project choice:
   * no published threshold for WhisperX's `score` exists (Barański et al., arXiv 2501.11378, only name alignment
   * as a mitigation), and real words can score 0.3 (whisperX #398), so it is only
   * ever one piece of evidence next to "no speaker".
   */
  lowAlignmentScore: 0.4,
  /**
   * Speech share (of a segment's time, from the speech map) under which "no speech is under this line".
   * Project choice: Silero's regions are padded 30 ms and WhisperX's segment edges drift by a few hundred ms, so
   * a line over silence next to speech still shows some share; 0.2 leaves room for that.
   */
  noSpeechShare: 0.2,
  /** Speech share from which a line is "over clear speech": only strong textual evidence hides it then. */
  clearSpeechShare: 0.5,
  /** A stock phrase ("Thank you.") is hidden when less than this share of it holds speech. */
  suspectMaxShare: 0.35,
  /**
   * A line over no speech is kept if diarization put a speaker under it AND its words aligned at least this well
   * (mean wav2vec2 score): two independent signals of a voice the detector missed (quiet, far from the microphone).
   */
  keepIfAlignedScore: 0.6,
  /** One word repeated this many times with no punctuation between ("the the the the") is a loop. */
  loopMinBareTokenRepeats: 4,
  /** A phrase of this many words or more repeated `loopMinSentenceRepeats` times in a row is a loop. */
  loopSentenceWords: 4,
  loopMinSentenceRepeats: 3,
  /** Longest repeated unit looked for, in words: a whole sentence. */
  loopMaxUnitWords: 30,
} as const

/** The rules, in the order they run. */
export const FILTER_RULES: readonly FilterRule[] = [
  {
    id: 'media-artifact',
    description:
      'Subtitle credits, video outros, TV end cards and music/sound captions that Whisper invents on silence ' +
      '("Субтитры сделал DimaTorzok", "Продолжение следует...", "Thanks for watching!", "ДИНАМИЧНАЯ МУЗЫКА"), ' +
      'matched against the whole segment in any language. A credit glued to the end of real speech is split off ' +
      'and hidden on its own; the speech stays.',
    source:
      'Vexa-ai/vexa gmeet ru.txt and mixed-pipeline mixed.txt (https://github.com/Vexa-ai/vexa), ' +
      'DSP-AGH/ICASSP2025_Whisper_Hallucination BoH.csv, NeMo Granary common_phrases, ScrAIbe, voice-agent-next ' +
      '(see src/domain/hallucination-data/media-artifacts.ts for each pattern)',
  },
  {
    id: 'no-speech-text',
    description: 'Segments with no letters or digits at all: only dots, "…", "♪" or brackets.',
    source: 'kadirnar/voice-agent-next stt_guard rule 1 (https://github.com/kadirnar/voice-agent-next); Vexa-ai/vexa hallucination-filter.ts',
  },
  {
    id: 'repetition-loop',
    description:
      'A Whisper decoding loop: a phrase of 2–6 words repeated 4+ times in a row, or one word 6+ times. ' +
      'If the loop is at least 80% of the segment, the segment is hidden; otherwise the speech before it and the ' +
      "phrase's first occurrence stay and the repeats become a separate hidden segment.",
    source:
      'Scicom-AI-Enterprise-Organization/Whisper-Hallucination DATASET_CARD ("token run ≥ 6"); kadirnar/voice-agent-next ' +
      'n-gram loops; Vexa-ai/vexa hallucination-gate.ts; a Teams transcript cleaner (≥ 80% coverage)',
  },
  {
    id: 'duplicate-segment',
    description:
      'The same text as separate segments 3+ times in a row by the same speaker (6+ for texts under 3 words): ' +
      'the first 2 stay, the rest are hidden.',
    source:
      'raj-iup/cp-whisperx-app, tartakynov/whispercpp-scripts remove_hallucinations.py, ' +
      'meizhong986/WhisperJAV DEDUP_THRESHOLD 3 (https://github.com/meizhong986/WhisperJAV)',
  },
  {
    id: 'speech-rate',
    description:
      'Text that cannot fit its time: more than 30 letters/digits per second over a segment of 1 s or more, ' +
      'or more than 8 words in under 0.5 s.',
    source: 'meizhong986/WhisperJAV TimingConstants: remove > 30 cps (https://github.com/meizhong986/WhisperJAV)',
  },
  {
    id: 'suspect-phrase',
    description:
      'Stock phrases that Whisper writes on silence but people also say ("Спасибо.", "Thank you.", "you", "Пока."), ' +
      'hidden only when diarization found no speaker under them AND they stand alone with 2+ s of silence on both ' +
      'sides, or come after the last speech in the recording, or their words aligned poorly (mean score < 0.4). ' +
      'Needs diarization: without any speaker labels the rule does nothing.',
    source:
      'kadirnar/voice-agent-next SUSPECTS_BY_LANGUAGE; Bakuutin/mycelia remove_if_lonely; OpenWhispr #1458 (tails); ' +
      'https://github.com/m-bain/whisperX/issues/1224; DSP-AGH/ICASSP2025_Whisper_Hallucination hallucination_list.csv',
  },
  {
    id: 'no-speech-audio',
    description:
      'Any line with (almost) no speech under it: the voice detector heard speech in under 20 % of its time. ' +
      'Kept only when diarization put a speaker under it and its words aligned well (mean score 0.6 or more). ' +
      'Needs the speech map computed on upload; with the ffmpeg level fallback it hides only lines over silence.',
    source:
      'Silero VAD (https://github.com/snakers4/silero-vad) on the panel; the mining rule "words emitted where a VAD finds no speech" ' +
      '(Scicom-AI-Enterprise-Organization/Whisper-Hallucination DATASET_CARD); Barański et al., ICASSP 2025, ' +
      'arXiv 2501.11378 (hallucinations on non-speech audio)',
  },
]

/** Options of `filterHallucinations`. */
export interface FilterOptions {
  /** Rules to run (default: all of `FILTER_RULES`). */
  rules?: readonly FilterRuleId[]
  /**
   * The recording's speech map (see speech-map.ts). With it, a line over no speech is hidden whatever its
   * words, and a line over clear speech needs strong textual evidence; without it the filter judges from the
   * text alone and says so in each decision's evidence.
   */
  speech?: SpeechMap | null
}

/** What every pass shares: the speech map and the id pool for split-off segments. */
interface Ctx {
  speech: SpeechMap | null
  ids: IdPool
}

/** Speech share of `[start, end]`, or null without a speech map. */
function shareOf(ctx: Ctx, start: number, end: number): number | null {
  return ctx.speech ? speechShare(ctx.speech, start, end) : null
}

function percent(x: number): string {
  return `${Math.round(x * 100)} %`
}

/** The evidence line about the audio under a stretch of time. */
function speechNote(ctx: Ctx, share: number | null): string {
  if (share === null || !ctx.speech) return 'judged from the text alone: this recording has no speech map'
  const th = FILTER_THRESHOLDS
  if (ctx.speech.method === 'ffmpeg-level') {
    return share < th.noSpeechShare
      ? `silence under this line (sound in ${percent(share)} of its time; level analysis, the voice detector was not available)`
      : `sound under ${percent(share)} of this line (level analysis: it cannot tell speech from music or noise)`
  }
  if (share < th.noSpeechShare) return `no speech under this line (the voice detector heard speech in ${percent(share)} of its time)`
  if (share >= th.clearSpeechShare) return `clear speech under this line (${percent(share)} of its time)`
  return `speech under ${percent(share)} of this line`
}

function evidenceFor(ctx: Ctx, start: number, end: number, notes: string[] = []): FilterEvidence {
  const share = shareOf(ctx, start, end)
  return {
    speechShare: share === null ? null : Math.round(share * 1000) / 1000,
    speechMethod: ctx.speech?.method ?? null,
    notes: [speechNote(ctx, share), ...notes],
  }
}

/** Hides a segment with its rule, reason and evidence. */
function hide(ctx: Ctx, seg: Segment, rule: FilterRuleId, reason: string, notes: string[] = []): void {
  seg.filtered = { rule, reason, evidence: evidenceFor(ctx, seg.start, seg.end, notes) }
}

/**
 * Whether a text match of this strength may hide a line with this speech share: strong matches always;
 * medium ones (outros, calls to action, URL plugs) only where no clear speech is under the line, or when
 * there is no speech map at all (text alone, as before speech maps existed).
 */
function strongEnough(strength: Strength, share: number | null): boolean {
  return strength === 'strong' || share === null || share < FILTER_THRESHOLDS.clearSpeechShare
}

// ---------------------------------------------------------------------------------------------
// Text forms
// ---------------------------------------------------------------------------------------------

function base(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      // Turkish "İ" lower-cases to "i" + U+0307 COMBINING DOT ABOVE.
      .replace(/\u0307/g, '')
      .replace(/ё/g, 'е')
      .replace(/\s+/g, ' ')
      .trim()
  )
}

/**
 * Text for phrase matching: NFKC, lower case, ё→е, whitespace collapsed, punctuation, quotes, brackets
 * and symbols stripped at both ends (kept inside). "«Продолжение следует...»" → `продолжение следует`.
 */
export function normalizeForMatch(text: string): string {
  return base(text).replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '')
}

/**
 * Match key: like `normalizeForMatch`, and every run of characters that are not letters or digits
 * becomes one space. "Subtitles by the Amara.org community" → `subtitles by the amara org community`.
 */
export function matchKey(text: string): string {
  return base(text)
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
    .trim()
}

function wordCount(key: string): number {
  return key === '' ? 0 : key.split(' ').length
}

const HAS_SPEECH_CHAR = /[\p{L}\p{N}]/u
const MUSIC_NOTE = /^[♪♫♬♩🎵🎶]|[♪♫♬♩🎵🎶]$/u
const BRACKETED = /^[[(（【{][^[\](){}（）【】]+[\])）】}][.!…]?$/u

/** Written like a subtitle caption: wrapped in brackets, or all in capitals (at least 2 letters). */
function looksLikeCaption(raw: string): boolean {
  const t = raw.trim()
  if (BRACKETED.test(t)) return true
  const letters = t.replace(/[^\p{L}]/gu, '')
  return letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()
}

// ---------------------------------------------------------------------------------------------
// media-artifact
// ---------------------------------------------------------------------------------------------

/** A class-A match: what it is and the pattern that matched (null pattern for the structural checks). */
export interface ArtifactMatch {
  kind: ArtifactKind
  pattern: ArtifactPattern | null
  /** `strong`: hidden even over clear speech; `medium`: only where the audio holds no clear speech (or is unknown). */
  strength: Strength
  /** The family grammar that matched (families.ts), when no listed pattern did. */
  family?: FamilyId
}

/** Strength of a listed pattern: credits and captions are never spoken; outros and end cards sometimes are. */
function kindStrength(kind: ArtifactKind): Strength {
  return kind === 'video-outro' || kind === 'end-card' || kind === 'url-plug' ? 'medium' : 'strong'
}

const FAMILY_KIND: Record<FamilyId, ArtifactKind> = {
  credit: 'subtitle-credit',
  'broadcaster-credit': 'subtitle-credit',
  outro: 'video-outro',
  'call-to-action': 'video-outro',
  'url-plug': 'url-plug',
}

const KIND_TEXT: Record<ArtifactKind, string> = {
  'subtitle-credit': 'Subtitle credit that Whisper invents on silence',
  'video-outro': 'Video outro or channel plug that Whisper invents on silence and music',
  'end-card': 'TV end card that Whisper invents on trailing silence',
  'music-caption': 'Music caption (as in subtitles for the deaf) that Whisper writes over music',
  'sound-caption': 'Caption of a sound (as in subtitles for the deaf) that Whisper writes over noise',
  'url-plug': 'Web address plug (a video end card) that Whisper invents on silence',
}

/**
 * Whether a whole segment text is a media artifact (class A), in any language.
 * Besides `ARTIFACT_PATTERNS`: text starting or ending with a music note ("♪ …") is a music caption;
 * text wholly in one pair of brackets, up to 6 words ("[Applause]", "(смеется)"), is a sound caption.
 * @returns the match, or null for text that may be speech.
 */
export function matchMediaArtifact(text: string): ArtifactMatch | null {
  const raw = text.trim()
  const key = matchKey(raw)
  const words = wordCount(key)
  if (MUSIC_NOTE.test(raw)) return { kind: 'music-caption', pattern: null, strength: 'strong' }
  if (key === '') return null
  const norm = normalizeForMatch(raw)
  for (const p of ARTIFACT_PATTERNS) {
    if (p.captionOnly && !looksLikeCaption(raw)) continue
    if (p.maxWords !== undefined && words > p.maxWords) continue
    if (p.re.test(p.on === 'norm' ? norm : key)) return { kind: p.kind, pattern: p, strength: kindStrength(p.kind) }
  }
  const fam = matchFamily(raw)
  if (fam) return { kind: FAMILY_KIND[fam.family], pattern: null, strength: fam.strength, family: fam.family }
  if (BRACKETED.test(raw) && words <= 6) {
    return { kind: /музык|music/u.test(key) ? 'music-caption' : 'sound-caption', pattern: null, strength: 'strong' }
  }
  return null
}

function artifactReason(kind: ArtifactKind, text: string, where: 'whole' | 'glued' | 'sentence' = 'whole'): string {
  const place = where === 'glued' ? ', glued to the end of real speech' : where === 'sentence' ? ', a whole sentence inside real speech' : ''
  return `${KIND_TEXT[kind]} (${quote(text)})${place}; not speech.`
}

const TAIL_PATTERNS = ARTIFACT_PATTERNS.filter((p) => p.tail === true)

/** A credit glued to the end of real speech: the number of trailing words that form it, or 0. */
function tailCreditLength(words: readonly Word[]): number {
  if (!TAIL_HINT.test(matchKey(joinWords(words.slice(-FILTER_THRESHOLDS.tailCreditMaxWords))))) return 0
  const max = Math.min(FILTER_THRESHOLDS.tailCreditMaxWords, words.length - 1)
  for (let k = max; k >= 2; k--) {
    const tail = words
      .slice(words.length - k)
      .map((w) => w.text)
      .join(' ')
    const key = matchKey(tail)
    const norm = normalizeForMatch(tail)
    for (const p of TAIL_PATTERNS) {
      if (p.re.test(p.on === 'norm' ? norm : key)) {
        const head = words.slice(0, words.length - k)
        return head.some((w) => HAS_SPEECH_CHAR.test(w.text)) ? k : 0
      }
    }
  }
  return 0
}

/** Sentence ends: a word ending in . ! ? … (or their CJK forms), before closing quotes/brackets. */
const SENTENCE_END = /[.!?…。！？]["»”’)\]]*$/u

/** Word index ranges `[from, to)` of the sentences in a word list. */
function sentenceRanges(words: readonly Word[]): [number, number][] {
  const out: [number, number][] = []
  let from = 0
  words.forEach((w, i) => {
    if (SENTENCE_END.test(w.text) || i === words.length - 1) {
      out.push([from, i + 1])
      from = i + 1
    }
  })
  return out
}

/** A piece of a segment cut at word boundaries, hidden or kept. */
function piece(seg: Segment, words: Word[], id: string, first: boolean, last: boolean): Segment {
  return {
    ...seg,
    id,
    start: first ? seg.start : words[0]!.start,
    end: last ? Math.max(words[0]!.start, seg.end) : Math.max(words[0]!.start, words.at(-1)!.end),
    text: joinWords(words),
    words,
    filtered: null,
  }
}

/**
 * Whole sentences of a multi-sentence segment that are artifacts ("Okay. Thanks for watching!"): the segment
 * is cut at sentence boundaries and the artifact sentences become hidden segments of their own; the speech
 * stays. A phrase only counts when it is a WHOLE sentence, never the start of one.
 * @returns the pieces; `all` when every sentence is an artifact ("Thanks for watching! Subtitles by the
 *   Amara.org community"); null when none is.
 */
function splitArtifactSentences(ctx: Ctx, seg: Segment): Segment[] | 'all' | null {
  const words = wordsOf(seg)
  const ranges = sentenceRanges(words)
  if (ranges.length < 2) return null
  const verdicts = ranges.map(([from, to]) => {
    const part = words.slice(from, to)
    const text = joinWords(part)
    const m = matchMediaArtifact(text)
    if (!m) return null
    const share = shareOf(ctx, part[0]!.start, part.at(-1)!.end)
    return strongEnough(m.strength, share) ? m : null
  })
  if (verdicts.every((v) => v === null)) return null
  if (verdicts.every((v) => v !== null)) return 'all'
  const out: Segment[] = []
  ranges.forEach(([from, to], i) => {
    const part = words.slice(from, to)
    const m = verdicts[i]
    const prev = out.at(-1)
    // Kept sentences next to each other stay one segment (the original id goes to the first kept piece).
    if (!m && prev && prev.filtered === null) {
      prev.words = [...prev.words, ...part]
      prev.text = joinWords(prev.words)
      prev.end = i === ranges.length - 1 ? Math.max(prev.end, seg.end) : part.at(-1)!.end
      return
    }
    const keptYet = out.some((x) => x.filtered === null)
    const last = i === ranges.length - 1
    const suffix = m ? (m.kind === 'subtitle-credit' ? 'credit' : 'artifact') : 'after'
    const id = !m && !keptYet ? seg.id : ctx.ids.next(`${seg.id}.${suffix}`)
    const p = piece(seg, part, id, i === 0, last)
    if (m) hide(ctx, p, 'media-artifact', artifactReason(m.kind, p.text, last ? 'glued' : 'sentence'))
    out.push(p)
  })
  return out
}

function mediaArtifactPass(segments: Segment[], ctx: Ctx): Segment[] {
  const out: Segment[] = []
  let afterFragment = false
  for (const seg of segments) {
    const wasAfterFragment = afterFragment
    afterFragment = false
    if (seg.filtered) {
      out.push(seg)
      continue
    }
    const share = shareOf(ctx, seg.start, seg.end)
    // Anchored whole-segment matches first; an unanchored one ("…DimaTorzok", "…Amara.org…") only after
    // the glued-credit split had its chance, so "<speech>. Субтитры сделал DimaTorzok" keeps the speech.
    const m = matchMediaArtifact(seg.text)
    if (m && m.pattern?.maxWords === undefined && strongEnough(m.strength, share)) {
      hide(ctx, seg, 'media-artifact', artifactReason(m.kind, seg.text))
      afterFragment = m.pattern?.fragment === true
      out.push(seg)
      continue
    }
    // "Редактор субтитров А." | "Семкин Корректор А." | "Егорова": the surname after a fragment (Granary bg.txt).
    if (wasAfterFragment && /^\p{Lu}[\p{Ll}-]+[.!]?$/u.test(seg.text.trim())) {
      hide(ctx, seg, 'media-artifact', artifactReason('subtitle-credit', seg.text))
      out.push(seg)
      continue
    }
    const words = wordsOf(seg)
    // Whole sentences first ("Thanks for watching! Subtitles by the Amara.org community"), then a credit glued
    // to speech without a sentence break.
    const pieces = words.length >= 3 ? splitArtifactSentences(ctx, seg) : null
    if (pieces === 'all') {
      hide(ctx, seg, 'media-artifact', `Video end-card lines one after another (${quote(seg.text)}): subtitle credits, outros or plugs; not speech.`)
      out.push(seg)
      continue
    }
    if (pieces) {
      out.push(...pieces)
      continue
    }
    const k = words.length >= 3 ? tailCreditLength(words) : 0
    if (k > 0) {
      const head = words.slice(0, words.length - k)
      const tail = words.slice(words.length - k)
      const tailText = joinWords(tail)
      const kind = matchMediaArtifact(tailText)?.kind ?? 'subtitle-credit'
      const credit: Segment = {
        id: ctx.ids.next(`${seg.id}.credit`),
        start: tail[0]!.start,
        end: Math.max(tail[0]!.start, seg.end),
        speaker: seg.speaker,
        text: tailText,
        words: tail,
        filtered: null,
      }
      hide(ctx, credit, 'media-artifact', artifactReason(kind, tailText, 'glued'))
      out.push({ ...seg, end: Math.max(seg.start, head.at(-1)!.end), text: joinWords(head), words: head }, credit)
      continue
    }
    if (m && strongEnough(m.strength, share)) hide(ctx, seg, 'media-artifact', artifactReason(m.kind, seg.text))
    out.push(seg)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// no-speech-text
// ---------------------------------------------------------------------------------------------

function noSpeechTextPass(segments: Segment[], ctx: Ctx): Segment[] {
  for (const seg of segments) {
    if (seg.filtered || HAS_SPEECH_CHAR.test(seg.text)) continue
    const shown = seg.text.trim() === '' ? 'empty text' : quote(seg.text)
    hide(ctx, seg, 'no-speech-text', `No words at all (${shown}): Whisper writes punctuation or symbols on silence and noise.`)
  }
  return segments
}

// ---------------------------------------------------------------------------------------------
// repetition-loop
// ---------------------------------------------------------------------------------------------

/** A loop found in a token list: `phraseLength` tokens from `start`, repeated `repeats` times; `end` is exclusive. */
export interface RepetitionLoop {
  start: number
  phraseLength: number
  repeats: number
  /** First token after the loop (includes a trailing partial repeat of the phrase). */
  end: number
}

/**
 * Finds the first repetition loop in `tokens` (already normalized: compare with `===`): a unit of one word up
 * to a sentence (`loopMaxUnitWords`) repeated in a row at least
 * - `loopMinBareTokenRepeats` (4) times for one word with no punctuation between ("the the the the"),
 * - `loopMinTokenRepeats` (6) times for one word set off by commas ("no, no, no" and "да, да, да, да" are speech),
 * - `loopMinPhraseRepeats` (4) times for a unit of 2–3 words,
 * - `loopMinSentenceRepeats` (3) times for a unit of `loopSentenceWords` (4) words or more, or for a whole
 *   sentence of any length (`sentenceEnd[i]`: token i ends a sentence).
 * Among loops starting at the same token, the one covering the most tokens wins (ties: the shorter unit).
 * @param bare per token, whether no punctuation follows it in the text (default: all true).
 * @returns the loop, or null.
 */
export function findRepetitionLoop(tokens: readonly string[], bare?: readonly boolean[], sentenceEnd?: readonly boolean[]): RepetitionLoop | null {
  const th = FILTER_THRESHOLDS
  const n = tokens.length
  const same = (a: number, b: number, len: number): boolean => {
    for (let x = 0; x < len; x++) if (tokens[a + x] !== tokens[b + x]) return false
    return true
  }
  for (let i = 0; i < n; i++) {
    let best: RepetitionLoop | null = null
    for (let p = 1; p <= th.loopMaxUnitWords && i + 2 * p <= n; p++) {
      let reps = 1
      while (i + (reps + 1) * p <= n && same(i, i + reps * p, p)) reps++
      let need: number
      if (p === 1) {
        let allBare = true
        for (let x = i; x < i + reps - 1; x++) if (bare && bare[x] === false) allBare = false
        need = allBare ? th.loopMinBareTokenRepeats : th.loopMinTokenRepeats
      } else {
        // A whole sentence said three times in a row ("Продолжение следует… Продолжение следует… …") is a loop
        // at any length; shorter phrases inside sentences need four.
        const wholeSentence = sentenceEnd?.[i + p - 1] === true && (i === 0 || sentenceEnd[i - 1] === true)
        need = p >= th.loopSentenceWords || wholeSentence ? th.loopMinSentenceRepeats : th.loopMinPhraseRepeats
      }
      if (reps >= need && (!best || p * reps > best.phraseLength * best.repeats)) {
        best = { start: i, phraseLength: p, repeats: reps, end: i + p * reps }
      }
    }
    if (best) {
      let partial = 0
      const fits = (x: number) => best.end + x < n && tokens[best.end + x] === tokens[i + x]
      while (partial < best.phraseLength - 1 && fits(partial)) partial++
      return { ...best, end: best.end + partial }
    }
  }
  return null
}

function repetitionLoopPass(segments: Segment[], ctx: Ctx): Segment[] {
  const out: Segment[] = []
  for (const seg of segments) {
    if (seg.filtered) {
      out.push(seg)
      continue
    }
    const words = wordsOf(seg)
    // Compare words by their match key, skipping punctuation-only tokens ("—").
    const pos: number[] = []
    const keys: string[] = []
    const bare: boolean[] = []
    const ends: boolean[] = []
    words.forEach((w, idx) => {
      const k = matchKey(w.text)
      if (k !== '') {
        pos.push(idx)
        keys.push(k)
        bare.push(!/[\p{P}]$/u.test(w.text.trim()))
        ends.push(SENTENCE_END.test(w.text.trim()))
      } else if (bare.length > 0) {
        bare[bare.length - 1] = false
        if (SENTENCE_END.test(w.text.trim())) ends[ends.length - 1] = true
      }
    })
    // Scripts written without spaces (ja, zh) arrive as one word: look for the loop between punctuation marks.
    if (words.length === 1 && !/\s/.test(seg.text.trim())) {
      const parts = seg.text.split(/[、。，,．.！!？?・\s]+/u).filter((x) => x !== '')
      const cjk = parts.length >= 3 ? findRepetitionLoop(parts, parts.map(() => false)) : null
      if (cjk && (cjk.end - cjk.start) / parts.length >= FILTER_THRESHOLDS.loopWholeSegmentShare) {
        hide(ctx, seg, 'repetition-loop', `${quote(parts[cjk.start]!)} repeated ${cjk.repeats} times in a row: a Whisper decoding loop.`)
      }
      out.push(seg)
      continue
    }
    const loop = findRepetitionLoop(keys, bare, ends)
    if (!loop) {
      out.push(seg)
      continue
    }
    const phraseWords = words.slice(pos[loop.start]!, pos[loop.start + loop.phraseLength - 1]! + 1)
    const phrase = normalizeDisplay(joinWords(phraseWords))
    const what = loop.phraseLength === 1 ? 'word' : 'phrase'
    const reason = `The ${what} ${quote(phrase)} repeated ${loop.repeats} times in a row: a Whisper decoding loop.`
    if ((loop.end - loop.start) / keys.length >= FILTER_THRESHOLDS.loopWholeSegmentShare) {
      hide(ctx, seg, 'repetition-loop', reason)
      out.push(seg)
      continue
    }
    // Split: [speech + first occurrence] kept | [repeats] hidden | [speech after the loop] kept.
    const loopFrom = pos[loop.start + loop.phraseLength]!
    const loopTo = loop.end < keys.length ? pos[loop.end]! : words.length
    const head = words.slice(0, loopFrom)
    const repeats = words.slice(loopFrom, loopTo)
    const rest = words.slice(loopTo)
    const loopEnd = rest.length > 0 ? repeats.at(-1)!.end : Math.max(seg.end, repeats.at(-1)!.end)
    out.push({ ...seg, end: head.at(-1)!.end, text: joinWords(head), words: head })
    const loopSeg: Segment = {
      id: ctx.ids.next(`${seg.id}.loop`),
      start: repeats[0]!.start,
      end: Math.max(repeats[0]!.start, loopEnd),
      speaker: seg.speaker,
      text: joinWords(repeats),
      words: repeats,
      filtered: null,
    }
    hide(ctx, loopSeg, 'repetition-loop', reason)
    out.push(loopSeg)
    if (rest.length > 0) {
      out.push({
        id: ctx.ids.next(`${seg.id}.after`),
        start: rest[0]!.start,
        end: Math.max(rest[0]!.start, seg.end),
        speaker: seg.speaker,
        text: joinWords(rest),
        words: rest,
        filtered: null,
      })
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// duplicate-segment
// ---------------------------------------------------------------------------------------------

function duplicateSegmentPass(segments: Segment[], ctx: Ctx): Segment[] {
  let i = 0
  while (i < segments.length) {
    const first = segments[i]!
    const key = matchKey(first.text)
    let j = i + 1
    while (
      key !== '' &&
      j < segments.length &&
      matchKey(segments[j]!.text) === key &&
      // Hallucinated repeats often have no speaker at all: a null speaker continues anyone's run.
      (segments[j]!.speaker === first.speaker || segments[j]!.speaker === null || first.speaker === null)
    ) {
      j++
    }
    const run = j - i
    const short = wordCount(key) < FILTER_THRESHOLDS.duplicateShortWords
    const minRun = short ? FILTER_THRESHOLDS.duplicateShortMinRun : FILTER_THRESHOLDS.duplicateMinRun
    if (key !== '' && run >= minRun) {
      for (let x = i + FILTER_THRESHOLDS.duplicateKeep; x < j; x++) {
        const seg = segments[x]!
        if (seg.filtered) continue
        hide(
          ctx,
          seg,
          'duplicate-segment',
          `The same text (${quote(first.text)}) ${run} times in a row; the first ` +
            `${FILTER_THRESHOLDS.duplicateKeep} are kept: Whisper repeats segments on silence.`,
        )
      }
    }
    i = Math.max(j, i + 1)
  }
  return segments
}

// ---------------------------------------------------------------------------------------------
// speech-rate
// ---------------------------------------------------------------------------------------------

function speechRatePass(segments: Segment[], ctx: Ctx): Segment[] {
  const th = FILTER_THRESHOLDS
  for (const seg of segments) {
    if (seg.filtered) continue
    const duration = seg.end - seg.start
    const chars = (seg.text.match(/[\p{L}\p{N}]/gu) ?? []).length
    const nWords = wordCount(matchKey(seg.text))
    if (duration >= th.charsPerSecondMinDuration && chars / duration > th.maxCharsPerSecond) {
      hide(
        ctx,
        seg,
        'speech-rate',
        `${chars} letters in ${secs(duration)} (${Math.round(chars / duration)} per second; nobody speaks faster ` +
          `than ${th.maxCharsPerSecond}): the text does not fit its time, Whisper likely invented it.`,
      )
    } else if (nWords > th.burstMaxWords && duration < th.burstMaxDuration) {
      hide(
        ctx,
        seg,
        'speech-rate',
        `${nWords} words in ${secs(duration)} (more than ${th.burstMaxWords} in under ${th.burstMaxDuration} s is ` +
          'impossible): the text does not fit its time, Whisper likely invented it.',
      )
    }
  }
  return segments
}

// ---------------------------------------------------------------------------------------------
// suspect-phrase
// ---------------------------------------------------------------------------------------------

function suspectPhrasePass(segments: Segment[], duration: number, ctx: Ctx): Segment[] {
  const th = FILTER_THRESHOLDS
  if (ctx.speech) {
    // With a speech map the audio decides: a stock phrase over (almost) no speech is hidden, over speech kept.
    for (const seg of segments) {
      if (seg.filtered !== null || !SUSPECT_PHRASES.has(matchKey(seg.text))) continue
      const share = shareOf(ctx, seg.start, seg.end)!
      if (share >= th.suspectMaxShare) continue
      hide(ctx, seg, 'suspect-phrase', `${quote(seg.text)} is a phrase Whisper often invents on silence, and almost no speech is under it.`)
    }
    return segments
  }
  // Without diarization "no speaker" means nothing (every segment lacks one): no evidence, no decision.
  if (!segments.some((s) => s.speaker !== null)) return segments
  const isSuspect = (s: Segment) => s.filtered === null && SUSPECT_PHRASES.has(matchKey(s.text))
  const suspects = segments.filter((s) => isSuspect(s) && s.speaker === null)
  // "Real speech": everything not hidden, except the speakerless suspects being judged.
  const real = segments.filter((s) => s.filtered === null && !suspects.includes(s))
  const lastRealEnd = real.reduce((m, s) => Math.max(m, s.end), 0)
  const fileEnd = Math.max(duration, ...segments.map((s) => s.end))

  for (const seg of suspects) {
    const before = real.filter((r) => r.start < seg.start)
    const after = real.filter((r) => r.start >= seg.start)
    const gapBefore = seg.start - before.reduce((m, r) => Math.max(m, r.end), 0)
    const gapAfter = after.reduce((m, r) => Math.min(m, r.start), fileEnd) - seg.end
    const scored = seg.words.filter((w) => !w.estimated && w.score !== null)
    const meanScore = scored.length > 0 ? scored.reduce((m, w) => m + w.score!, 0) / scored.length : null

    const evidence: string[] = []
    if (seg.start >= lastRealEnd) evidence.push('it comes after the last speech in the recording')
    else if (gapBefore >= th.isolationSeconds && gapAfter >= th.isolationSeconds) {
      evidence.push(`it stands alone with ${secs(gapBefore)} of silence before and ${secs(gapAfter)} after`)
    }
    if (meanScore !== null && meanScore < th.lowAlignmentScore) {
      evidence.push(`its words barely match the audio (alignment score ${meanScore.toFixed(2)})`)
    }
    if (evidence.length === 0) continue
    hide(
      ctx,
      seg,
      'suspect-phrase',
      `${quote(seg.text)} is a phrase Whisper often invents on silence, and here no speaker was detected under it ` +
        `and ${evidence.join(' and ')}.`,
      ['no speaker was detected under it', ...evidence],
    )
  }
  return segments
}

// ---------------------------------------------------------------------------------------------
// no-speech-audio
// ---------------------------------------------------------------------------------------------

function meanScore(seg: Segment): number | null {
  const scored = seg.words.filter((w) => !w.estimated && w.score !== null)
  return scored.length > 0 ? scored.reduce((m, w) => m + w.score!, 0) / scored.length : null
}

/**
 * Any line with (almost) no speech under it, whatever its words: Whisper writes text over silence, noise and
 * music. Kept only when two other signals say a voice is there (a diarized speaker and well-aligned words).
 */
function noSpeechAudioPass(segments: Segment[], ctx: Ctx): Segment[] {
  if (!ctx.speech) return segments
  const th = FILTER_THRESHOLDS
  for (const seg of segments) {
    if (seg.filtered) continue
    const share = shareOf(ctx, seg.start, seg.end)!
    if (share >= th.noSpeechShare) continue
    const score = meanScore(seg)
    if (seg.speaker !== null && score !== null && score >= th.keepIfAlignedScore) continue
    const what = ctx.speech.method === 'ffmpeg-level' ? 'The audio under this line is silent' : 'The voice detector heard no speech under this line'
    hide(ctx, seg, 'no-speech-audio', `${what}: Whisper writes text over silence, noise and music.`, [
      ...(seg.speaker === null ? ['no speaker was detected under it'] : []),
      ...(score !== null && score < th.keepIfAlignedScore ? [`its words barely match the audio (alignment score ${score.toFixed(2)})`] : []),
    ])
  }
  return segments
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/**
 * Runs the filter rules (`FILTER_RULES`, in that order) over a transcript.
 * @returns a new transcript (the input is not modified) whose judged segments carry `filtered: {rule, reason}`.
 *   Nothing is deleted. Segments that already have a decision (e.g. the user's) are left as they are.
 *   Two rules add segments: `repetition-loop` splits off the repeats as `<id>.loop` (hidden) and any speech
 *   after them as `<id>.after`; `media-artifact` splits a credit glued to the end of speech off as `<id>.credit`.
 *   Running the filter again on its own output changes nothing.
 */
export function filterHallucinations(t: Transcript, opts: FilterOptions = {}): Transcript {
  const enabled = new Set<FilterRuleId>(opts.rules ?? FILTER_RULES.map((r) => r.id))
  const out: Transcript = structuredClone(t)
  const ctx: Ctx = { speech: opts.speech ?? null, ids: new IdPool(out.segments.map((s) => s.id)) }
  let segs = out.segments
  if (enabled.has('media-artifact')) segs = mediaArtifactPass(segs, ctx)
  if (enabled.has('no-speech-text')) segs = noSpeechTextPass(segs, ctx)
  if (enabled.has('repetition-loop')) segs = repetitionLoopPass(segs, ctx)
  if (enabled.has('duplicate-segment')) segs = duplicateSegmentPass(segs, ctx)
  if (enabled.has('speech-rate')) segs = speechRatePass(segs, ctx)
  if (enabled.has('suspect-phrase')) segs = suspectPhrasePass(segs, out.duration, ctx)
  if (enabled.has('no-speech-audio')) segs = noSpeechAudioPass(segs, ctx)
  out.segments = segs
  return out
}

/**
 * Counts hidden segments.
 * @returns `removed`: segments with a filter decision (any rule, including the user's `manual`);
 *   `byRule`: the same count per rule id.
 */
export function summarizeFilter(t: Transcript): { removed: number; byRule: Record<string, number> } {
  const byRule: Record<string, number> = {}
  let removed = 0
  for (const seg of t.segments) {
    if (!seg.filtered) continue
    removed++
    byRule[seg.filtered.rule] = (byRule[seg.filtered.rule] ?? 0) + 1
  }
  return { removed, byRule }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Hands out segment ids not yet used in the transcript (`s3.loop`, then `s3.loop2`, …). */
class IdPool {
  private readonly used: Set<string>
  constructor(ids: Iterable<string>) {
    this.used = new Set(ids)
  }
  next(base: string): string {
    let id = base
    for (let n = 2; this.used.has(id); n++) id = `${base}${n}`
    this.used.add(id)
    return id
  }
}

/** A segment's words; for a segment without words, its text spread evenly over its time (estimated). */
function wordsOf(seg: Segment): Word[] {
  if (seg.words.length > 0) return seg.words
  return estimateWords(seg.text.split(/\s+/).filter((x) => x !== ''), seg.start, seg.end)
}

function joinWords(words: readonly Word[]): string {
  return words.map((w) => w.text).join(' ')
}

/** A phrase for a message: trimmed, punctuation stripped at the ends, original case kept. */
function normalizeDisplay(text: string): string {
  return text.trim().replace(/^[\p{P}\s]+|[\p{P}\s]+$/gu, '')
}

/** `"text"` for a message, cut at 80 characters. */
function quote(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ')
  return `"${t.length > 80 ? `${t.slice(0, 79)}…` : t}"`
}

function secs(x: number): string {
  return `${Math.round(x * 10) / 10} s`
}
