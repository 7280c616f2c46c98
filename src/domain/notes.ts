/**
 * Notes: what an LLM wrote about a recording's transcript, with every quotation checked against it. The
 * `LanguageModel` port is implemented by `adapters/llm/` (any OpenAI-compatible chat API) and, when the LLM
 * settings are missing, by `notConfiguredModel`, an object that says which settings to set.
 */
import type { CheckedQuote } from './quotes.ts'

/** `writing` while the model answers; `stopped` when the user pressed Stop; `failed` with `error`. */
export type NoteStatus = 'writing' | 'done' | 'failed' | 'stopped'

/** Token counts of every request a note took (parts and the combining step added up). */
export interface NoteUsage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  /** Chat requests made: 1, or one per part plus the combining steps for a long transcript. */
  requests: number
  /** True when the API reported no counts for some request and the panel estimated them. */
  estimated: boolean
}

/** Why a note failed: a stable code and a sentence that says what to do. */
export interface NoteError {
  /** `truncated`: the note is done, but the model hit its answer limit and may have stopped early. */
  code: LlmFailure | 'interrupted' | 'truncated'
  message: string
}

export interface Note {
  id: string
  recordingId: string
  /** Template id (file name without `.md`), or `custom` for the user's own prompt. */
  template: string
  /** The template's title, or "Own prompt". */
  title: string
  /** The user's own prompt; null for a template. */
  prompt: string | null
  /** The model that wrote it, as configured (LLM_MODEL). */
  model: string
  createdAt: string
  finishedAt: string | null
  /** Wall time from the request to the last token, ms; null while writing. */
  durationMs: number | null
  status: NoteStatus
  /** What the model wrote (Markdown-ish text; shown as text, never as HTML). Kept in part when a note fails. */
  text: string
  quotes: CheckedQuote[]
  usage: NoteUsage | null
  error: NoteError | null
  /** The transcript version (revision) the note was written from. */
  transcriptVersion: number
  /** Parts the transcript was split into to fit LLM_CONTEXT_TOKENS (1 = it fitted whole). */
  parts: number
  /** Written by the local stand-in of `npm run demo`, not by a real model. */
  emulated: boolean
}

/** One chat message (OpenAI's chat completions roles). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface ChatRequest {
  messages: ChatMessage[]
  /** Most tokens the answer may have (`max_tokens`); prompt + this stays within the context. */
  maxTokens: number
  signal: AbortSignal
  /** Called with each piece of text as the model streams it. */
  onText(delta: string): void
}

export interface ChatResult {
  text: string
  /** As reported by the API; null when it reported none. */
  usage: { promptTokens: number; completionTokens: number } | null
  /** `stop`, `length` (cut at maxTokens), … as the API reports it; null when it gave none. */
  finishReason: string | null
}

/** A chat model that streams its answer. */
export interface LanguageModel {
  /** False for the not-configured model: then `missing` names the settings to set. */
  readonly configured: boolean
  readonly missing: readonly string[]
  /** Model id sent with each request (LLM_MODEL). */
  readonly model: string
  /**
   * Streams one chat completion.
   * @throws LlmError with the text received so far in `partial`.
   */
  complete(request: ChatRequest): Promise<ChatResult>
}

/** What went wrong talking to the model. */
export type LlmFailure =
  | 'not_configured'
  | 'llm_auth'
  | 'llm_model_not_found'
  | 'llm_rate_limited'
  | 'llm_context_overflow'
  | 'llm_stream_dropped'
  | 'llm_unavailable'
  | 'llm_bad_response'
  | 'stopped'

/** A failure of the model or its API, with a message that says what to do and the text streamed before it. */
export class LlmError extends Error {
  readonly code: LlmFailure
  /** Text the model had streamed before the failure. */
  readonly partial: string

  constructor(code: LlmFailure, message: string, options: { partial?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'LlmError'
    this.code = code
    this.partial = options.partial ?? ''
  }
}

/** The model used while LLM_BASE_URL / LLM_API_KEY / LLM_MODEL are missing: every request says what to set. */
export function notConfiguredModel(missing: readonly string[]): LanguageModel {
  return {
    configured: false,
    missing,
    model: '',
    complete: () => Promise.reject(new LlmError('not_configured', notConfiguredMessage(missing))),
  }
}

/** What the Notes tab and the API say while the LLM settings are missing. */
export function notConfiguredMessage(missing: readonly string[]): string {
  return `Notes need a chat model: set ${missing.join(' and ')} in .env (see the README's "Notes" section: OpenAI, a RunPod vLLM endpoint or Ollama) and restart the panel.`
}

/** The fields of a note that change while and after it is written (absent = unchanged). */
export type NotePatch = Partial<Pick<Note, 'status' | 'text' | 'quotes' | 'usage' | 'error' | 'finishedAt' | 'durationMs' | 'parts'>>

/** A library search hit in a note. */
export interface NoteHit {
  recordingId: string
  noteId: string
  title: string
  /** The note's text around the match; `match` parts are the words that matched. */
  snippet: { text: string; match: boolean }[]
}

/** Persistence of notes (SQLite beside the recordings; a recording's notes go with it). Durable when a call returns. */
export interface NoteStore {
  createNote(note: Note): void
  getNote(id: string): Note | null
  /** A recording's notes, newest first. */
  listNotes(recordingId: string): Note[]
  /** Notes still marked `writing` (after a restart: interrupted). */
  listWriting(): Note[]
  updateNote(id: string, patch: NotePatch): void
  deleteNote(id: string): void
  /** Full-text search over notes' text; every word must occur (prefix match). */
  searchNotes(q: string, limit?: number): NoteHit[]
}
