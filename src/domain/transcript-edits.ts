/**
 * Edits a user makes while reviewing: speaker renames and merges, per-segment speaker fixes,
 * splits, text edits and filter overrides. `applyEdits` is pure and all-or-nothing: it either
 * returns a new transcript with every op applied in order, or throws and changes nothing.
 */
import { z } from 'zod'
import { AppError } from './errors.ts'
import { estimateWords, type Segment, type Transcript, type Word } from './transcript.ts'

// Control characters (C0, DEL, C1) would corrupt exports (docx XML rejects most of them).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

const speakerNameSchema = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'A speaker name cannot be empty.')
      .max(100, 'A speaker name can be at most 100 characters.')
      .refine((s) => !CONTROL_CHARS.test(s), 'A speaker name cannot contain control characters.'),
  )

const segmentId = z.string().min(1).max(100)
const speakerId = z.string().min(1).max(100)

/** One edit operation (the `ops` items of `PATCH /api/recordings/:id/transcript`). */
export const EditOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('renameSpeaker'), speaker: speakerId, name: speakerNameSchema }),
  // For a speaker diarization missed (two people under one label). The client picks the id.
  z.object({ op: z.literal('addSpeaker'), speaker: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), name: speakerNameSchema }),
  z.object({ op: z.literal('mergeSpeakers'), from: speakerId, into: speakerId }),
  z.object({ op: z.literal('setSegmentSpeaker'), segmentId, speaker: speakerId.nullable() }),
  z.object({ op: z.literal('splitSegment'), segmentId, atWord: z.number().int().min(1) }),
  z.object({
    op: z.literal('editText'),
    segmentId,
    text: z
      .string()
      .max(20_000)
      .refine((s) => !CONTROL_CHARS.test(s.replace(/[\n\t]/g, ' ')), 'Text cannot contain control characters.'),
  }),
  z.object({
    op: z.literal('replaceText'),
    find: z
      .string()
      .transform((s) => s.trim())
      .pipe(z.string().min(1, 'Type the text to find.').max(200).refine((s) => !CONTROL_CHARS.test(s), 'The text to find cannot contain control characters.')),
    replace: z
      .string()
      .max(200)
      .transform((s) => s.trim())
      .refine((s) => !CONTROL_CHARS.test(s), 'The replacement cannot contain control characters.'),
    /** Off (the default): "anna" also finds "Anna" and "ANNA". */
    matchCase: z.boolean().default(false),
    /** On (the default): "Ann" does not find the start of "Anna". */
    wholeWords: z.boolean().default(true),
  }),
  z.object({ op: z.literal('restoreSegment'), segmentId }),
  z.object({ op: z.literal('filterSegment'), segmentId }),
])
export type EditOp = z.infer<typeof EditOpSchema>

/**
 * Body of `PATCH /api/recordings/:id/transcript`. `version` (optional) is the version the edit was
 * made on; a different current version answers 409, so two tabs cannot silently overwrite each other.
 */
export const EditRequestSchema = z.object({ ops: z.array(EditOpSchema).min(1).max(1000), version: z.number().int().positive().optional() })

/**
 * Applies `ops` in order to a copy of `transcript`.
 * @returns the edited transcript (the input is not modified).
 * @throws AppError `bad_request` naming the op (1-based) that cannot apply, e.g. an unknown segment.
 */
export function applyEdits(transcript: Transcript, ops: readonly EditOp[]): Transcript {
  return applyEditsCounting(transcript, ops).transcript
}

/**
 * As `applyEdits`, and counts what `replaceText` ops replaced.
 * @returns the edited transcript and `replaced`, the number of places changed by `replaceText` ops (0 without them).
 */
export function applyEditsCounting(transcript: Transcript, ops: readonly EditOp[]): { transcript: Transcript; replaced: number } {
  const t: Transcript = structuredClone(transcript)
  let replaced = 0
  ops.forEach((op, i) => {
    try {
      replaced += applyOne(t, op)
    } catch (err) {
      if (err instanceof AppError) throw new AppError(err.code, `Edit ${i + 1} (${op.op}): ${err.message}`)
      throw err
    }
  })
  return { transcript: t, replaced }
}

/** Applies one op in place; returns how many places a `replaceText` changed (0 for other ops). */
function applyOne(t: Transcript, op: EditOp): number {
  switch (op.op) {
    case 'renameSpeaker': {
      const name = op.name.trim().replace(/\s+/g, ' ')
      if (!name) throw new AppError('bad_request', 'A speaker name cannot be empty.')
      findSpeaker(t, op.speaker).name = name
      return 0
    }
    case 'addSpeaker': {
      if (t.speakers.some((s) => s.id === op.speaker)) throw new AppError('bad_request', `There is already a speaker "${op.speaker}".`)
      t.speakers.push({ id: op.speaker, name: op.name.trim().replace(/\s+/g, ' ') })
      return 0
    }
    case 'mergeSpeakers': {
      if (op.from === op.into) throw new AppError('bad_request', 'Choose two different speakers to merge.')
      findSpeaker(t, op.from)
      findSpeaker(t, op.into)
      for (const seg of t.segments) if (seg.speaker === op.from) seg.speaker = op.into
      t.speakers = t.speakers.filter((s) => s.id !== op.from)
      return 0
    }
    case 'setSegmentSpeaker': {
      if (op.speaker !== null) findSpeaker(t, op.speaker)
      findSegment(t, op.segmentId).speaker = op.speaker
      return 0
    }
    case 'splitSegment': {
      const seg = findSegment(t, op.segmentId)
      if (op.atWord >= seg.words.length) {
        throw new AppError(
          'bad_request',
          `This segment has ${seg.words.length} words; split at a word between 1 and ${seg.words.length - 1}.`,
        )
      }
      const head = seg.words.slice(0, op.atWord)
      const tail = seg.words.slice(op.atWord)
      const second: Segment = {
        id: newSegmentId(t, seg.id),
        start: tail[0]!.start,
        end: seg.end,
        speaker: seg.speaker,
        text: joinWords(tail),
        words: tail,
        filtered: seg.filtered,
      }
      seg.words = head
      seg.text = joinWords(head)
      seg.end = head.at(-1)!.end
      t.segments.splice(t.segments.indexOf(seg) + 1, 0, second)
      return 0
    }
    case 'editText': {
      const seg = findSegment(t, op.segmentId)
      const text = op.text.replace(/\s+/g, ' ').trim()
      if (text === '') throw new AppError('bad_request', 'A segment cannot be empty; hide it instead.')
      seg.words = retimeWords(seg, text)
      seg.text = text
      return 0
    }
    case 'replaceText':
      return replaceText(t, op)
    case 'restoreSegment': {
      findSegment(t, op.segmentId).filtered = null
      return 0
    }
    case 'filterSegment': {
      findSegment(t, op.segmentId).filtered = { rule: 'manual', reason: 'Hidden by you during review.' }
      return 0
    }
  }
}

/** Letters, digits and the underscore: what "whole words" looks at on either side of a match. */
const WORD_CHAR = /[\p{L}\p{N}_]/u

/**
 * The pattern for find and replace: the typed text taken literally, any run of spaces in it matching any
 * whitespace, case folded unless `matchCase` (Unicode-aware, so Cyrillic folds too), and with `wholeWords` no
 * letter or digit right before or after the match (only on a side where the typed text itself starts or ends
 * with one, so "Dr." still matches before a space).
 */
export function findPattern(find: string, matchCase: boolean, wholeWords: boolean): RegExp {
  const body = find
    .split(/\s+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+')
  const before = wholeWords && WORD_CHAR.test(find[0]!) ? '(?<![\\p{L}\\p{N}_])' : ''
  const after = wholeWords && WORD_CHAR.test(find.at(-1)!) ? '(?![\\p{L}\\p{N}_])' : ''
  return new RegExp(before + body + after, matchCase ? 'gu' : 'giu')
}

/**
 * The replacement for one match. Without `matchCase`, a match that starts with a capital (a sentence start, a
 * name) gets a capital first letter in the replacement too, as a user replacing "gonna" with "going to" expects.
 */
function replacementFor(match: string, replace: string, matchCase: boolean): string {
  if (matchCase || !replace) return replace
  const first = match[0]!
  const isCapital = first !== first.toLowerCase() && first === first.toUpperCase()
  return isCapital ? replace[0]!.toUpperCase() + replace.slice(1) : replace
}

/**
 * Replaces every match in every segment's text (hidden segments too, so restoring one shows the fix). Word
 * timings stay: when the text keeps its number of words, each word keeps its times (a changed word loses its
 * alignment score, which was for the old text); otherwise unchanged words keep theirs (`retimeWords`).
 * @returns the number of places replaced.
 * @throws AppError `bad_request` when nothing matches, or when a segment would be left empty.
 */
function replaceText(t: Transcript, op: Extract<EditOp, { op: 'replaceText' }>): number {
  const re = findPattern(op.find, op.matchCase, op.wholeWords)
  let count = 0
  for (const seg of t.segments) {
    let here = 0
    const replaced = seg.text.replace(re, (m) => {
      here++
      return replacementFor(m, op.replace, op.matchCase)
    })
    if (here === 0) continue
    count += here
    const text = replaced.replace(/\s+/g, ' ').trim()
    if (text === '') throw new AppError('bad_request', `This would leave the segment at ${Math.floor(seg.start / 60)}:${String(Math.floor(seg.start % 60)).padStart(2, '0')} empty; hide that segment instead.`)
    const tokens = text.split(' ')
    const aligned = joinWords(seg.words) === seg.text.replace(/\s+/g, ' ').trim()
    seg.words =
      aligned && tokens.length === seg.words.length
        ? seg.words.map((w, i) => (w.text === tokens[i] ? w : { ...w, text: tokens[i]!, score: null }))
        : retimeWords(seg, text)
    seg.text = text
  }
  if (count === 0) {
    const how = [op.wholeWords ? 'whole words' : 'parts of words too', op.matchCase ? 'same case' : 'any case'].join(', ')
    throw new AppError('bad_request', `“${op.find}” is not in the transcript (${how}).`)
  }
  return count
}

function findSpeaker(t: Transcript, id: string) {
  const s = t.speakers.find((x) => x.id === id)
  if (!s) throw new AppError('bad_request', `There is no speaker "${id}" in this transcript.`)
  return s
}

function findSegment(t: Transcript, id: string): Segment {
  const s = t.segments.find((x) => x.id === id)
  if (!s) throw new AppError('bad_request', `There is no segment "${id}" in this transcript.`)
  return s
}

function newSegmentId(t: Transcript, base: string): string {
  const ids = new Set(t.segments.map((s) => s.id))
  for (let n = 2; ; n++) if (!ids.has(`${base}.${n}`)) return `${base}.${n}`
}

function joinWords(words: readonly Word[]): string {
  return words.map((w) => w.text).join(' ')
}

/**
 * Keeps the timings of words the edit did not change (longest common subsequence over tokens)
 * and gives inserted or changed words estimated times spread over the gap they fill.
 */
export function retimeWords(seg: Segment, newText: string): Word[] {
  const tokens = newText.split(' ')
  const old = seg.words
  if (old.length === 0) {
    return estimateWords(tokens, seg.start, seg.end)
  }
  const n = old.length
  const m = tokens.length
  // LCS table over exact token matches.
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = old[i]!.text === tokens[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!)
    }
  }
  const out: (Word | string)[] = []
  let i = 0
  let j = 0
  while (j < m) {
    if (i < n && old[i]!.text === tokens[j]) {
      out.push(old[i]!)
      i++
      j++
    } else if (i < n && dp[i + 1]![j]! >= dp[i]![j + 1]!) {
      i++
    } else {
      out.push(tokens[j]!)
      j++
    }
  }
  // Fill runs of new tokens between kept words (or the segment's bounds).
  const result: Word[] = []
  let k = 0
  while (k < out.length) {
    const item = out[k]!
    if (typeof item !== 'string') {
      result.push(item)
      k++
      continue
    }
    let e = k
    while (e < out.length && typeof out[e] === 'string') e++
    const prev = result.at(-1)
    const next = out[e] as Word | undefined
    const from = prev ? prev.end : seg.start
    const to = next ? next.start : seg.end
    result.push(...estimateWords(out.slice(k, e) as string[], from, Math.max(from, to)))
    k = e
  }
  return result
}

