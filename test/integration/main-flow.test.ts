/**
 * The main job end to end over HTTP, against the S3 stand-in and the RunPod emulator, on the real
 * two-speaker interview recording (test/fixtures/interview.m4a). The main flow runs through the worker's real
 * code: the emulator starts worker/handler.py under RunPod's Python SDK (with the WhisperX stand-in); the other
 * cases use the emulator's TypeScript worker, which checks input against the same contract.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import JSZip from 'jszip'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pythonWorkerOrExplain } from '../../standins/runpod/python-worker.ts'
import { deleteObject, readObject } from '../../standins/s3/server.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const INTERVIEW = readFileSync(path.join(FIXTURES, 'interview.m4a'))

interface ApiRecording {
  id: string
  status: string
  size: number
  duration: number
  filename: string
  upload: { sentBytes: number; totalBytes: number }
  job: null | { id: string; status: string; audioReference: string; delayTime: number | null; executionTime: number | null }
  error: null | { code: string; message: string }
  duplicateOf?: string | null
}
interface ApiTranscript {
  language: string
  duration: number
  speakers: { id: string; name: string }[]
  segments: {
    id: string
    start: number
    end: number
    speaker: string | null
    text: string
    words: { text: string; start: number; end: number; score: number | null; estimated: boolean }[]
    filtered: null | { rule: string; reason: string; evidence?: { speechShare: number | null; speechMethod: string | null; notes: string[] } | null }
  }[]
  version: number
}

async function upload(stack: Stack, name: string, body: Uint8Array | string): Promise<Response> {
  return fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]) })
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T
}

const pythonWorker = await pythonWorkerOrExplain("the main flow through worker/handler.py under RunPod's Python SDK")

describe.skipIf(pythonWorker === null)("main flow through worker/handler.py under RunPod's Python SDK (presigned URLs refused → volume path)", () => {
  let stack: Stack
  let rec: ApiRecording
  let transcript: ApiTranscript

  beforeAll(async () => {
    // The worker waits 1 s (not 10) for a missing audio file: the AUDIO_NOT_FOUND case below stays quick.
    stack = await startStack({ presign: 'unsupported', audioReference: 'auto', emulator: { pythonWorker: { setup: pythonWorker!, env: { SCRIBE_AUDIO_WAIT_SECONDS: '1' } } } })
    const res = await upload(stack, 'Интервью 2026.m4a', INTERVIEW)
    expect(res.status).toBe(201)
    rec = await json<ApiRecording>(res)
  })
  afterAll(async () => stack?.close())

  it('stores the upload with its name, size and duration, then sends it to the volume', async () => {
    // The answer is the recording as it is when the PUT ends: the cloud upload ran alongside, so it may be over.
    expect(rec).toMatchObject({ filename: 'Интервью 2026.m4a', size: INTERVIEW.length, job: null, error: null })
    expect(['uploading', 'uploaded']).toContain(rec.status)
    expect(rec.duration).toBeCloseTo(40.456, 1)
    const uploaded = (await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')) as unknown as ApiRecording
    expect(uploaded.upload).toEqual({ sentBytes: INTERVIEW.length, totalBytes: INTERVIEW.length })
    const onVolume = await readObject(stack.s3, `scribe-panel/${rec.id}/audio.m4a`)
    expect(onVolume.equals(INTERVIEW)).toBe(true)
  })

  it('serves the audio with Range support and the waveform peaks', async () => {
    const full = await fetch(`${stack.url}/api/recordings/${rec.id}/audio`)
    expect(full.status).toBe(200)
    expect(full.headers.get('accept-ranges')).toBe('bytes')
    expect(Buffer.from(await full.arrayBuffer()).equals(INTERVIEW)).toBe(true)
    const part = await fetch(`${stack.url}/api/recordings/${rec.id}/audio`, { headers: { range: 'bytes=100-199' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${INTERVIEW.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(INTERVIEW.subarray(100, 200))).toBe(true)
    const bad = await fetch(`${stack.url}/api/recordings/${rec.id}/audio`, { headers: { range: `bytes=${INTERVIEW.length + 10}-` } })
    expect(bad.status).toBe(416)
    const peaks = await json<{ duration: number; peaks: number[] }>(await fetch(`${stack.url}/api/recordings/${rec.id}/peaks`))
    expect(peaks.duration).toBeCloseTo(40.45, 1)
    expect(peaks.peaks.length).toBeGreaterThan(1000)
    expect(Math.max(...peaks.peaks)).toBeGreaterThan(0.3)
    // The 4 s of room tone at the end is quiet.
    expect(Math.max(...peaks.peaks.slice(-300))).toBeLessThan(0.05)
  })

  it('transcribes: stores the job id, follows it to Done, keeps the raw output and writes exports', async () => {
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'en', diarize: true, minSpeakers: 2, maxSpeakers: 2 }),
    })
    expect(res.status).toBe(202)
    const submitted = await json<ApiRecording>(res)
    expect(submitted.status).toBe('queued')
    expect(submitted.job?.id).toMatch(/.+/)
    expect(submitted.job?.audioReference).toBe('volume-path')

    const seen = new Set<string>()
    const done = (await waitForRecording(stack.url, rec.id, (r) => {
      seen.add(r.status)
      return r.status === 'done' || r.status === 'failed'
    })) as unknown as ApiRecording
    expect(done.error).toBeNull()
    expect(done.status).toBe('done')
    expect(seen.has('transcribing') || seen.has('queued')).toBe(true)
    expect(done.job).toMatchObject({ status: 'COMPLETED', audioReference: 'volume-path' })
    expect(done.job!.delayTime).toBeGreaterThan(0)
    expect(done.job!.executionTime).toBeGreaterThan(0)

    const job = stack.emulator.jobs.get(done.job!.id)!
    expect(job.input).toMatchObject({ audio: `/runpod-volume/scribe-panel/${rec.id}/audio.m4a`, language: 'en', diarize: true, align: true, min_speakers: 2, max_speakers: 2 })
    expect(job.policy?.executionTimeout).toBeGreaterThanOrEqual(600_000)

    // The worker's real code ran: it took the job from the emulator's job-take route and wrote its result file
    // beside the audio, which the volume's S3 API now serves.
    expect(stack.emulator.pythonWorker!.log()).toContain(done.job!.id)
    const onVolume = JSON.parse((await readObject(stack.s3, `scribe-panel/${rec.id}/result-${done.job!.id}.json`)).toString('utf8')) as { segments: unknown[]; model: string }
    expect(onVolume).toMatchObject({ model: 'large-v3', segments: expect.any(Array) })

    const outDir = path.join(stack.dirs.output, rec.id)
    expect(existsSync(path.join(outDir, `raw-${done.job!.id}.json`))).toBe(true)
    // The copies in output/<id>/ are written right after the transcript is stored.
    for (const ext of ['json', 'md', 'docx']) await expect.poll(() => existsSync(path.join(outDir, `transcript.${ext}`))).toBe(true)
  })

  it('returns a normalized transcript that tolerates the WhisperX quirks and filters the hallucinated tail', async () => {
    // The transcript does not wait for the speech map (computed on this computer); when the map comes after it, its
    // judgement completes the stored version moments later. Under load that is after Done: wait for it.
    const load = async () => json<ApiTranscript>(await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`))
    const heard = (t: ApiTranscript) => t.segments.some((s) => s.filtered?.evidence?.speechMethod === 'silero-vad')
    await expect.poll(async () => heard(await load()), { timeout: 60_000, interval: 200 }).toBe(true)
    transcript = await load()
    expect(transcript.language).toBe('en')
    expect(transcript.speakers.map((s) => s.id)).toEqual(['SPEAKER_00', 'SPEAKER_01'])
    const kept = transcript.segments.filter((s) => s.filtered === null)
    expect(kept.length).toBeGreaterThanOrEqual(7)
    // Digits come back without timestamps from WhisperX: kept, with estimated times.
    const year = kept.flatMap((s) => s.words).find((w) => w.text.includes('2016'))!
    expect(year).toMatchObject({ estimated: true, score: null })
    expect(year.start).toBeGreaterThan(0)
    // One segment has no speaker in the worker output.
    expect(transcript.segments.some((s) => s.speaker === null && s.filtered === null)).toBe(true)
    // The real "Thank you." between turns stays; the invented tail is filtered with a reason.
    expect(kept.some((s) => s.text === 'Thank you.')).toBe(true)
    const filtered = transcript.segments.filter((s) => s.filtered !== null)
    expect(filtered.map((s) => s.text)).toEqual(expect.arrayContaining(['Продолжение следует...', 'Thanks for watching!']))
    for (const s of filtered) expect(s.filtered!.reason.length).toBeGreaterThan(10)
    // The speech map computed on upload (Silero VAD, beside the peaks) is the evidence: no voice under the tail.
    expect(existsSync(path.join(stack.dirs.uploads, rec.id, 'speech.json'))).toBe(true)
    const tail = filtered.find((s) => s.text === 'Thanks for watching!')!
    expect(tail.filtered!.evidence).toMatchObject({ speechMethod: 'silero-vad' })
    expect(tail.filtered!.evidence!.speechShare!).toBeLessThan(0.2)
    expect(tail.filtered!.evidence!.notes[0]).toMatch(/^no speech under this line/)
  })

  it('computes the speech map on demand for a recording that has none (uploaded before speech maps)', async () => {
    const file = path.join(stack.dirs.uploads, rec.id, 'speech.json')
    rmSync(file)
    const stored = stack.panel.store.getRecording(rec.id)!
    const map = await stack.panel.uploads.speechMap(stored)
    expect(map).toMatchObject({ method: 'silero-vad', version: 1 })
    expect(map!.regions.length).toBeGreaterThan(3)
    expect(existsSync(file)).toBe(true)
    // Cached: the second call reads the file.
    expect(await stack.panel.uploads.speechMap(stored)).toEqual(map)
  })

  it('renames a speaker everywhere, exports included', async () => {
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops: [{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'Interviewer' }, { op: 'renameSpeaker', speaker: 'SPEAKER_01', name: 'Эллисон' }] }),
    })
    expect(res.status).toBe(200)
    const t = await json<ApiTranscript>(res)
    expect(t.speakers).toEqual([
      { id: 'SPEAKER_00', name: 'Interviewer' },
      { id: 'SPEAKER_01', name: 'Эллисон' },
    ])
    expect(t.version).toBe(transcript.version + 1)

    const md = await fetch(`${stack.url}/api/recordings/${rec.id}/export/md`)
    expect(md.status).toBe(200)
    expect(md.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('Интервью 2026.md')}`)
    const mdText = await md.text()
    expect(mdText).toContain('Interviewer:')
    expect(mdText).toContain('Эллисон:')
    expect(mdText).not.toContain('SPEAKER_00')

    const docx = await fetch(`${stack.url}/api/recordings/${rec.id}/export/docx`)
    expect(docx.headers.get('content-type')).toContain('wordprocessingml')
    const xml = await (await JSZip.loadAsync(await docx.arrayBuffer())).file('word/document.xml')!.async('string')
    expect(xml).toContain('Interviewer')
    expect(xml).toContain('Эллисон')

    const exported = JSON.parse(await (await fetch(`${stack.url}/api/recordings/${rec.id}/export/json`)).text()) as ApiTranscript
    expect(exported.speakers[1]!.name).toBe('Эллисон')
    for (const f of ['srt', 'vtt', 'txt', 'maxqda']) {
      const r = await fetch(`${stack.url}/api/recordings/${rec.id}/export/${f}`)
      expect(r.status).toBe(200)
      expect(await r.text()).toContain('Interviewer')
    }
    // The saved files follow the edit.
    await expect.poll(() => readFileSync(path.join(stack.dirs.output, rec.id, 'transcript.md'), 'utf8')).toContain('Эллисон')
  })

  it('restores a filtered segment', async () => {
    const tail = transcript.segments.find((s) => s.text === 'Thanks for watching!')!
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops: [{ op: 'restoreSegment', segmentId: tail.id }] }),
    })
    const t = await json<ApiTranscript>(res)
    expect(t.segments.find((s) => s.id === tail.id)!.filtered).toBeNull()
  })

  it('finds the recording by name and by transcript text', async () => {
    const byName = await json<{ recordings: ApiRecording[] }>(await fetch(`${stack.url}/api/recordings?q=${encodeURIComponent('интервью')}`))
    expect(byName.recordings.map((r) => r.id)).toEqual([rec.id])
    const byText = await json<{ recordings: ApiRecording[] }>(await fetch(`${stack.url}/api/recordings?q=weasels`))
    expect(byText.recordings.map((r) => r.id)).toEqual([rec.id])
    const none = await json<{ recordings: ApiRecording[] }>(await fetch(`${stack.url}/api/recordings?q=zebra`))
    expect(none.recordings).toEqual([])
  })

  it('reports health without secrets', async () => {
    const res = await fetch(`${stack.url}/api/health`)
    const text = await res.text()
    const h = JSON.parse(text) as { ok: boolean; configured: boolean; s3: { ok: boolean }; runpod: { ok: boolean } }
    expect(h).toMatchObject({ ok: true, configured: true, s3: { ok: true }, runpod: { ok: true } })
    for (const secret of [stack.env.RUNPOD_API_KEY!, stack.env.RUNPOD_S3_SECRET_KEY!, stack.env.RUNPOD_S3_ACCESS_KEY!]) expect(text).not.toContain(secret)
  })

  it('marks a second upload of the same bytes as a duplicate', async () => {
    const res = await upload(stack, 'copy.m4a', INTERVIEW)
    const second = await json<ApiRecording>(res)
    expect(second.duplicateOf).toBe(rec.id)
  })

  it("shows the worker's own sentence when the audio is not on the volume (AUDIO_NOT_FOUND from worker/handler.py)", async () => {
    const res = await upload(stack, 'gone.wav', readFileSync(path.join(FIXTURES, 'tone.wav')))
    const gone = await json<ApiRecording>(res)
    await waitForRecording(stack.url, gone.id, (r) => r.status === 'uploaded')
    // The object disappears from the volume before the worker looks for it (the emulator's mount follows).
    await deleteObject(stack.s3, stack.panel.store.getRecording(gone.id)!.objectKey)
    await fetch(`${stack.url}/api/recordings/${gone.id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const failed = (await waitForRecording(stack.url, gone.id, (r) => r.status === 'failed' || r.status === 'done')) as unknown as ApiRecording
    expect(failed.error?.code).toBe('job_failed')
    expect(failed.error?.message).toMatch(/is the network volume attached to this endpoint\?.*\(worker error AUDIO_NOT_FOUND\)$/)
  })
})

describe('presigned URLs where the store supports them', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ presign: 'supported', audioReference: 'auto' })
  })
  afterAll(async () => stack?.close())

  it('sends the worker a presigned URL after a successful preflight', async () => {
    const rec = await json<ApiRecording>(await upload(stack, 'interview.m4a', INTERVIEW))
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST' })
    expect(res.status).toBe(202)
    const done = (await waitForRecording(stack.url, rec.id, (r) => r.status === 'done' || r.status === 'failed')) as unknown as ApiRecording
    expect(done.error).toBeNull()
    expect(done.job!.audioReference).toBe('presigned')
    const input = stack.emulator.jobs.get(done.job!.id)!.input as { audio: string; language?: unknown }
    expect(input.audio).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/7z79eg0uur\/scribe-panel\/.+X-Amz-Signature=/)
    // Automatic language detection: the contract's `language: null`.
    expect(input.language).toBeNull()
  })
})

describe('bad input', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(async () => stack?.close())

  const errorOf = async (res: Response) => (await json<{ error: { code: string; message: string } }>(res)).error

  it('rejects an empty file, a non-audio file and names with folders; keeps what is stored', async () => {
    const good = await json<ApiRecording>(await upload(stack, 'good.m4a', INTERVIEW))

    const empty = await upload(stack, 'empty.m4a', new Uint8Array())
    expect(empty.status).toBe(400)
    expect((await errorOf(empty)).message).toMatch(/empty/)

    const text = await upload(stack, 'not-audio.m4a', readFileSync(path.join(FIXTURES, 'not-audio.m4a')))
    expect(text.status).toBe(415)
    expect((await errorOf(text)).message).toMatch(/not an audio file/)

    const traversal = await upload(stack, '../../etc/passwd.m4a', INTERVIEW)
    expect(traversal.status).toBe(400)
    expect((await errorOf(traversal)).message).toMatch(/without folders/)

    const noName = await fetch(`${stack.url}/api/recordings`, { method: 'PUT', body: new Blob([INTERVIEW]) })
    expect(noName.status).toBe(400)

    const list = await json<{ recordings: ApiRecording[] }>(await fetch(`${stack.url}/api/recordings`))
    expect(list.recordings.map((r) => r.id)).toEqual([good.id])
    const audio = await fetch(`${stack.url}/api/recordings/${good.id}/audio`)
    expect(Buffer.from(await audio.arrayBuffer()).equals(INTERVIEW)).toBe(true)
  })

  it('answers unknown ids with 404 and malformed options with 400', async () => {
    for (const p of ['', '/audio', '/peaks', '/transcript', '/export/md']) {
      const res = await fetch(`${stack.url}/api/recordings/00000000-0000-0000-0000-000000000000${p}`)
      expect(res.status).toBe(404)
      expect((await errorOf(res)).code).toBe('not_found')
    }
    expect((await fetch(`${stack.url}/api/recordings/..%2F..%2Fetc`)).status).toBe(404)
    const rec = await json<ApiRecording>(await upload(stack, 'a.m4a', INTERVIEW))
    const bad = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST', body: '{"language": "Russian please"}' })
    expect(bad.status).toBe(400)
    const notJson = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST', body: 'language=ru' })
    expect(notJson.status).toBe(400)
    const noTranscript = await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`)
    expect(noTranscript.status).toBe(404)
    const badFormat = await fetch(`${stack.url}/api/recordings/${rec.id}/export/pdf`)
    expect(badFormat.status).toBe(400)
  })

  it('refuses to transcribe a recording whose upload failed, and says why', async () => {
    stack.s3.faults.failNext(1000, 500, { operation: 'any', method: 'PUT' })
    stack.s3.faults.failNext(1000, 500, { operation: 'any', method: 'POST' })
    const rec = await json<ApiRecording>(await upload(stack, 'fails.m4a', INTERVIEW))
    const failed = (await waitForRecording(stack.url, rec.id, (r) => r.status === 'failed', 30_000)) as unknown as ApiRecording
    stack.s3.faults.clear()
    expect(failed.error!.code).toBe('storage_unavailable')
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST' })
    expect(res.status).toBe(409)
    expect((await errorOf(res)).message).toMatch(/upload to the network volume failed/)
    // The local copy is untouched.
    const audio = await fetch(`${stack.url}/api/recordings/${rec.id}/audio`)
    expect(Buffer.from(await audio.arrayBuffer()).equals(INTERVIEW)).toBe(true)
  })
})

describe('without RunPod settings', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ unconfigured: true })
  })
  afterAll(async () => stack?.close())

  it('serves the page, keeps uploads locally and names the missing settings', async () => {
    const page = await fetch(`${stack.url}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Scribe Panel')
    const h = await json<{ configured: boolean; missing: string[] }>(await fetch(`${stack.url}/api/health`))
    expect(h.configured).toBe(false)
    expect(h.missing).toContain('RUNPOD_API_KEY')
    const rec = await json<ApiRecording>(await upload(stack, 'local.m4a', INTERVIEW))
    const failed = await waitForRecording(stack.url, rec.id, (r) => r.status === 'failed')
    expect((failed.error as { code: string }).code).toBe('not_configured')
    const res = await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, { method: 'POST' })
    expect(res.status).toBe(503)
    expect((await json<{ error: { message: string } }>(res)).error.message).toMatch(/RUNPOD_API_KEY/)
  })
})

describe('RunPod Hub worker contract (whisperx-hub)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ worker: 'whisperx-hub', presign: 'supported', audioReference: 'presigned' })
  })
  afterAll(async () => stack?.close())

  it('sends audio_file / align_output / diarization and reads {segments, detected_language}', async () => {
    const rec = await json<ApiRecording>(await upload(stack, 'interview.m4a', INTERVIEW))
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    await fetch(`${stack.url}/api/recordings/${rec.id}/transcribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'en', diarize: true, minSpeakers: 2, initialPrompt: 'Weasels' }),
    })
    const done = (await waitForRecording(stack.url, rec.id, (r) => r.status === 'done' || r.status === 'failed')) as unknown as ApiRecording
    expect(done.error).toBeNull()
    const input = stack.emulator.jobs.get(done.job!.id)!.input
    expect(Object.keys(input).sort()).toEqual(['align_output', 'audio_file', 'batch_size', 'diarization', 'initial_prompt', 'language', 'min_speakers'])
    expect(input).toMatchObject({ align_output: true, diarization: true, language: 'en', min_speakers: 2 })
    const t = await json<ApiTranscript>(await fetch(`${stack.url}/api/recordings/${rec.id}/transcript`))
    expect(t.language).toBe('en')
    expect(t.speakers.map((s) => s.id)).toEqual(['SPEAKER_00', 'SPEAKER_01'])
  })
})
