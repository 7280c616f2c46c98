/**
 * RunPod and S3 faults, cancel and retry, bad input and local-server security, over HTTP against
 * the stand-ins with their fault switches. Each test names the fault and checks what the user sees.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deleteObject, readObject } from '../../standins/s3/server.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const INTERVIEW = readFileSync(path.join(FIXTURES, 'interview.m4a'))
const TONE = readFileSync(path.join(FIXTURES, 'tone.wav'))

type Rec = {
  id: string
  status: string
  error: null | { code: string; message: string }
  job: null | { id: string; status: string; audioReference: string }
  jobProgress?: unknown
}

async function uploadAndWait(stack: Stack, body: Buffer = TONE, name = 'tone.wav'): Promise<Rec> {
  const res = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: new Blob([new Uint8Array(body)]) })
  expect(res.status).toBe(201)
  const rec = (await res.json()) as Rec
  await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
  return rec
}

const transcribe = (stack: Stack, id: string, body: unknown = {}) =>
  fetch(`${stack.url}/api/recordings/${id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

/** Uploads a recording, makes its job end with `outcome` on the emulator, transcribes it and waits for the end. */
async function finishedWith(stack: Stack, outcome: Parameters<Stack['emulator']['faults']['nextJob']>[0]['outcome']): Promise<Rec> {
  const rec = await uploadAndWait(stack)
  stack.emulator.faults.nextJob({ outcome })
  await transcribe(stack, rec.id)
  return finished(stack, rec.id)
}

const finished = (stack: Stack, id: string, timeout = 20_000) =>
  waitForRecording(stack.url, id, (r) => ['done', 'failed', 'cancelled'].includes(r.status), timeout) as Promise<Rec & { status: string }>

describe('RunPod faults', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterEach(() => stack.emulator.faults.clear())
  afterAll(async () => stack?.close())

  it('401 on /run: the job fails with a message that names RUNPOD_API_KEY', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.httpError({ route: 'run', status: 401 })
    const res = await transcribe(stack, rec.id)
    expect(res.status).toBe(502)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('runpod_auth')
    expect(body.error.message).toMatch(/RUNPOD_API_KEY/)
    const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
    expect(r).toMatchObject({ status: 'failed', error: { code: 'runpod_auth' } })
  })

  it('404 on /run means a wrong endpoint ID', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.httpError({ route: 'run', status: 404 })
    const res = await transcribe(stack, rec.id)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('runpod_not_found')
    expect(body.error.message).toMatch(/RUNPOD_ENDPOINT_ID/)
  })

  it('429 with Retry-After on /run: the panel waits and the job goes through once', async () => {
    const rec = await uploadAndWait(stack)
    const before = stack.emulator.jobs.size
    stack.emulator.faults.httpError({ route: 'run', status: 429, retryAfterSeconds: 1 })
    const t0 = Date.now()
    const res = await transcribe(stack, rec.id)
    expect(res.status).toBe(202)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950)
    expect(stack.emulator.jobs.size).toBe(before + 1)
    expect((await finished(stack, rec.id)).status).toBe('done')
  })

  it('5xx and dropped connections on /status are retried; the job still completes', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.httpError({ route: 'status', status: 502, times: 2 })
    stack.emulator.faults.httpError({ route: 'status', status: 500, times: 1 })
    stack.emulator.faults.dropConnection({ route: 'status', times: 2 })
    expect((await transcribe(stack, rec.id)).status).toBe(202)
    const r = await finished(stack, rec.id)
    expect(r.status).toBe('done')
    expect(stack.emulator.requests.filter((q) => q.path.includes('/status/') && q.status >= 500).length).toBeGreaterThanOrEqual(3)
  })

  it('401 while following a job: the problem is shown, the job is still followed, and recovers', async () => {
    stack.emulator.faults.setDelays({ queueDelayMs: 1500 })
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.httpError({ route: 'status', status: 401, times: 2 })
    expect((await transcribe(stack, rec.id)).status).toBe(202)
    const warned = await waitForRecording(stack.url, rec.id, (r) => (r.error as { code?: string } | null)?.code === 'runpod_auth')
    expect(['queued', 'transcribing']).toContain(warned.status)
    const r = await finished(stack, rec.id)
    stack.emulator.faults.setDelays({ queueDelayMs: 300 })
    expect(r).toMatchObject({ status: 'done', error: null })
  })

  it.each([
    ['fail-string', /The worker failed: CUDA out of memory/],
    ['fail-json', /The worker failed: (\S+: )?CUDA out of memory/],
  ] as const)('FAILED with %s: the reason is plain words', async (outcome, pattern) => {
    const r = await finishedWith(stack, outcome)
    expect(r.status).toBe('failed')
    expect(r.error!.code).toBe('job_failed')
    expect(r.error!.message).toMatch(pattern)
    expect(r.error!.message).not.toMatch(/error_traceback|"error_type"/)
  })

  it('a list as the worker error (the Hub worker validator, kodxana/whisperx-worker src/rp_handler.py): RunPod shows COMPLETED without output; the user is told', async () => {
    const r = await finishedWith(stack, 'fail-list')
    expect(r).toMatchObject({ status: 'failed', error: { code: 'invalid_output' } })
    expect(r.error!.message).toMatch(/no output/)
  })

  it('TIMED_OUT says what to check', async () => {
    const r = await finishedWith(stack, 'timed-out')
    expect(r).toMatchObject({ status: 'failed', error: { code: 'job_timed_out' } })
    expect(r.error!.message).toMatch(/workers/)
  })

  it('CANCELLED from outside the panel is reported as such', async () => {
    const r = await finishedWith(stack, 'cancelled-outside')
    expect(r).toMatchObject({ status: 'cancelled', error: { code: 'job_cancelled' } })
  })

  it('IN_PROGRESS with progress output: the progress is stored and shown, then the result', async () => {
    stack.emulator.faults.setDelays({ executionMs: 2000 })
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.nextJob({ outcome: 'progress', progressSteps: 4 })
    await transcribe(stack, rec.id)
    const during = await waitForRecording(stack.url, rec.id, (r) => r.status === 'transcribing' && r.jobProgress != null)
    expect(during.jobProgress).toMatchObject({ stage: 'transcribing' })
    const r = await finished(stack, rec.id)
    stack.emulator.faults.setDelays({ executionMs: 500 })
    expect(r.status).toBe('done')
  })

  it('COMPLETED without output (RunPod quirk) and no result file on the volume fails with a clear message', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.nextJob({ outcome: 'completed-no-output' })
    await transcribe(stack, rec.id)
    const job = (await waitForRecording(stack.url, rec.id, (r) => r.job !== null)) as Rec
    // The emulated worker writes its result file before RunPod reports COMPLETED; take it away, as if the worker
    // could not write it.
    const key = `scribe-panel/${rec.id}/result-${job.job!.id}.json`
    while (!(await readObject(stack.s3, key).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 20))
    await deleteObject(stack.s3, key)
    const r = await finished(stack, rec.id)
    expect(r).toMatchObject({ status: 'failed', error: { code: 'invalid_output' } })
    expect(r.error!.message).toMatch(/sent no output/)
    expect(r.error!.message).toContain(`result-${job.job!.id}.json is not on the network volume`)
  })

  it('output that fails validation: job failed, raw output kept on disk', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.nextJob({ outcome: 'invalid-output', output: { segments: [{ text: 'hi' }] } })
    await transcribe(stack, rec.id)
    const r = await finished(stack, rec.id)
    expect(r).toMatchObject({ status: 'failed', error: { code: 'invalid_output' } })
    expect(r.error!.message).toMatch(/raw output was kept/)
    const raw = readdirSync(path.join(stack.dirs.output, rec.id)).filter((f) => f.startsWith('raw-'))
    expect(raw).toHaveLength(1)
    expect(JSON.parse(readFileSync(path.join(stack.dirs.output, rec.id, raw[0]!), 'utf8'))).toEqual({ segments: [{ text: 'hi' }] })
  })

  it('retry uses /retry while RunPod holds the failed job (same job id), then finishes', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.nextJob({ outcome: 'fail-string' })
    await transcribe(stack, rec.id)
    const failed = await finished(stack, rec.id)
    expect(failed.status).toBe('failed')
    const jobsBefore = stack.emulator.jobs.size
    const res = await transcribe(stack, rec.id)
    expect(res.status).toBe(202)
    const r = await finished(stack, rec.id)
    expect(r.status).toBe('done')
    expect(r.job!.id).toBe(failed.job!.id)
    expect(stack.emulator.jobs.size).toBe(jobsBefore)
    expect(stack.emulator.requests.some((q) => q.path.endsWith(`/retry/${failed.job!.id}`) && q.status === 200)).toBe(true)
  })

  it('retry after RunPod dropped the job submits a new one', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.nextJob({ outcome: 'fail-string' })
    await transcribe(stack, rec.id)
    const failed = await finished(stack, rec.id)
    stack.emulator.faults.expireResult(failed.job!.id)
    await transcribe(stack, rec.id)
    const r = await finished(stack, rec.id)
    expect(r.status).toBe('done')
    expect(r.job!.id).not.toBe(failed.job!.id)
  })

  it('cancel while queued calls /cancel (no orphaned GPU billing)', async () => {
    stack.emulator.faults.setDelays({ queueDelayMs: 5000 })
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/cancel`, { method: 'POST' })
    stack.emulator.faults.setDelays({ queueDelayMs: 300 })
    expect(res.status).toBe(200)
    const r = (await res.json()) as Rec
    expect(r.status).toBe('cancelled')
    expect(stack.emulator.jobs.get(r.job!.id)!.status).toBe('CANCELLED')
    const again = await fetch(`${stack.url}/api/recordings/${rec.id}/cancel`, { method: 'POST' })
    expect(again.status).toBe(409)
  })

  it('cancel while running calls /cancel too', async () => {
    stack.emulator.faults.setDelays({ executionMs: 5000 })
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'transcribing')
    const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}/cancel`, { method: 'POST' })).json()) as Rec
    stack.emulator.faults.setDelays({ executionMs: 500 })
    expect(r.status).toBe('cancelled')
    expect(stack.emulator.jobs.get(r.job!.id)!.status).toBe('CANCELLED')
  })

  it('delete removes the running job, the local files, the rows and the volume object', async () => {
    stack.emulator.faults.setDelays({ queueDelayMs: 5000 })
    const rec = await uploadAndWait(stack, INTERVIEW, 'delete-me.m4a')
    await transcribe(stack, rec.id)
    const running = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}`, { method: 'DELETE' })
    stack.emulator.faults.setDelays({ queueDelayMs: 300 })
    expect(res.status).toBe(200)
    expect(stack.emulator.jobs.get(running.job!.id)!.status).toBe('CANCELLED')
    expect((await fetch(`${stack.url}/api/recordings/${rec.id}`)).status).toBe(404)
    expect(existsSync(path.join(stack.dirs.uploads, rec.id))).toBe(false)
    await expect(readObject(stack.s3, `scribe-panel/${rec.id}/audio.m4a`)).rejects.toThrow()
  })

  it('sends the job options the user chose (worker contract whisperx)', async () => {
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id, { language: 'ru', diarize: true, minSpeakers: 2, maxSpeakers: 3, model: 'large-v2', initialPrompt: 'Анна Петрова, RunPod', batchSize: 8 })
    const r = await finished(stack, rec.id)
    expect(stack.emulator.jobs.get(r.job!.id)!.input).toEqual({
      // A WAV reaches the GPU as the compact 16 kHz mono Opus copy (UPLOAD_TRANSCODE=auto).
      audio: `/runpod-volume/scribe-panel/${rec.id}/audio-16k-mono.ogg`,
      language: 'ru',
      diarize: true,
      align: true,
      batch_size: 8,
      model: 'large-v2',
      min_speakers: 2,
      max_speakers: 3,
      initial_prompt: 'Анна Петрова, RunPod',
    })
  })
})

describe('a worker error that is a list, surfaced as FAILED', () => {
  it('joins the messages', async () => {
    const stack = await startStack({ emulator: { listError: 'failed-with-list' } })
    try {
      const rec = await uploadAndWait(stack)
      stack.emulator.faults.nextJob({ outcome: 'fail-list', errors: ['Unexpected input. audio is not a valid input option.', 'audio_file is a required input.'] })
      await transcribe(stack, rec.id)
      const r = await finished(stack, rec.id)
      expect(r).toMatchObject({ status: 'failed', error: { code: 'job_failed' } })
      expect(r.error!.message).toContain('Unexpected input. audio is not a valid input option.; audio_file is a required input.')
    } finally {
      await stack.close()
    }
  })
})

describe('restart safety (in-process restart on the same folders)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(async () => stack?.close())

  it('a job that completes while the panel is down is fetched after the restart, not submitted twice', async () => {
    stack.emulator.faults.setDelays({ queueDelayMs: 300, executionMs: 300 })
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    const jobsBefore = stack.emulator.jobs.size
    await stack.stopPanel()
    await new Promise((r) => setTimeout(r, 1500))
    await stack.restartPanel()
    const r = await finished(stack, rec.id)
    expect(r.status).toBe('done')
    expect(stack.emulator.jobs.size).toBe(jobsBefore)
  })

  it('killed between /run and storing the job id: after the restart the user is told, nothing is submitted blindly', async () => {
    const rec = await uploadAndWait(stack)
    await stack.stopPanel()
    // The state a crash in that window leaves: 'submitting' with no job id.
    const Database = (await import('better-sqlite3')).default
    const db = new Database(path.join(stack.dirs.output, 'scribe.db'))
    db.prepare("UPDATE recordings SET status = 'submitting' WHERE id = ?").run(rec.id)
    db.close()
    const jobsBefore = stack.emulator.jobs.size
    await stack.restartPanel()
    const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
    expect(r.status).toBe('failed')
    expect(r.error!.message).toMatch(/may or may not have reached RunPod/)
    expect(stack.emulator.jobs.size).toBe(jobsBefore)
  })

  it('a result that expired while the panel was down, with no result file on the volume, is reported as expired', async () => {
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    const submitted = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
    await stack.stopPanel()
    for (let i = 0; i < 50 && stack.emulator.jobs.get(submitted.job!.id)!.status !== 'COMPLETED'; i++) await new Promise((r) => setTimeout(r, 100))
    stack.emulator.faults.expireResult(submitted.job!.id)
    await deleteObject(stack.s3, `scribe-panel/${rec.id}/result-${submitted.job!.id}.json`)
    await stack.restartPanel()
    const r = await finished(stack, rec.id)
    expect(r).toMatchObject({ status: 'failed', error: { code: 'job_expired' } })
    expect(r.error!.message).toMatch(/30 minutes/)
  })
})

/** A WAV header that file-type recognises but ffmpeg refuses (channel count 0), then silence. */
function undecodableWav(dataBytes: number): Buffer {
  const fmt = Buffer.alloc(16)
  fmt.writeUInt16LE(1, 0) // PCM
  fmt.writeUInt16LE(0, 2) // channels: 0
  fmt.writeUInt32LE(16000, 4)
  fmt.writeUInt32LE(32000, 8)
  fmt.writeUInt16LE(2, 12)
  fmt.writeUInt16LE(16, 14)
  const body = Buffer.concat([Buffer.from('WAVEfmt '), Buffer.from([16, 0, 0, 0]), fmt, Buffer.from('data'), Buffer.alloc(4), Buffer.alloc(dataBytes)])
  body.writeUInt32LE(dataBytes, body.length - dataBytes - 4)
  const size = Buffer.alloc(4)
  size.writeUInt32LE(body.length)
  return Buffer.concat([Buffer.from('RIFF'), size, body])
}

describe('S3 faults', () => {
  it('a file that looks like audio but cannot be decoded: refused, and the upload already begun leaves nothing on the volume', async () => {
    // UPLOAD_TRANSCODE=off: the WAV's own bytes stream to the volume during the PUT (with auto, ffmpeg refuses them first).
    const stack = await startStack({ env: { UPLOAD_TRANSCODE: 'off' } })
    try {
      const { ListObjectsV2Command } = await import('@aws-sdk/client-s3')
      const { createTestS3Client } = await import('../../standins/s3/server.ts')
      const client = createTestS3Client(stack.s3)
      for (const size of [50_000, 20 * 1024 * 1024]) {
        const res = await fetch(`${stack.url}/api/recordings?filename=bad.wav`, { method: 'PUT', body: new Blob([new Uint8Array(undecodableWav(size))]) })
        expect(res.status).toBe(415)
        const listed = await client.send(new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: 'scribe-panel/' }))
        expect(listed.Contents ?? []).toEqual([])
      }
      // The cloud upload had started during the PUT (it is streamed), and was undone.
      expect(stack.s3.requests.some((q) => ['PutObject', 'CreateMultipartUpload'].includes(q.operation))).toBe(true)
      expect(readdirSync(stack.dirs.uploads)).toEqual([])
      client.destroy()
    } finally {
      await stack.close()
    }
  })

  it('wrong S3 keys: a clear error at upload and in /api/health', async () => {
    const stack = await startStack({ env: { RUNPOD_S3_SECRET_KEY: 'rps_wrong' } })
    try {
      const res = await fetch(`${stack.url}/api/recordings?filename=tone.wav`, { method: 'PUT', body: new Blob([new Uint8Array(TONE)]) })
      const rec = (await res.json()) as Rec
      const r = await waitForRecording(stack.url, rec.id, (x) => x.status === 'failed')
      expect(r.error).toMatchObject({ code: 'storage_auth' })
      expect((r.error as { message: string }).message).toMatch(/RUNPOD_S3_SECRET_KEY/)
      const h = (await (await fetch(`${stack.url}/api/health`)).json()) as { ok: boolean; s3: { ok: boolean; error: { code: string } } }
      expect(h.ok).toBe(false)
      expect(h.s3).toMatchObject({ ok: false, error: { code: 'storage_auth' } })
    } finally {
      await stack.close()
    }
  })

  it('wrong volume ID: health says the volume was not found', async () => {
    const stack = await startStack({ env: { RUNPOD_VOLUME_ID: 'novolume99' } })
    try {
      const h = (await (await fetch(`${stack.url}/api/health`)).json()) as { s3: { ok: boolean; error: { message: string } } }
      expect(h.s3.ok).toBe(false)
      expect(h.s3.error.message).toMatch(/RUNPOD_VOLUME_ID/)
    } finally {
      await stack.close()
    }
  })

  it('502s during a multipart upload are retried by the SDK and the upload completes intact', async () => {
    const stack = await startStack()
    try {
      stack.s3.faults.failNext(2, 502, { operation: 'UploadPart' })
      stack.s3.faults.failNext(1, 503, { operation: 'CompleteMultipartUpload' })
      const big = Buffer.concat(Array.from({ length: 60 }, () => INTERVIEW)) // ~20 MB: three 8 MB parts
      const res = await fetch(`${stack.url}/api/recordings?filename=big.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(INTERVIEW), new Uint8Array(big)]) })
      // A concatenation of m4a files is still sniffed as m4a; ffprobe reads the first one.
      expect(res.status).toBe(201)
      const rec = (await res.json()) as Rec & { size: number }
      await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded', 30_000)
      expect(stack.s3.faults.pending()).toBe(0)
      const onVolume = await readObject(stack.s3, `scribe-panel/${rec.id}/audio.m4a`)
      expect(onVolume.length).toBe(rec.size)
    } finally {
      await stack.close()
    }
  })
})

describe('bad input and local-server security', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_UPLOAD_MB: '1' } })
  })
  afterAll(async () => stack?.close())

  const put = (name: string, body: Buffer) => fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: new Blob([new Uint8Array(body)]) })

  it('refuses files over the size limit without keeping anything', async () => {
    const res = await put('big.wav', Buffer.concat([TONE, Buffer.alloc(1024 * 1024)]))
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/MAX_UPLOAD_MB/)
    expect(readdirSync(stack.dirs.uploads)).toEqual([])
  })

  it('refuses names with control characters or over 255 characters; accepts Cyrillic', async () => {
    expect((await put('a\u0007b.wav', TONE)).status).toBe(400)
    expect((await put(`${'я'.repeat(300)}.wav`, TONE)).status).toBe(400)
    expect((await put('C:\\Users\\x.wav', TONE)).status).toBe(400)
    const ok = await put('Интервью с Анной.wav', TONE)
    expect(ok.status).toBe(201)
    expect(((await ok.json()) as { filename: string }).filename).toBe('Интервью с Анной.wav')
  })

  it('malformed PATCH bodies get 400 and change nothing', async () => {
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    await finished(stack, rec.id)
    const before = await (await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`)).json()
    for (const body of ['not json', '{}', '{"ops": [{"op": "renameSpeaker"}]}', '{"ops": [{"op": "renameSpeaker", "speaker": "NOPE", "name": "x"}]}']) {
      const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body })
      expect(res.status).toBe(400)
    }
    expect(await (await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`)).json()).toEqual(before)
  })

  it('refuses an edit made on an outdated version (two tabs) and counts undoable edits', async () => {
    const list = (await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: (Rec & { status: string })[] }
    const id = list.recordings.find((r) => r.status === 'done')!.id
    const t = (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as { version: number; undoable: number; speakers: { id: string }[] }
    const patch = (body: unknown) => fetch(`${stack.url}/api/recordings/${id}/transcript`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const op = { op: 'renameSpeaker', speaker: t.speakers[0]!.id, name: 'Tab one' }
    const first = await patch({ ops: [op], version: t.version })
    expect(first.status).toBe(200)
    expect(((await first.json()) as { undoable: number }).undoable).toBe(t.undoable + 1)
    const stale = await patch({ ops: [{ ...op, name: 'Tab two' }], version: t.version })
    expect(stale.status).toBe(409)
    expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/another tab/)
    const now = (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as { speakers: { name: string }[] }
    expect(now.speakers[0]!.name).toBe('Tab one')
  })

  it('refuses forged Host headers (DNS rebinding) and cross-site state changes', async () => {
    const http = await import('node:http')
    const port = Number(new URL(stack.url).port)
    const raw = (method: string, p: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    expect(await raw('GET', '/api/recordings', { host: 'attacker.example' })).toBe(403)
    expect(await raw('GET', '/api/recordings', { host: `localhost:${port}` })).toBe(200)
    const list = (await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: Rec[] }
    const id = list.recordings[0]!.id
    expect(await raw('DELETE', `/api/recordings/${id}`, { host: `127.0.0.1:${port}`, origin: 'https://attacker.example' })).toBe(403)
    expect(await raw('POST', `/api/recordings/${id}/transcribe`, { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site' })).toBe(403)
    expect((await fetch(`${stack.url}/api/recordings/${id}`)).status).toBe(200)
  })

  it('no route reads outside its folders', async () => {
    for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/vendor/wavesurfer/../../../package.json', '/..%2f..%2fpackage.json']) {
      const res = await fetch(`${stack.url}${p}`)
      const text = await res.text()
      expect(text).not.toMatch(/root:x:0|"name": "scribe-panel"/)
    }
  })

  it('server-sent events carry a snapshot and then status changes', async () => {
    const ac = new AbortController()
    const res = await fetch(`${stack.url}/api/events`, { signal: ac.signal })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    let text = ''
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000
      while (!pattern.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
    }
    await readUntil(/event: snapshot/)
    expect(text).toMatch(/event: snapshot\ndata: \{"recordings"/)
    text = ''
    await put('sse.wav', TONE)
    await readUntil(/"status":"uploaded"/)
    expect(text).toMatch(/event: recording\ndata: \{"type":"recording","recording":\{[^\n]*"filename":"sse.wav"/)
    ac.abort()
  })
})

describe('ambiguous /run failures are tried again, visibly and a bounded number of times', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ overrides: { submitRetryDelaysMs: [300, 300, 300] } })
  })
  afterEach(() => stack.emulator.faults.clear())
  afterAll(async () => stack?.close())

  it('a 500 on /run: the recording says the panel will try again and how many tries are left, then the job runs', async () => {
    const rec = await uploadAndWait(stack)
    const before = stack.emulator.jobs.size
    stack.emulator.faults.httpError({ route: 'run', status: 500 })
    const res = await transcribe(stack, rec.id)
    expect(res.status).toBe(202)
    const waiting = (await res.json()) as Rec
    expect(waiting.status).toBe('uploaded')
    expect(waiting.error!.message).toMatch(/RunPod answered HTTP 500 while submitting the job\. The panel will try again in 1 s \(3 tries left\)/)
    expect((await finished(stack, rec.id)).status).toBe('done')
    expect(stack.emulator.jobs.size).toBe(before + 1)
  })

  it('a connection dropped after sending is tried again too', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.dropConnection({ route: 'run', times: 1 })
    const res = await transcribe(stack, rec.id)
    expect(((await res.json()) as Rec).error!.message).toMatch(/could not be reached while submitting the job .*3 tries left/)
    expect((await finished(stack, rec.id)).status).toBe('done')
  })

  it('after the last try the recording fails and says nothing more will be tried', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.httpError({ route: 'run', status: 503, times: 4 })
    await transcribe(stack, rec.id)
    const seen = new Set<string>()
    const deadline = Date.now() + 10_000
    let r: Rec | null = null
    while (Date.now() < deadline) {
      r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
      if (r.error) seen.add(r.error.message.match(/\((\d) tr(y|ies) left\)/)?.[1] ?? r.status)
      if (r.status === 'failed') break
      await new Promise((res) => setTimeout(res, 50))
    }
    expect(r!.status).toBe('failed')
    expect(r!.error!.message).toMatch(/tried 4 times and stops here/)
    expect(r!.error!.message).not.toMatch(/will (retry|try again)/)
    expect([...seen]).toEqual(['3', '2', '1', 'failed'])
  })
})

describe('a job waiting for a GPU that will not come (QUEUE_WARNING_S)', () => {
  let stack: Stack | null = null
  afterEach(async () => {
    await stack?.close()
    stack = null
  })

  it('0 max workers: after QUEUE_WARNING_S the recording says why and how to fix it; the fix lets the job run', async () => {
    stack = await startStack({ env: { QUEUE_WARNING_S: '1' }, emulator: { endpoint: { workersMax: 0 } } })
    const rec = await uploadAndWait(stack)
    expect((await transcribe(stack, rec.id)).status).toBe(202)
    const warned = await waitForRecording(stack.url, rec.id, (r) => (r as unknown as Rec).error?.code === 'job_waiting', 10_000)
    expect(warned.status).toBe('queued')
    expect((warned as unknown as Rec).error!.message).toMatch(/0 max workers.*Open Setup and press "Raise max workers to 1"/)
    expect((await fetch(`${stack.url}/api/setup/fix/max-workers`, { method: 'POST' })).status).toBe(200)
    const done = await finished(stack, rec.id)
    expect(done).toMatchObject({ status: 'done', error: null })
  })

  it('no free GPU: the recording says the worker is throttled', async () => {
    stack = await startStack({ env: { QUEUE_WARNING_S: '1' }, emulator: { gpuAvailability: 'none' } })
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    const warned = (await waitForRecording(stack.url, rec.id, (r) => (r as unknown as Rec).error?.code === 'job_waiting', 10_000)) as unknown as Rec
    expect(warned.error!.message).toMatch(/no GPU of the endpoint's types is free/)
    stack.emulator.faults.setGpuAvailability('available')
    expect((await finished(stack, rec.id)).status).toBe('done')
  })

  it('before QUEUE_WARNING_S nothing is asked or shown', async () => {
    stack = await startStack({ emulator: { endpoint: { workersMax: 0 } } })
    const rec = await uploadAndWait(stack)
    await transcribe(stack, rec.id)
    await new Promise((r) => setTimeout(r, 1500))
    const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
    expect(r).toMatchObject({ status: 'queued', error: null })
    expect(stack.emulator.requests.filter((q) => q.path.startsWith('/rest/'))).toEqual([])
  })
})

describe('progress updates arriving out of order', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ emulator: { executionMs: 2400 } })
  })
  afterAll(async () => stack?.close())

  it('the recording never goes backwards', async () => {
    const rec = await uploadAndWait(stack)
    stack.emulator.faults.nextJob({ outcome: 'progress', progressSteps: 4, progressOutOfOrder: true })
    await transcribe(stack, rec.id)
    const seen: number[] = []
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as Rec
      const p = r.jobProgress as { percent?: number } | null | undefined
      if (p && typeof p.percent === 'number' && seen.at(-1) !== p.percent) seen.push(p.percent)
      if (r.status === 'done') break
      await new Promise((res) => setTimeout(res, 60))
    }
    // The emulator sent 0, 50, 25, 75: the 25 arrives after the 50 and is not shown.
    expect(seen).toContain(50)
    expect(seen).toContain(75)
    expect(seen).not.toContain(25)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
  })
})
