/**
 * The job poller over a scripted backend and an in-memory store: which lifecycle event each job state becomes,
 * what is stored with it, when polling stops, and what a failing status check does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SqliteStore } from '../adapters/store/sqlite-store.ts'
import { AppError, type ErrorInfo } from '../domain/errors.ts'
import type { JobReport, JobState } from '../domain/ports.ts'
import type { RecordingStatus } from '../domain/recording.ts'
import type { StoredRecording } from '../domain/store.ts'
import { EventBus, type PanelEvent } from './events.ts'
import { JobPoller } from './job-poller.ts'
import { QueueWatch } from './queue-watch.ts'
import { RecordingLifecycle } from './recording-lifecycle.ts'
import { current, MemoryLogger, report, ScriptedBackend, storeWith, type Answer } from './test-fakes.ts'

/** A result ingest that only records what it was given; `recovers`: whether a result file is "on the volume". */
class RecordingIngest {
  readonly ingested: { id: string; status: RecordingStatus; report: JobReport }[] = []
  readonly recovered: string[] = []
  recovers = false
  async ingest(r: StoredRecording, rep: JobReport): Promise<void> {
    this.ingested.push({ id: r.id, status: r.status, report: rep })
  }
  async recover(r: StoredRecording): Promise<boolean> {
    this.recovered.push(r.id)
    return this.recovers
  }
}

function setup(store: SqliteStore, backend = new ScriptedBackend(), more: { queueDiagnosis?: () => Promise<ErrorInfo | null>; queueWarningMs?: number } = {}) {
  const events = new EventBus()
  const published: PanelEvent[] = []
  events.subscribe((_seq, e) => published.push(e))
  const logger = new MemoryLogger()
  const ingest = new RecordingIngest()
  const lifecycle = new RecordingLifecycle({ store, events, logger })
  const queueWatch = more.queueDiagnosis && new QueueWatch({ store, lifecycle, logger, diagnosis: more.queueDiagnosis, warningMs: more.queueWarningMs })
  const poller = new JobPoller({ store, backend, lifecycle, ingest, events, logger, pollIntervalMs: 1000, queueWatch })
  return { poller, backend, ingest, published, logger }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('JobPoller.poll: each state the backend reports', () => {
  const cases: [JobState, Partial<JobReport>, RecordingStatus, { job: JobState; error: ErrorInfo | null; ingested: boolean }][] = [
    ['queued', {}, 'queued', { job: 'queued', error: null, ingested: false }],
    ['running', { timings: { queueMs: 1500, executionMs: null } }, 'transcribing', { job: 'running', error: null, ingested: false }],
    ['completed', { timings: { queueMs: 1500, executionMs: 9000 }, result: { segments: [] } }, 'processing', { job: 'completed', error: null, ingested: true }],
    ['failed', { error: 'CUDA_OOM: The GPU ran out of memory; choose a smaller batch size.' }, 'failed', { job: 'failed', error: { code: 'job_failed', message: 'The GPU ran out of memory; choose a smaller batch size. (worker error CUDA_OOM)' }, ingested: false }],
    ['timed-out', {}, 'failed', { job: 'timed-out', error: { code: 'job_timed_out', message: expect.stringMatching(/RunPod timed the job out/) }, ingested: false }],
    ['cancelled', {}, 'cancelled', { job: 'cancelled', error: { code: 'job_cancelled', message: expect.stringMatching(/cancelled on RunPod \(not from this panel\)/) }, ingested: false }],
  ]
  it.each(cases)('%s', async (state, more, status, expected) => {
    const store = storeWith('r1', 'transcribing')
    const backend = new ScriptedBackend()
    backend.statuses = [report(state, { id: 'job-r1', ...more })]
    const { poller, ingest, published } = setup(store, backend)
    await poller.poll(current(store, 'r1'))
    expect(backend.called('status')).toEqual(['job-r1'])
    expect(current(store, 'r1')).toMatchObject({ status, error: expected.error, job: { id: 'job-r1', status: expected.job } })
    expect(ingest.ingested.map((i) => [i.id, i.status, i.report.state])).toEqual(expected.ingested ? [['r1', 'processing', 'completed']] : [])
    expect(published.filter((e) => e.type === 'recording').at(-1)).toMatchObject({ recording: { id: 'r1', status } })
  })

  it('stores the queue and GPU times RunPod reports when the job ends', async () => {
    const store = storeWith('r1', 'transcribing')
    const backend = new ScriptedBackend()
    backend.statuses = [report('completed', { id: 'job-r1', timings: { queueMs: 1500, executionMs: 9000 } })]
    const { poller } = setup(store, backend)
    await poller.poll(current(store, 'r1'))
    expect(current(store, 'r1')).toMatchObject({ job: { delayTime: 1500, executionTime: 9000 }, summary: { gpuMs: 9000, queueMs: 1500 } })
  })

  it('keeps the latest progress of a running job and tells the page; an older update arriving late is not shown', async () => {
    const store = storeWith('r1', 'queued')
    const backend = new ScriptedBackend()
    backend.statuses = [
      report('running', { id: 'job-r1', progress: { stage: 'aligning', percent: 10 } }),
      report('running', { id: 'job-r1', progress: { stage: 'transcribing', percent: 90 } }),
    ]
    const { poller, published } = setup(store, backend)
    await poller.poll(current(store, 'r1'))
    await poller.poll(current(store, 'r1'))
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', jobProgress: { stage: 'aligning', percent: 10 } })
    expect(published.filter((e) => e.type === 'job-progress')).toEqual([{ type: 'job-progress', id: 'r1', progress: { stage: 'aligning', percent: 10 } }])
  })

  it('ignores a report that comes after the user cancelled in the panel', async () => {
    const store = storeWith('r1', 'transcribing')
    const backend = new ScriptedBackend()
    backend.statuses = [report('running', { id: 'job-r1' })]
    const { poller } = setup(store, backend)
    const before = current(store, 'r1')
    // What Submission.cancel does once RunPod took the cancel.
    store.updateJob('job-r1', { status: 'cancelled', finished: true })
    new RecordingLifecycle({ store, events: new EventBus(), logger: new MemoryLogger() }).apply(before, { type: 'CancelRequested' })
    await poller.poll(before)
    expect(current(store, 'r1')).toMatchObject({ status: 'cancelled', job: { status: 'cancelled' } })
  })
})

describe('JobPoller.poll: a status check that fails', () => {
  it('a network failure keeps the job followed and shows the problem; the next answer clears it', async () => {
    const store = storeWith('r1', 'transcribing')
    const backend = new ScriptedBackend()
    backend.statuses = [new AppError('runpod_unavailable', 'RunPod could not be reached while checking the job (ECONNRESET).', { retryable: true }), report('running', { id: 'job-r1' })]
    const { poller } = setup(store, backend)
    await poller.poll(current(store, 'r1'))
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', error: { code: 'runpod_unavailable' }, job: { status: 'running' } })
    await poller.poll(current(store, 'r1'))
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', error: null })
  })

  it('a revoked API key (not retryable, but the job may still run) keeps the job followed too', async () => {
    const store = storeWith('r1', 'queued')
    const backend = new ScriptedBackend()
    backend.statuses = [new AppError('runpod_auth', 'RunPod refused the API key while checking the job.')]
    const { poller } = setup(store, backend)
    await poller.poll(current(store, 'r1'))
    expect(current(store, 'r1')).toMatchObject({ status: 'queued', error: { code: 'runpod_auth' } })
  })

  it('a job RunPod forgot is looked for on the volume first, and fails the recording when no result file is there', async () => {
    const store = storeWith('r1', 'transcribing')
    const backend = new ScriptedBackend()
    backend.statuses = [new AppError('job_expired', 'RunPod no longer has this job: its result expired. Start the transcription again.')]
    const { poller, ingest } = setup(store, backend)
    await poller.poll(current(store, 'r1'))
    expect(ingest.recovered).toEqual(['r1'])
    expect(current(store, 'r1')).toMatchObject({ status: 'failed', error: { code: 'job_expired', message: expect.stringMatching(/Start the transcription again/) } })
  })

  it('a job RunPod forgot whose result file is on the volume is left to result ingest', async () => {
    const store = storeWith('r1', 'transcribing')
    const backend = new ScriptedBackend()
    backend.statuses = [new AppError('job_expired', 'RunPod no longer has this job.')]
    const { poller, ingest } = setup(store, backend)
    ingest.recovers = true
    await poller.poll(current(store, 'r1'))
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', error: null })
  })
})

/**
 * Recording r1 queued, its job answered by `statuses` in turn, and the poller started on fake timers (`watch`:
 * a queue watch with this diagnosis and warning time).
 */
function following(statuses: Answer<JobReport>[], watch: { queueDiagnosis?: () => Promise<ErrorInfo | null>; queueWarningMs?: number } = {}) {
  vi.useFakeTimers()
  const store = storeWith('r1', 'queued')
  const backend = new ScriptedBackend()
  backend.statuses = statuses
  const { poller } = setup(store, backend, watch)
  poller.start()
  return { store, backend, poller }
}

describe('JobPoller: following jobs over time', () => {
  it('polls a job once per interval until it ends, then stops', async () => {
    const { store, backend, poller } = following([report('queued', { id: 'job-r1' }), report('running', { id: 'job-r1' }), report('failed', { id: 'job-r1', error: 'boom' })])
    await vi.advanceTimersByTimeAsync(10_000)
    poller.stop()
    expect(backend.called('status')).toEqual(['job-r1', 'job-r1', 'job-r1'])
    expect(current(store, 'r1')).toMatchObject({ status: 'failed', job: { status: 'failed' } })
  })

  it('after a failed status check, waits at least 5 s before asking again', async () => {
    const { backend, poller } = following([new AppError('runpod_unavailable', 'RunPod answered HTTP 502 while checking the job; the panel will retry.', { retryable: true }), report('queued', { id: 'job-r1' })])
    await vi.advanceTimersByTimeAsync(4_500)
    expect(backend.called('status')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(backend.called('status')).toHaveLength(2)
    poller.stop()
  })

  it('asks why a job waits in the queue past the warning time and shows the answer beside "Queued"', async () => {
    const warning: ErrorInfo = { code: 'runpod_unavailable', message: 'The endpoint has 0 max workers; raise it.' }
    const diagnosis = vi.fn(async () => warning)
    const { store, poller } = following([report('queued', { id: 'job-r1' })], { queueDiagnosis: diagnosis, queueWarningMs: 3000 })
    await vi.advanceTimersByTimeAsync(2_500)
    expect(diagnosis).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(2_000)
    expect(diagnosis).toHaveBeenCalledTimes(1)
    expect(current(store, 'r1')).toMatchObject({ status: 'queued', error: warning })
    poller.stop()
  })

  it('asks again at most once a minute, and keeps showing the last reason on every answer in between', async () => {
    const warning: ErrorInfo = { code: 'runpod_unavailable', message: 'No GPU of the endpoint\'s types is free.' }
    const diagnosis = vi.fn(async () => warning)
    const { store, poller } = following([report('queued', { id: 'job-r1' })], { queueDiagnosis: diagnosis, queueWarningMs: 1000 })
    await vi.advanceTimersByTimeAsync(50_000)
    expect(diagnosis).toHaveBeenCalledTimes(1)
    expect(current(store, 'r1').error).toEqual(warning)
    await vi.advanceTimersByTimeAsync(15_000)
    expect(diagnosis).toHaveBeenCalledTimes(2)
    poller.stop()
  })

  it('forgets the wait of a job that left the queue: queued again, it waits the warning time anew', async () => {
    const diagnosis = vi.fn(async () => null)
    const { poller } = following([report('queued', { id: 'job-r1' }), report('queued', { id: 'job-r1' }), report('running', { id: 'job-r1' }), report('queued', { id: 'job-r1' })], { queueDiagnosis: diagnosis, queueWarningMs: 2500 })
    // Polls at 0.25, 1.25 (queued), 2.25 (running), 3.25 s (queued again), then every second: the first poll 2.5 s
    // after 3.25 s is at 6.25 s. Had the first wait been kept, it would have asked at 3.25 s.
    await vi.advanceTimersByTimeAsync(6_000)
    expect(diagnosis).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(500)
    expect(diagnosis).toHaveBeenCalledTimes(1)
    poller.stop()
  })
})
