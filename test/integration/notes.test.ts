/**
 * Notes over HTTP against the local OpenAI-compatible stand-in: a note streamed over /api/events, its quotes checked
 * (an invented one caught), the prompt carrying the speakers' current names and no hidden segment, found by the
 * library search, in the md and docx exports with ?notes=1; a long transcript split by turns within
 * LLM_CONTEXT_TOKENS and combined; rate limit, dropped stream, context overflow, Stop and a restart mid-note, each
 * keeping what was written; and the panel without LLM settings saying what to set.
 */
import JSZip from 'jszip'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Note } from '../../src/domain/notes.ts'
import { EMULATED_MODEL, type LlmStandIn } from '../../standins/llm/server.ts'
import { transcribedRecording } from '../support/review-page.ts'
import { callRecording, startStack, type Stack } from '../support/stack.ts'
import { testSegment, testTranscript } from '../../src/domain/test-transcripts.ts'

type NoteView = Omit<Note, 'recordingId'>

function client(stack: Stack, id: string) {
  const call = (method: string, p: string, body?: unknown) => callRecording(stack.url, id, method, p, body)
  const waitNote = async (noteId: string, until: (n: NoteView) => boolean = (n) => n.status !== 'writing', timeoutMs = 20_000): Promise<NoteView> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const notes = (await call('GET', '/notes')).body as NoteView[]
      const n = notes.find((x) => x.id === noteId)
      if (n && until(n)) return n
      if (Date.now() > deadline) throw new Error(`note ${noteId} timed out: ${JSON.stringify(n)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return { call, waitNote }
}

/** Collects the `note` and `note-text` events of /api/events. */
function listen(url: string) {
  const controller = new AbortController()
  const events: { event: string; data: { noteId?: string; delta?: string; note?: NoteView } }[] = []
  void (async () => {
    const res = await fetch(`${url}/api/events`, { signal: controller.signal })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event?.startsWith('note') && data) events.push({ event, data: JSON.parse(data) })
      }
    }
  })().catch(() => {})
  return { events, close: () => controller.abort() }
}

describe('notes with checked quotes, against the LLM stand-in', () => {
  let stack: Stack
  let llm: LlmStandIn
  let id: string
  let api: ReturnType<typeof client>
  const models = [{ id: EMULATED_MODEL, contextTokens: 32_768 }]

  beforeAll(async () => {
    stack = await startStack({ llm: { models, chunkDelayMs: 2 }, overrides: { noteSaveEveryMs: 50 } })
    llm = stack.llm!
    id = await transcribedRecording(stack)
    api = client(stack, id)
  })
  afterAll(() => stack?.close())

  it('lists the templates shipped as files', async () => {
    const status = (await (await fetch(`${stack.url}/api/notes`)).json()) as { configured: boolean; model: string; templates: { id: string; title: string }[] }
    expect(status).toMatchObject({ configured: true, model: EMULATED_MODEL })
    expect(status.templates.map((t) => t.id)).toEqual(['summary', 'key-points', 'themes', 'questions-answers', 'diary'])
    expect(status.templates[1]!.title).toBe('Key points with quotes')
  })

  it('writes a note: streamed, quotes verified and linked, an invented quote caught, names current, hidden segments left out', async () => {
    const t = (await api.call('GET', '/transcript')).body as { segments: { id: string; text: string; filtered: unknown }[]; version: number }
    const hidden = t.segments.find((s) => s.text.includes('carried away by monkeys'))!
    const edit = await api.call('PATCH', '/transcript', {
      ops: [
        { op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'Dana Whitfield' },
        { op: 'filterSegment', segmentId: hidden.id },
      ],
    })
    expect(edit.status).toBe(200)
    const sse = listen(stack.url)
    await new Promise((r) => setTimeout(r, 200))
    llm.chunkDelayMs = 15 // slow enough to arrive in several batches
    const created = await api.call('POST', '/notes', { template: 'key-points' })
    expect(created.status).toBe(202)
    const noteId = (created.body as NoteView).id
    const note = await api.waitNote(noteId)
    sse.close()
    llm.chunkDelayMs = 2

    expect(note).toMatchObject({ status: 'done', template: 'key-points', title: 'Key points with quotes', model: EMULATED_MODEL, parts: 1, error: null, emulated: false })
    expect(note.finishedAt).not.toBeNull()
    expect(note.durationMs).toBeGreaterThan(0)
    expect(note.usage).toMatchObject({ requests: 1, estimated: false })
    expect(note.usage!.promptTokens).toBeGreaterThan(100)
    expect(note.usage!.totalTokens).toBe(note.usage!.promptTokens + note.usage!.completionTokens)

    // Streamed: many text events whose deltas add up to the stored text, then the finished note.
    const deltas = sse.events.filter((e) => e.event === 'note-text' && e.data.noteId === noteId)
    expect(deltas.length).toBeGreaterThan(3)
    expect(deltas.map((e) => e.data.delta).join('').trim()).toBe(note.text)
    expect(sse.events.filter((e) => e.event === 'note').at(-1)!.data.note!.status).toBe('done')

    // The request: speakers by their current names, each line with its time, no hidden segment.
    const sent = llm.requests.at(-1)!
    expect(sent.speakers).toContain('Dana Whitfield')
    expect(sent.lines[0]).toMatchObject({ speaker: 'Dana Whitfield', start: 0 })
    expect(JSON.stringify(sent.messages)).not.toContain('carried away by monkeys')
    expect(sent.lines).toHaveLength(t.segments.filter((s) => s.filtered === null).length - 1)

    // Quotes: the verbatim one and the one with case and punctuation changed are found and linked; the invented one is not.
    const verified = note.quotes.filter((q) => q.verified)
    expect(verified.length).toBe(2)
    for (const q of verified) {
      const seg = t.segments.find((s) => s.id === q.segmentId)!
      expect(seg.text.toLowerCase().replace(/[.,!?]/g, '')).toContain(q.text.toLowerCase().replace(/[.,!?]/g, '').slice(0, 20))
      expect(q.start).toBeTypeOf('number')
    }
    const invented = note.quotes.filter((q) => !q.verified)
    expect(invented).toEqual([expect.objectContaining({ text: llm.inventedQuote, segmentId: null, start: null, verified: false })])
  })

  it('finds the recording by a word of its notes, and exports the notes in md and docx only when asked', async () => {
    const search = (await (await fetch(`${stack.url}/api/recordings?q=${encodeURIComponent('emulated stand-in')}`)).json()) as {
      recordings: { id: string; noteMatches: { title: string; snippet: { text: string; match: boolean }[] }[] }[]
    }
    const hit = search.recordings.find((r) => r.id === id)!
    expect(hit.noteMatches[0]!.title).toBe('Key points with quotes')
    expect(hit.noteMatches[0]!.snippet.some((p) => p.match)).toBe(true)

    const md = await (await fetch(`${stack.url}/api/recordings/${id}/export/md?notes=1`)).text()
    expect(md).toContain('## Notes')
    expect(md).toContain('### Key points with quotes')
    expect(md).toMatch(/- ✓ \\\[00:00:\d\d\\\] "/)
    expect(md).toContain(`✗ not found in the transcript: "${llm.inventedQuote}"`)
    expect(await (await fetch(`${stack.url}/api/recordings/${id}/export/md`)).text()).not.toContain('## Notes')

    const docx = await fetch(`${stack.url}/api/recordings/${id}/export/docx?notes=1`)
    const xml = await (await JSZip.loadAsync(await docx.arrayBuffer())).file('word/document.xml')!.async('string')
    expect(xml).toContain('Key points with quotes')
    expect(xml).toContain(llm.inventedQuote)
    expect(xml).toContain('not found in the transcript')
  })

  it('takes the user own prompt, and refuses an unknown template with the list', async () => {
    const bad = await api.call('POST', '/notes', { template: 'nope' })
    expect(bad.status).toBe(400)
    expect((bad.body as { error: { message: string } }).error.message).toContain('summary, key-points, themes')
    const own = await api.call('POST', '/notes', { prompt: 'List every animal mentioned.' })
    expect(own.status).toBe(202)
    const note = await api.waitNote((own.body as NoteView).id)
    expect(note).toMatchObject({ status: 'done', template: 'custom', title: 'Own prompt', prompt: 'List every animal mentioned.' })
    expect(llm.requests.at(-1)!.messages[1]!.content).toContain('Instruction (Own prompt):\nList every animal mentioned.')
  })

  it('a rate limit and a dropped stream fail with what to do, keeping what was written', async () => {
    llm.failNext('rate_limit', 3)
    const limited = await api.waitNote(((await api.call('POST', '/notes', { template: 'summary' })).body as NoteView).id)
    expect(limited).toMatchObject({ status: 'failed', error: { code: 'llm_rate_limited' } })
    expect(limited.error!.message).toContain('Wait a minute')

    llm.failNext('drop')
    const dropped = await api.waitNote(((await api.call('POST', '/notes', { template: 'summary' })).body as NoteView).id)
    expect(dropped).toMatchObject({ status: 'failed', error: { code: 'llm_stream_dropped' } })
    expect(dropped.text.length).toBeGreaterThan(20)
    expect(dropped.text).toContain('(emulated)')
    // The request that broke off is counted, estimated.
    expect(dropped.usage).toMatchObject({ requests: 1, estimated: true })
    expect(dropped.usage!.completionTokens).toBeGreaterThan(0)
  })

  it('a context overflow says to set LLM_CONTEXT_TOKENS', async () => {
    models[0]!.contextTokens = 600
    try {
      const n = await api.waitNote(((await api.call('POST', '/notes', { template: 'themes' })).body as NoteView).id)
      expect(n).toMatchObject({ status: 'failed', error: { code: 'llm_context_overflow' } })
      expect(n.error!.message).toContain('LLM_CONTEXT_TOKENS is 8000')
    } finally {
      models[0]!.contextTokens = 32_768
    }
  })

  it('Stop keeps what was written; delete removes the note', async () => {
    llm.chunkDelayMs = 60
    const noteId = ((await api.call('POST', '/notes', { template: 'summary' })).body as NoteView).id
    await api.waitNote(noteId, (n) => n.text.length > 10)
    expect((await api.call('POST', `/notes/${noteId}/stop`)).status).toBe(200)
    const stopped = await api.waitNote(noteId)
    llm.chunkDelayMs = 2
    expect(stopped).toMatchObject({ status: 'stopped', error: null })
    expect(stopped.text.length).toBeGreaterThan(10)
    expect((await api.call('DELETE', `/notes/${noteId}`)).status).toBe(200)
    expect(((await api.call('GET', '/notes')).body as NoteView[]).some((n) => n.id === noteId)).toBe(false)
    expect((await api.call('DELETE', `/notes/${noteId}`)).status).toBe(404)
  })

  it('a note cut off when the panel stops is kept with its text and marked as interrupted after the restart', async () => {
    llm.chunkDelayMs = 80
    const noteId = ((await api.call('POST', '/notes', { template: 'summary' })).body as NoteView).id
    await api.waitNote(noteId, (n) => n.text.length > 10)
    await stack.stopPanel()
    llm.chunkDelayMs = 2
    await stack.restartPanel()
    const n = await api.waitNote(noteId)
    expect(n).toMatchObject({ status: 'failed', error: { code: 'interrupted' } })
    expect(n.text.length).toBeGreaterThan(10)
  })
})

describe('a long transcript is split by turns within LLM_CONTEXT_TOKENS and combined', () => {
  let stack: Stack
  let llm: LlmStandIn
  beforeAll(async () => {
    stack = await startStack({ llm: { models: [{ id: EMULATED_MODEL, contextTokens: 2000 }], chunkDelayMs: 0 }, env: { LLM_CONTEXT_TOKENS: '2000' } })
    llm = stack.llm!
  })
  afterAll(() => stack?.close())

  it('notes each part, then combines them; every request fits and every line is sent once', async () => {
    const id = await transcribedRecording(stack)
    // A longer interview as a new transcript version: 60 lines, about 2,000 tokens, more than a 2,000-token
    // context leaves for the transcript beside the instructions and the answer.
    const sentences = [
      'The night shift on the ward had four nurses for thirty beds in those years',
      'Every handover took twenty minutes because the notes were still written on paper',
      'When the new rota came in we lost the overlap between the early and the late teams',
      'Patients noticed it first, long before the managers read any of our reports',
      'We asked for a second porter at night and were told the budget was already spent',
      'By the winter two of the senior nurses had moved to the hospital across the river',
    ]
    const segments = Array.from({ length: 60 }, (_, i) =>
      testSegment(`long-${i}`, i * 30, i * 30 + 25, Math.floor(i / 3) % 2 ? 'SPEAKER_01' : 'SPEAKER_00', `${sentences[i % sentences.length]}, as I said in answer number ${i + 1}.`),
    )
    stack.panel.store.saveTranscript(id, 'long-interview', testTranscript([['SPEAKER_00', 'Interviewer'], ['SPEAKER_01', 'Ward nurse']], segments, { duration: 1800 }))
    const api = client(stack, id)
    const created = await api.call('POST', '/notes', { template: 'key-points' })
    expect(created.status, JSON.stringify(created.body)).toBe(202)
    const note = await api.waitNote((created.body as NoteView).id)
    expect(note.status, JSON.stringify(note.error)).toBe('done')
    expect(note.parts).toBeGreaterThan(1)
    const parts = llm.requests.filter((r) => r.kind === 'part')
    const combines = llm.requests.filter((r) => r.kind === 'combine')
    expect(parts).toHaveLength(note.parts)
    expect(combines.length).toBeGreaterThanOrEqual(1)
    expect(note.usage!.requests).toBe(parts.length + combines.length)
    for (const r of llm.requests) expect(r.promptTokens + (r.maxTokens ?? 0)).toBeLessThanOrEqual(2000)
    // Every line once, in order, in whole turns (three lines each here): a part never starts mid-turn.
    expect(parts.flatMap((p) => p.lines.map((l) => l.start))).toEqual(segments.map((s) => s.start))
    for (const p of parts) expect(p.lines.length % 3).toBe(0)
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.lines[0]!.speaker).not.toBe(parts[i - 1]!.lines.at(-1)!.speaker)
    // The combined note keeps the parts' quotes, and they are still verified.
    expect(note.quotes.filter((q) => q.verified).length).toBeGreaterThanOrEqual(2)
    expect(note.quotes.filter((q) => !q.verified).map((q) => q.text)).toEqual([llm.inventedQuote])
  })
})

describe('notes without LLM settings', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(() => stack?.close())

  it('say what to set, and refuse to write', async () => {
    const status = (await (await fetch(`${stack.url}/api/notes`)).json()) as { configured: boolean; missing: string[]; message: string }
    expect(status.configured).toBe(false)
    expect(status.missing).toEqual(['LLM_API_KEY', 'LLM_MODEL'])
    expect(status.message).toContain('set LLM_API_KEY and LLM_MODEL in .env')
    const id = await transcribedRecording(stack)
    const res = await fetch(`${stack.url}/api/recordings/${id}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"template":"summary"}' })
    expect(res.status).toBe(503)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_configured')
  })
})
