/**
 * The RunPod emulator's worker side, driven by RunPod's real Python SDK: a small handler of our own
 * (python/protocol_handler.py) runs under runpod-python's worker loop against the emulator, so every route the
 * SDK uses (job-take, job-done for progress and results, job-stop, ping) is exercised by the SDK itself.
 * The main-flow tests run worker/handler.py the same way.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRunpodEmulator, type RunpodEmulator } from './emulator.ts'
import { RUN_PAYLOAD_LIMIT_BYTES } from './jobs.ts'
import { pythonWorkerOrExplain } from './python-worker.ts'
import { createTestS3Client, startS3Server, type S3TestServer } from '../s3/server.ts'
import { volumeOf } from '../env.ts'

const setup = await pythonWorkerOrExplain("the RunPod emulator's worker-side tests under RunPod's Python SDK", {
  handler: path.join(import.meta.dirname, 'python', 'protocol_handler.py'),
  whisperxStandIn: null,
})

const API_KEY = 'rpa_PYWORKERTEST'
const ENDPOINT = 'py-ep'
const AUDIO_KEY = 'scribe-panel/rec1/audio.m4a'
type Json = Record<string, unknown>

let s3: S3TestServer
let client: S3Client
let emu: RunpodEmulator

async function call(method: string, op: string, body?: unknown): Promise<{ status: number; text: string; json: Json }> {
  const res = await fetch(`${emu.url}/${ENDPOINT}/${op}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json: Json = {}
  try {
    json = JSON.parse(text) as Json
  } catch {
    // NaN bodies are checked as text
  }
  return { status: res.status, text, json }
}

async function submit(input: Json): Promise<string> {
  const r = await call('POST', 'run', { input: { audio: `/runpod-volume/${AUDIO_KEY}`, ...input } })
  expect(r.status).toBe(200)
  return r.json.id as string
}

/** Polls /status until a final state; returns every body seen (as text). */
async function follow(id: string, timeoutMs = 20_000): Promise<{ last: Json; lastText: string; texts: string[] }> {
  const texts: string[] = []
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const r = await call('GET', `status/${id}`)
    if (texts.at(-1) !== r.text) texts.push(r.text)
    if (/"status":"(COMPLETED|FAILED|CANCELLED|TIMED_OUT)"/.test(r.text)) return { last: r.json, lastText: r.text, texts }
    await new Promise((res) => setTimeout(res, 50))
  }
  throw new Error(`job ${id} did not finish: ${texts.at(-1)}`)
}

describe.skipIf(setup === null)("the emulator's worker side under RunPod's Python SDK", () => {
  beforeAll(async () => {
    s3 = await startS3Server({ accessKeyId: 'user_pyworkertest0000000000', secretAccessKey: 'rps_pyworker0123456789', bucket: 'pyvol01', presign: 'unsupported' })
    client = createTestS3Client(s3)
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: AUDIO_KEY, Body: Buffer.from('not really audio') }))
    emu = await startRunpodEmulator({ apiKey: API_KEY, endpointId: ENDPOINT, volume: volumeOf(s3), queueDelayMs: 50, pythonWorker: { setup: setup!, holdMs: 2_000 } })
  }, 90_000)

  afterAll(async () => {
    const pid = emu?.pythonWorker?.pid
    await emu?.close()
    client?.destroy()
    await s3?.close()
    // The process is gone once close() resolves.
    if (pid !== undefined) expect(() => process.kill(pid, 0)).toThrow()
  })

  it('follows the endpoint settings: 0 max workers keeps the job queued; an unattached volume is not mounted', async () => {
    emu.faults.setEndpoint({ workersMax: 0 })
    const id = await submit({})
    await new Promise((res) => setTimeout(res, 400))
    expect((await call('GET', `status/${id}`)).json.status).toBe('IN_QUEUE')
    emu.faults.setEndpoint({ workersMax: 1, networkVolumes: [] })
    try {
      const { last } = await follow(id)
      expect(last).toMatchObject({ status: 'COMPLETED', output: { visible: false } })
    } finally {
      emu.faults.setEndpoint({ workersMax: 3, networkVolumes: [s3.bucket] })
    }
  })

  it('hands a job to the worker, shows its progress while IN_PROGRESS, and mirrors the volume both ways', async () => {
    const progress = [{ stage: 'transcribing', percent: 40 }, { stage: 'aligning', percent: 0 }]
    const id = await submit({ progress, sleep: 0.6, write_result: true })
    const { last, texts } = await follow(id)
    const seen = texts.map((t) => JSON.parse(t) as Json)
    expect(seen[0]).toMatchObject({ status: 'IN_QUEUE' })
    // runpod-python progress_update → the job's output while IN_PROGRESS
    expect(seen.filter((s) => s.status === 'IN_PROGRESS').map((s) => s.output)).toEqual(expect.arrayContaining(progress))
    // The audio object was visible in the mount at its key when the handler ran.
    expect(last).toMatchObject({ status: 'COMPLETED', output: { visible: true, size: 16 }, workerId: expect.any(String) })
    // The result file the handler wrote is in the bucket by the time the job is COMPLETED.
    const file = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `scribe-panel/rec1/result-${id}.json` }))
    expect(JSON.parse(await file.Body!.transformToString())).toEqual({ visible: true, size: 16 })
    const routes = new Set(emu.pythonWorker!.requests.map((r) => r.route))
    expect([...routes]).toEqual(expect.arrayContaining(['job-take', 'job-stop', 'job-done']))
    // The SDK reports whether it is busy when it asks for work.
    expect(emu.pythonWorker!.requests.some((r) => r.route === 'job-take' && r.query.includes('job_in_progress=0'))).toBe(true)
  })

  it('shows a missing audio object as missing in the mount', async () => {
    const id = await submit({ audio: '/runpod-volume/scribe-panel/nope/audio.m4a' })
    expect((await follow(id)).last).toMatchObject({ status: 'COMPLETED', output: { visible: false, size: null } })
  })

  it('passes NaN through as the bare token runpod-python wrote', async () => {
    const { lastText } = await follow(await submit({ nan: true }))
    expect(lastText).toContain('"score":NaN')
  })

  it('fails a job with the handler error string; refresh_worker becomes stopPod', async () => {
    const id = await submit({ error: 'CUDA_OOM: The GPU ran out of memory; use a smaller batch_size.', refresh_worker: true })
    const { last } = await follow(id)
    expect(last).toMatchObject({ status: 'FAILED', error: 'CUDA_OOM: The GPU ran out of memory; use a smaller batch_size.' })
    expect(last).not.toHaveProperty('output')
    expect(emu.jobs.get(id)!.stopPod).toBe(true)
  })

  it("reports a raised exception as runpod-python's JSON-encoded error", async () => {
    const { last } = await follow(await submit({ raise: 'boom' }))
    expect(last.status).toBe('FAILED')
    expect(JSON.parse(last.error as string)).toMatchObject({ error_type: "<class 'RuntimeError'>", error_message: 'boom' })
  })

  it('leaves a result over the /run payload limit out: COMPLETED without output (assumption)', async () => {
    const { last } = await follow(await submit({ big_bytes: RUN_PAYLOAD_LIMIT_BYTES }), 30_000)
    expect(last.status).toBe('COMPLETED')
    expect(last).not.toHaveProperty('output')
  })

  it('cancels a running job on the worker through the stop channel; the worker then takes the next job', async () => {
    // Cancel once the handler runs (its first progress update is visible): a stop signal for a job the SDK has
    // taken but not started yet is dropped by runpod-python (rp_scale.stop_job: "No in-progress job").
    const id = await submit({ progress: [{ stage: 'loading', percent: 0 }], sleep: 30 })
    const until = Date.now() + 10_000
    while ((await call('GET', `status/${id}`)).json.output === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 30))
    expect((await call('POST', `cancel/${id}`)).json).toMatchObject({ id, status: 'CANCELLED' })
    expect(emu.pythonWorker!.stopped).toContain(id)
    // runpod-python cancels the handler's task: it logs "Job stopped." and posts no result.
    const stoppedBy = Date.now() + 10_000
    while (!emu.pythonWorker!.log().includes('Job stopped.') && Date.now() < stoppedBy) await new Promise((r) => setTimeout(r, 50))
    expect(emu.pythonWorker!.log()).toContain('Job stopped.')
    expect((await follow(id)).last).toEqual(expect.objectContaining({ status: 'CANCELLED' }))
    // Not stuck: a new job still runs, well before the 30 s the cancelled one would have slept.
    const next = await submit({})
    expect((await follow(next, 8_000)).last.status).toBe('COMPLETED')
  })

  it('receives heartbeats that name the running job', async () => {
    const id = await submit({ sleep: 2.5 })
    await follow(id)
    const pings = emu.pythonWorker!.requests.filter((r) => r.route === 'ping')
    expect(pings.length).toBeGreaterThan(0)
    expect(pings.some((p) => p.query.includes(`job_id=${id}`))).toBe(true)
    expect(existsSync(emu.pythonWorker!.mountRoot)).toBe(true)
  })
})
