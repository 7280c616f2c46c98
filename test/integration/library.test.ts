/**
 * Library and batches over HTTP: search by name and transcript text (Cyrillic and Latin), cost and
 * time per job with totals, and many files at once with bounded job concurrency where one failure
 * does not stop the others.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const INTERVIEW = readFileSync(path.join(FIXTURES, 'interview.m4a'))
const RU = readFileSync(path.join(FIXTURES, 'ru-dialogue.m4a'))
const TONE = readFileSync(path.join(FIXTURES, 'tone.wav'))

interface Item {
  id: string
  filename: string
  status: string
  language: string | null
  speakers: string[]
  pendingSubmit: boolean
  job: null | { id: string }
  error: null | { code: string; message: string }
  cost: { queueSeconds: number; gpuSeconds: number; estimatedUsd: number }
  matches?: { segmentId: string; start: number; snippet: { text: string; match: boolean }[] }[]
}
interface Library {
  recordings: Item[]
  totals: { count: number; duration: number; gpuSeconds: number; estimatedUsd: number }
}

async function put(stack: Stack, name: string, body: Buffer): Promise<Item> {
  const res = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: new Blob([new Uint8Array(body)]) })
  expect(res.status).toBe(201)
  return (await res.json()) as Item
}
const transcribe = (stack: Stack, id: string, body: unknown = {}) =>
  fetch(`${stack.url}/api/recordings/${id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const library = async (stack: Stack, q = '') => (await (await fetch(`${stack.url}/api/recordings${q ? `?q=${encodeURIComponent(q)}` : ''}`)).json()) as Library

describe('library', () => {
  let stack: Stack
  let en: Item
  let ru: Item
  beforeAll(async () => {
    stack = await startStack({ env: { GPU_PRICE_PER_SECOND: '0.001' } })
    en = await put(stack, 'Weekly call.m4a', INTERVIEW)
    ru = await put(stack, 'Разговор.m4a', RU)
    for (const r of [en, ru]) {
      await waitForRecording(stack.url, r.id, (x) => x.status === 'uploaded')
      expect((await transcribe(stack, r.id, { language: r === ru ? 'ru' : 'en' })).status).toBe(202)
    }
    for (const r of [en, ru]) await waitForRecording(stack.url, r.id, (x) => x.status === 'done')
  })
  afterAll(async () => stack?.close())

  it('lists status, duration, language, speakers and cost, with totals', async () => {
    const lib = await library(stack)
    const e = lib.recordings.find((r) => r.id === en.id)!
    expect(e).toMatchObject({ status: 'done', language: 'en', speakers: ['Speaker 1', 'Speaker 2'] })
    expect(e.cost.gpuSeconds).toBeGreaterThan(0.3)
    expect(e.cost.queueSeconds).toBeGreaterThan(0.2)
    expect(e.cost.estimatedUsd).toBeCloseTo(e.cost.gpuSeconds * 0.001, 5)
    expect(lib.totals.count).toBe(2)
    expect(lib.totals.gpuSeconds).toBeCloseTo(lib.recordings.reduce((n, r) => n + r.cost.gpuSeconds, 0), 5)
    expect(lib.totals.duration).toBeCloseTo(40.456 + 14.343, 0)
  })

  it('searches transcript text in Cyrillic and Latin, with marked snippets and the segment to open', async () => {
    const ruHits = await library(stack, 'РАСШИФРОВКА')
    expect(ruHits.recordings.map((r) => r.id)).toEqual([ru.id])
    const m = ruHits.recordings[0]!.matches![0]!
    expect(m.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['Расшифровка'])
    expect(m.start).toBeGreaterThan(8)
    const enHits = await library(stack, 'monkeys')
    expect(enHits.recordings.map((r) => r.id)).toEqual([en.id])
    expect(enHits.recordings[0]!.matches![0]!.snippet.map((p) => p.text).join('')).toBe('They have been carried away by monkeys')
    // Hidden hallucinations are not searchable.
    expect((await library(stack, 'Продолжение следует')).recordings).toEqual([])
    // File names, case-insensitive in Cyrillic too.
    expect((await library(stack, 'разговор')).recordings.map((r) => r.id)).toEqual([ru.id])
  })

  it('keeps search in step with edits', async () => {
    const t = (await (await fetch(`${stack.url}/api/recordings/${en.id}/transcript`)).json()) as { segments: { id: string; text: string }[] }
    const seg = t.segments.find((s) => s.text.includes('monkeys'))!
    await fetch(`${stack.url}/api/recordings/${en.id}/transcript`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops: [{ op: 'editText', segmentId: seg.id, text: 'They have been carried away by baboons' }] }),
    })
    expect((await library(stack, 'monkeys')).recordings).toEqual([])
    expect((await library(stack, 'baboons')).recordings.map((r) => r.id)).toEqual([en.id])
  })
})

describe('batches', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ env: { JOB_CONCURRENCY: '2', UPLOAD_CONCURRENCY: '2' }, emulator: { queueDelayMs: 200, executionMs: 600 } })
  })
  afterAll(async () => stack?.close())

  it('runs many files with at most JOB_CONCURRENCY jobs on RunPod, and one failure does not stop the others', async () => {
    const files = await Promise.all(Array.from({ length: 6 }, (_, i) => put(stack, `batch-${i}.wav`, TONE)))
    // Ask for all transcriptions at once, even while uploads still run.
    stack.emulator.faults.nextJob({ outcome: 'fail-string', message: 'one bad file' })
    for (const f of files) expect((await transcribe(stack, f.id)).status).toBe(202)
    const final = await Promise.all(files.map((f) => waitForRecording(stack.url, f.id, (r) => r.status === 'done' || r.status === 'failed', 40_000)))
    expect(final.filter((r) => r.status === 'failed')).toHaveLength(1)
    expect(final.filter((r) => r.status === 'done')).toHaveLength(5)
    // Never more than 2 jobs in flight on the emulator.
    const events = [...stack.emulator.jobs.values()].flatMap((j) => [
      { at: j.submittedAt, d: 1 },
      { at: j.finishedAt ?? Infinity, d: -1 },
    ])
    events.sort((a, b) => a.at - b.at || a.d - b.d)
    let running = 0
    let peak = 0
    for (const e of events) peak = Math.max(peak, (running += e.d))
    expect(stack.emulator.jobs.size).toBe(6)
    expect(peak).toBeLessThanOrEqual(2)
  })
})
