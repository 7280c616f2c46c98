/**
 * Transcription jobs, put together from services with one job each: `Submission` (a request becomes a RunPod
 * job now or waits its turn), `JobPoller` (follows every job whether or not a page is open) and `ResultIngest`
 * (a finished job's result becomes a transcript version). Every status change goes through the lifecycle and
 * is written to the store before it is acted on; `resume()` picks everything up again after a restart.
 */
import type { ErrorInfo } from '../domain/errors.ts'
import type { Logger, ObjectStore, RecordingFiles, TranscriptionBackend } from '../domain/ports.ts'
import type { JobOptions } from '../domain/recording.ts'
import type { SpeechMap } from '../domain/speech-map.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import type { EventBus } from './events.ts'
import type { ExportService } from './exports.ts'
import { JobPoller } from './job-poller.ts'
import { QueueWatch } from './queue-watch.ts'
import { RecordingLifecycle } from './recording-lifecycle.ts'
import { ResultIngest } from './result-ingest.ts'
import { Submission } from './submission.ts'

export { jobPolicy } from './submission.ts'

export interface JobDeps {
  store: RecordingStore
  /** Where jobs run; a not-configured backend throws `not_configured` from every call. */
  backend: TranscriptionBackend
  /** The volume: where the worker's audio and result files are; null when its settings are missing. */
  objectStore: ObjectStore | null
  events: EventBus
  exports: ExportService
  logger: Logger
  /** Where the worker's output is saved before it is parsed. */
  files: RecordingFiles
  /** Poll each job at most this often (ms). */
  pollIntervalMs: number
  /** RunPod jobs in flight at once; further transcriptions wait in the panel (JOB_CONCURRENCY). */
  jobConcurrency: number
  /**
   * Cap on `/status` requests per second across all jobs (see `JobPollerDeps`); default 100/s.
   */
  maxStatusPerSecond?: number
  /**
   * Waits (ms) before each new try of a `/run` whose outcome is unknown (a 5xx, or the connection dropped after
   * the request was sent); their number bounds the tries. Default 5 s, 20 s, 60 s. A duplicate job costs a few
   * GPU seconds; a lost one costs the user a retry, so the panel tries again by itself.
   */
  submitRetryDelaysMs?: readonly number[]
  /** After this long in RunPod's queue (ms, QUEUE_WARNING_S), the panel asks `queueDiagnosis` why. Default 300 s. */
  queueWarningMs?: number
  /**
   * Why jobs may wait forever (0 max workers, no free GPU), in words with the fix, or null when nothing is
   * wrong that the panel can see. Asked at most once a minute per waiting job.
   */
  queueDiagnosis?: () => Promise<ErrorInfo | null>
  /**
   * The recording's speech map for the hallucination filter (computed on upload; computed now if missing).
   * Absent or failing: the filter judges from the text alone and says so in each decision's evidence.
   */
  speechMap?: (r: StoredRecording) => Promise<SpeechMap | null>
  /** The speech map if it is computed already; a transcript never waits for it (see speech-judgement.ts). */
  storedSpeechMap?: (r: StoredRecording) => Promise<SpeechMap | null>
}

export class JobService {
  readonly submission: Submission
  readonly poller: JobPoller
  readonly ingest: ResultIngest

  constructor(deps: JobDeps) {
    const { store, backend, objectStore, events, logger } = deps
    const lifecycle = new RecordingLifecycle({ store, events, logger })
    this.ingest = new ResultIngest({ store, backend, objectStore, lifecycle, events, exports: deps.exports, logger, files: deps.files, speechMap: deps.speechMap, storedSpeechMap: deps.storedSpeechMap })
    this.poller = new JobPoller({
      store,
      backend,
      lifecycle,
      ingest: this.ingest,
      events,
      logger,
      pollIntervalMs: deps.pollIntervalMs,
      maxStatusPerSecond: deps.maxStatusPerSecond,
      queueWatch: deps.queueDiagnosis && new QueueWatch({ store, lifecycle, logger, diagnosis: deps.queueDiagnosis, warningMs: deps.queueWarningMs }),
      onTick: () => this.submission.dispatch(),
    })
    this.submission = new Submission({
      store,
      backend,
      objectStore,
      lifecycle,
      logger,
      jobConcurrency: deps.jobConcurrency,
      submitRetryDelaysMs: deps.submitRetryDelaysMs,
      onAccepted: (id) => this.poller.followSoon(id),
    })
  }

  /** See `Submission.start`. */
  start(id: string, options: JobOptions): Promise<StoredRecording> {
    return this.submission.start(id, options)
  }

  /** See `Submission.cancel`. */
  cancel(id: string): Promise<StoredRecording> {
    return this.submission.cancel(id)
  }

  /** Called by the upload service when a cloud upload completes: submits a transcription that was waiting. */
  onUploaded(id: string): void {
    this.submission.onUploaded(id)
  }

  /** Resumes after a restart and starts the poller. Safe to call once per process. */
  resume(): void {
    this.submission.resume()
    this.poller.start()
  }

  stop(): void {
    this.poller.stop()
  }

  /** Number of polls in flight (tests, shutdown). */
  get busy(): number {
    return this.poller.busy
  }
}
