/**
 * Microphone recordings: chunks as a browser's MediaRecorder sends them (one WebM/Opus stream cut
 * into pieces), finished explicitly or swept up after the tab was closed.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

function webmChunks(count: number): Buffer[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'scribe-live-'))
  const file = path.join(dir, 'mic.webm')
  // What MediaRecorder produces: WebM with Opus, streamed (no duration in the header).
  execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(FIXTURES, 'interview.m4a'), '-t', '6', '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', '-live', '1', file])
  const bytes = readFileSync(file)
  const size = Math.ceil(bytes.length / count)
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * size, (i + 1) * size))
}

describe('microphone recordings', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(async () => stack?.close())

  const startSession = async (name: string) => {
    const res = await fetch(`${stack.url}/api/live?filename=${encodeURIComponent(name)}`, { method: 'POST' })
    expect(res.status).toBe(201)
    return ((await res.json()) as { sessionId: string }).sessionId
  }
  const send = (session: string, seq: number, chunk: Buffer) =>
    fetch(`${stack.url}/api/live/${session}/chunks/${seq}`, { method: 'PUT', body: new Blob([new Uint8Array(chunk)]) })

  it('joins the chunks into a recording that plays, uploads and transcribes like a dropped file', async () => {
    const session = await startSession('Встреча.webm')
    const chunks = webmChunks(5)
    for (const [i, c] of chunks.entries()) expect((await send(session, i, c)).status).toBe(200)
    // A retried chunk replaces itself instead of duplicating audio.
    expect(((await (await send(session, 2, chunks[2]!)).json()) as { received: number }).received).toBe(5)
    const res = await fetch(`${stack.url}/api/live/${session}/finish`, { method: 'POST' })
    expect(res.status).toBe(201)
    const rec = (await res.json()) as { id: string; filename: string; duration: number }
    expect(rec.filename).toBe('Встреча.webm')
    expect(rec.duration).toBeGreaterThan(5.5)
    expect(rec.duration).toBeLessThan(6.5)
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    expect((await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST' })).status).toBe(202)
    expect((await waitForRecording(stack.url, rec.id, (r) => r.status === 'done' || r.status === 'failed')).status).toBe('done')
    expect((await fetch(`${stack.url}/api/live/${session}/chunks/6`, { method: 'PUT', body: 'x' })).status).toBe(404)
  })

  it('keeps what was recorded when the tab is closed without finishing', async () => {
    const session = await startSession('closed-tab.webm')
    const chunks = webmChunks(6)
    for (const [i, c] of chunks.slice(0, 4).entries()) await send(session, i, c)
    const before = ((await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: unknown[] }).recordings.length
    expect(await stack.panel.live.sweepIdle(0)).toBe(1)
    const list = (await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: { filename: string; duration: number }[] }
    expect(list.recordings.length).toBe(before + 1)
    const kept = list.recordings.find((r) => r.filename === 'closed-tab.webm')!
    expect(kept.duration).toBeGreaterThan(2.5)
    // Once its (empty) live text is stored, nothing of the session is left, and a second sweep adopts nothing.
    await stack.panel.live.settled()
    expect(existsSync(path.join(stack.dirs.uploads, 'live', session))).toBe(false)
    expect(await stack.panel.live.sweepIdle(0)).toBe(0)
  })

  it('rejects unknown sessions, empty chunks and finishing with nothing recorded', async () => {
    expect((await send('00000000-0000-0000-0000-000000000000', 0, Buffer.from('x'))).status).toBe(404)
    expect((await send('../../etc', 0, Buffer.from('x'))).status).toBe(404)
    const session = await startSession('empty.webm')
    expect((await send(session, 0, Buffer.alloc(0))).status).toBe(400)
    const res = await fetch(`${stack.url}/api/live/${session}/finish`, { method: 'POST' })
    expect(res.status).toBe(400)
  })
})
