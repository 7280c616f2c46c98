/**
 * The recording's lifecycle: its statuses, their groups, and every change of status. Pure: no I/O, no clock
 * (times come in with the events). Services send events; `transition(recording, event)` answers with the
 * patch to persist and the effects the caller carries out after persisting it. The store writes a status only
 * from a `LifecyclePatch`, which only this module makes, so a status written anywhere else does not compile.
 *
 *   uploading ──UploadFinished──▶ uploaded ──SubmitStarted──▶ submitting ──JobAccepted──▶ queued ⇄ transcribing
 *       │ UploadFailed               ▲  SubmitWillRetry ◀──────┘ │ SubmitFailed            │ JobReported(completed)
 *       ▼                            │                           ▼                         ▼
 *     failed ◀───────────────────────┴──────────────────────── failed ◀── JobFailed ── processing ──ResultStored──▶ done
 *
 * `failed`, `cancelled` and `done` can be submitted again; `failed` uploads can start again.
 */
import { AppError, type ErrorInfo } from './errors.ts'
import type { JobInfo, JobOptions, JobState } from './recording.ts'

export const RECORDING_STATUSES = [
  'uploading',
  'uploaded',
  'submitting',
  'queued',
  'transcribing',
  'processing',
  'done',
  'failed',
  'cancelled',
] as const
export type RecordingStatus = (typeof RECORDING_STATUSES)[number]

/** Statuses in which a job exists on RunPod and the poller follows it. */
export const POLLED_STATUSES: readonly RecordingStatus[] = ['queued', 'transcribing', 'processing']
/** Statuses of a job being submitted or on RunPod: they count against JOB_CONCURRENCY, and start a new job nowhere. */
export const IN_FLIGHT_STATUSES: readonly RecordingStatus[] = ['submitting', ...POLLED_STATUSES]
/** Statuses whose RunPod job can still be cancelled (once processing, the GPU time is spent). */
export const CANCELLABLE_STATUSES: readonly RecordingStatus[] = ['queued', 'transcribing']
/** Statuses a waiting transcription is never dispatched from: its upload or its job is not finished. */
export const NOT_DISPATCHABLE_STATUSES: readonly RecordingStatus[] = ['uploading', ...IN_FLIGHT_STATUSES]

/**
 * The library groups a recording belongs to (the page's filters; one recording can be in several):
 * `new` never transcribed and nothing asked; `active` uploading, waiting for a job slot or running;
 * `running` a job submitted or on RunPod; `done`; `problem` failed or cancelled; `local` kept on this
 * computer because the network volume or RunPod is not configured.
 */
export const RECORDING_GROUPS = ['new', 'active', 'running', 'done', 'problem', 'local'] as const
export type RecordingGroup = (typeof RECORDING_GROUPS)[number]

/**
 * What the user may do with a recording now: start a first transcription, transcribe a finished one again,
 * try a failed or cancelled one again, cancel (a RunPod job, or a transcription waiting for its upload or a
 * job slot), delete.
 */
export const RECORDING_ACTIONS = ['transcribe', 'transcribe-again', 'retry', 'cancel', 'delete'] as const
export type RecordingAction = (typeof RECORDING_ACTIONS)[number]

/** What the lifecycle reads of a recording. */
export interface LifecycleState {
  status: RecordingStatus
  error: ErrorInfo | null
  job: Pick<JobInfo, 'status'> | null
  upload: { sentBytes: number; totalBytes: number }
  jobOptions: JobOptions | null
  /** ISO 8601, or null: a transcription the user asked for that waits for its upload or a job slot. */
  submitRequestedAt: string | null
}

declare const lifecycleBrand: unique symbol

/**
 * A change of a recording made by the lifecycle: a status and the fields that change with it. Only
 * `transition` makes one (the brand cannot be written elsewhere without a cast), and the store's
 * `applyLifecycle` is the only way to write a status.
 */
export type LifecyclePatch = {
  readonly status?: RecordingStatus
  readonly error?: ErrorInfo | null
  readonly jobOptions?: JobOptions | null
  readonly submitRequestedAt?: string | null
  /** bytes */
  readonly sentBytes?: number
  /** bytes */
  readonly totalBytes?: number
  readonly multipartUploadId?: string | null
} & { readonly [lifecycleBrand]: true }

/** What the caller does after persisting the patch. */
export type LifecycleEffect =
  /** Submit transcriptions that waited for an upload or a job slot. */
  | 'dispatch'
  /** Send `/run` for this recording (the patch already says `submitting`). */
  | 'submit'
  /** Put the recording's failed or timed-out job back in RunPod's queue (`/retry`, same job id). */
  | 'retry-job'
  /** Cancel the recording's job on RunPod. */
  | 'cancel-job'
  /** Read, parse, filter and store the result of a completed job. */
  | 'ingest-result'
  /** The job waits in RunPod's queue: watch how long, and say why when it is too long. */
  | 'watch-queue'
  /** The job left RunPod's queue: forget the queue watch. */
  | 'unwatch-queue'

export interface Transition {
  patch: LifecyclePatch
  effects: LifecycleEffect[]
  /**
   * Set when the event came too late for the recording's status (a poll answer after a cancel, an upload
   * that ended after a delete): nothing is written and nothing is done. The reason is for the log.
   */
  ignored?: string
}

/**
 * Everything that changes a recording's status. Events from the user (`SubmitRequested`, `CancelRequested`)
 * that do not fit the status throw; events from the services that come too late are ignored.
 */
export type LifecycleEvent =
  /** A cloud upload starts (a new recording, a resume after a restart, a retry after a failure). */
  | { type: 'UploadStarted' }
  /** The object is on the volume; `bytes` = its size. */
  | { type: 'UploadFinished'; bytes: number }
  | { type: 'UploadFailed'; error: ErrorInfo }
  /**
   * The user asks for a transcription. `slotFree`: a job slot and the `/run` budget allow one now.
   * `now`: ISO 8601, recorded as the request time when it has to wait.
   */
  | { type: 'SubmitRequested'; options: JobOptions; slotFree: boolean; now: string }
  /** `/run` is about to be sent for a request (`options`), now or one that waited. */
  | { type: 'SubmitStarted'; options: JobOptions }
  /** RunPod answered `/run` (or `/retry`) with a job id; the store records the job with this patch. */
  | { type: 'JobAccepted' }
  /** `/run` failed for good. */
  | { type: 'SubmitFailed'; error: ErrorInfo }
  /** `/run` failed with an unknown outcome; the panel tries again later (the request waits, with `error` shown). */
  | { type: 'SubmitWillRetry'; options: JobOptions; error: ErrorInfo; now: string }
  /** `/retry` of the old job is about to be sent. */
  | { type: 'RetryStarted' }
  /** RunPod cannot retry the old job (expired, not retryable): a new one is submitted instead. */
  | { type: 'RetryRefused' }
  /** A poll's answer. `error`: when the job failed, timed out (or was cancelled, not from this panel), what the user is told. */
  | { type: 'JobReported'; state: JobState; error?: ErrorInfo }
  /** Following or reading the job failed in the panel (job gone, result unreadable). */
  | { type: 'JobFailed'; error: ErrorInfo }
  /** The transcript of the job's result is stored. */
  | { type: 'ResultStored' }
  /** The user cancels: a job on RunPod, or a transcription that waits. */
  | { type: 'CancelRequested' }
  /** The panel restarted while this recording was being submitted: whether RunPod got the job is unknown. */
  | { type: 'Interrupted' }

const make = (fields: Omit<LifecyclePatch, typeof lifecycleBrand>): LifecyclePatch => fields as LifecyclePatch
const ignore = (s: LifecycleState, e: LifecycleEvent): Transition => ({ patch: make({}), effects: [], ignored: `${e.type} does not apply to a recording that is ${s.status}` })
const to = (fields: Omit<LifecyclePatch, typeof lifecycleBrand>, ...effects: LifecycleEffect[]): Transition => ({ patch: make(fields), effects })
const within = (s: LifecycleState, statuses: readonly RecordingStatus[]) => statuses.includes(s.status)

/** A waiting transcription: asked for, and not yet submitted. */
export const isPendingSubmit = (s: Pick<LifecycleState, 'submitRequestedAt'>): boolean => s.submitRequestedAt !== null

/** Whether two option sets would produce the same job input. */
function sameOptions(a: JobOptions | null, b: JobOptions): boolean {
  if (!a) return false
  const norm = (o: JobOptions) => JSON.stringify([o.language, o.diarize, o.minSpeakers, o.maxSpeakers, o.model ?? null, o.initialPrompt ?? null, o.batchSize ?? null])
  return norm(a) === norm(b)
}

/**
 * The next state of a recording after `event`.
 * @returns the patch to persist (`store.applyLifecycle`) before carrying out `effects`; `ignored` (with an
 *   empty patch and no effects) when a service event came too late for the recording's status.
 * @throws AppError `conflict` when the user asks for what the status does not allow (a transcription while one
 *   runs or after a failed upload; a cancel with nothing to cancel), with a message that says what to do.
 */
export function transition(s: LifecycleState, event: LifecycleEvent): Transition {
  switch (event.type) {
    case 'UploadStarted':
      if (s.status === 'uploading') return to({})
      return within(s, ['uploaded', 'failed']) ? to({ status: 'uploading', error: null }) : ignore(s, event)
    case 'UploadFinished':
      if (s.status !== 'uploading') return ignore(s, event)
      return to({ status: 'uploaded', sentBytes: event.bytes, totalBytes: event.bytes, error: null, multipartUploadId: null }, 'dispatch')
    case 'UploadFailed':
      return within(s, ['uploading', 'failed']) ? to({ status: 'failed', error: event.error }) : ignore(s, event)
    case 'SubmitRequested': {
      const defer = () => to({ jobOptions: event.options, submitRequestedAt: s.submitRequestedAt ?? event.now })
      if (s.status === 'uploading') return defer()
      if (s.status === 'failed' && s.upload.sentBytes < s.upload.totalBytes) {
        throw new AppError('conflict', `The upload to the network volume failed (${s.error?.message ?? 'unknown reason'}). Fix the cause, then retry the upload before transcribing.`)
      }
      if (within(s, IN_FLIGHT_STATUSES)) {
        throw new AppError('conflict', `This recording is ${describeStatus(s.status)}; it cannot become submitting now.`)
      }
      // Batches: at most JOB_CONCURRENCY jobs on RunPod at once, and /run under its rate limit; the rest wait, in order.
      if (!event.slotFree) return defer()
      const failedJob = s.job !== null && (s.job.status === 'failed' || s.job.status === 'timed-out')
      if (s.status === 'failed' && failedJob && sameOptions(s.jobOptions, event.options)) return to({}, 'retry-job')
      return to({}, 'submit')
    }
    case 'SubmitStarted':
      if (!within(s, ['uploaded', 'failed', 'cancelled', 'done'])) return ignore(s, event)
      return to({ status: 'submitting', jobOptions: event.options, error: null, submitRequestedAt: null })
    case 'JobAccepted':
      return s.status === 'submitting' ? to({ status: 'queued', error: null }) : ignore(s, event)
    case 'SubmitFailed':
      return s.status === 'submitting' ? to({ status: 'failed', error: event.error }) : ignore(s, event)
    case 'SubmitWillRetry':
      if (s.status !== 'submitting') return ignore(s, event)
      return to({ status: 'uploaded', jobOptions: event.options, submitRequestedAt: s.submitRequestedAt ?? event.now, error: event.error })
    case 'RetryStarted':
      return s.status === 'failed' ? to({ status: 'submitting', error: null }) : ignore(s, event)
    case 'RetryRefused':
      return s.status === 'submitting' ? to({ status: 'failed' }) : ignore(s, event)
    case 'JobReported':
      return reported(s, event)
    case 'JobFailed':
      return within(s, POLLED_STATUSES) ? to({ status: 'failed', error: event.error }) : ignore(s, event)
    case 'ResultStored':
      return s.status === 'processing' ? to({ status: 'done', error: null }) : ignore(s, event)
    case 'CancelRequested':
      // A waiting transcription is withdrawn; the recording keeps its status (an upload goes on).
      if (isPendingSubmit(s)) return to({ submitRequestedAt: null, ...(s.status === 'uploaded' ? { error: null } : {}) })
      if (!within(s, CANCELLABLE_STATUSES) || !s.job) {
        throw new AppError('conflict', `There is no running transcription to cancel (the recording is ${s.status}).`)
      }
      return to({ status: 'cancelled', error: null }, 'cancel-job')
    case 'Interrupted':
      if (s.status !== 'submitting') return ignore(s, event)
      return to({
        status: 'failed',
        error: { code: 'conflict', message: 'The panel stopped while submitting this job, so it may or may not have reached RunPod. Start the transcription again.' },
      })
  }
}

function reported(s: LifecycleState, event: Extract<LifecycleEvent, { type: 'JobReported' }>): Transition {
  switch (event.state) {
    case 'queued':
      return within(s, CANCELLABLE_STATUSES) ? to({ status: 'queued' }, 'watch-queue') : ignore(s, event)
    case 'running':
      return within(s, CANCELLABLE_STATUSES) ? to({ status: 'transcribing' }, 'unwatch-queue') : ignore(s, event)
    case 'completed':
      // Also after a cancel that came too late: the result is paid for, so it is kept.
      return within(s, [...POLLED_STATUSES, 'cancelled']) ? to({ status: 'processing' }, 'unwatch-queue', 'ingest-result') : ignore(s, event)
    case 'failed':
    case 'timed-out':
      return within(s, POLLED_STATUSES) ? to({ status: 'failed', error: event.error ?? null }, 'unwatch-queue') : ignore(s, event)
    case 'cancelled':
      if (s.status === 'cancelled') return to({ error: null })
      return within(s, POLLED_STATUSES) ? to({ status: 'cancelled', error: event.error ?? null }, 'unwatch-queue') : ignore(s, event)
  }
}

/** The patch of a recording just created: its upload starts. */
export function created(): LifecyclePatch {
  return make({ status: 'uploading' })
}

/** Whether the recording was kept on this computer only because the volume or RunPod is not configured. */
export function isLocalOnly(s: Pick<LifecycleState, 'status' | 'error'>): boolean {
  return s.status === 'failed' && s.error?.code === 'not_configured'
}

/** The library groups `s` belongs to (see `RecordingGroup`). */
export function groupsOf(s: LifecycleState): RecordingGroup[] {
  const groups: RecordingGroup[] = []
  const local = isLocalOnly(s)
  const pending = isPendingSubmit(s)
  if ((s.status === 'uploading' || s.status === 'uploaded') && !s.job && !pending) groups.push('new')
  if (s.status === 'uploading' || within(s, IN_FLIGHT_STATUSES) || pending) groups.push('active')
  if (within(s, IN_FLIGHT_STATUSES)) groups.push('running')
  if (s.status === 'done') groups.push('done')
  if ((s.status === 'failed' && !local) || s.status === 'cancelled') groups.push('problem')
  if (local) groups.push('local')
  return groups
}

/**
 * The actions the user may take on `s` now (see `RecordingAction`). At most one of `transcribe`,
 * `transcribe-again` and `retry`: none while a job is being submitted or runs.
 */
export function actionsOf(s: LifecycleState): RecordingAction[] {
  const actions: RecordingAction[] = []
  if (!within(s, IN_FLIGHT_STATUSES)) {
    if (s.status === 'done') actions.push('transcribe-again')
    else if ((s.status === 'failed' && !isLocalOnly(s)) || s.status === 'cancelled') actions.push('retry')
    else actions.push('transcribe')
  }
  if (isPendingSubmit(s) || (within(s, CANCELLABLE_STATUSES) && s.job)) actions.push('cancel')
  // The /run request is on its way: its job id must be stored before the job can be cancelled with the recording.
  if (s.status !== 'submitting') actions.push('delete')
  return actions
}

/** Each status in words: the library's chip, the detail line, and the phrase for messages ("This recording is …"). */
const STATUS_WORDS: Record<RecordingStatus, { label: string; text: string; phrase: string }> = {
  uploading: { label: 'uploading', text: 'Uploading to cloud…', phrase: 'uploading to cloud' },
  uploaded: { label: 'ready', text: 'Uploaded to the network volume. Ready to transcribe.', phrase: 'uploaded' },
  submitting: { label: 'submitting', text: 'Submitting the job…', phrase: 'being submitted' },
  queued: { label: 'queued', text: 'Queued (waiting for GPU)…', phrase: 'queued (waiting for a GPU)' },
  transcribing: { label: 'transcribing', text: 'Transcribing on cloud GPU…', phrase: 'transcribing on a cloud GPU' },
  processing: { label: 'processing', text: 'Processing results…', phrase: 'processing results' },
  done: { label: 'done', text: 'Done ✓', phrase: 'done' },
  failed: { label: 'failed', text: 'Failed.', phrase: 'failed' },
  cancelled: { label: 'cancelled', text: 'Cancelled.', phrase: 'cancelled' },
}

/** The library's order by status: what needs the user first (problems), then the way a recording goes, done last. */
const STATUS_RANK: readonly RecordingStatus[] = ['failed', 'cancelled', 'uploading', 'uploaded', 'submitting', 'queued', 'transcribing', 'processing', 'done']

/**
 * How the page shows a recording's status, so that its words and order are kept here, beside the statuses.
 * While uploading, the page follows `text` with the upload's live percentage, then `note`; while transcribing,
 * it shows the worker's reported stage instead of `text` once there is one.
 */
export interface StatusDisplay {
  /** One or two words for the library's chip ("ready", "queued", "on this computer"). */
  label: string
  /** The detail view's status line. */
  text: string
  /** What follows the live percentage while uploading (a transcription waiting for the upload), else null. */
  note: string | null
  /** Place in the library sorted by status (0 first). */
  rank: number
}

/** What the page shows of `s`'s status (see `StatusDisplay`). */
export function displayOf(s: LifecycleState): StatusDisplay {
  const words = STATUS_WORDS[s.status]
  const rank = STATUS_RANK.indexOf(s.status)
  const pending = isPendingSubmit(s)
  const shown = (text: string, label = words.label, note: string | null = null): StatusDisplay => ({ label, text, note, rank })
  if (isLocalOnly(s)) return shown('Saved on this computer; not sent: RunPod is not set up.', 'on this computer')
  switch (s.status) {
    case 'uploading':
      return shown(words.text, words.label, pending ? 'Transcription starts when the upload finishes.' : null)
    case 'uploaded':
      // A /run that will be tried again says so in its error, with the tries left.
      if (pending) return shown(s.error?.message ?? 'Waiting for a free GPU slot (other jobs of this batch are running)…')
      return shown(words.text)
    case 'failed':
      return shown(`Failed: ${s.error?.message ?? 'unknown reason'}`)
    case 'cancelled':
      return shown(s.error ? `Cancelled: ${s.error.message}` : words.text)
    default:
      return shown(words.text)
  }
}

/** The status in words, for messages ("This recording is queued (waiting for a GPU)"). */
export function describeStatus(status: RecordingStatus): string {
  return STATUS_WORDS[status].phrase
}
