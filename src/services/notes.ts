/**
 * Notes from a transcript with an LLM: builds the prompt from the current transcript (speakers by their names,
 * kept segments with their times), splits a long one by speaker turns to fit LLM_CONTEXT_TOKENS and combines the
 * parts' notes, streams the text to open pages (`note-text` events) with Stop, checks every quotation against the
 * transcript, and stores the note with its model, template, time and token counts. A failed or stopped note keeps
 * what was written.
 */
import { randomUUID } from 'node:crypto'
import type { NotesStatus } from '../domain/api.ts'
import { AppError } from '../domain/errors.ts'
import {
  combineMessages,
  estimateMessagesTokens,
  estimateTokens,
  groupForCombine,
  noteMessages,
  promptLines,
  splitByTurns,
  tokenBudget,
  type NoteInstruction,
  type PromptLine,
} from '../domain/note-prompt.ts'
import { LlmError, notConfiguredMessage, type ChatMessage, type ChatResult, type LanguageModel, type Note, type NoteError, type NoteHit, type NoteStore, type NoteUsage } from '../domain/notes.ts'
import type { Logger } from '../domain/ports.ts'
import { checkQuotes } from '../domain/quotes.ts'
import { formatCitation } from '../domain/quotes.ts'
import { requireRecording, type RecordingStore } from '../domain/store.ts'
import { keptSegments, type Transcript } from '../domain/transcript.ts'
import type { EventBus } from './events.ts'
import { CUSTOM_TEMPLATE, loadTemplates, type NoteTemplate } from './note-templates.ts'

export interface NotesDeps {
  store: RecordingStore
  notes: NoteStore
  llm: LanguageModel
  events: EventBus
  logger: Logger
  templatesDir: string
  /** LLM_CONTEXT_TOKENS. */
  contextTokens: number
  /** Notes come from the local stand-in (`npm run demo`). */
  emulated: boolean
  /** How often streamed text is saved while a note is written, ms (default 1000). */
  saveEveryMs?: number
}

/** What `POST …/notes` takes: a template id, or the user's own prompt. */
export type NoteRequest = { template: string; prompt?: undefined } | { prompt: string; template?: undefined }

const INTERRUPTED: NoteError = {
  code: 'interrupted',
  message: 'The panel stopped while this note was being written; what was written is kept. Write the note again for a complete one.',
}

/** Longest own prompt, characters. */
export const MAX_PROMPT_CHARS = 4000

export class NotesService {
  private readonly deps: NotesDeps
  private readonly running = new Map<string, { recordingId: string; controller: AbortController }>()
  private closing = false

  constructor(deps: NotesDeps) {
    this.deps = deps
    // A recording deleted while a note is written: stop asking the model (its notes went with it).
    deps.events.subscribe((_, event) => {
      if (event.type !== 'deleted') return
      for (const run of this.running.values()) if (run.recordingId === event.id) run.controller.abort()
    })
  }

  /** Whether notes can be written, with the templates to offer. */
  async status(): Promise<NotesStatus> {
    const { llm } = this.deps
    return {
      configured: llm.configured,
      missing: llm.missing,
      message: llm.configured ? null : notConfiguredMessage(llm.missing),
      model: llm.model,
      contextTokens: this.deps.contextTokens,
      emulated: this.deps.emulated,
      templates: (await this.templates()).map(({ id, title }) => ({ id, title })),
    }
  }

  templates(): Promise<NoteTemplate[]> {
    return loadTemplates(this.deps.templatesDir, this.deps.logger)
  }

  /** A recording's notes, newest first. @throws AppError not_found */
  list(recordingId: string): Note[] {
    this.mustHaveRecording(recordingId)
    return this.deps.notes.listNotes(recordingId)
  }

  /**
   * Starts writing a note; the text streams to open pages and the note is stored as it grows.
   * @returns the note (status `writing`).
   * @throws AppError not_configured (LLM settings missing), not_found (no recording / no transcript yet),
   *   bad_request (unknown template, empty or too long prompt).
   */
  async create(recordingId: string, request: NoteRequest): Promise<Note> {
    this.mustHaveRecording(recordingId)
    const { llm } = this.deps
    if (!llm.configured) throw new AppError('not_configured', notConfiguredMessage(llm.missing))
    const stored = this.deps.store.getTranscript(recordingId)
    if (!stored) throw new AppError('not_found', 'This recording has no transcript yet. Transcribe it first; notes are written from the transcript.')
    const instruction = await this.instruction(request)
    const lines = promptLines(stored.transcript)
    if (lines.length === 0) throw new AppError('bad_request', 'Every segment of this transcript is hidden, so there is nothing to write notes about. Restore the segments that were spoken, then try again.')
    const note: Note = {
      id: randomUUID(),
      recordingId,
      template: request.prompt !== undefined ? CUSTOM_TEMPLATE : request.template,
      title: instruction.title,
      prompt: request.prompt !== undefined ? instruction.text : null,
      model: llm.model,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      durationMs: null,
      status: 'writing',
      text: '',
      quotes: [],
      usage: null,
      error: null,
      transcriptVersion: stored.version,
      parts: 1,
      emulated: this.deps.emulated,
    }
    this.deps.notes.createNote(note)
    this.publish(note.id)
    const controller = new AbortController()
    this.running.set(note.id, { recordingId, controller })
    void this.write(note, instruction, stored.transcript, lines, controller.signal)
      .catch((err: unknown) => this.deps.logger.error('writing a note failed unexpectedly', { id: note.id, error: err }))
      .finally(() => this.running.delete(note.id))
    return note
  }

  /** Stops a note being written; what was written is kept (status `stopped`). @throws AppError not_found */
  stop(recordingId: string, noteId: string): Note {
    const note = this.mustGetNote(recordingId, noteId)
    this.running.get(noteId)?.controller.abort()
    return note
  }

  /** Deletes a note (stopping it first when it is being written). @throws AppError not_found */
  delete(recordingId: string, noteId: string): void {
    this.mustGetNote(recordingId, noteId)
    this.running.get(noteId)?.controller.abort()
    this.deps.notes.deleteNote(noteId)
    this.deps.events.publish({ type: 'note-deleted', id: recordingId, noteId })
  }

  /** Library search in the notes' text (every word, as a prefix). */
  search(q: string): NoteHit[] {
    return this.deps.notes.searchNotes(q)
  }

  /** After a restart: notes that were being written are marked failed, keeping their text. */
  recoverInterrupted(): void {
    for (const n of this.deps.notes.listWriting()) {
      if (this.running.has(n.id)) continue
      this.deps.notes.updateNote(n.id, { status: 'failed', finishedAt: new Date().toISOString(), error: INTERRUPTED })
    }
  }

  /** Stops every note being written because the panel is closing: they are kept as interrupted. */
  stopAll(): void {
    this.closing = true
    for (const run of this.running.values()) run.controller.abort()
  }

  /** Notes being written right now. */
  get busy(): number {
    return this.running.size
  }

  private async instruction(request: NoteRequest): Promise<NoteInstruction> {
    if (request.prompt !== undefined) {
      const text = request.prompt.trim()
      if (!text) throw new AppError('bad_request', 'Write what the notes should contain, e.g. "List every decision mentioned, with who made it."')
      if (text.length > MAX_PROMPT_CHARS) throw new AppError('bad_request', `The prompt is ${text.length} characters; keep it under ${MAX_PROMPT_CHARS} (the transcript is added by the panel).`)
      return { title: 'Own prompt', text }
    }
    const templates = await this.templates()
    const t = templates.find((x) => x.id === request.template)
    if (!t) {
      throw new AppError('bad_request', `There is no note template "${request.template.slice(0, 80)}". Use one of: ${templates.map((x) => x.id).join(', ') || '(none: the templates folder is empty)'}, or send {"prompt": "…"}.`)
    }
    return { title: t.title, text: t.text }
  }

  /** Writes the note: one request, or one per part and the combining steps; stores the outcome. */
  private async write(note: Note, instruction: NoteInstruction, transcript: Transcript, lines: PromptLine[], signal: AbortSignal): Promise<void> {
    const started = Date.now()
    const budget = tokenBudget(this.deps.contextTokens)
    const room = budget.contextTokens - budget.answerTokens
    const usage: NoteUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, requests: 0, estimated: false }
    // What is kept if a step fails: the parts' notes written so far, and the step being written.
    let done = ''
    let current = ''
    let truncated = false
    const writer = new TextWriter(note, this.deps, () => (done && current ? `${done}\n\n${current}` : done || current))
    const call = async (messages: ChatMessage[], phase: string) => {
      current = ''
      writer.phase(phase)
      const count = (reported: ChatResult['usage'], text: string) => {
        usage.requests += 1
        const promptTokens = reported?.promptTokens ?? estimateMessagesTokens(messages)
        const completionTokens = reported?.completionTokens ?? estimateTokens(text)
        if (!reported) usage.estimated = true
        usage.promptTokens += promptTokens
        usage.completionTokens += completionTokens
        usage.totalTokens += promptTokens + completionTokens
      }
      try {
        const result = await this.deps.llm.complete({
          messages,
          maxTokens: budget.answerTokens,
          signal,
          onText: (delta) => {
            current += delta
            writer.text(delta)
          },
        })
        count(result.usage, result.text)
        if (result.finishReason === 'length') truncated = true
        return result.text.trim()
      } catch (err) {
        // A request that failed midway was still (partly) paid for: count it, estimated.
        if (current) count(null, current)
        throw err
      }
    }
    try {
      const fixed = estimateMessagesTokens(noteMessages(instruction, lines.slice(0, 1), 1, 2))
      const parts = splitByTurns(lines, room, fixed)
      if (parts.length > 1) this.deps.notes.updateNote(note.id, { parts: parts.length })
      let text: string
      if (parts.length === 1) {
        text = await call(noteMessages(instruction, lines), 'writing')
      } else {
        const partNotes: string[] = []
        for (const [i, part] of parts.entries()) {
          const n = await call(noteMessages(instruction, part, i + 1, parts.length), `part ${i + 1} of ${parts.length}`)
          partNotes.push(n)
          done += `${done ? '\n\n' : ''}### Part ${i + 1} of ${parts.length} (${formatCitation(part[0]!.start)}–${formatCitation(part.at(-1)!.start)})\n\n${n}`
          current = ''
        }
        text = await this.combine(instruction, partNotes, [...new Set(lines.map((l) => l.speaker))], room, call)
        done = ''
      }
      writer.finish()
      const error: NoteError | null = truncated
        ? {
            code: 'truncated',
            message: `The model reached the answer limit of ${budget.answerTokens} tokens (a quarter of LLM_CONTEXT_TOKENS, at most 2,000), so these notes may end early. Ask for shorter notes, or set LLM_CONTEXT_TOKENS to the model's real context if it is larger.`,
          }
        : null
      this.finish(note, { status: 'done', text, error }, transcript, usage, started)
    } catch (err) {
      writer.finish()
      const e = err instanceof LlmError ? err : new LlmError('llm_bad_response', 'Something unexpected went wrong while the note was written; see the panel log.', { cause: err })
      if (!(err instanceof LlmError)) this.deps.logger.error('note failed', { id: note.id, error: err })
      else this.deps.logger.warn('note failed', { id: note.id, code: e.code, error: e.message })
      const text = done && current ? `${done}\n\n${current}` : done || current
      if (this.closing) {
        this.finish(note, { status: 'failed', text, error: INTERRUPTED }, transcript, usage, started)
        return
      }
      const stopped = e.code === 'stopped'
      this.finish(note, { status: stopped ? 'stopped' : 'failed', text, error: stopped ? null : { code: e.code, message: e.message } }, transcript, usage, started)
    }
  }

  /** Combines part notes, in groups that fit the context, until one note is left. */
  private async combine(
    instruction: NoteInstruction,
    partNotes: string[],
    speakers: string[],
    room: number,
    call: (messages: ChatMessage[], phase: string) => Promise<string>,
  ): Promise<string> {
    const fixed = estimateMessagesTokens(combineMessages(instruction, [], speakers))
    let level = partNotes
    let round = 0
    while (level.length > 1) {
      round += 1
      let groups = groupForCombine(level, room, fixed)
      // Each note alone fills the context: combine them two by two (the API says so if even that is too long).
      if (groups.length === level.length) groups = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => level.slice(i * 2, i * 2 + 2))
      const next: string[] = []
      for (const [i, g] of groups.entries()) {
        next.push(g.length === 1 ? g[0]! : await call(combineMessages(instruction, g, speakers), groups.length === 1 ? 'combining' : `combining ${i + 1} of ${groups.length} (round ${round})`))
      }
      level = next
    }
    return level[0] ?? ''
  }

  private finish(note: Note, outcome: Pick<Note, 'status' | 'text' | 'error'>, transcript: Transcript, usage: NoteUsage, started: number): void {
    const quotes = checkQuotes(outcome.text, keptSegments(transcript))
    this.deps.notes.updateNote(note.id, {
      ...outcome,
      quotes,
      usage: usage.requests > 0 ? usage : null,
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
    })
    this.publish(note.id)
  }

  private publish(noteId: string): void {
    const note = this.deps.notes.getNote(noteId)
    if (note) this.deps.events.publish({ type: 'note', id: note.recordingId, note })
  }

  private mustHaveRecording(recordingId: string): void {
    requireRecording(this.deps.store, recordingId)
  }

  private mustGetNote(recordingId: string, noteId: string): Note {
    this.mustHaveRecording(recordingId)
    const note = this.deps.notes.getNote(noteId)
    if (!note || note.recordingId !== recordingId) throw new AppError('not_found', `This recording has no note "${noteId.slice(0, 80)}"; it may have been deleted. Reload the page.`)
    return note
  }
}

/**
 * Streams a note's text to open pages in batches (every 100 ms) and saves it every `saveEveryMs`, so a crash loses
 * at most a second of it.
 */
class TextWriter {
  private pending = ''
  private reset = false
  private currentPhase = 'writing'
  private flushTimer: NodeJS.Timeout | null = null
  private lastSave = 0
  private readonly note: Note
  private readonly deps: NotesDeps
  private readonly fullText: () => string

  constructor(note: Note, deps: NotesDeps, fullText: () => string) {
    this.note = note
    this.deps = deps
    this.fullText = fullText
  }

  /** A new step begins: the page starts its text afresh (the steps before are kept in the stored text). */
  phase(name: string): void {
    this.flush()
    this.currentPhase = name
    this.reset = true
    this.flush()
  }

  text(delta: string): void {
    this.pending += delta
    this.flushTimer ??= setTimeout(() => this.flush(), 100)
    if (Date.now() - this.lastSave >= (this.deps.saveEveryMs ?? 1000)) {
      this.lastSave = Date.now()
      this.deps.notes.updateNote(this.note.id, { text: this.fullText() })
    }
  }

  finish(): void {
    this.flush()
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (!this.pending && !this.reset) return
    this.deps.events.publish({ type: 'note-text', id: this.note.recordingId, noteId: this.note.id, delta: this.pending, reset: this.reset, phase: this.currentPhase })
    this.pending = ''
    this.reset = false
  }
}
