/**
 * NotesService with a scripted model (no HTTP): an answer cut at the answer limit is kept and marked, counts the
 * API did not report are estimated, and a panel without LLM settings refuses with what to set.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { SqliteStore } from '../adapters/store/sqlite-store.ts'
import { created } from '../domain/lifecycle.ts'
import { notConfiguredModel, type ChatRequest, type ChatResult, type LanguageModel, type Note } from '../domain/notes.ts'
import type { Transcript } from '../domain/transcript.ts'
import { silentLogger } from '../logger.ts'
import { EventBus } from './events.ts'
import { NotesService } from './notes.ts'

const TEMPLATES = path.resolve(import.meta.dirname, '..', '..', 'templates', 'notes')
const transcript: Transcript = {
  language: 'en',
  duration: 20,
  speakers: [{ id: 'SPEAKER_00', name: 'Anna' }],
  segments: [{ id: 's1', start: 3, end: 8, speaker: 'SPEAKER_00', text: 'We lost the overlap between shifts.', words: [], filtered: null }],
}

function setup(llm: LanguageModel) {
  const store = new SqliteStore(':memory:')
  store.createRecording(
    { id: 'r1', filename: 'a.m4a', extension: 'm4a', contentType: 'audio/mp4', size: 1, sha256: null, duration: 20, createdAt: new Date().toISOString(), upload: { sentBytes: 1, totalBytes: 1 }, objectKey: 'k' },
    created(),
  )
  store.saveTranscript('r1', 'job-1', transcript)
  const events = new EventBus()
  const notes = new NotesService({ store, notes: store.notes, llm, events, logger: silentLogger, templatesDir: TEMPLATES, contextTokens: 8000, emulated: false })
  const finished = (id: string) =>
    new Promise<Note>((resolve) => {
      const check = () => {
        const n = store.notes.getNote(id)!
        if (n.status !== 'writing') resolve(n)
        else setTimeout(check, 5)
      }
      check()
    })
  return { store, notes, finished }
}

/** A model that answers `text` with `finishReason` and reports no token counts. */
const scripted = (text: string, finishReason: string): LanguageModel => ({
  configured: true,
  missing: [],
  model: 'scripted',
  async complete(request: ChatRequest): Promise<ChatResult> {
    request.onText(text)
    return { text, usage: null, finishReason }
  },
})

describe('NotesService', () => {
  it('keeps a note cut at the answer limit and says so; estimates counts the API did not give', async () => {
    const { notes, finished } = setup(scripted('- Anna: "We lost the overlap between shifts" [00:03]\n- And then', 'length'))
    const n = await finished((await notes.create('r1', { template: 'key-points' })).id)
    expect(n).toMatchObject({ status: 'done', error: { code: 'truncated' }, model: 'scripted', template: 'key-points' })
    expect(n.error!.message).toContain('answer limit of 2000 tokens')
    expect(n.quotes).toEqual([expect.objectContaining({ verified: true, segmentId: 's1', start: 3 })])
    expect(n.usage).toMatchObject({ requests: 1, estimated: true })
    expect(n.usage!.promptTokens).toBeGreaterThan(100)
  })

  it('writes a whole note without a warning', async () => {
    const { notes, finished } = setup(scripted('A short summary.', 'stop'))
    expect(await finished((await notes.create('r1', { prompt: 'Summarise.' })).id)).toMatchObject({ status: 'done', error: null, template: 'custom' })
  })

  it('without LLM settings refuses with what to set, and stores nothing', async () => {
    const { notes, store } = setup(notConfiguredModel(['LLM_MODEL']))
    await expect(notes.create('r1', { template: 'summary' })).rejects.toMatchObject({ code: 'not_configured', message: expect.stringContaining('set LLM_MODEL in .env') })
    expect(store.notes.listNotes('r1')).toEqual([])
    expect((await notes.status()).message).toContain('LLM_MODEL')
  })
})
