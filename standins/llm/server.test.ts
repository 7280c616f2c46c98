/**
 * The LLM stand-in driven through the panel's adapter (OpenAI's SDK): streaming with usage, and each failure the
 * adapter must turn into a message that says what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenAiChatModel } from '../../src/adapters/llm/openai-chat.ts'
import { LlmError, type ChatMessage } from '../../src/domain/notes.ts'
import { EMULATED_MODEL, startLlmStandIn, type LlmStandIn } from './server.ts'

const KEY = 'sk-test-standin-key-0001'
const note: ChatMessage[] = [
  { role: 'system', content: 'You write notes.' },
  {
    role: 'user',
    content:
      'Instruction (Summary):\nSummarise.\n\nSpeakers: Anna Petrova, Speaker 2\n\nTranscript:\n' +
      '[00:01] Speaker 2: How long have you worked on the night shift?\n[00:04] Anna Petrova: Eleven years on the ward, give or take a month.\n[00:09] Speaker 2: And what changed when the new rota came in?',
  },
]

async function failure(p: Promise<unknown>): Promise<LlmError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(LlmError)
  return err as LlmError
}

describe('LLM stand-in through the OpenAI SDK adapter', () => {
  let llm: LlmStandIn
  const model = (over: Partial<ConstructorParameters<typeof OpenAiChatModel>[0]> = {}) =>
    new OpenAiChatModel({ baseUrl: llm.url, apiKey: KEY, model: EMULATED_MODEL, contextTokens: 8000, ...over })
  const run = (m: OpenAiChatModel, messages = note, maxTokens = 500, signal = new AbortController().signal) => {
    const deltas: string[] = []
    return { deltas, done: m.complete({ messages, maxTokens, signal, onText: (d) => deltas.push(d) }) }
  }

  beforeAll(async () => {
    llm = await startLlmStandIn({ apiKey: KEY, models: [{ id: EMULATED_MODEL, contextTokens: 4096 }], chunkDelayMs: 1 })
  })
  afterAll(() => llm?.close())

  it('streams a note that quotes the transcript, with token counts, and records what was sent', async () => {
    const { deltas, done } = run(model())
    const result = await done
    expect(deltas.length).toBeGreaterThan(5)
    expect(deltas.join('')).toBe(result.text)
    expect(result.text).toContain('"How long have you worked on the night shift?" [00:01]')
    expect(result.text).toContain('"eleven years on the ward give or take a month" [00:04]')
    expect(result.text).toContain(llm.inventedQuote)
    expect(result.finishReason).toBe('stop')
    expect(result.usage!.promptTokens).toBeGreaterThan(20)
    expect(result.usage!.completionTokens).toBeGreaterThan(10)
    const sent = llm.requests.at(-1)!
    expect(sent).toMatchObject({ stream: true, maxTokens: 500, kind: 'note', speakers: ['Anna Petrova', 'Speaker 2'] })
    expect(sent.lines.map((l) => l.start)).toEqual([1, 4, 9])
  })

  it('cuts an answer at max_tokens with finish_reason "length"', async () => {
    const result = await run(model(), note, 20).done
    expect(result.finishReason).toBe('length')
    expect(result.text).toHaveLength(80)
  })

  it('asks again with max_completion_tokens when a model refuses max_tokens (OpenAI reasoning models)', async () => {
    const strict = await startLlmStandIn({ apiKey: KEY, models: [{ id: 'o-strict', contextTokens: 8000, completionTokensOnly: true }], chunkDelayMs: 0 })
    try {
      const m = new OpenAiChatModel({ baseUrl: strict.url, apiKey: KEY, model: 'o-strict', contextTokens: 8000 })
      await expect(run(m).done).resolves.toMatchObject({ finishReason: 'stop' })
      await expect(run(m).done).resolves.toMatchObject({ finishReason: 'stop' })
      // Refused once; the second note goes straight to max_completion_tokens.
      expect(strict.requests.map((r) => r.limitParam)).toEqual(['max_tokens', 'max_completion_tokens', 'max_completion_tokens'])
      expect(strict.requests.map((r) => r.maxTokens)).toEqual([500, 500, 500])
    } finally {
      await strict.close()
    }
  })

  it('refuses a transcript that names diarization labels instead of speakers', async () => {
    const bad = [note[0]!, { role: 'user' as const, content: 'Instruction (Summary):\nx\n\nSpeakers: SPEAKER_00\n\nTranscript:\n[00:01] SPEAKER_00: hello there' }]
    const err = await failure(run(model(), bad).done)
    expect(err.code).toBe('llm_bad_response')
    expect(err.message).toContain('diarization label')
  })

  it('a wrong key says to check LLM_API_KEY', async () => {
    const err = await failure(run(model({ apiKey: 'sk-wrong' })).done)
    expect(err.code).toBe('llm_auth')
    expect(err.message).toContain('LLM_API_KEY')
  })

  it('an unknown model says to set LLM_MODEL', async () => {
    const err = await failure(run(model({ model: 'gpt-9-imaginary' })).done)
    expect(err.code).toBe('llm_model_not_found')
    expect(err.message).toMatch(/does not know the model "gpt-9-imaginary".*LLM_MODEL/)
  })

  it('a rate limit that outlasts the retries says to wait; the SDK retries it first', async () => {
    llm.failNext('rate_limit', 3)
    const before = llm.requests.length
    const err = await failure(run(model()).done)
    expect(err.code).toBe('llm_rate_limited')
    expect(err.message).toContain('Wait a minute')
    expect(llm.requests.length - before).toBe(3) // the first try and two retries
    llm.failNext('rate_limit', 1)
    await expect(run(model()).done).resolves.toMatchObject({ finishReason: 'stop' }) // one 429, then the retry works
  })

  it('an empty quota says so', async () => {
    llm.failNext('quota', 3)
    const err = await failure(run(model()).done)
    expect(err.message).toContain('no credit left')
  })

  it('a context overflow says to set LLM_CONTEXT_TOKENS', async () => {
    const err = await failure(run(model(), note, 4090).done)
    expect(err.code).toBe('llm_context_overflow')
    expect(err.message).toContain("maximum context length is 4096 tokens")
    expect(err.message).toContain('LLM_CONTEXT_TOKENS is 8000')
  })

  it('a dropped stream keeps what was written', async () => {
    llm.failNext('drop')
    const { deltas, done } = run(model())
    const err = await failure(done)
    expect(err.code).toBe('llm_stream_dropped')
    expect(err.partial.length).toBeGreaterThan(10)
    expect(err.partial).toBe(deltas.join(''))
  })

  it('Stop aborts the stream and keeps what was written', async () => {
    llm.chunkDelayMs = 20
    const controller = new AbortController()
    const { deltas, done } = run(model(), note, 500, controller.signal)
    while (deltas.length < 3) await new Promise((r) => setTimeout(r, 5))
    controller.abort()
    const err = await failure(done)
    llm.chunkDelayMs = 1
    expect(err.code).toBe('stopped')
    expect(err.partial).toBe(deltas.join(''))
  })

  it('an unreachable server says to check LLM_BASE_URL', async () => {
    const err = await failure(run(model({ baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 0 })).done)
    expect(err.code).toBe('llm_unavailable')
    expect(err.message).toContain('LLM_BASE_URL')
  })
})
