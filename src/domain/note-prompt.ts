/**
 * The prompt of a note: the rules for quoting, the template's instruction, the speakers by their current names and
 * the kept segments as timestamped lines (hidden segments are left out), split by speaker turns into parts that fit
 * the model's context, and the step that combines the parts' notes. Pure. Times are seconds; sizes are tokens.
 */
import { formatCitation } from './quotes.ts'
import type { ChatMessage } from './notes.ts'
import { keptSegments, speakerName, type Transcript } from './transcript.ts'

/** One transcript line of a prompt: `[mm:ss] Speaker name: text`. */
export interface PromptLine {
  segmentId: string
  /** Seconds. */
  start: number
  /** Speaker id (null when diarization gave none): turns are runs of the same id. */
  speakerId: string | null
  speaker: string
  text: string
}

/**
 * The kept segments (not hidden by the hallucination filter or by the user) as prompt lines, with the speakers'
 * current names. Empty segments are left out; whitespace inside a segment becomes one space.
 */
export function promptLines(t: Transcript): PromptLine[] {
  return keptSegments(t)
    .map((s) => ({ segmentId: s.id, start: s.start, speakerId: s.speaker, speaker: speakerName(t, s.speaker), text: s.text.replace(/\s+/g, ' ').trim() }))
    .filter((l) => l.text !== '')
}

/** `[mm:ss] Name: text` (`[h:mm:ss]` from one hour on). */
export function formatLine(l: PromptLine): string {
  return `${formatCitation(l.start)} ${l.speaker}: ${l.text}`
}

/**
 * Tokens a text will take, estimated high: one token per 3 bytes of UTF-8. Tokenizers differ by model (OpenAI's
 * o200k, Llama's, Qwen's); English runs about 4 characters a token and Cyrillic 2–3 (2 bytes each), so a byte count
 * over 3 errs on the safe side for both without shipping every model's tokenizer.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3)
}

/** Tokens each chat message adds beyond its text (role and separators), as OpenAI's cookbook counts them. */
const MESSAGE_OVERHEAD = 4

/** Estimated prompt tokens of a list of messages. */
export function estimateMessagesTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + estimateTokens(m.content) + MESSAGE_OVERHEAD, 3)
}

/** How the context is shared: most of it for the transcript, the rest for the answer. */
export interface TokenBudget {
  /** LLM_CONTEXT_TOKENS: the model's context (prompt + answer). */
  contextTokens: number
  /** `max_tokens` of each request. */
  answerTokens: number
}

/** A quarter of the context for the answer, at most 2,000 tokens and at least 256. */
export function tokenBudget(contextTokens: number): TokenBudget {
  return { contextTokens, answerTokens: Math.max(256, Math.min(2000, Math.floor(contextTokens / 4))) }
}

export const SYSTEM_PROMPT = [
  'You write notes about a recorded interview from its transcript. Each transcript line is "[mm:ss] Speaker: text": the time the line starts, who speaks and what they say.',
  'Rules:',
  '- Call the speakers by the names the transcript uses.',
  '- When you quote someone, copy their words exactly as the transcript has them, inside double quotation marks, and put the time of the line they come from right after it, like this: "the exact words" [12:34].',
  '- Never put words inside quotation marks that are not in the transcript. To say something in your own words, do not use quotation marks.',
  '- Cite times as [mm:ss] (or [h:mm:ss] after the first hour) exactly as they appear at the start of the lines.',
  '- Write in the language of the transcript unless the instruction asks for another one.',
].join('\n')

/** What a note asks: the instruction (a template's text or the user's own prompt) and its title. */
export interface NoteInstruction {
  title: string
  text: string
}

function speakerList(lines: readonly PromptLine[]): string {
  const names = [...new Set(lines.map((l) => l.speaker))]
  return names.length > 0 ? names.join(', ') : 'none'
}

/**
 * The messages for a note on `lines` (the whole transcript, or part `part` of `parts`).
 * @param part - 1-based; with `parts` > 1 the model is told this is one part of a longer interview.
 */
export function noteMessages(instruction: NoteInstruction, lines: readonly PromptLine[], part = 1, parts = 1): ChatMessage[] {
  const where =
    parts > 1 && lines.length > 0
      ? `This is part ${part} of ${parts} of a longer interview, from ${formatCitation(lines[0]!.start)} to ${formatCitation(lines.at(-1)!.start)}. Write the notes for this part only; they will be combined with the other parts' notes.\n\n`
      : ''
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    {
      role: 'user',
      content: `${where}Instruction (${instruction.title}):\n${instruction.text.trim()}\n\nSpeakers: ${speakerList(lines)}\n\nTranscript:\n${lines.map(formatLine).join('\n')}`,
    },
  ]
}

/** The messages that combine notes on consecutive parts into one note. */
export function combineMessages(instruction: NoteInstruction, partNotes: readonly string[], speakers: readonly string[]): ChatMessage[] {
  const notes = partNotes.map((n, i) => `--- Notes on part ${i + 1} of ${partNotes.length} ---\n${n.trim()}`).join('\n\n')
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    {
      role: 'user',
      content:
        `The interview was too long to read at once, so notes were written on consecutive parts. Combine them into one set of notes that follows the instruction. ` +
        `Keep every quotation exactly as it is, with its time; do not add quotations that are not in the notes.\n\n` +
        `Instruction (${instruction.title}):\n${instruction.text.trim()}\n\nSpeakers: ${speakers.join(', ') || 'none'}\n\nNotes on the parts:\n${notes}`,
    },
  ]
}

/** Speaker turns: runs of consecutive lines by the same speaker. */
export function turnsOf(lines: readonly PromptLine[]): PromptLine[][] {
  const turns: PromptLine[][] = []
  for (const l of lines) {
    const last = turns.at(-1)
    if (last && last[0]!.speakerId === l.speakerId) last.push(l)
    else turns.push([l])
  }
  return turns
}

/**
 * Splits the lines into parts of whole speaker turns whose prompt fits `promptTokens` (estimated); a turn longer
 * than that is cut between its lines. One part when everything fits.
 * @param fixedTokens - tokens of the prompt besides the lines (system prompt, instruction, speakers).
 */
export function splitByTurns(lines: readonly PromptLine[], promptTokens: number, fixedTokens: number): PromptLine[][] {
  const room = Math.max(1, promptTokens - fixedTokens)
  const cost = (l: PromptLine) => estimateTokens(formatLine(l)) + 1
  const parts: PromptLine[][] = []
  let current: PromptLine[] = []
  let used = 0
  const flush = () => {
    if (current.length > 0) parts.push(current)
    current = []
    used = 0
  }
  for (const turn of turnsOf(lines)) {
    const size = turn.reduce((n, l) => n + cost(l), 0)
    if (used + size <= room) {
      current.push(...turn)
      used += size
      continue
    }
    flush()
    if (size <= room) {
      current.push(...turn)
      used = size
      continue
    }
    for (const l of turn) {
      if (used + cost(l) > room) flush()
      current.push(l)
      used += cost(l)
    }
  }
  flush()
  return parts.length > 0 ? parts : [[]]
}

/**
 * Groups part notes for combining so that each group's prompt fits `promptTokens`; more than one group means the
 * groups' combined notes are combined again.
 */
export function groupForCombine(notes: readonly string[], promptTokens: number, fixedTokens: number): string[][] {
  const room = Math.max(1, promptTokens - fixedTokens)
  const groups: string[][] = []
  let current: string[] = []
  let used = 0
  for (const n of notes) {
    const size = estimateTokens(n) + 12
    if (current.length > 0 && used + size > room) {
      groups.push(current)
      current = []
      used = 0
    }
    current.push(n)
    used += size
  }
  if (current.length > 0) groups.push(current)
  return groups
}
