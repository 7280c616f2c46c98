/**
 * The `LanguageModel` port over any OpenAI-compatible chat completions API, with OpenAI's official SDK (`openai`
 * on npm): OpenAI itself, a RunPod Serverless vLLM endpoint (`https://api.runpod.ai/v2/<endpoint>/openai/v1`),
 * Ollama (`http://localhost:11434/v1`) and llama.cpp's server. Answers are streamed (`stream: true`), each chunk is
 * validated, and upstream failures become `LlmError`s whose messages say what to do.
 *
 * API reference: https://platform.openai.com/docs/api-reference/chat/create (streaming chunks, `stream_options`,
 * error codes `invalid_api_key`, `model_not_found`, `rate_limit_exceeded`, `insufficient_quota`,
 * `context_length_exceeded`); the SDK's error classes and retries: https://github.com/openai/openai-node (README,
 * "Handling errors" and "Retries": 429, 408, 409, ≥ 500 and connection errors are retried twice by default).
 */
import OpenAI from 'openai'
import { z } from 'zod'
import { LlmError, type ChatRequest, type ChatResult, type LanguageModel } from '../../domain/notes.ts'

export interface OpenAiChatOptions {
  /** Base URL ending in `/v1` (LLM_BASE_URL). */
  baseUrl: string
  /** LLM_API_KEY; a local server may need none. */
  apiKey: string | undefined
  /** LLM_MODEL. */
  model: string
  /** LLM_CONTEXT_TOKENS, named in the context-overflow message. */
  contextTokens: number
  /** Retries of 429, 5xx and connection errors by the SDK (default 2). */
  maxRetries?: number
}

// What the panel reads of a streamed chunk; anything else in it is ignored.
const ChunkSchema = z.object({
  choices: z
    .array(z.object({ delta: z.object({ content: z.string().nullish() }).nullish(), finish_reason: z.string().nullish() }))
    .default([]),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).nullish(),
})

/** `LanguageModel` over an OpenAI-compatible API. */
export class OpenAiChatModel implements LanguageModel {
  readonly configured = true
  readonly missing: readonly string[] = []
  readonly model: string
  private readonly client: OpenAI
  private readonly options: OpenAiChatOptions
  /** Learned from the first refusal of `max_tokens`. */
  private completionTokensOnly = false

  constructor(options: OpenAiChatOptions) {
    this.options = options
    this.model = options.model
    // A local server (Ollama, llama.cpp) takes any key, but the SDK wants one.
    this.client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey || 'no-key', maxRetries: options.maxRetries ?? 2, timeout: 10 * 60_000 })
  }

  /**
   * Streams one completion; `usage` comes from the final chunk (`stream_options.include_usage`), null when the
   * server sent none.
   * @throws LlmError (`partial` = the text streamed before the failure).
   */
  async complete(request: ChatRequest): Promise<ChatResult> {
    let text = ''
    let usage: ChatResult['usage'] = null
    let finishReason: string | null = null
    try {
      const create = (limit: { max_tokens: number } | { max_completion_tokens: number }) =>
        this.client.chat.completions.create({ model: this.model, messages: request.messages, ...limit, stream: true, stream_options: { include_usage: true } }, { signal: request.signal })
      let stream: Awaited<ReturnType<typeof create>>
      try {
        // `max_tokens` is what vLLM, Ollama and llama.cpp read; OpenAI's reasoning models refuse it and take
        // `max_completion_tokens` (https://platform.openai.com/docs/api-reference/chat/create).
        stream = await create(this.completionTokensOnly ? { max_completion_tokens: request.maxTokens } : { max_tokens: request.maxTokens })
      } catch (err) {
        if (!(err instanceof OpenAI.BadRequestError && /max_completion_tokens/.test(upstreamMessage(err)))) throw err
        this.completionTokensOnly = true
        stream = await create({ max_completion_tokens: request.maxTokens })
      }
      for await (const raw of stream) {
        const chunk = ChunkSchema.safeParse(raw)
        if (!chunk.success) throw new LlmError('llm_bad_response', `The API at ${this.host} sent a chunk that is not an OpenAI chat completion chunk; is LLM_BASE_URL an OpenAI-compatible API?`, { partial: text })
        for (const choice of chunk.data.choices) {
          const delta = choice.delta?.content
          if (delta) {
            text += delta
            request.onText(delta)
          }
          if (choice.finish_reason) finishReason = choice.finish_reason
        }
        if (chunk.data.usage) usage = { promptTokens: chunk.data.usage.prompt_tokens, completionTokens: chunk.data.usage.completion_tokens }
      }
    } catch (err) {
      throw this.toLlmError(err, text, request.signal)
    }
    if (request.signal.aborted) throw new LlmError('stopped', 'Stopped; what the model wrote so far is kept.', { partial: text })
    if (finishReason === null) {
      throw new LlmError('llm_stream_dropped', `The answer from ${this.host} ended before the model finished; what it wrote so far is kept. Write the note again.`, { partial: text })
    }
    return { text, usage, finishReason }
  }

  private get host(): string {
    try {
      return new URL(this.options.baseUrl).host
    } catch {
      return this.options.baseUrl
    }
  }

  /** Translates an SDK or network failure into an LlmError that says what to do. */
  private toLlmError(err: unknown, partial: string, signal: AbortSignal): LlmError {
    if (err instanceof LlmError) return err
    if (signal.aborted || err instanceof OpenAI.APIUserAbortError) return new LlmError('stopped', 'Stopped; what the model wrote so far is kept.', { partial, cause: err })
    const upstream = err instanceof OpenAI.APIError ? upstreamMessage(err) : ''
    const code = err instanceof OpenAI.APIError && typeof err.code === 'string' ? err.code : ''
    const o = this.options
    if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) {
      return new LlmError(
        'llm_auth',
        `The API at ${this.host} refused the key (HTTP ${err.status}). Check LLM_API_KEY: an OpenAI key from https://platform.openai.com/api-keys, your RunPod API key for a RunPod endpoint; then restart the panel.`,
        { partial, cause: err },
      )
    }
    if (err instanceof OpenAI.NotFoundError) {
      if (code === 'model_not_found' || /model/i.test(upstream)) {
        return new LlmError(
          'llm_model_not_found',
          `The API at ${this.host} does not know the model "${o.model}". Set LLM_MODEL to a model it serves (${o.baseUrl}/models lists them; with Ollama run \`ollama pull ${o.model}\` first) and restart the panel.`,
          { partial, cause: err },
        )
      }
      return new LlmError('llm_unavailable', `Nothing answers at ${o.baseUrl}/chat/completions (HTTP 404). Check LLM_BASE_URL: it ends in /v1 (for RunPod: https://api.runpod.ai/v2/<endpoint>/openai/v1).`, { partial, cause: err })
    }
    if (err instanceof OpenAI.RateLimitError) {
      if (code === 'insufficient_quota') {
        return new LlmError('llm_rate_limited', `The account behind LLM_API_KEY has no credit left at ${this.host} (insufficient_quota). Add credit or use another key, then write the note again.`, { partial, cause: err })
      }
      return new LlmError('llm_rate_limited', `The API at ${this.host} is rate-limiting requests (HTTP 429, still after ${o.maxRetries ?? 2} retries). Wait a minute and write the note again, or raise your plan's limits.`, { partial, cause: err })
    }
    if (err instanceof OpenAI.BadRequestError || (err instanceof OpenAI.APIError && err.status === 413)) {
      if (code === 'context_length_exceeded' || /context|too many tokens|too long|maximum.*tokens|exceeds/i.test(upstream)) {
        return new LlmError(
          'llm_context_overflow',
          `The prompt did not fit the model's context (the API said: "${upstream.slice(0, 240)}"). LLM_CONTEXT_TOKENS is ${o.contextTokens}: set it to the model's context length or lower (for vLLM, its --max-model-len), restart, and write the note again.`,
          { partial, cause: err },
        )
      }
      return new LlmError('llm_bad_response', `The API at ${this.host} refused the request (HTTP ${err.status}): "${upstream.slice(0, 240)}". Check LLM_MODEL and LLM_BASE_URL.`, { partial, cause: err })
    }
    if (err instanceof OpenAI.APIConnectionError && partial === '') {
      return new LlmError('llm_unavailable', `Could not reach ${o.baseUrl}. Is the server running, and is LLM_BASE_URL right? (A RunPod endpoint may take a minute to start a worker; try again.)`, { partial, cause: err })
    }
    if (err instanceof OpenAI.APIError && typeof err.status === 'number' && err.status >= 500) {
      return new LlmError('llm_unavailable', `The API at ${this.host} failed (HTTP ${err.status}, still after retries). Try again in a minute.`, { partial, cause: err })
    }
    // The connection broke while the answer streamed (a socket reset, a proxy timeout).
    return new LlmError('llm_stream_dropped', `The connection to ${this.host} dropped while the model was writing; what it wrote so far is kept. Write the note again.`, { partial, cause: err })
  }
}

/** The API's own error message (OpenAI's `{error: {message}}`, vLLM's `{message}`), without our prefixes. */
function upstreamMessage(err: InstanceType<typeof OpenAI.APIError>): string {
  const body = err.error as { message?: unknown } | undefined
  return typeof body?.message === 'string' ? body.message : err.message
}
