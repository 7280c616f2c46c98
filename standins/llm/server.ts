/**
 * A local OpenAI-compatible chat API for tests and `npm run demo`: `POST /v1/chat/completions` (streamed as
 * server-sent events, or whole) and `GET /v1/models`, answering the way OpenAI's API does
 * (https://platform.openai.com/docs/api-reference/chat/create, .../chat-streaming): chunks of
 * `chat.completion.chunk`, a last chunk with `usage` and empty `choices` when `stream_options.include_usage` is set,
 * then `data: [DONE]`; errors as `{error: {message, type, param, code}}` with OpenAI's codes (401
 * `invalid_api_key`, 404 `model_not_found`, 429 `rate_limit_exceeded`, 400 `context_length_exceeded`).
 *
 * It also checks what a note request carries: a transcript whose every line is `[mm:ss] Name: text` with a speaker
 * named in the `Speakers:` line (never a raw diarization label such as SPEAKER_00), else 400. Every request is
 * kept in `requests` so tests can look for text that must not be sent (hidden segments).
 *
 * Its "notes" quote lines of the transcript it was sent (one verbatim, one with case and punctuation changed) and,
 * unless `inventQuote` is false, one quotation that is in no transcript, so the panel's check has something to catch.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'

export interface LlmStandInOptions {
  /** The key requests must carry as `Authorization: Bearer <key>`. */
  apiKey: string
  /**
   * Models served, with their context length in tokens. Default: one `scribe-emulated-llm` with 32,768.
   * `completionTokensOnly`: refuses `max_tokens` as OpenAI's reasoning models do (they take `max_completion_tokens`).
   */
  models?: { id: string; contextTokens: number; completionTokensOnly?: boolean }[]
  /** Add one invented quotation to each whole note (default true). */
  inventQuote?: boolean
  /** Wait between streamed chunks, ms (default 10). */
  chunkDelayMs?: number
}

/** What the stand-in read from one chat request. */
export interface RecordedRequest {
  model: string
  stream: boolean
  maxTokens: number | null
  /** Which of the two answer limits the request used. */
  limitParam: 'max_tokens' | 'max_completion_tokens' | null
  /** Estimated prompt tokens (4 characters a token). */
  promptTokens: number
  messages: { role: string; content: string }[]
  /** Names from the `Speakers:` line. */
  speakers: string[]
  /** Transcript lines: time (seconds), speaker name, text. */
  lines: { start: number; speaker: string; text: string }[]
  kind: 'note' | 'part' | 'combine' | 'other'
}

export type LlmFault = 'rate_limit' | 'quota' | 'drop' | 'server_error'

export interface LlmStandIn {
  /** Base URL for LLM_BASE_URL, ending in `/v1`. */
  url: string
  requests: RecordedRequest[]
  /** The next `count` chat requests fail this way (`drop`: the stream breaks halfway through the answer). */
  failNext(fault: LlmFault, count?: number): void
  /** Wait between streamed chunks, ms; raise it to have time to press Stop. */
  chunkDelayMs: number
  /** The invented quotation the notes carry (it is in no transcript). */
  readonly inventedQuote: string
  close(): Promise<void>
}

export const EMULATED_MODEL = 'scribe-emulated-llm'
const INVENTED = 'We were never once asked about our families in twenty years'

const RequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant', 'developer']), content: z.string() })).min(1),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().nullish(),
})

const LINE = /^\[(?:(\d{1,2}):)?(\d{2}):(\d{2})\] ([^:]+): (.*)$/
const tokens = (text: string) => Math.ceil(text.length / 4)
const stamp = (s: number) => {
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0')
  const ss = String(Math.floor(s) % 60).padStart(2, '0')
  return s >= 3600 ? `[${Math.floor(s / 3600)}:${mm}:${ss}]` : `[${mm}:${ss}]`
}

function openAiError(res: ServerResponse, status: number, message: string, code: string | null, type = 'invalid_request_error', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify({ error: { message, type, param: null, code } }))
}

/** Reads what a note request carries; null when the last user message has no transcript or notes to read. */
function readRequest(body: z.infer<typeof RequestSchema>): Omit<RecordedRequest, 'model' | 'stream' | 'maxTokens' | 'limitParam' | 'promptTokens' | 'messages'> {
  const user = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? ''
  const speakers = /^Speakers: (.*)$/m.exec(user)?.[1]?.split(', ').filter((s) => s !== 'none') ?? []
  const transcript = user.split('\nTranscript:\n')[1]
  const lines = (transcript ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = LINE.exec(l)
      if (!m) throw new Error(`transcript line is not "[mm:ss] Name: text": ${l.slice(0, 80)}`)
      return { start: Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]), speaker: m[4]!, text: m[5]! }
    })
  for (const l of lines) {
    if (/^SPEAKER_\d+$/.test(l.speaker)) throw new Error(`line at ${stamp(l.start)} names a diarization label (${l.speaker}), not the speaker's name`)
    if (!speakers.includes(l.speaker)) throw new Error(`speaker "${l.speaker}" at ${stamp(l.start)} is not in the Speakers line`)
  }
  const kind = transcript !== undefined ? (/^This is part \d+ of \d+/.test(user) ? 'part' : 'note') : user.includes('Notes on the parts:') ? 'combine' : 'other'
  return { speakers, lines, kind }
}

/** The stand-in's "notes": quotes from the lines it read (or the parts' quotes when combining). */
function answer(req: RecordedRequest, invent: boolean, user: string): string {
  const title = /^Instruction \((.*)\):$/m.exec(user)?.[1] ?? 'Notes'
  const out = req.kind === 'part' ? [] : [`## ${title} (emulated)`, '', 'Written by the local stand-in, not a language model: it quotes lines of the transcript it was sent.', '']
  if (req.kind === 'combine') {
    const quoted = [...new Set(user.split('\n').filter((l) => /^- .*".+" \[/.test(l) && !l.includes(INVENTED)))]
    out.push(...quoted)
  } else {
    const long = req.lines.filter((l) => l.text.split(' ').length >= 4)
    const picks = [long[0], long[Math.floor(long.length / 2)]].filter((l, i, a): l is NonNullable<typeof l> => l !== undefined && a.indexOf(l) === i)
    picks.forEach((l, i) => {
      // The second quote changes case and drops punctuation: the panel must still find it.
      const text = i === 1 ? l.text.toLowerCase().replace(/[.,!?;:]/g, '') : l.text
      out.push(`- ${l.speaker} said: "${text}" ${stamp(l.start)}`)
    })
    if (req.lines.length > 0) out.push(`- Lines read: ${req.lines.length}, from ${stamp(req.lines[0]!.start)} to ${stamp(req.lines.at(-1)!.start)}; speakers: ${req.speakers.join(', ')}.`)
  }
  if (invent && req.kind !== 'part') out.push(`- ${req.speakers[0] ?? 'Someone'} said: "${INVENTED}" ${stamp(req.lines[0]?.start ?? 0)}`)
  return out.join('\n') + '\n'
}

/** Starts the stand-in on a loopback port chosen by the OS. */
export async function startLlmStandIn(options: LlmStandInOptions): Promise<LlmStandIn> {
  const models = options.models ?? [{ id: EMULATED_MODEL, contextTokens: 32_768 }]
  const faults: LlmFault[] = []
  const requests: RecordedRequest[] = []
  let seq = 0
  const state = { chunkDelayMs: options.chunkDelayMs ?? 10 }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const shown = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      return openAiError(res, 401, `Incorrect API key provided: ${shown.slice(0, 3)}***${shown.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key')
    }
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: 'scribe-standin' })) }))
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') return openAiError(res, 404, `Unknown request to ${req.method} ${url.pathname}`, null)
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let json: unknown
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return openAiError(res, 400, 'We could not parse the JSON body of your request.', null)
    }
    const parsed = RequestSchema.safeParse(json)
    if (!parsed.success) return openAiError(res, 400, `Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, null)
    const body = parsed.data
    const model = models.find((m) => m.id === body.model)
    if (!model) return openAiError(res, 404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'model_not_found')
    let read: ReturnType<typeof readRequest>
    try {
      read = readRequest(body)
    } catch (err) {
      return openAiError(res, 400, `Stand-in check failed: ${(err as Error).message}`, 'invalid_transcript')
    }
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? null
    const promptTokens = body.messages.reduce((n, m) => n + tokens(m.content) + 4, 3)
    const limitParam = body.max_tokens != null ? 'max_tokens' : body.max_completion_tokens != null ? 'max_completion_tokens' : null
    const recorded: RecordedRequest = { model: body.model, stream: body.stream === true, maxTokens, limitParam, promptTokens, messages: body.messages, ...read }
    requests.push(recorded)
    if (model.completionTokensOnly && body.max_tokens != null) {
      return openAiError(res, 400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", 'unsupported_parameter')
    }
    if (promptTokens + (maxTokens ?? 0) > model.contextTokens) {
      return openAiError(
        res,
        400,
        `This model's maximum context length is ${model.contextTokens} tokens. However, you requested ${promptTokens + (maxTokens ?? 0)} tokens (${promptTokens} in the messages, ${maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`,
        'context_length_exceeded',
      )
    }
    const fault = faults.shift()
    if (fault === 'rate_limit') return openAiError(res, 429, `Rate limit reached for ${body.model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.`, 'rate_limit_exceeded', 'requests', { 'retry-after-ms': '30' })
    if (fault === 'quota') return openAiError(res, 429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota')
    if (fault === 'server_error') return openAiError(res, 500, 'The server had an error while processing your request. Sorry about that!', null, 'server_error')

    let text = answer(recorded, options.inventQuote ?? true, [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '')
    // An answer longer than max_tokens is cut there, with finish_reason "length", as OpenAI's API does.
    const cut = maxTokens !== null && tokens(text) > maxTokens
    if (cut) text = text.slice(0, maxTokens * 4)
    const finish = cut ? 'length' : 'stop'
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens(text), total_tokens: promptTokens + tokens(text) }
    const id = `chatcmpl-standin${++seq}`
    const created = Math.floor(Date.now() / 1000)
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ id, object: 'chat.completion', created, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }], usage }))
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`)
    const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })
    send(chunk({ role: 'assistant', content: '' }, null))
    const pieces = text.match(/[\s\S]{1,12}/g) ?? []
    for (let i = 0; i < pieces.length; i++) {
      if (res.destroyed) return
      if (fault === 'drop' && i === Math.floor(pieces.length / 2)) {
        res.socket?.destroy()
        return
      }
      send(chunk({ content: pieces[i] }, null))
      if (state.chunkDelayMs > 0) await new Promise((r) => setTimeout(r, state.chunkDelayMs))
    }
    send(chunk({}, finish))
    if (body.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })
    res.end('data: [DONE]\n\n')
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) openAiError(res, 500, String(err), null, 'server_error')
      else res.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault)
    },
    get chunkDelayMs() {
      return state.chunkDelayMs
    },
    set chunkDelayMs(ms: number) {
      state.chunkDelayMs = ms
    },
    inventedQuote: INVENTED,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** The LLM settings that point the panel at a running stand-in. */
export function llmStandInEnv(llm: LlmStandIn, apiKey: string): { LLM_BASE_URL: string; LLM_API_KEY: string; LLM_MODEL: string } {
  return { LLM_BASE_URL: llm.url, LLM_API_KEY: apiKey, LLM_MODEL: EMULATED_MODEL }
}
