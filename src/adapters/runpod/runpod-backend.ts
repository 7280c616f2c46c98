/**
 * The transcription backend on a RunPod Serverless endpoint, over the raw queue API client: builds the
 * worker's input with its profile (private here), maps HTTP answers to domain errors with messages a user
 * can act on, and RunPod's error field to plain words
 * (https://docs.runpod.io/serverless/endpoints/operation-reference).
 */
import type { WorkerKind } from '../../domain/worker-contract.ts'
import { AppError } from '../../domain/errors.ts'
import type { AudioReference, JobReport, JobState, TranscriptionBackend, TranscriptionRequest, WorkerResult } from '../../domain/ports.ts'
import { workerProfile, type WorkerProfile, type WorkerSettings } from './worker-profiles.ts'
import {
  networkErrorCode,
  RunpodApiError,
  RunpodCancelSchema,
  RunpodClient,
  RunpodHealthSchema,
  RunpodJobSchema,
  RunpodResponseError,
  type RunpodJobStatus,
  SUBMIT_RETRY,
} from './runpod-client.ts'

/** Serverless workers mount the network volume here (https://docs.runpod.io/storage/network-volumes). */
const VOLUME_MOUNT = '/runpod-volume'

/**
 * A job's state in the domain's words for RunPod's status (https://docs.runpod.io/serverless/endpoints/job-states):
 * IN_QUEUE waits for a worker, IN_PROGRESS runs on one, COMPLETED ended (with or without `output`), FAILED is the
 * worker's error, CANCELLED was cancelled, TIMED_OUT ran past the job's execution timeout or time to live.
 */
export function jobState(status: RunpodJobStatus): JobState {
  return JOB_STATES[status]
}

const JOB_STATES: Record<RunpodJobStatus, JobState> = {
  IN_QUEUE: 'queued',
  IN_PROGRESS: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TIMED_OUT: 'timed-out',
}

/** The audio location the worker reads: the presigned URL, or the object's path under the volume mount. */
export function workerAudioLocation(audio: AudioReference): string {
  return audio.kind === 'presigned' ? audio.url : `${VOLUME_MOUNT}/${audio.key}`
}

export class RunpodBackend implements TranscriptionBackend {
  private readonly client: RunpodClient
  private readonly profile: WorkerProfile
  private readonly settings: WorkerSettings
  /**
   * @param worker - the worker contract (`RUNPOD_WORKER`) and the default model and batch size for its input.
   */
  constructor(client: RunpodClient, worker: { kind: WorkerKind } & WorkerSettings) {
    this.client = client
    this.profile = workerProfile(worker.kind)
    this.settings = { model: worker.model, batchSize: worker.batchSize }
  }

  async submit({ audio, options, policy }: TranscriptionRequest) {
    // Checked against the worker's contract before /run, so a wrong option fails here, not after a paid cold start.
    const input = this.profile.buildInput(workerAudioLocation(audio), options, this.settings)
    try {
      const job = await this.client.call('POST', 'run', RunpodJobSchema, { body: { input, policy }, retry: SUBMIT_RETRY })
      return { id: job.id, state: jobState(job.status) }
    } catch (err) {
      throw translateRunpodError(err, 'submitting the job')
    }
  }

  async status(jobId: string): Promise<JobReport> {
    try {
      const job = await this.client.call('GET', `status/${encodeURIComponent(jobId)}`, RunpodJobSchema)
      return {
        id: job.id,
        state: jobState(job.status),
        timings: { queueMs: job.delayTime ?? null, executionMs: job.executionTime ?? null },
        // During IN_PROGRESS RunPod's `output` is the worker's last progress update; on COMPLETED its result.
        progress: job.status === 'IN_PROGRESS' ? (job.output ?? null) : null,
        result: job.status === 'COMPLETED' ? job.output : undefined,
        error: job.status === 'FAILED' ? describeWorkerError(job.error) : null,
      }
    } catch (err) {
      throw await this.translateJobError(err, 'checking the job')
    }
  }

  readResult(result: unknown): WorkerResult {
    return this.profile.readOutput(result)
  }

  assertConfigured(): void {}

  async retry(jobId: string) {
    try {
      const job = await this.client.call('POST', `retry/${encodeURIComponent(jobId)}`, RunpodJobSchema, { body: {}, retry: SUBMIT_RETRY })
      return { id: job.id, state: jobState(job.status) }
    } catch (err) {
      throw await this.translateJobError(err, 'retrying the job')
    }
  }

  /**
   * A 404 about a job means either a wrong endpoint or a job that is gone (TTL or result retention
   * passed: https://docs.runpod.io/serverless/endpoints/send-requests): `/health` tells which.
   */
  private async translateJobError(err: unknown, what: string): Promise<AppError> {
    if (err instanceof RunpodApiError && err.status === 404) {
      const endpointOk = await this.health().then(
        () => true,
        () => false,
      )
      if (endpointOk) {
        return new AppError(
          'job_expired',
          'RunPod no longer has this job: its result expired (RunPod keeps results for 30 minutes) or its time to live ran out. Start the transcription again.',
          { cause: err },
        )
      }
    }
    return translateRunpodError(err, what)
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.client.call('POST', `cancel/${encodeURIComponent(jobId)}`, RunpodCancelSchema, { body: {} })
    } catch (err) {
      throw translateRunpodError(err, 'cancelling the job')
    }
  }

  async health() {
    try {
      const h = await this.client.call('GET', 'health', RunpodHealthSchema, { retry: { statuses: [], network: 'connect-only' } })
      return { workers: h.workers, jobs: h.jobs }
    } catch (err) {
      throw translateRunpodError(err, 'checking the endpoint')
    }
  }
}

/**
 * Turns a client failure into an AppError (status meanings: https://docs.runpod.io/serverless/endpoints/send-requests).
 * @param what - what the panel was doing, for the message ("submitting the job").
 */
export function translateRunpodError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err
  if (err instanceof RunpodApiError) {
    switch (err.status) {
      case 401:
      case 403:
        return new AppError('runpod_auth', `RunPod refused the API key while ${what}. Check RUNPOD_API_KEY in .env (a Serverless API key with access to this endpoint).`, { cause: err })
      case 404:
        return new AppError('runpod_not_found', `RunPod does not know this endpoint (while ${what}). Check RUNPOD_ENDPOINT_ID in .env.`, { cause: err })
      case 400:
        return new AppError('bad_request', `RunPod rejected the request while ${what} (HTTP 400). ${briefBody(err.body)}`, { cause: err })
      case 429:
        return new AppError('runpod_rate_limited', `RunPod is rate limiting this endpoint (while ${what}); the panel backed off and will try again.`, { retryable: true, cause: err })
      default:
        return new AppError('runpod_unavailable', `RunPod answered HTTP ${err.status} while ${what}; the panel will retry.`, { retryable: err.status >= 500, cause: err })
    }
  }
  if (err instanceof RunpodResponseError) {
    return new AppError('runpod_unavailable', `${err.message} (while ${what}).`, { retryable: true, cause: err })
  }
  const code = networkErrorCode(err)
  if (code) {
    return new AppError('runpod_unavailable', `RunPod could not be reached while ${what} (${code}). Check your connection and RUNPOD_API_BASE; the panel will retry.`, { retryable: true, cause: err })
  }
  return new AppError('runpod_unavailable', `Talking to RunPod failed while ${what}: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, cause: err })
}

function briefBody(body: string): string {
  const b = body.trim().slice(0, 300)
  return b ? `RunPod said: ${b}` : ''
}

/**
 * Plain words for RunPod's `error` field on a FAILED job (runpod-python `runpod/serverless/modules/rp_job.py` (https://github.com/runpod/runpod-python); kodxana/whisperx-worker returns a list): a string
 * (handler returned `{error}`), a JSON-encoded string of `{error_type, error_message, …}` (handler
 * raised), or a list of validation messages (rp_validator via the Hub worker).
 */
export function describeWorkerError(error: unknown): string {
  if (Array.isArray(error)) return error.map((e) => describeWorkerError(e)).join('; ')
  if (typeof error === 'string') {
    const s = error.trim()
    if (s.startsWith('{')) {
      try {
        const parsed = JSON.parse(s) as unknown
        if (parsed && typeof parsed === 'object') {
          const o = parsed as Record<string, unknown>
          const msg = typeof o.error_message === 'string' ? o.error_message : undefined
          const type = typeof o.error_type === 'string' ? o.error_type.replace(/^<class '(.+)'>$/, '$1') : undefined
          if (msg) return type ? `${type}: ${msg}` : msg
        }
      } catch {
        // Not JSON after all: use the string as is.
      }
    }
    return s || 'The worker reported a failure without a message.'
  }
  if (error && typeof error === 'object') {
    const o = error as Record<string, unknown>
    if (typeof o.error_message === 'string') return o.error_message
    if (typeof o.message === 'string') return o.message
    return JSON.stringify(error).slice(0, 500)
  }
  return 'The worker reported a failure without a message.'
}
