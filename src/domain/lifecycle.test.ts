import { describe, expect, it } from 'vitest'
import type { ErrorInfo } from './errors.ts'
import {
  actionsOf,
  describeStatus,
  displayOf,
  groupsOf,
  IN_FLIGHT_STATUSES,
  RECORDING_STATUSES,
  transition,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  type RecordingAction,
  type RecordingGroup,
  type RecordingStatus,
} from './lifecycle.ts'
import type { RecordingPatch } from './store.ts'

const options = { language: 'ru', diarize: true, minSpeakers: null, maxSpeakers: null }
const other = { ...options, language: 'en' }
const NOW = '2026-11-29T16:00:00.000Z'
const EARLIER = '2026-11-29T15:00:00.000Z'
const warn: ErrorInfo = { code: 'runpod_unavailable', message: 'RunPod answered HTTP 502; the panel will retry.' }
const boom: ErrorInfo = { code: 'job_failed', message: 'The worker failed.' }
const noVolume: ErrorInfo = { code: 'not_configured', message: 'Set the volume.' }

/** A recording in `status`, uploaded, never submitted, unless `more` says otherwise. */
function at(status: RecordingStatus, more: Partial<LifecycleState> = {}): LifecycleState {
  return { status, error: null, job: null, upload: { sentBytes: 100, totalBytes: 100 }, jobOptions: null, submitRequestedAt: null, ...more }
}
const withJob = (status: RecordingStatus, jobStatus: 'queued' | 'failed' | 'timed-out' | 'completed' = 'queued', more: Partial<LifecycleState> = {}) =>
  at(status, { job: { status: jobStatus }, jobOptions: options, ...more })

type Row = [what: string, state: LifecycleState, event: LifecycleEvent, patch: Record<string, unknown> | 'ignored', effects?: LifecycleEffect[]]

// One row per rule: the state before, the event, the patch written and the effects asked for.
const ROWS: Row[] = [
  // Cloud upload
  ['a new upload is already uploading', at('uploading'), { type: 'UploadStarted' }, {}],
  ['a failed upload starts again and its error goes', at('failed', { error: warn }), { type: 'UploadStarted' }, { status: 'uploading', error: null }],
  ['an upload does not restart a finished recording', at('done'), { type: 'UploadStarted' }, 'ignored'],
  ['a finished upload makes it uploaded and dispatches waiting work', at('uploading', { upload: { sentBytes: 10, totalBytes: 90 } }), { type: 'UploadFinished', bytes: 80 }, { status: 'uploaded', sentBytes: 80, totalBytes: 80, error: null, multipartUploadId: null }, ['dispatch']],
  ['an upload that ends after a delete-and-resubmit is ignored', at('queued'), { type: 'UploadFinished', bytes: 80 }, 'ignored'],
  ['a failed upload fails the recording', at('uploading'), { type: 'UploadFailed', error: noVolume }, { status: 'failed', error: noVolume }],
  ['a still unconfigured volume keeps it failed', at('failed', { error: noVolume }), { type: 'UploadFailed', error: noVolume }, { status: 'failed', error: noVolume }],
  ['an upload failure after it is done is ignored', at('done'), { type: 'UploadFailed', error: warn }, 'ignored'],

  // Asking for a transcription
  ['during the upload the request waits', at('uploading'), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, { jobOptions: options, submitRequestedAt: NOW }],
  ['a request waiting already keeps its place', at('uploading', { submitRequestedAt: EARLIER }), { type: 'SubmitRequested', options: other, slotFree: true, now: NOW }, { jobOptions: other, submitRequestedAt: EARLIER }],
  ['with no free job slot the request waits', at('uploaded'), { type: 'SubmitRequested', options, slotFree: false, now: NOW }, { jobOptions: options, submitRequestedAt: NOW }],
  ['an uploaded recording is submitted', at('uploaded'), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, {}, ['submit']],
  ['a done recording is submitted again', withJob('done', 'completed'), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, {}, ['submit']],
  ['a cancelled recording is submitted again', withJob('cancelled'), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, {}, ['submit']],
  ['a failed job with the same options is retried on RunPod', withJob('failed', 'failed'), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, {}, ['retry-job']],
  ['a timed-out job with the same options is retried on RunPod', withJob('failed', 'timed-out'), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, {}, ['retry-job']],
  ['a failed job with other options is a new job', withJob('failed', 'failed'), { type: 'SubmitRequested', options: other, slotFree: true, now: NOW }, {}, ['submit']],
  ['a failure before any job is a new job', at('failed', { error: warn }), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, {}, ['submit']],

  // Submitting
  ['submitting clears the request and the error', at('uploaded', { submitRequestedAt: EARLIER, error: warn }), { type: 'SubmitStarted', options }, { status: 'submitting', jobOptions: options, error: null, submitRequestedAt: null }],
  ['a recording already running is not submitted twice', at('queued'), { type: 'SubmitStarted', options }, 'ignored'],
  ['an accepted job is queued', at('submitting'), { type: 'JobAccepted' }, { status: 'queued', error: null }],
  ['an acceptance for a recording no longer submitting is ignored', at('failed'), { type: 'JobAccepted' }, 'ignored'],
  ['a refused /run fails the recording', at('submitting'), { type: 'SubmitFailed', error: warn }, { status: 'failed', error: warn }],
  ['an ambiguous /run waits to be tried again, with the reason', at('submitting'), { type: 'SubmitWillRetry', options, error: warn, now: NOW }, { status: 'uploaded', jobOptions: options, submitRequestedAt: NOW, error: warn }],
  ['a retry of the old job submits it again', withJob('failed', 'failed'), { type: 'RetryStarted' }, { status: 'submitting', error: null }],
  ['a refused retry leaves it failed for a new job', at('submitting'), { type: 'RetryRefused' }, { status: 'failed' }],
  ['a restart while submitting fails it and says why', at('submitting'), { type: 'Interrupted' }, { status: 'failed', error: { code: 'conflict', message: expect.stringContaining('may or may not have reached RunPod') } }],
  ['a restart does not touch a queued job', at('queued'), { type: 'Interrupted' }, 'ignored'],

  // Following the job
  ['a queued job keeps it queued and watches the wait', withJob('queued'), { type: 'JobReported', state: 'queued' }, { status: 'queued' }, ['watch-queue']],
  ['a job queued again after a worker lost it goes back to queued', withJob('transcribing'), { type: 'JobReported', state: 'queued' }, { status: 'queued' }, ['watch-queue']],
  ['a running job is transcribing', withJob('queued'), { type: 'JobReported', state: 'running' }, { status: 'transcribing' }, ['unwatch-queue']],
  ['a late running report after a cancel is ignored', withJob('cancelled'), { type: 'JobReported', state: 'running' }, 'ignored'],
  ['a completed job is processing, and the result is read', withJob('transcribing'), { type: 'JobReported', state: 'completed' }, { status: 'processing' }, ['unwatch-queue', 'ingest-result']],
  ['a completed report while processing reads the result again', withJob('processing'), { type: 'JobReported', state: 'completed' }, { status: 'processing' }, ['unwatch-queue', 'ingest-result']],
  ['a job completed after a late cancel keeps the paid result', withJob('cancelled'), { type: 'JobReported', state: 'completed' }, { status: 'processing' }, ['unwatch-queue', 'ingest-result']],
  ['a failed job fails it with the worker\'s reason', withJob('transcribing'), { type: 'JobReported', state: 'failed', error: boom }, { status: 'failed', error: boom }, ['unwatch-queue']],
  ['a timed-out job fails it', withJob('queued'), { type: 'JobReported', state: 'timed-out', error: boom }, { status: 'failed', error: boom }, ['unwatch-queue']],
  ['a job cancelled on RunPod cancels it and says so', withJob('queued'), { type: 'JobReported', state: 'cancelled', error: boom }, { status: 'cancelled', error: boom }, ['unwatch-queue']],
  ['a cancelled report after a cancel from the panel says nothing more', withJob('cancelled'), { type: 'JobReported', state: 'cancelled', error: boom }, { error: null }],
  ['a report for a done recording is ignored', withJob('done'), { type: 'JobReported', state: 'failed', error: boom }, 'ignored'],
  ['a lost job fails it', withJob('queued'), { type: 'JobFailed', error: boom }, { status: 'failed', error: boom }],
  ['an unreadable result fails it', withJob('processing'), { type: 'JobFailed', error: boom }, { status: 'failed', error: boom }],
  ['a stored result makes it done', withJob('processing'), { type: 'ResultStored' }, { status: 'done', error: null }],
  ['a result stored for a recording not processing is ignored', withJob('failed'), { type: 'ResultStored' }, 'ignored'],

  // Cancelling
  ['cancelling a waiting request withdraws it and its message', at('uploaded', { submitRequestedAt: EARLIER, error: warn }), { type: 'CancelRequested' }, { submitRequestedAt: null, error: null }],
  ['cancelling a request waiting for its upload keeps the upload going', at('uploading', { submitRequestedAt: EARLIER }), { type: 'CancelRequested' }, { submitRequestedAt: null }],
  ['cancelling a queued job cancels it on RunPod', withJob('queued'), { type: 'CancelRequested' }, { status: 'cancelled', error: null }, ['cancel-job']],
  ['cancelling a transcribing job cancels it on RunPod', withJob('transcribing'), { type: 'CancelRequested' }, { status: 'cancelled', error: null }, ['cancel-job']],
]

describe('transition', () => {
  it.each(ROWS)('%s', (_what, state, event, patch, effects = []) => {
    const t = transition(state, event)
    if (patch === 'ignored') {
      expect(t.ignored).toMatch(new RegExp(`^${event.type} does not apply to a recording that is ${state.status}$`))
      expect({ ...t.patch }).toEqual({})
      expect(t.effects).toEqual([])
      return
    }
    expect(t.ignored).toBeUndefined()
    expect({ ...t.patch }).toEqual(patch)
    expect(t.effects).toEqual(effects)
  })

  // The user's requests that do not fit: a clear conflict, nothing written.
  const REFUSED: [what: string, state: LifecycleState, event: LifecycleEvent, message: RegExp][] = [
    ['a transcription after a failed upload', at('failed', { error: warn, upload: { sentBytes: 10, totalBytes: 100 } }), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, /upload to the network volume failed \(RunPod answered HTTP 502.*retry the upload before transcribing/],
    ...IN_FLIGHT_STATUSES.map((status): [string, LifecycleState, LifecycleEvent, RegExp] => [`a transcription while ${status}`, withJob(status), { type: 'SubmitRequested', options, slotFree: true, now: NOW }, /^This recording is .+; it cannot become submitting now\.$/]),
    ['a cancel with nothing running', at('uploaded'), { type: 'CancelRequested' }, /no running transcription to cancel \(the recording is uploaded\)/],
    ['a cancel while processing (the GPU time is spent)', withJob('processing'), { type: 'CancelRequested' }, /the recording is processing/],
    ['a cancel of a queued recording without a job', at('queued'), { type: 'CancelRequested' }, /no running transcription/],
  ]
  it.each(REFUSED)('refuses %s', (_what, state, event, message) => {
    expect(() => transition(state, event)).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringMatching(message) }))
  })

  it('answers every event in every status without throwing, except the user requests above', () => {
    const events: LifecycleEvent[] = [
      { type: 'UploadStarted' },
      { type: 'UploadFinished', bytes: 1 },
      { type: 'UploadFailed', error: boom },
      { type: 'SubmitStarted', options },
      { type: 'JobAccepted' },
      { type: 'SubmitFailed', error: boom },
      { type: 'SubmitWillRetry', options, error: warn, now: NOW },
      { type: 'RetryStarted' },
      { type: 'RetryRefused' },
      ...(['queued', 'running', 'completed', 'failed', 'timed-out', 'cancelled'] as const).map((state): LifecycleEvent => ({ type: 'JobReported', state })),
      { type: 'JobFailed', error: boom },
      { type: 'ResultStored' },
      { type: 'Interrupted' },
    ]
    for (const status of RECORDING_STATUSES) {
      for (const event of events) {
        const t = transition(withJob(status), event)
        // A written status is always one of the statuses.
        if (t.patch.status !== undefined) expect(RECORDING_STATUSES).toContain(t.patch.status)
      }
    }
  })
})

describe('groups and actions (what the page is sent)', () => {
  const CASES: [what: string, state: LifecycleState, groups: RecordingGroup[], actions: RecordingAction[]][] = [
    ['a new upload', at('uploading', { upload: { sentBytes: 0, totalBytes: 100 } }), ['new', 'active'], ['transcribe', 'delete']],
    ['an upload with a transcription waiting', at('uploading', { submitRequestedAt: EARLIER }), ['active'], ['transcribe', 'cancel', 'delete']],
    ['a new uploaded recording', at('uploaded'), ['new'], ['transcribe', 'delete']],
    ['an uploaded one waiting for a job slot', at('uploaded', { submitRequestedAt: EARLIER }), ['active'], ['transcribe', 'cancel', 'delete']],
    ['an uploaded one whose earlier job was withdrawn', withJob('uploaded', 'completed'), [], ['transcribe', 'delete']],
    ['one being submitted (delete waits for its job id)', at('submitting'), ['active', 'running'], []],
    ['a queued job', withJob('queued'), ['active', 'running'], ['cancel', 'delete']],
    ['a transcribing job', withJob('transcribing'), ['active', 'running'], ['cancel', 'delete']],
    ['results being processed', withJob('processing'), ['active', 'running'], ['delete']],
    ['a done one', withJob('done', 'completed'), ['done'], ['transcribe-again', 'delete']],
    ['a done one transcribed again, waiting for a slot', withJob('done', 'completed', { submitRequestedAt: EARLIER }), ['active', 'done'], ['transcribe-again', 'cancel', 'delete']],
    ['a failed job', withJob('failed', 'failed', { error: boom }), ['problem'], ['retry', 'delete']],
    ['a cancelled job', withJob('cancelled'), ['problem'], ['retry', 'delete']],
    ['one kept on this computer (no volume)', at('failed', { error: noVolume, upload: { sentBytes: 0, totalBytes: 100 } }), ['local'], ['transcribe', 'delete']],
  ]
  it.each(CASES)('%s', (_what, state, groups, actions) => {
    expect(groupsOf(state)).toEqual(groups)
    expect(actionsOf(state)).toEqual(actions)
  })
})

describe('the store', () => {
  it('takes no status outside a lifecycle patch (checked by the type checker)', () => {
    // @ts-expect-error a status is written only through applyLifecycle with a patch from transition()
    const stray: RecordingPatch = { status: 'done' }
    // @ts-expect-error a plain object is not a LifecyclePatch
    const forged: import('./lifecycle.ts').LifecyclePatch = { status: 'done' }
    expect([stray, forged]).toHaveLength(2)
  })
})

describe('the status as the page shows it (what the page is sent)', () => {
  const CASES: [what: string, state: LifecycleState, label: string, text: string, note: string | null][] = [
    ['an upload', at('uploading', { upload: { sentBytes: 0, totalBytes: 100 } }), 'uploading', 'Uploading to cloud…', null],
    ['an upload with a transcription waiting', at('uploading', { submitRequestedAt: EARLIER }), 'uploading', 'Uploading to cloud…', 'Transcription starts when the upload finishes.'],
    ['an uploaded one', at('uploaded'), 'ready', 'Uploaded to the network volume. Ready to transcribe.', null],
    ['one waiting for a job slot', at('uploaded', { submitRequestedAt: EARLIER }), 'ready', 'Waiting for a free GPU slot (other jobs of this batch are running)…', null],
    ['a /run to be tried again', at('uploaded', { submitRequestedAt: EARLIER, error: warn }), 'ready', warn.message, null],
    ['a queued job', withJob('queued'), 'queued', 'Queued (waiting for GPU)…', null],
    ['a transcribing job', withJob('transcribing'), 'transcribing', 'Transcribing on cloud GPU…', null],
    ['a done one', withJob('done', 'completed'), 'done', 'Done ✓', null],
    ['a failed job', withJob('failed', 'failed', { error: boom }), 'failed', 'Failed: The worker failed.', null],
    ['a failure without a reason', withJob('failed', 'failed'), 'failed', 'Failed: unknown reason', null],
    ['a cancelled job', withJob('cancelled'), 'cancelled', 'Cancelled.', null],
    ['a job cancelled on RunPod', withJob('cancelled', 'queued', { error: boom }), 'cancelled', 'Cancelled: The worker failed.', null],
    ['one kept on this computer', at('failed', { error: noVolume, upload: { sentBytes: 0, totalBytes: 100 } }), 'on this computer', 'Saved on this computer; not sent: RunPod is not set up.', null],
  ]
  it.each(CASES)('%s', (_what, state, label, text, note) => {
    expect(displayOf(state)).toMatchObject({ label, text, note })
  })

  it('orders problems first, then the way a recording goes, done last', () => {
    const order = [...RECORDING_STATUSES].sort((a, b) => displayOf(at(a)).rank - displayOf(at(b)).rank)
    expect(order).toEqual(['failed', 'cancelled', 'uploading', 'uploaded', 'submitting', 'queued', 'transcribing', 'processing', 'done'])
    expect(describeStatus('queued')).toBe('queued (waiting for a GPU)')
  })
})
