/**
 * Submission over a scripted backend and an in-memory store: what reaches the backend, what is refused before it,
 * and how a `/run` with an unknown outcome, a job slot, a retry of a failed job and a cancel play out.
 */
import { describe, expect, it } from 'vitest'
import { NotConfiguredBackend } from '../adapters/runpod/not-configured-backend.ts'
import { AppError } from '../domain/errors.ts'
import { transition, type LifecycleEvent } from '../domain/lifecycle.ts'
import type { TranscriptionBackend } from '../domain/ports.ts'
import { EventBus } from './events.ts'
import { RecordingLifecycle } from './recording-lifecycle.ts'
import { jobPolicy, Submission } from './submission.ts'
import { current, MemoryLogger, MemoryVolume, OPTIONS, ScriptedBackend, storeWith } from './test-fakes.ts'
import type { SqliteStore } from '../adapters/store/sqlite-store.ts'

const unavailable = () => new AppError('runpod_unavailable', 'RunPod answered HTTP 502 while submitting the job; the panel will retry.', { retryable: true })

/**
 * A submission of `store`'s recordings to a scripted backend (`script`: its answers) or to `backend`.
 * `dispatched()` dispatches waiting transcriptions and lets them finish.
 */
function setup(store: SqliteStore, more: { script?: Partial<Pick<ScriptedBackend, 'submits' | 'retries' | 'cancels'>>; backend?: TranscriptionBackend; jobConcurrency?: number } = {}) {
  const scripted = Object.assign(new ScriptedBackend(), more.script)
  const backend = more.backend ?? scripted
  const logger = new MemoryLogger()
  const accepted: string[] = []
  const submission = new Submission({
    store,
    backend,
    objectStore: new MemoryVolume(),
    lifecycle: new RecordingLifecycle({ store, events: new EventBus(), logger }),
    logger,
    jobConcurrency: more.jobConcurrency ?? 5,
    submitRetryDelaysMs: [0, 0],
    onAccepted: (id) => accepted.push(id),
  })
  const dispatched = async () => {
    submission.dispatch()
    await settle()
  }
  return { submission, backend: scripted, accepted, dispatched }
}

/** Lets the submissions `dispatch()` started without awaiting them finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

const apply = (store: SqliteStore, id: string, event: LifecycleEvent) => store.applyLifecycle(id, transition(current(store, id), event).patch)

describe('Submission.start', () => {
  it('sends the volume\'s audio reference, the options and a policy scaled to the recording, and stores the job the moment it is accepted', async () => {
    const store = storeWith('r1', 'uploaded')
    const { submission, backend, accepted } = setup(store)
    const r = await submission.start('r1', OPTIONS)
    expect(backend.called('submit')).toEqual([{ audio: { kind: 'volume-path', key: 'scribe-panel/r1/audio.m4a' }, options: OPTIONS, policy: jobPolicy(60) }])
    expect(r).toMatchObject({ status: 'queued', jobOptions: OPTIONS, error: null, job: { id: 'job-1', status: 'queued', audioReference: 'volume-path' } })
    expect(accepted).toEqual(['r1'])
  })

  it('refuses a recording whose job is on RunPod before calling the backend, and changes nothing', async () => {
    const store = storeWith('r1', 'transcribing')
    const { submission, backend } = setup(store)
    await expect(submission.start('r1', OPTIONS)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/transcribing/) })
    expect(backend.calls).toEqual([])
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', job: { id: 'job-r1', status: 'running' } })
  })

  it('refuses a recording whose upload failed, and says to retry the upload first', async () => {
    const store = storeWith('r1', 'uploading')
    apply(store, 'r1', { type: 'UploadFailed', error: { code: 'storage_unavailable', message: 'The volume did not answer.' } })
    const { submission, backend } = setup(store)
    await expect(submission.start('r1', OPTIONS)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/retry the upload before transcribing/) })
    expect(backend.calls).toEqual([])
  })

  it('refuses when RunPod is not configured, before the request is stored', async () => {
    const store = storeWith('r1', 'uploaded')
    const { submission } = setup(store, { backend: new NotConfiguredBackend() })
    await expect(submission.start('r1', OPTIONS)).rejects.toMatchObject({ code: 'not_configured' })
    expect(current(store, 'r1')).toMatchObject({ status: 'uploaded', jobOptions: null, submitRequestedAt: null })
  })

  it('surfaces an error that another try would not fix (bad_request): the recording fails with it, and nothing is tried again', async () => {
    const store = storeWith('r1', 'uploaded')
    const { submission, backend, dispatched } = setup(store, { script: { submits: [new AppError('bad_request', 'RunPod rejected the request while submitting the job (HTTP 400).')] } })
    await expect(submission.start('r1', OPTIONS)).rejects.toMatchObject({ code: 'bad_request' })
    expect(current(store, 'r1')).toMatchObject({ status: 'failed', job: null, error: { code: 'bad_request' }, submitRequestedAt: null })
    await dispatched()
    expect(backend.called('submit')).toHaveLength(1)
  })

  it('tries a /run with an unknown outcome again after each wait, saying how many tries are left, and then stops and says so', async () => {
    const store = storeWith('r1', 'uploaded')
    const { submission, backend, dispatched } = setup(store, { script: { submits: [unavailable()] } })
    const first = await submission.start('r1', OPTIONS)
    expect(first).toMatchObject({ status: 'uploaded', jobOptions: OPTIONS, submitRequestedAt: expect.any(String), error: { code: 'runpod_unavailable', message: expect.stringMatching(/try again in 0 s \(2 tries left\)/) } })
    await dispatched()
    expect(current(store, 'r1').error?.message).toMatch(/\(1 try left\)/)
    await dispatched()
    expect(backend.called('submit')).toHaveLength(3)
    expect(current(store, 'r1')).toMatchObject({ status: 'failed', submitRequestedAt: null, error: { code: 'runpod_unavailable', message: expect.stringMatching(/tried 3 times and stops here/) } })
    await dispatched()
    expect(backend.called('submit')).toHaveLength(3)
  })

  it('a /run tried again that RunPod accepts stores the job and clears the error', async () => {
    const store = storeWith('r1', 'uploaded')
    const { submission, accepted, dispatched } = setup(store, { script: { submits: [unavailable(), { id: 'job-7', state: 'queued' }] } })
    await submission.start('r1', OPTIONS)
    await dispatched()
    expect(current(store, 'r1')).toMatchObject({ status: 'queued', error: null, submitRequestedAt: null, job: { id: 'job-7', status: 'queued' } })
    expect(accepted).toEqual(['r1'])
  })

  it('keeps a transcription waiting while every job slot is taken, and sends it when one frees up', async () => {
    const store = storeWith('r1', 'queued')
    storeWith('r2', 'uploaded', store)
    const { submission, backend, dispatched } = setup(store, { script: { submits: [{ id: 'job-2', state: 'queued' }] }, jobConcurrency: 1 })
    expect(await submission.start('r2', OPTIONS)).toMatchObject({ status: 'uploaded', submitRequestedAt: expect.any(String) })
    await dispatched()
    expect(backend.called('submit')).toEqual([])
    apply(store, 'r1', { type: 'JobReported', state: 'failed', error: { code: 'job_failed', message: 'x' } })
    await dispatched()
    expect(current(store, 'r2')).toMatchObject({ status: 'queued', job: { id: 'job-2' } })
  })

  it('retries a failed job with the same options on RunPod (same id) instead of paying for a new upload reference', async () => {
    const store = storeWith('r1', 'failed')
    const { submission, backend, accepted } = setup(store)
    const r = await submission.start('r1', OPTIONS)
    expect(backend.called('retry')).toEqual(['job-r1'])
    expect(backend.called('submit')).toEqual([])
    expect(r).toMatchObject({ status: 'queued', error: null, job: { id: 'job-r1', status: 'queued', delayTime: null, executionTime: null } })
    expect(accepted).toEqual(['r1'])
  })

  it('submits a new job when RunPod no longer holds the failed one, and a new job for other options', async () => {
    const store = storeWith('r1', 'failed')
    storeWith('r2', 'failed', store)
    const { submission, backend } = setup(store, { script: { retries: [new AppError('job_expired', 'RunPod no longer has this job.')], submits: [{ id: 'job-2', state: 'queued' }, { id: 'job-3', state: 'queued' }] } })
    expect(await submission.start('r1', OPTIONS)).toMatchObject({ status: 'queued', job: { id: 'job-2' } })
    expect(await submission.start('r2', { ...OPTIONS, language: 'ru' })).toMatchObject({ status: 'queued', job: { id: 'job-3' } })
    expect(backend.called('retry')).toEqual(['job-r1'])
  })
})

describe('Submission.cancel', () => {
  it('cancels the job on RunPod first: when that fails the recording goes on as it was; when it works the job is cancelled', async () => {
    const store = storeWith('r1', 'transcribing')
    const { submission, backend } = setup(store, { script: { cancels: [unavailable(), undefined] } })
    await expect(submission.cancel('r1')).rejects.toMatchObject({ code: 'runpod_unavailable' })
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', job: { status: 'running' } })
    expect(await submission.cancel('r1')).toMatchObject({ status: 'cancelled', job: { status: 'cancelled' } })
    expect(backend.called('cancel')).toEqual(['job-r1', 'job-r1'])
  })

  it('withdraws a transcription that waits without calling RunPod', async () => {
    const store = storeWith('r1', 'uploading')
    const { submission, backend } = setup(store)
    await submission.start('r1', OPTIONS)
    expect(await submission.cancel('r1')).toMatchObject({ status: 'uploading', submitRequestedAt: null })
    expect(backend.calls).toEqual([])
  })
})

describe('Submission.resume', () => {
  it('fails a recording the panel stopped while submitting, saying the job may or may not have reached RunPod', () => {
    const store = storeWith('r1', 'uploaded')
    apply(store, 'r1', { type: 'SubmitStarted', options: OPTIONS })
    const { submission, backend } = setup(store)
    submission.resume()
    expect(current(store, 'r1')).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/may or may not have reached RunPod/) } })
    expect(backend.calls).toEqual([])
  })
})
