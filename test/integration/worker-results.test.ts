/**
 * How the panel gets a worker's result when RunPod does not hand it over whole, and how it shows the worker's
 * progress and errors, against the TypeScript-emulated worker's fault switches: NaN in /status, a result over
 * RunPod's size limit (COMPLETED without output), segments left out by the worker, a job RunPod forgot, and
 * `CODE: sentence` errors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const INTERVIEW = readFileSync(path.join(FIXTURES, 'interview.m4a'))

type Rec = {
  id: string
  status: string
  error: null | { code: string; message: string }
  job: null | { id: string; status: string }
  jobProgress?: unknown
}
type Transcript = { segments: { start: number; text: string; words: { score: number | null }[] }[] }

describe('worker results, progress and errors', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterEach(() => {
    stack.emulator.faults.clear()
    stack.emulator.faults.setDelays({ executionMs: 500 })
  })
  afterAll(async () => stack?.close())

  async function transcribed(fault?: Parameters<Stack['emulator']['faults']['nextJob']>[0]): Promise<Rec> {
    const res = await fetch(`${stack.url}/api/recordings?filename=interview.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(INTERVIEW)]) })
    const rec = (await res.json()) as Rec
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    if (fault) stack.emulator.faults.nextJob(fault)
    const start = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"diarize": true}' })
    expect(start.status).toBe(202)
    return (await waitForRecording(stack.url, rec.id, (r) => ['done', 'failed', 'cancelled'].includes(r.status))) as Rec
  }

  const transcriptOf = async (id: string) => (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as Transcript
  const outputFiles = (id: string) => readdirSync(path.join(stack.dirs.output, id)).filter((f) => f.endsWith('.json')).sort()

  it('reads a /status body with NaN (as Python writes it) instead of retrying until the result expires', async () => {
    const r = await transcribed({ outcome: 'nan-output' })
    expect(r).toMatchObject({ status: 'done', error: null })
    const t = await transcriptOf(r.id)
    expect(t.segments.length).toBeGreaterThan(3)
    // NaN became "no value": scores are null, the first segment's start was recovered from its words.
    expect(t.segments.flatMap((s) => s.words).every((w) => w.score === null)).toBe(true)
    expect(t.segments[0]!.start).toBeGreaterThanOrEqual(0)
    // One /status answer was enough: no retries of an unreadable body.
    const polls = stack.emulator.requests.filter((q) => q.path.endsWith(`/status/${r.job!.id}`))
    expect(polls.at(-1)!.status).toBe(200)
  })

  it('reads the result file from the volume when a result over the size limit comes back COMPLETED without output', async () => {
    const r = await transcribed({ outcome: 'oversize-output' })
    expect(r).toMatchObject({ status: 'done', error: null })
    expect((await transcriptOf(r.id)).segments.map((s) => s.text)).toContain('Weasels have eaten our phone system')
    // The file as read from the volume is kept beside the exports; there was no RunPod output to keep.
    expect(outputFiles(r.id)).toContain(`result-${r.job!.id}.json`)
    expect(outputFiles(r.id).some((f) => f.startsWith('raw-'))).toBe(false)
  })

  it('reads the result file when the worker left the segments out (segments_omitted)', async () => {
    const r = await transcribed({ outcome: 'segments-omitted' })
    expect(r).toMatchObject({ status: 'done', error: null })
    expect((await transcriptOf(r.id)).segments.length).toBeGreaterThan(3)
    const raw = JSON.parse(readFileSync(path.join(stack.dirs.output, r.id, `raw-${r.job!.id}.json`), 'utf8')) as Record<string, unknown>
    expect(raw).toMatchObject({ segments_omitted: true })
    expect(existsSync(path.join(stack.dirs.output, r.id, `result-${r.job!.id}.json`))).toBe(true)
  })

  it('reads the result file of a job RunPod forgot while the panel was down', async () => {
    const res = await fetch(`${stack.url}/api/recordings?filename=interview.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(INTERVIEW)]) })
    const rec = (await res.json()) as Rec
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const submitted = (await waitForRecording(stack.url, rec.id, (r) => r.job !== null)) as Rec
    await stack.stopPanel()
    const jobId = submitted.job!.id
    for (let i = 0; i < 100 && stack.emulator.jobs.get(jobId)!.status !== 'COMPLETED'; i++) await new Promise((r) => setTimeout(r, 50))
    stack.emulator.faults.expireResult(jobId)
    await stack.restartPanel()
    const r = (await waitForRecording(stack.url, rec.id, (x) => ['done', 'failed'].includes(x.status))) as Rec
    expect(r).toMatchObject({ status: 'done', error: null })
    expect((await transcriptOf(rec.id)).segments.length).toBeGreaterThan(3)
  })

  it("shows a worker error's sentence as the failure reason", async () => {
    const sentence = '/runpod-volume/scribe-panel/x/audio.m4a is not there; is the network volume attached to this endpoint?'
    const r = await transcribed({ outcome: 'fail-string', message: `AUDIO_NOT_FOUND: ${sentence}` })
    expect(r).toMatchObject({ status: 'failed', error: { code: 'job_failed', message: `${sentence} (worker error AUDIO_NOT_FOUND)` } })
  })

  it('keeps the latest {stage, percent} of the worker in GET /api/recordings/:id', async () => {
    stack.emulator.faults.setDelays({ executionMs: 4000 }) // each update shows 1 s: several polls see it
    const res = await fetch(`${stack.url}/api/recordings?filename=interview.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(INTERVIEW)]) })
    const rec = (await res.json()) as Rec
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    // Delivered out of order (0, 50, 25, 75 %), as runpod-python's one thread per update can.
    stack.emulator.faults.nextJob({ outcome: 'progress', progressSteps: 4, progressOutOfOrder: true })
    await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const seen: number[] = []
    const deadline = Date.now() + 15_000
    for (;;) {
      const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
      const p = r.jobProgress as { stage: string; percent: number } | null
      if (p) {
        expect(p.stage).toBe('transcribing')
        if (seen.at(-1) !== p.percent) seen.push(p.percent)
      }
      if (r.status === 'done' || Date.now() > deadline) break
      await new Promise((res) => setTimeout(res, 100))
    }
    expect(seen.length).toBeGreaterThan(1)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen) // never backwards
    expect(seen).not.toContain(25) // the late 25 % arrived after 50 % and was not taken
  })
})
