/**
 * Result ingest: a completed job's output (or the worker's result file on the volume) saved raw, then read,
 * normalized, filtered for hallucinations and stored as a new transcript version; export copies follow.
 * The raw output is on disk before it is parsed, so nothing paid for is lost if reading it fails.
 */
import path from 'node:path'
import pLimit from 'p-limit'
import { AppError, toErrorInfo } from '../domain/errors.ts'
import type { JobReport, ObjectStore, RecordingFiles, TranscriptionBackend } from '../domain/ports.ts'
import type { StoredRecording } from '../domain/store.ts'
import { normalizeWhisperX } from '../domain/whisperx.ts'
import { parseJsonLenient } from '../domain/python-json.ts'
import { carrySpeakerNames } from '../domain/speaker-carry.ts'
import type { RecordingLifecycle } from './recording-lifecycle.ts'
import { judgeResult, type SpeechJudgementDeps } from './speech-judgement.ts'

/** What result ingest needs besides what the speech map's judgement needs (store, events, exports, logger, maps). */
export interface ResultIngestDeps extends SpeechJudgementDeps {
  /** Reads the worker's output format. */
  backend: TranscriptionBackend
  /** The volume, where the worker's result file is; null when its settings are missing. */
  objectStore: ObjectStore | null
  lifecycle: RecordingLifecycle
  /** Where the worker's output is saved before it is parsed. */
  files: RecordingFiles
}

/** The worker's result file: `result-<job id>.json` in the audio's folder on the volume (the worker contract). */
function resultKey(r: StoredRecording, jobId: string): string {
  return `${path.posix.dirname(r.objectKey)}/result-${jobId}.json`
}

/** Result files are ~1 MB per hour of speech; this reads any interview and refuses a runaway file. */
const MAX_RESULT_FILE_BYTES = 256 * 1024 * 1024

function hasSegments(output: unknown): boolean {
  return typeof output === 'object' && output !== null && Array.isArray((output as { segments?: unknown }).segments)
}

function isOmitted(output: unknown): boolean {
  return typeof output === 'object' && output !== null && (output as { segments_omitted?: unknown }).segments_omitted === true
}


/** Why a completed job has no transcript to read, and what to do. */
function missingResult(key: string, why: 'no-output' | 'omitted'): AppError {
  const what =
    why === 'no-output'
      ? 'RunPod reported the job as completed but sent no output (it does so when a result is too large or could not be delivered)'
      : 'The worker left the transcript out of its answer because it was over RunPod\'s size limit'
  return new AppError(
    'invalid_output',
    `${what}, and the worker's result file ${key} is not on the network volume. Check that the endpoint runs this panel's worker with the network volume attached (and that the volume is not full), then start the transcription again.`,
  )
}

export class ResultIngest {
  /** At most two results are parsed and stored at once: a burst of completions must not pile up memory. */
  private readonly completions = pLimit(2)
  private readonly deps: ResultIngestDeps
  constructor(deps: ResultIngestDeps) {
    this.deps = deps
  }

  /**
   * Stores the result of the recording's completed job (the recording is `processing`): done, or failed with
   * the reason (raw output kept), or left processing with the problem shown when the volume could not be read
   * (the poller asks again).
   */
  ingest(r: StoredRecording, report: JobReport): Promise<void> {
    return this.completions(() => this.complete(r, report))
  }

  /**
   * RunPod no longer knows the job; when the worker's result file is on the volume, the transcript is read from
   * it as if the job had just completed.
   * @returns true when the file was found and handled (stored, or failed for its own reason).
   */
  async recover(r: StoredRecording, expired: AppError): Promise<boolean> {
    if (!this.deps.objectStore) return false
    const key = resultKey(r, r.job!.id)
    try {
      if ((await this.deps.objectStore.readObject(key, MAX_RESULT_FILE_BYTES)) === null) return false
    } catch (err) {
      this.deps.logger.warn('could not check the volume for a result file', { id: r.id, error: err })
      return false
    }
    this.deps.logger.info('job gone on RunPod; reading its result file from the volume', { id: r.id, jobId: r.job!.id, key, reason: expired.code })
    const report: JobReport = {
      id: r.job!.id,
      state: 'completed',
      timings: { queueMs: r.job!.delayTime, executionMs: r.job!.executionTime },
      progress: null,
      result: undefined,
      error: null,
    }
    const t = this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'JobReported', state: 'completed' })
    if (t.ignored) return true
    this.deps.store.updateJob(report.id, { status: report.state, delayTime: report.timings.queueMs, executionTime: report.timings.executionMs, finished: true })
    await this.ingest(this.deps.lifecycle.get(r.id), report)
    return true
  }

  /** Reads, parses, filters and stores a completed job's result (the recording is `processing`). */
  private async complete(r: StoredRecording, report: JobReport): Promise<void> {
    const jobId = r.job!.id
    // The raw output is saved before it is parsed, so nothing paid for is lost if parsing fails.
    const output = await this.workerOutput(r, jobId, report.result)
    if (output === null) return
    let stored: () => Promise<void>
    try {
      const result = this.deps.backend.readResult(output)
      const judged = await judgeResult(this.deps, r, normalizeWhisperX(result, { duration: r.duration }))
      const transcript = judged.transcript
      // A new result becomes a new version; the one it replaces stays restorable, and the names the user gave
      // its speakers carry over to the speakers of the new one that speak at the same times.
      const previous = this.deps.store.getTranscript(r.id)
      const carried = previous ? carrySpeakerNames(previous.transcript, transcript) : null
      const doc = carried ? carried.transcript : transcript
      const version = this.deps.store.saveTranscript(r.id, jobId, doc)
      stored = () => judged.stored(version, doc)
      if (carried?.carried.length) this.deps.logger.info('speaker names carried over', { id: r.id, jobId, carried: carried.carried })
    } catch (err) {
      this.deps.logger.warn('worker output rejected (its raw copy is kept in the output folder)', { id: r.id, jobId, error: err })
      this.fail(r.id, err instanceof AppError ? err : new AppError('invalid_output', 'The worker output could not be read; the raw output was kept.', { cause: err }))
      return
    }
    this.deps.lifecycle.apply(this.deps.lifecycle.get(r.id), { type: 'ResultStored' })
    this.deps.logger.info('transcript stored', { id: r.id, jobId })
    // The speech map's judgement, when it arrives after the transcript (it usually is there first).
    stored().catch((err: unknown) => this.deps.logger.warn('applying the speech map failed', { id: r.id, jobId, error: err }))
    // The copies in output/<id>/ follow; downloads render from the store and do not wait for them.
    this.deps.exports.writeFiles(r.id).catch((err: unknown) => this.deps.logger.warn('writing export files failed (downloads still work)', { id: r.id, error: err }))
  }

  /**
   * The completed job's output with its segments, each source saved before it is parsed: RunPod's `output` as
   * the `raw` copy; when it has no segments (no output at all: RunPod lost it or it was over its size limit; or
   * `segments_omitted`: the worker left them out over 9 MB), the worker's result file from the volume as the
   * `result` copy (`RecordingFiles.saveWorkerOutput`).
   * @returns the output to read, or null when the recording was failed (or left to retry) here.
   */
  private async workerOutput(r: StoredRecording, jobId: string, output: unknown): Promise<unknown> {
    const given = output !== undefined && output !== null
    if (given) await this.deps.files.saveWorkerOutput(r.id, jobId, 'raw', JSON.stringify(output))
    if (hasSegments(output)) return output
    const file = await this.readResultFile(r, jobId)
    if (file === 'retry') return null
    if (file === null) {
      // An output of another shape: the backend names the problem (the raw output was kept).
      if (given && !isOmitted(output)) return output
      this.fail(r.id, missingResult(resultKey(r, jobId), given ? 'omitted' : 'no-output'))
      return null
    }
    await this.deps.files.saveWorkerOutput(r.id, jobId, 'result', file)
    try {
      return parseJsonLenient(file.toString('utf8'))
    } catch (err) {
      this.fail(r.id, new AppError('invalid_output', `The worker's result file ${resultKey(r, jobId)} on the network volume is not JSON; a copy was kept in the output folder. Start the transcription again.`, { cause: err }))
      return null
    }
  }

  /**
   * Reads `result-<job id>.json` from the audio's folder on the volume.
   * @returns its bytes; null when it is not there (or there is no volume); 'retry' when the volume could not be
   *   read now (the recording stays in processing with the problem shown, and the poller tries again).
   */
  private async readResultFile(r: StoredRecording, jobId: string): Promise<Buffer | null | 'retry'> {
    if (!this.deps.objectStore) return null
    try {
      return await this.deps.objectStore.readObject(resultKey(r, jobId), MAX_RESULT_FILE_BYTES)
    } catch (err) {
      if (err instanceof AppError && err.retryable) {
        this.deps.logger.warn('reading the result file failed; will try again', { id: r.id, jobId, error: err })
        this.deps.store.updateRecording(r.id, { error: toErrorInfo(err) })
        this.deps.lifecycle.publish(r.id)
        return 'retry'
      }
      this.fail(r.id, err)
      return 'retry'
    }
  }

  /** Reading the job's result failed in the panel: the recording fails with the reason. */
  private fail(id: string, err: unknown): void {
    const r = this.deps.store.getRecording(id)
    if (r) this.deps.lifecycle.apply(r, { type: 'JobFailed', error: toErrorInfo(err) })
  }
}
