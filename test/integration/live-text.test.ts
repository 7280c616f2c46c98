/**
 * Live text over the API, with the RunPod emulator: a microphone recording's pieces arrive as a browser sends
 * them (WebM/Opus, every ~2 s of audio, here at twice real time); the panel cuts windows at pauses, sends one window
 * job at a time, and the live text grows. The emulator answers each window with its length measured from the
 * audio it was sent, so the windows are checked to cover the recording without gaps or repeats from what the
 * worker actually received. After finish, the live text is a transcript version and the full transcript follows.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { coverageProblems, DEFAULT_WINDOW_RULES } from '../../src/domain/live-windows.ts'
import type { LiveTextView } from '../../src/domain/live-text.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

/** The interview as MediaRecorder would send it: one WebM/Opus stream, cut into `count` pieces of equal size. */
function webmPieces(seconds: number, count: number): Buffer[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'scribe-live-text-'))
  const file = path.join(dir, 'mic.webm')
  execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(FIXTURES, 'interview.m4a'), '-t', String(seconds), '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', '-live', '1', file])
  const bytes = readFileSync(file)
  const size = Math.ceil(bytes.length / count)
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * size, (i + 1) * size))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The window length the emulator names in a window job's answer (`[window:12.480s]`). */
function decodedLength(output: unknown): number | null {
  const segments = (output as { segments?: { text: string }[] } | undefined)?.segments ?? []
  const m = /\[window:([\d.]+)s\]/.exec(segments[0]?.text ?? '')
  return m ? Number(m[1]) : null
}

describe('live text', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ emulator: { queueDelayMs: 200, executionMs: 600 } })
  })
  afterAll(async () => stack?.close())

  const get = async (session: string) => (await (await fetch(`${stack.url}/api/live/${session}`)).json()) as LiveTextView
  /** `POST /api/live?<query>`: a new microphone session. */
  const startSession = (query: string) => fetch(`${stack.url}/api/live?${query}`, { method: 'POST' })
  const sendChunk = (session: string, seq: number, piece: Buffer) =>
    fetch(`${stack.url}/api/live/${session}/chunks/${seq}`, { method: 'PUT', body: new Blob([new Uint8Array(piece)]) })
  /** Starts a session for `filename` and sends `pieces` in order, `pauseMs` apart, without finishing it. */
  const recordPaced = async (filename: string, pieces: Buffer[], pauseMs: number) => {
    const { sessionId } = (await (await startSession(`filename=${filename}`)).json()) as { sessionId: string }
    for (const [i, piece] of pieces.entries()) {
      await sendChunk(sessionId, i, piece)
      await sleep(pauseMs)
    }
    return sessionId
  }

  it('windows the newest speech one job at a time, covering the recording without gaps or repeats, and keeps the live text as a version', async () => {
    const res = await startSession('filename=live.webm&liveText=on')
    expect(res.status).toBe(201)
    const { sessionId, live } = (await res.json()) as { sessionId: string; live: LiveTextView }
    expect(live.status).toMatchObject({ enabled: true, activity: 'listening', windowsSent: 0 })
    const pieces = webmPieces(40, 20)
    const started = Date.now()
    let firstText: number | null = null
    for (const [i, piece] of pieces.entries()) {
      expect((await sendChunk(sessionId, i, piece)).status).toBe(200)
      await sleep(1000) // 2 s of audio every second
      if (firstText === null && (await get(sessionId)).segments.length > 0) firstText = Date.now() - started
    }
    // The first words show while the recording is still going (the first window may be about 4 s).
    expect(firstText).not.toBeNull()
    const during = await get(sessionId)
    expect(during.status.windowsSent).toBeGreaterThanOrEqual(1)

    const fin = await fetch(`${stack.url}/api/live/${sessionId}/finish`, { method: 'POST' })
    expect(fin.status).toBe(201)
    const rec = (await fin.json()) as { id: string; duration: number }
    await stack.panel.live.settled()

    // Window jobs: never two in flight at once (the emulator's own times), each with the audio the panel meant.
    const jobs = [...stack.emulator.jobs.values()].filter((j) => String(j.input.audio).includes(`/live/${sessionId}/`)).sort((a, b) => a.submittedAt - b.submittedAt)
    expect(jobs.length).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < jobs.length; i++) expect(jobs[i]!.submittedAt).toBeGreaterThanOrEqual(jobs[i - 1]!.finishedAt!)
    for (const j of jobs) expect(j.input).toMatchObject({ diarize: false, align: false })
    // The language is fixed once detected.
    expect(jobs.slice(1).every((j) => j.input.language === 'en')).toBe(true)

    // Windows cover the recording without gaps or repeats, measured from the audio the worker decoded.
    const after = await get(sessionId)
    expect(after.status.activity).toBe('finished')
    expect(after.status.gpuSeconds).toBeGreaterThan(0)
    expect(after.status.costUsd).toBeGreaterThan(0)
    const windows = after.windows.filter((w) => w.state !== 'failed')
    expect(coverageProblems(windows, rec.duration, DEFAULT_WINDOW_RULES.overlapSeconds, 0.1)).toEqual([])
    for (const w of windows.filter((x) => x.jobId)) {
      const job = stack.emulator.jobs.get(w.jobId!)!
      expect(decodedLength(job.output), `window ${w.index}`).toBeCloseTo(w.end - w.start, 1)
    }
    expect(jobs.length).toBe(windows.filter((w) => w.jobId).length)
    // The live text has the interview's words, each once.
    const text = after.segments.map((s) => s.text).join(' ')
    for (const line of ['Weasels have eaten our phone system', 'They have been carried away by monkeys', 'Please try your call again later.']) {
      expect(text.split(line).length - 1, line).toBe(1)
    }

    // The live text is a transcript version; the full transcript (speakers, word times) follows by itself.
    const done = await waitForRecording(stack.url, rec.id, (r) => r.status === 'done', 30_000)
    expect(done.status).toBe('done')
    const versions = (await (await fetch(`${stack.url}/api/recordings/${rec.id}/versions`)).json()) as { version: number; jobId: string; current: boolean }[]
    expect(versions.map((v) => [v.version, v.jobId.startsWith('live-'), v.current])).toEqual([
      [2, false, true],
      [1, true, false],
    ])
    const transcript = (await (await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`)).json()) as { speakers: unknown[] }
    expect(transcript.speakers.length).toBe(2)
  }, 120_000)

  it('picks up where it stopped after a panel restart: no gap, no repeat', async () => {
    const { sessionId } = (await (await startSession('filename=restart.webm')).json()) as { sessionId: string }
    const pieces = webmPieces(30, 15)
    // Like the page: a chunk whose request fails (a connection cut by the restart) is sent again.
    const send = async (i: number): Promise<Response> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await sendChunk(sessionId, i, pieces[i]!)
        } catch (err) {
          if (attempt >= 3) throw err
          await sleep(200)
        }
      }
    }
    for (let i = 0; i < 8; i++) {
      expect((await send(i)).status).toBe(200)
      await sleep(500)
    }
    // At least one window went out before the restart.
    let before = await get(sessionId)
    for (let i = 0; i < 100 && before.status.windowsSent < 1; i++) before = await sleep(200).then(() => get(sessionId))
    expect(before.status.windowsSent).toBeGreaterThanOrEqual(1)
    await stack.stopPanel()
    await stack.restartPanel()
    // The page's retries carry on where they were; the panel decodes the recording again from its chunks.
    for (let i = 8; i < pieces.length; i++) {
      expect((await send(i)).status).toBe(200)
      await sleep(500)
    }
    const fin = await fetch(`${stack.url}/api/live/${sessionId}/finish`, { method: 'POST' })
    const rec = (await fin.json()) as { id: string; duration: number }
    await stack.panel.live.settled()
    const after = await get(sessionId)
    expect(after.status.activity).toBe('finished')
    expect(after.windows.length).toBeGreaterThan(before.windows.length)
    expect(coverageProblems(after.windows.filter((w) => w.state !== 'failed'), rec.duration, DEFAULT_WINDOW_RULES.overlapSeconds, 0.1)).toEqual([])
    const text = after.segments.map((s) => s.text).join(' ')
    for (const line of ['Good morning, and thanks for joining us.', 'Weasels have eaten our phone system', 'All representatives of the household']) {
      expect(text.split(line).length - 1, line).toBe(1)
    }
  }, 120_000)

  it('keeps the live text of a tab closed mid-recording: the swept recording gets it as a version and is transcribed', async () => {
    const sessionId = await recordPaced('closed.webm', webmPieces(20, 10), 400)
    // The tab is gone: no finish. The idle sweep adopts the recording.
    expect(await stack.panel.live.sweepIdle(0)).toBeGreaterThanOrEqual(1)
    await stack.panel.live.settled()
    const after = await get(sessionId)
    expect(after.status.activity).toBe('finished')
    expect(after.segments.map((s) => s.text).join(' ')).toContain('Weasels have eaten our phone system')
    const list = (await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: { id: string; filename: string }[] }
    const rec = list.recordings.find((r) => r.filename === 'closed.webm')!
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'done', 30_000)
    const versions = (await (await fetch(`${stack.url}/api/recordings/${rec.id}/versions`)).json()) as { jobId: string }[]
    expect(versions.map((v) => v.jobId.startsWith('live-'))).toEqual([false, true])
  }, 120_000)

  it('a panel stopped while it stores the live text completes it after the restart', async () => {
    const sessionId = await recordPaced('interrupted.webm', webmPieces(16, 8), 300)
    const rec = (await (await fetch(`${stack.url}/api/live/${sessionId}/finish`, { method: 'POST' })).json()) as { id: string }
    // Stopped at once: the last windows are not sent, the session's folder stays.
    await stack.stopPanel()
    await stack.restartPanel()
    // The start's sweep finishes it: the live text becomes the recording's first version, the transcription follows.
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'done', 60_000)
    const versions = (await (await fetch(`${stack.url}/api/recordings/${rec.id}/versions`)).json()) as { jobId: string }[]
    expect(versions.map((v) => v.jobId.startsWith('live-'))).toEqual([false, true])
  }, 120_000)

  it('sends nothing when live text is off for a recording, and transcribes only on request', async () => {
    const res = await startSession('filename=quiet.webm&liveText=off')
    const { sessionId, live } = (await res.json()) as { sessionId: string; live: LiveTextView }
    expect(live.status).toMatchObject({ enabled: false, activity: 'off', reason: 'Live text is off for this recording.' })
    const pieces = webmPieces(12, 6)
    for (const [i, piece] of pieces.entries()) await sendChunk(sessionId, i, piece)
    const rec = (await (await fetch(`${stack.url}/api/live/${sessionId}/finish`, { method: 'POST' })).json()) as { id: string }
    await stack.panel.live.settled()
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    expect([...stack.emulator.jobs.values()].filter((j) => String(j.input.audio).includes(sessionId))).toEqual([])
    expect(await (await fetch(`${stack.url}/api/recordings/${rec.id}/versions`)).json()).toEqual([])
  }, 60_000)
})

describe('live text turned off (LIVE_TEXT=off)', () => {
  it('says so in /api/health and in every new session', async () => {
    const stack = await startStack({ env: { LIVE_TEXT: 'off' } })
    try {
      const health = (await (await fetch(`${stack.url}/api/health`)).json()) as { liveText: { available: boolean; reason: string } }
      expect(health.liveText).toEqual({ available: false, reason: 'Live text is turned off (LIVE_TEXT=off in .env).' })
      const { live } = (await (await fetch(`${stack.url}/api/live?filename=x.webm`, { method: 'POST' })).json()) as { live: LiveTextView }
      expect(live.status).toMatchObject({ enabled: false, reason: 'Live text is turned off (LIVE_TEXT=off).' })
    } finally {
      await stack.close()
    }
  })
})
