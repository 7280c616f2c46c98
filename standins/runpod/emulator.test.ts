import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRunpodEmulator, type RunpodEmulator, type RunpodEmulatorOptions } from './emulator.ts'
import { createTestS3Client, startS3Server, type S3TestServer } from '../s3/server.ts'
import { HALLUCINATED_TAILS, PLACEHOLDER_TEXT, type WhisperxOutput } from './whisperx-output.ts'
import { WorkerOutputSchema } from '../../src/domain/worker-contract.ts'

const run = promisify(execFile)
const API_KEY = 'rpa_EMULATORTEST'
const ENDPOINT = 'whisperx-ep-1'
const FAST = { queueDelayMs: 60, executionMs: 120 }

type Json = Record<string, unknown>

let dir: string
let s3: S3TestServer
let s3NoPresign: S3TestServer
let client: S3Client
let wavBytes: Buffer
let otherWavBytes: Buffer
const scriptedKey = 'scribe-panel/rec1/audio.wav'
const unscriptedKey = 'scribe-panel/rec2/audio.wav'
const notAudioKey = 'scribe-panel/rec3/audio.m4a'
const emulators: RunpodEmulator[] = []

async function emulator(extra: Partial<RunpodEmulatorOptions> = {}): Promise<RunpodEmulator> {
  const emu = await startRunpodEmulator({
    apiKey: API_KEY,
    endpointId: ENDPOINT,
    scriptsDir: dir,
    volume: {
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    },
    ...FAST,
    ...extra,
  })
  emulators.push(emu)
  return emu
}

async function call(
  emu: RunpodEmulator,
  method: string,
  op: string,
  body?: unknown,
  auth: string | null = `Bearer ${API_KEY}`,
) {
  const headers: Record<string, string> = {}
  if (auth !== null) headers.authorization = auth
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${emu.url}/${ENDPOINT}/${op}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: Json = {}
  try {
    json = JSON.parse(text) as Json
  } catch {
    // not JSON
  }
  return { status: res.status, json, text, headers: res.headers }
}

const whisperxInput = (audio: string, extra: Json = {}): Json => ({
  audio,
  language: 'en',
  diarize: true,
  align: true,
  batch_size: 16,
  model: 'large-v3',
  ...extra,
})

async function submit(emu: RunpodEmulator, input: Json, extra: Json = {}): Promise<string> {
  const r = await call(emu, 'POST', 'run', { input, ...extra })
  expect(r.status).toBe(200)
  expect(r.json.status).toBe('IN_QUEUE')
  return r.json.id as string
}

/** Polls /status until a final state (or 404); returns the last body and every status seen. */
async function follow(emu: RunpodEmulator, id: string, timeoutMs = 10_000) {
  const seen: string[] = []
  const bodies: Json[] = []
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const r = await call(emu, 'GET', `status/${id}`)
    if (r.status === 404) return { last: null, seen, bodies, httpStatus: 404 }
    bodies.push(r.json)
    const s = r.json.status as string
    if (seen.at(-1) !== s) seen.push(s)
    if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(s))
      return { last: r.json, seen, bodies, httpStatus: 200 }
    await sleep(15)
  }
  throw new Error(`job ${id} did not finish; seen ${seen.join(' → ')}`)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emu-test-'))
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', join(dir, 'tone.wav')])
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=660:duration=7', join(dir, 'other.wav')])
  wavBytes = await readFile(join(dir, 'tone.wav'))
  otherWavBytes = await readFile(join(dir, 'other.wav'))
  // Our own tiny script for tone.wav: what the "GPU" will hear.
  await writeFile(
    join(dir, 'tone.script.json'),
    JSON.stringify({
      audio: 'tone.wav',
      sha256: createHash('sha256').update(wavBytes).digest('hex'),
      duration: 3,
      language: 'en',
      utterances: [
        { speaker: 'SPEAKER_00', start: 0.1, end: 1.2, text: 'So, tell me how you started in 2016.' },
        { speaker: 'SPEAKER_01', start: 1.3, end: 1.6, text: 'Okay.' },
        { speaker: 'SPEAKER_01', start: 1.7, end: 2.4, text: 'I answered an ad.' },
      ],
    }),
  )
  await writeFile(join(dir, 'broken.script.json'), '{"not": "a script"}')
  s3 = await startS3Server({
    accessKeyId: 'user_emu',
    secretAccessKey: 'rps_emu',
    bucket: 'emuvolume1',
    presign: 'supported',
  })
  s3NoPresign = await startS3Server({
    accessKeyId: 'user_emu2',
    secretAccessKey: 'rps_emu2',
    bucket: 'emuvolume2',
    presign: 'unsupported',
  })
  client = createTestS3Client(s3)
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: scriptedKey, Body: wavBytes }))
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: unscriptedKey, Body: otherWavBytes }))
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: notAudioKey, Body: 'this is not audio at all' }))
})

afterAll(async () => {
  for (const e of emulators) await e.close()
  client?.destroy()
  await s3?.close()
  await s3NoPresign?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('auth and routing (RunPod docs: operation-reference, send-requests)', () => {
  let emu: RunpodEmulator
  beforeAll(async () => {
    emu = await emulator()
  })

  it('answers 401 without a key or with a wrong one; accepts Bearer and the raw key', async () => {
    expect((await call(emu, 'GET', 'health', undefined, null)).status).toBe(401)
    expect((await call(emu, 'GET', 'health', undefined, 'Bearer nope')).status).toBe(401)
    expect((await call(emu, 'POST', 'run', { input: {} }, 'Bearer nope')).status).toBe(401)
    expect((await call(emu, 'GET', 'health')).status).toBe(200)
    expect((await call(emu, 'GET', 'health', undefined, API_KEY)).status).toBe(200)
  })

  it('answers 404 for an unknown endpoint id and for unknown jobs', async () => {
    const r = await fetch(`${emu.url}/other-endpoint/health`, { headers: { authorization: `Bearer ${API_KEY}` } })
    expect(r.status).toBe(404)
    expect((await call(emu, 'GET', 'status/does-not-exist')).status).toBe(404)
    expect((await call(emu, 'POST', 'cancel/does-not-exist')).status).toBe(404)
  })

  it('validates the /run body: JSON with an input object, ≤ 10 MB, policy within https://docs.runpod.io/serverless/endpoints/send-requests bounds', async () => {
    expect((await call(emu, 'POST', 'run', 'not json')).status).toBe(400)
    expect((await call(emu, 'POST', 'run', { notInput: {} })).status).toBe(400)
    expect((await call(emu, 'POST', 'run', { input: [1, 2] })).status).toBe(400)
    expect((await call(emu, 'POST', 'run', { input: 'x' })).status).toBe(400)
    const big = { input: { audio: 'https://example.invalid/a.m4a', pad: 'x'.repeat(10 * 1024 * 1024) } }
    expect((await call(emu, 'POST', 'run', big)).status).toBe(400)
    expect((await call(emu, 'POST', 'run', { input: { audio: 'x' }, policy: { ttl: 9_999 } })).status).toBe(400)
    expect(
      (await call(emu, 'POST', 'run', { input: { audio: 'x' }, policy: { executionTimeout: 4_999 } })).status,
    ).toBe(400)
    expect((await call(emu, 'POST', 'run', { input: { audio: 'x' }, policy: { ttl: 8 * 86_400_000 } })).status).toBe(
      400,
    )
    expect((await call(emu, 'POST', 'run', { input: { audio: 'x' }, policy: { ttl: '1h' } })).status).toBe(400)
  })

  it('logs every request with its status', async () => {
    const n = emu.requests.length
    await call(emu, 'GET', 'health')
    expect(emu.requests.slice(n)).toEqual([
      { method: 'GET', path: `/v2/${ENDPOINT}/health`, status: 200, at: expect.any(Number) },
    ])
  })
})

describe("lifecycle with the 'whisperx' worker", () => {
  let emu: RunpodEmulator
  beforeAll(async () => {
    // A queue long enough that the first /status (polled every 15 ms) still sees IN_QUEUE on a loaded machine.
    emu = await emulator({ queueDelayMs: 400 })
  })

  it('runs a volume-path job IN_QUEUE → IN_PROGRESS → COMPLETED with WhisperX output (https://docs.runpod.io/serverless/endpoints/job-states, m-bain/whisperX schema.py)', async () => {
    const r = await call(emu, 'POST', 'run', {
      input: whisperxInput(`/runpod-volume/${scriptedKey}`),
      policy: { ttl: 60_000, executionTimeout: 60_000 },
    })
    expect(r.status).toBe(200)
    expect(Object.keys(r.json).sort()).toEqual(['id', 'status'])
    const id = r.json.id as string
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}-u1$/)

    const { last, seen, bodies } = await follow(emu, id)
    expect(seen).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED'])
    expect(bodies.find((b) => b.status === 'IN_QUEUE')).toEqual({ id, status: 'IN_QUEUE' })
    const inProgress = bodies.find((b) => b.status === 'IN_PROGRESS')!
    expect(inProgress.delayTime).toBeGreaterThanOrEqual(FAST.queueDelayMs)
    expect('output' in inProgress).toBe(false)
    expect(last).toMatchObject({ id, status: 'COMPLETED', workerId: expect.stringMatching(/^[a-z]{14}$/) })
    expect(last!.delayTime as number).toBeGreaterThanOrEqual(FAST.queueDelayMs)
    expect(last!.executionTime as number).toBeGreaterThanOrEqual(FAST.executionMs)
    expect('error' in last!).toBe(false)

    const job = emu.jobs.get(id)!
    expect(job.downloadedBytes).toBe(wavBytes.length)
    expect(job.script).toBe('tone.script.json')
    expect(job.policy).toEqual({ ttl: 60_000, executionTimeout: 60_000, lowPriority: false })
    expect(job.history.map((h) => h.status)).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED'])
    expect(
      s3.requests.filter((q) => q.source === 'volume-mount' && q.operation === 'GetObject').length,
    ).toBeGreaterThan(0)

    const out = last!.output as WhisperxOutput
    expect(WorkerOutputSchema.parse(out)).toEqual(out)
    expect(out).toMatchObject({
      language: 'en',
      duration: 3,
      model: 'large-v3',
      result_path: `/runpod-volume/${scriptedKey.slice(0, scriptedKey.lastIndexOf('/'))}/result-${id}.json`,
    })
    expect(out).not.toHaveProperty('word_segments')
    const segments = out.segments!
    expect(segments.map((s) => s.text)).toEqual([
      ' So, tell me how you started in 2016.',
      ' Okay.',
      ' I answered an ad.',
      ...HALLUCINATED_TAILS,
    ])
    // m-bain/whisperX alignment.py and diarize.py quirks: digit word without timing; the shortest utterance without speaker; tails without speaker
    expect(segments[0]!.words.at(-1)).toEqual({ word: '2016.' })
    expect(segments[0]!.speaker).toBe('SPEAKER_00')
    expect('speaker' in segments[1]!).toBe(false)
    expect(segments[2]!.speaker).toBe('SPEAKER_01')
    expect(segments.slice(3).every((s) => !('speaker' in s) && s.words.every((w) => (w.score ?? 1) < 0.31))).toBe(true)
  })

  it('takes the language from the script when the input has none', async () => {
    const id = await submit(emu, { audio: `/runpod-volume/${scriptedKey}` })
    await follow(emu, id)
    const r = await call(emu, 'GET', `status/${id}`)
    expect(r.status).toBe(200)
    expect((r.json.output as WhisperxOutput).language).toBe('en')
    // diarize defaults to false in the 'whisperx' contract: no speakers at all
    expect((r.json.output as WhisperxOutput).segments.every((s) => !('speaker' in s))).toBe(true)
  })

  it('downloads a presigned URL; audio without a script gets the labelled placeholder', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: unscriptedKey }), {
      expiresIn: 600,
    })
    const id = await submit(emu, whisperxInput(url, { language: 'de' }))
    const { last } = await follow(emu, id)
    expect(last!.status).toBe('COMPLETED')
    expect(emu.jobs.get(id)!.downloadedBytes).toBe(otherWavBytes.length)
    expect(emu.jobs.get(id)!.script).toBeNull()
    const out = last!.output as WhisperxOutput
    expect(out.language).toBe('de')
    expect(out.segments).toHaveLength(2) // 7 s → segments at 0 and 5 s
    expect(out.segments.every((s) => s.text.includes(PLACEHOLDER_TEXT))).toBe(true)
    expect(out.segments.map((s) => s.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01'])
  })

  it('fails a job whose download fails, with the JSON-encoded runpod-python error (runpod-python rp_job.py)', async () => {
    const missing = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: 'nope.wav' }), {
      expiresIn: 600,
    })
    const expiring = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: scriptedKey }), {
      expiresIn: 1,
    })
    const c2 = createTestS3Client(s3NoPresign)
    const refused = await getSignedUrl(c2, new GetObjectCommand({ Bucket: s3NoPresign.bucket, Key: 'a.wav' }), {
      expiresIn: 600,
    })
    c2.destroy()
    await sleep(2100)

    const cases: [string, string, RegExp][] = [
      [
        missing,
        "<class 'requests.exceptions.HTTPError'>",
        /^404 Client Error: Not Found for url: http:\/\/127\.0\.0\.1/,
      ],
      [expiring, "<class 'requests.exceptions.HTTPError'>", /^403 Client Error: Forbidden for url: /],
      [refused, "<class 'requests.exceptions.HTTPError'>", /^403 Client Error: Forbidden for url: /],
      [
        '/runpod-volume/scribe-panel/missing.m4a',
        "<class 'FileNotFoundError'>",
        /^\[Errno 2\] No such file or directory: '\/runpod-volume\/scribe-panel\/missing\.m4a'$/,
      ],
    ]
    for (const [audio, type, message] of cases) {
      const id = await submit(emu, whisperxInput(audio))
      const { last } = await follow(emu, id)
      expect(last!.status, audio).toBe('FAILED')
      expect(typeof last!.error).toBe('string')
      expect(last!.error as string).toMatch(/^\{"error_type": /)
      const err = JSON.parse(last!.error as string) as Record<string, string>
      expect(err.error_type, audio).toBe(type)
      expect(err.error_message, audio).toMatch(message)
      expect(err).toMatchObject({ worker_id: last!.workerId, runpod_version: '1.12.0' })
      expect('output' in last!).toBe(false)
      expect(last!.executionTime).toEqual(expect.any(Number))
    }
  })

  it("returns the worker's error string for invalid input and an unknown model; raises for non-audio", async () => {
    const bad = await submit(emu, { audio_file: `/runpod-volume/${scriptedKey}`, diarize: true })
    const a = await follow(emu, bad)
    expect(a.last).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/^INVALID_INPUT: unknown key "audio_file"; audio is required/),
    })
    expect(emu.jobs.get(bad)!.downloadedBytes).toBe(0)

    const model = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`, { model: 'large-v9' }))
    const b = await follow(emu, model)
    expect(b.last!.error).toMatch(/^INVALID_INPUT: model: /)
    const ftp = await follow(emu, await submit(emu, whisperxInput('ftp://example.invalid/a.m4a')))
    expect(ftp.last!.error).toMatch(/^INVALID_INPUT: audio: must be a \/runpod-volume\/ path or an http\(s\) URL/)

    const noise = await submit(emu, whisperxInput(`/runpod-volume/${notAudioKey}`))
    const c = await follow(emu, noise)
    expect(JSON.parse(c.last!.error as string)).toMatchObject({
      error_type: "<class 'RuntimeError'>",
      error_message: expect.stringMatching(/^Failed to load audio: /),
    })
  })

  it('cancels queued and running jobs: CANCELLED, and the job stops', async () => {
    emu.faults.setDelays({ queueDelayMs: 300 })
    const queued = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    const c1 = await call(emu, 'POST', `cancel/${queued}`)
    expect(c1).toMatchObject({ status: 200, json: { id: queued, status: 'CANCELLED' } })
    await sleep(450)
    expect((await call(emu, 'GET', `status/${queued}`)).json).toEqual({ id: queued, status: 'CANCELLED' })
    expect(emu.jobs.get(queued)!.startedAt).toBeNull()

    emu.faults.setDelays({ queueDelayMs: 30, executionMs: 400 })
    const running = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    while ((await call(emu, 'GET', `status/${running}`)).json.status !== 'IN_PROGRESS') await sleep(10)
    expect((await call(emu, 'POST', `cancel/${running}`)).json).toEqual({ id: running, status: 'CANCELLED' })
    await sleep(500)
    const after = await call(emu, 'GET', `status/${running}`)
    expect(after.json.status).toBe('CANCELLED')
    expect('output' in after.json).toBe(false)
    expect(emu.jobs.get(running)!.history.map((h) => h.status)).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'CANCELLED'])
    // cancelling a finished job changes nothing
    expect((await call(emu, 'POST', `cancel/${running}`)).json).toEqual({ id: running, status: 'CANCELLED' })
    emu.faults.setDelays(FAST)
  })

  it('retries only FAILED/TIMED_OUT jobs, same id, back through the queue (https://docs.runpod.io/serverless/endpoints/operation-reference)', async () => {
    emu.faults.nextJob({ outcome: 'fail-string' })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    expect((await follow(emu, id)).last!.status).toBe('FAILED')
    const r = await call(emu, 'POST', `retry/${id}`)
    expect(r.json).toEqual({ id, status: 'IN_QUEUE' })
    expect((await call(emu, 'GET', `status/${id}`)).json).toEqual({ id, status: 'IN_QUEUE', retries: 1 })
    const { last } = await follow(emu, id)
    expect(last).toMatchObject({ id, status: 'COMPLETED', retries: 1 })
    expect('error' in last!).toBe(false)
    expect((await call(emu, 'POST', `retry/${id}`)).status).toBe(400)
    expect((await call(emu, 'GET', 'health')).json.jobs).toMatchObject({ retried: 1 })
  })

  it('reports /health counts of queued jobs (https://docs.runpod.io/serverless/endpoints/operation-reference); serves none of the routes the panel never calls', async () => {
    emu.faults.setDelays({ queueDelayMs: 5_000 })
    const a = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    const b = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    const health = await call(emu, 'GET', 'health')
    expect(health.json).toMatchObject({ jobs: { inQueue: 2, inProgress: 0 }, workers: { idle: 1, running: 0 } })
    for (const [method, op] of [['POST', 'runsync'], ['POST', 'purge-queue'], ['GET', `status-sync/${a}`], ['POST', `status/${b}`]] as const) {
      expect((await call(emu, method, op, method === 'POST' ? {} : undefined)).status).toBe(404)
    }
    expect(emu.jobs.get(a)!.status).toBe('IN_QUEUE')
    emu.faults.setDelays(FAST)
  })
})

describe('ttl, execution timeout and result retention (https://docs.runpod.io/serverless/endpoints/send-requests)', () => {
  it('deletes a job when its ttl passes, even mid-queue: /status → 404', async () => {
    const emu = await emulator({ queueDelayMs: 2_000, policyMinimums: { ttlMs: 100 } })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`), { policy: { ttl: 300 } })
    expect((await call(emu, 'GET', `status/${id}`)).status).toBe(200)
    await sleep(400)
    expect((await call(emu, 'GET', `status/${id}`)).status).toBe(404)
    expect(emu.jobs.get(id)!.expired).toBe('ttl')
    expect((await call(emu, 'POST', `retry/${id}`)).status).toBe(404)
  })

  it('times a running job out when executionTimeout passes: TIMED_OUT (assumption, https://docs.runpod.io/serverless/endpoints/job-states)', async () => {
    const emu = await emulator({ executionMs: 3_000, policyMinimums: { executionTimeoutMs: 50 } })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`), { policy: { executionTimeout: 250 } })
    const { last } = await follow(emu, id)
    expect(last!.status).toBe('TIMED_OUT')
    expect(last!.executionTime as number).toBeGreaterThanOrEqual(250)
    expect(last!.executionTime as number).toBeLessThan(1_000)
    expect('output' in last!).toBe(false)
  })

  it('forgets finished results after resultRetentionMs, and at once with expireResult()', async () => {
    const emu = await emulator({ resultRetentionMs: 250 })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    expect((await follow(emu, id)).last!.status).toBe('COMPLETED')
    expect((await call(emu, 'GET', `status/${id}`)).status).toBe(200)
    await sleep(350)
    expect((await call(emu, 'GET', `status/${id}`)).status).toBe(404)
    expect(emu.jobs.get(id)!.expired).toBe('retention')

    const emu2 = await emulator()
    const id2 = await submit(emu2, whisperxInput(`/runpod-volume/${scriptedKey}`))
    expect(() => emu2.faults.expireResult(id2)).toThrow(/not finished/)
    await follow(emu2, id2)
    emu2.faults.expireResult(id2)
    expect((await call(emu2, 'GET', `status/${id2}`)).status).toBe(404)
    expect(() => emu2.faults.expireResult('nope')).toThrow(/unknown job/)
  })
})

describe('fault switches', () => {
  let emu: RunpodEmulator
  beforeAll(async () => {
    emu = await emulator()
  })
  const audio = () => whisperxInput(`/runpod-volume/${scriptedKey}`)

  it('httpError answers the next N requests of a route with the status, body and Retry-After', async () => {
    emu.faults.httpError({ route: 'run', status: 503, times: 2, retryAfterSeconds: 7 })
    const a = await call(emu, 'POST', 'run', { input: audio() })
    expect(a.status).toBe(503)
    expect(a.headers.get('retry-after')).toBe('7')
    expect(a.json).toEqual({ error: 'Service unavailable' })
    expect((await call(emu, 'GET', 'health')).status).toBe(200)
    expect((await call(emu, 'POST', 'run', { input: audio() })).status).toBe(503)
    expect((await call(emu, 'POST', 'run', { input: audio() })).status).toBe(200)

    emu.faults.httpError({ route: 'status', status: 500, body: 'upstream exploded' })
    const s = await call(emu, 'GET', 'status/anything')
    expect(s).toMatchObject({ status: 500, text: 'upstream exploded' })
    emu.faults.httpError({ route: 'any', status: 401 })
    expect((await call(emu, 'GET', 'health')).status).toBe(401)
    expect((await call(emu, 'GET', 'health')).status).toBe(200)
  })

  it('dropConnection destroys the socket without an answer', async () => {
    emu.faults.dropConnection({ route: 'health', times: 1 })
    await expect(call(emu, 'GET', 'health')).rejects.toThrow()
    expect((await call(emu, 'GET', 'health')).status).toBe(200)
    expect(emu.requests.some((r) => r.path.endsWith('/health') && r.status === 0)).toBe(true)
  })

  it('fail-string → FAILED with a plain string', async () => {
    emu.faults.nextJob({ outcome: 'fail-string' })
    const { last } = await follow(emu, await submit(emu, audio()))
    expect(last).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^CUDA out of memory/) })
  })

  it('fail-json → FAILED with the JSON-encoded raised exception', async () => {
    emu.faults.nextJob({ outcome: 'fail-json', message: 'boom' })
    const { last } = await follow(emu, await submit(emu, audio()))
    expect(last!.status).toBe('FAILED')
    expect(JSON.parse(last!.error as string)).toMatchObject({
      error_type: "<class 'torch.OutOfMemoryError'>",
      error_message: 'boom',
    })
  })

  it('fail-list → COMPLETED without output by default (assumption, runpod-python #299)', async () => {
    emu.faults.nextJob({ outcome: 'fail-list' })
    const { last } = await follow(emu, await submit(emu, audio()))
    expect(last!.status).toBe('COMPLETED')
    expect('output' in last!).toBe(false)
    expect('error' in last!).toBe(false)
  })

  it("fail-list → FAILED with the list when listError is 'failed-with-list'", async () => {
    const other = await emulator({ listError: 'failed-with-list' })
    other.faults.nextJob({ outcome: 'fail-list' })
    const { last } = await follow(other, await submit(other, audio()))
    expect(last!.status).toBe('FAILED')
    expect(last!.error).toEqual([
      'Unexpected input. audio is not a valid input option.',
      'Unexpected input. diarize is not a valid input option.',
      'Unexpected input. align is not a valid input option.',
      'Unexpected input. model is not a valid input option.',
      'audio_file is a required input.',
    ])
  })

  it('timed-out → TIMED_OUT', async () => {
    emu.faults.nextJob({ outcome: 'timed-out' })
    const id = await submit(emu, audio())
    const { last } = await follow(emu, id)
    expect(emu.jobs.get(id)!.history.map((h) => h.status)).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'TIMED_OUT'])
    expect(last).toMatchObject({ status: 'TIMED_OUT', executionTime: expect.any(Number) })
  })

  it('cancelled-outside → CANCELLED while IN_PROGRESS without a /cancel call', async () => {
    emu.faults.nextJob({ outcome: 'cancelled-outside' })
    const n = emu.requests.length
    const id = await submit(emu, audio())
    expect((await follow(emu, id)).last).toMatchObject({ status: 'CANCELLED' })
    // The job's own history: a loaded machine's polls can miss the short IN_PROGRESS.
    expect(emu.jobs.get(id)!.history.map((h) => h.status)).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'CANCELLED'])
    expect(emu.requests.slice(n).some((r) => r.path.includes('/cancel/'))).toBe(false)
  })

  it('completed-no-output → COMPLETED without output (runpod-python rp_job.py, #309)', async () => {
    emu.faults.nextJob({ outcome: 'completed-no-output' })
    const { last } = await follow(emu, await submit(emu, audio()))
    expect(last!.status).toBe('COMPLETED')
    expect('output' in last!).toBe(false)
  })

  it('invalid-output → COMPLETED with an output that is not WhisperX-shaped', async () => {
    emu.faults.nextJob({ outcome: 'invalid-output' })
    const { last } = await follow(emu, await submit(emu, audio()))
    expect(last).toMatchObject({ status: 'COMPLETED', output: { segments: 'oops' } })
  })

  it('progress → IN_PROGRESS bodies carry {stage, percent} before the final output (runpod-python rp_job.py)', async () => {
    emu.faults.setDelays({ executionMs: 400 })
    emu.faults.nextJob({ outcome: 'progress', progressSteps: 4 })
    const { last, bodies } = await follow(emu, await submit(emu, audio()))
    emu.faults.setDelays(FAST)
    const updates = bodies.filter((b) => b.status === 'IN_PROGRESS' && 'output' in b).map((b) => b.output as Json)
    expect(updates.length).toBeGreaterThan(1)
    expect(updates[0]).toEqual({ stage: 'transcribing', percent: expect.any(Number) })
    expect(new Set(updates.map((u) => u.percent)).size).toBeGreaterThan(1)
    expect(last!.status).toBe('COMPLETED')
    expect((last!.output as WhisperxOutput).segments.length).toBe(5)
  })

  it('nan-output → /status writes NaN as the bare token a Python worker posts (assumption)', async () => {
    emu.faults.nextJob({ outcome: 'nan-output' })
    const id = await submit(emu, audio())
    while (emu.jobs.get(id)!.status !== 'COMPLETED') await sleep(20)
    const text = (await call(emu, 'GET', `status/${id}`)).text
    expect(text).toMatch(/"status":"COMPLETED"/)
    expect(text).toMatch(/"segments":\[\{"start":NaN,/)
    expect(text).toMatch(/"score":NaN/)
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError)
  })

  it('oversize-output → COMPLETED without output (assumption); the result file is on the volume', async () => {
    emu.faults.nextJob({ outcome: 'oversize-output' })
    const id = await submit(emu, audio())
    const { last } = await follow(emu, id)
    expect(last!.status).toBe('COMPLETED')
    expect(last).not.toHaveProperty('output')
    const key = `${scriptedKey.slice(0, scriptedKey.lastIndexOf('/'))}/result-${id}.json`
    const file = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
    const result = WorkerOutputSchema.parse(JSON.parse(await file.Body!.transformToString()))
    expect(result.segments).toHaveLength(5)
  })

  it('segments-omitted → the output without segments, segments_omitted: true, as the worker sends over 9 MB', async () => {
    emu.faults.nextJob({ outcome: 'segments-omitted' })
    const id = await submit(emu, audio())
    const out = WorkerOutputSchema.parse((await follow(emu, id)).last!.output)
    expect(out.segments_omitted).toBe(true)
    expect(out).not.toHaveProperty('segments')
    expect(out.result_path).toBe(`/runpod-volume/${scriptedKey.slice(0, scriptedKey.lastIndexOf('/'))}/result-${id}.json`)
  })

  it('nextJob faults apply to submissions in order, one each', async () => {
    emu.faults.nextJob({ outcome: 'fail-string', message: 'first' })
    emu.faults.nextJob({ outcome: 'invalid-output', output: { nope: true } })
    const a = await submit(emu, audio())
    const b = await submit(emu, audio())
    const c = await submit(emu, audio())
    expect((await follow(emu, a)).last).toMatchObject({ status: 'FAILED', error: 'first' })
    expect((await follow(emu, b)).last).toMatchObject({ status: 'COMPLETED', output: { nope: true } })
    expect((await follow(emu, c)).last!.status).toBe('COMPLETED')
    expect([a, b, c].map((id) => emu.jobs.get(id)!.fault)).toEqual(['fail-string', 'invalid-output', null])
  })

  it('setDelays changes the queue time of later jobs', async () => {
    emu.faults.setDelays({ queueDelayMs: 350 })
    const { last } = await follow(emu, await submit(emu, audio()))
    emu.faults.setDelays(FAST)
    expect(last!.delayTime as number).toBeGreaterThanOrEqual(350)
  })
})

describe('rate limits (https://docs.runpod.io/serverless/endpoints/send-requests)', () => {
  it('answers 429 once an operation exceeds its limit in the sliding window', async () => {
    const emu = await emulator({ rateLimits: { status: 3, run: 1000 }, rateLimitWindowMs: 400 })
    for (let i = 0; i < 3; i++) expect((await call(emu, 'GET', 'status/x')).status).toBe(404)
    const limited = await call(emu, 'GET', 'status/x')
    expect(limited.status).toBe(429)
    expect((await call(emu, 'POST', 'run', { input: whisperxInput(`/runpod-volume/${scriptedKey}`) })).status).toBe(200)
    await sleep(450)
    expect((await call(emu, 'GET', 'status/x')).status).toBe(404)
  })
})

describe("the 'whisperx-hub' worker (kodxana/whisperx-worker)", () => {
  it('rejects the whisperx payload with the validator list → COMPLETED without output by default', async () => {
    const emu = await emulator({ worker: 'whisperx-hub' })
    const { last } = await follow(emu, await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`)))
    expect(last!.status).toBe('COMPLETED')
    expect('output' in last!).toBe(false)
  })

  it('transcribes its own payload into {segments, detected_language}; align/diarize are opt-in', async () => {
    const emu = await emulator({ worker: 'whisperx-hub' })
    const full = await follow(
      emu,
      await submit(emu, {
        audio_file: `/runpod-volume/${scriptedKey}`,
        align_output: true,
        diarization: true,
        batch_size: 16,
      }),
    )
    const out = full.last!.output as { segments: WhisperxOutput['segments']; detected_language: string }
    expect(Object.keys(out)).toEqual(['segments', 'detected_language'])
    expect(out.detected_language).toBe('en')
    expect(out.segments[0]!.speaker).toBe('SPEAKER_00')
    expect(out.segments[0]!.words!.length).toBeGreaterThan(0)

    const plain = await follow(emu, await submit(emu, { audio_file: `/runpod-volume/${scriptedKey}`, language: 'ru' }))
    const p = plain.last!.output as typeof out
    expect(p.detected_language).toBe('ru')
    expect(p.segments.every((s) => !('words' in s) && !('speaker' in s))).toBe(true)
  })

  it("returns kodxana's error string when the audio cannot be fetched (or is a volume path)", async () => {
    const emu = await emulator({ worker: 'whisperx-hub', hubVolumePaths: 'reject-like-kodxana' })
    for (const ref of ['/runpod-volume/scribe-panel/missing.m4a', `/runpod-volume/${scriptedKey}`]) {
      const { last } = await follow(emu, await submit(emu, { audio_file: ref }))
      expect(last).toMatchObject({ status: 'FAILED', error: 'expected str, bytes or os.PathLike object, not NoneType' })
    }
  })

  it("with listError 'failed-with-list' surfaces the validator list as FAILED", async () => {
    const emu = await emulator({ worker: 'whisperx-hub', listError: 'failed-with-list' })
    const { last } = await follow(emu, await submit(emu, { audio_file: 3, batch_size: '16' }))
    expect(last).toMatchObject({
      status: 'FAILED',
      error: [
        "audio_file should be <class 'str'> type, not <class 'int'>.",
        "batch_size should be <class 'int'> type, not <class 'str'>.",
      ],
    })
  })
})

const fixture = fileURLToPath(new URL('../../test/fixtures/interview.m4a', import.meta.url))
describe(
  'the shared fixtures (scriptsDir = test/fixtures)',
  () => {
    it('transcribes interview.m4a from its script', async () => {
      const emu = await emulator({ scriptsDir: dirname(fixture) })
      const key = 'fixtures/interview.m4a'
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(fixture) }))
      const { last } = await follow(emu, await submit(emu, whisperxInput(`/runpod-volume/${key}`, { language: null })))
      const script = JSON.parse(await readFile(fixture.replace(/\.m4a$/, '.script.json'), 'utf8')) as {
        language: string
        utterances: { text: string }[]
      }
      const out = last!.output as WhisperxOutput
      expect(out.language).toBe(script.language)
      expect(out.segments.map((s) => s.text.trim())).toEqual([
        ...script.utterances.map((u) => u.text),
        ...HALLUCINATED_TAILS.map((t) => t.trim()),
      ])
    })
  },
)

describe('private download URLs (runpod-python rp_ssrf.py)', () => {
  it('raises SSRFError for a loopback URL when private URLs are not allowed', async () => {
    const emu = await emulator({ allowPrivateDownloadUrls: false })
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: scriptedKey }), {
      expiresIn: 600,
    })
    const { last } = await follow(emu, await submit(emu, whisperxInput(url)))
    expect(last!.status).toBe('FAILED')
    expect(JSON.parse(last!.error as string)).toMatchObject({
      error_type: "<class 'runpod.serverless.utils.rp_ssrf.SSRFError'>",
    })
  })
})

describe('endpoint settings, worker states and the REST API v2 (the OpenAPI spec in runpod/docs, api-reference-v2/openapi.json)', () => {
  const rest = async (emu: RunpodEmulator, method: string, path: string, body?: unknown, auth = `Bearer ${API_KEY}`) => {
    const res = await fetch(`${emu.restUrl}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as Json }
  }

  it('answers GET /serverless/{id} in the OpenAPI shape, and RFC 9457 problems for a bad key or id', async () => {
    const emu = await emulator()
    const ok = await rest(emu, 'GET', `/serverless/${ENDPOINT}`)
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ id: ENDPOINT, type: 'QUEUE', workers: { min: 0, max: 3 }, networkVolumes: [s3.bucket], dataCenterIds: ['EU-RO-1'], env: { HF_TOKEN: 'hf_emulated' } })
    expect((ok.json.requestUrls as Json).run).toBe(`${emu.url}/${ENDPOINT}/run`)
    const bad = await rest(emu, 'GET', `/serverless/${ENDPOINT}`, undefined, 'Bearer nope')
    expect(bad).toMatchObject({ status: 401, type: 'application/problem+json', json: { title: 'Unauthorized', status: 401, detail: 'invalid bearer token' } })
    expect(await rest(emu, 'GET', '/serverless/other')).toMatchObject({ status: 404, json: { status: 404, title: 'Not Found' } })
    expect(await rest(emu, 'GET', `/network-volumes/${s3.bucket}`)).toMatchObject({ status: 200, json: { id: s3.bucket, dataCenter: 'EU-RO-1' } })
    expect((await rest(emu, 'GET', '/network-volumes/nope')).status).toBe(404)
  })

  it('keeps jobs IN_QUEUE while max workers is 0 (idle scale-down) and starts them when a PATCH raises it', async () => {
    const emu = await emulator({ endpoint: { workersMax: 0 } })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    await sleep(FAST.queueDelayMs * 4)
    expect((await call(emu, 'GET', `status/${id}`)).json.status).toBe('IN_QUEUE')
    expect((await rest(emu, 'GET', `/serverless/${ENDPOINT}/workers`)).json).toMatchObject({ summary: { total: 0 }, workers: [] })
    const bad = await rest(emu, 'PATCH', `/serverless/${ENDPOINT}`, { workers: { max: 1, bogus: 1 } })
    expect(bad.status).toBe(400)
    expect(bad.json.errors).toEqual([expect.stringMatching(/workers/)])
    const patched = await rest(emu, 'PATCH', `/serverless/${ENDPOINT}`, { workers: { min: 0, max: 1 } })
    expect(patched).toMatchObject({ status: 200, json: { workers: { min: 0, max: 1 } } })
    const { last } = await follow(emu, id)
    expect(last!.status).toBe('COMPLETED')
  })

  it('reports a cold worker INITIALIZING, then RUNNING with executionTime while IN_PROGRESS (E1)', async () => {
    const emu = await emulator({ coldStartMs: 300, executionMs: 400 })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    await sleep(FAST.queueDelayMs + 100)
    const init = await rest(emu, 'GET', `/serverless/${ENDPOINT}/workers`)
    expect(init.json.summary).toMatchObject({ initializing: 1, total: 1 })
    expect((await call(emu, 'GET', 'health')).json.workers).toMatchObject({ initializing: 1, idle: 0, running: 0 })
    expect((await call(emu, 'GET', `status/${id}`)).json.status).toBe('IN_QUEUE')
    const { bodies } = await follow(emu, id)
    const running = bodies.filter((b) => b.status === 'IN_PROGRESS')
    expect(running.length).toBeGreaterThan(0)
    for (const b of running) expect(b.executionTime).toEqual(expect.any(Number))
    expect(bodies.at(-1)!.delayTime as number).toBeGreaterThanOrEqual(300)
  })

  it('keeps a worker THROTTLED while no GPU is free, then runs the job', async () => {
    const emu = await emulator({ gpuAvailability: 'none' })
    const id = await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`))
    await sleep(FAST.queueDelayMs * 3)
    expect((await rest(emu, 'GET', `/serverless/${ENDPOINT}/workers`)).json.summary).toMatchObject({ throttled: 1, running: 0, idle: 0 })
    emu.faults.setGpuAvailability('available')
    expect((await follow(emu, id)).last!.status).toBe('COMPLETED')
  })

  it('does not mount a volume that is not attached: the worker finds no file', async () => {
    const emu = await emulator({ endpoint: { networkVolumes: [] } })
    const { last } = await follow(emu, await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`)))
    expect(last!.status).toBe('FAILED')
    expect(JSON.parse(last!.error as string)).toMatchObject({ error_type: "<class 'FileNotFoundError'>" })
  })

  it('refuses to diarize without HF_TOKEN in the endpoint env, and transcribes without diarization', async () => {
    const emu = await emulator({ endpoint: { env: {} } })
    const failed = (await follow(emu, await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`)))).last!
    expect(failed).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^HF_TOKEN_MISSING: /) })
    const plain = (await follow(emu, await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`, { diarize: false })))).last!
    expect(plain.status).toBe('COMPLETED')
  })

  it('progressOutOfOrder delivers progress updates out of order (E8)', async () => {
    const emu = await emulator({ executionMs: 800 })
    emu.faults.nextJob({ outcome: 'progress', progressSteps: 4, progressOutOfOrder: true })
    const { bodies } = await follow(emu, await submit(emu, whisperxInput(`/runpod-volume/${scriptedKey}`)))
    const percents = bodies.filter((b) => b.status === 'IN_PROGRESS' && b.output).map((b) => (b.output as { percent: number }).percent)
    const distinct = percents.filter((p, i) => p !== percents[i - 1])
    expect(distinct).toEqual([0, 50, 25, 75])
  })
})
