/**
 * The emulated GPU worker: runs the endpoint's handler (ours or the Hub's) on a job the queue started, writes the
 * full result beside the audio on the volume, then ends the job `executionMs` later as runpod-python reports a
 * handler's result (github.com/runpod/runpod-python `runpod/serverless/modules/rp_job.py` `run_job`), or as the
 * job's fault says.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { EndpointSettings } from './endpoint.ts'
import { endJob, writesResultFile, type JobEnding } from './faults.ts'
import { hubHandler } from './handlers/hub.ts'
import { whisperxHandler } from './handlers/whisperx.ts'
import type { HandlerContext, HandlerOutcome } from './handlers/audio.ts'
import type { EmulatedJob, JobQueue, RunState } from './jobs.ts'
import { RaisedException, raisedErrorString, ReturnedError, type VolumeConfig, type WorkerContract } from './worker.ts'

export interface EmulatedWorkerOptions {
  contract: WorkerContract
  workerId: string
  queue: JobQueue
  delays: { executionMs: number }
  endpoint: EndpointSettings
  volume: VolumeConfig | undefined
  volumeClient: S3Client | undefined
  scriptsDir: string | null
  allowPrivateDownloadUrls: boolean
  maxDownloadBytes: number
  ffprobePath: string | undefined
  hubVolumePaths: 'accept' | 'reject-like-kodxana'
  /** What a handler's non-string `error` becomes (see the emulator's `listError`). */
  listError: 'completed-no-output' | 'failed-with-list'
}

/** Runs the job's handler on the emulated worker; the job ends through the queue. Never throws. */
export function runEmulatedWorker(o: EmulatedWorkerOptions, job: EmulatedJob, run: RunState): void {
  const handlerFile = o.contract === 'whisperx' ? '/handler.py' : '/src/rp_handler.py'
  const end: JobEnding = {
    after: (ms, fn) => o.queue.after(run, ms, fn),
    finish: (status, fields) => o.queue.finish(job, run, status, fields),
    raised: (err) => o.queue.finish(job, run, 'FAILED', { error: raisedErrorString(err, o.workerId, handlerFile) }),
    // A returned `{"error": "msg"}` fails the job with that string (rp_job.py). A list is not a string: see
    // `listError` (ASSUMPTION; runpod-python issue #299 says a non-string error leaves the job COMPLETED).
    returnedError: (value) => {
      if (typeof value === 'string' || o.listError === 'failed-with-list') o.queue.finish(job, run, 'FAILED', { error: value })
      else o.queue.finish(job, run, 'COMPLETED', {})
    },
    progress: (output) => {
      job.output = output
    },
  }
  const work = async () => {
    const outcome = await runHandler(o, job, run)
    if (!o.queue.isCurrent(job, run)) return
    if (outcome.kind === 'raised') return end.raised(outcome.err)
    if (outcome.kind === 'returned-error') return end.returnedError(outcome.value)
    // A handler that got this far writes the full result beside the audio, which the S3 API then serves; one
    // that fails (or is stopped) does not.
    if (outcome.resultKey && o.volumeClient && o.volume && writesResultFile(run.fault)) {
      await o.volumeClient.send(
        new PutObjectCommand({ Bucket: o.volume.bucket, Key: outcome.resultKey, Body: JSON.stringify(outcome.output), ContentType: 'application/json' }),
      )
    }
    if (!o.queue.isCurrent(job, run)) return
    endJob(run.fault, outcome.output, job.input, o.delays.executionMs, end)
  }
  work().catch((err: unknown) => {
    if (run.abort.signal.aborted) return
    // A bug in the emulator itself: report it as a raised exception rather than hanging the job.
    end.raised(new RaisedException('RuntimeError', `emulator: ${String(err)}`))
  })
}

async function runHandler(o: EmulatedWorkerOptions, job: EmulatedJob, run: RunState): Promise<HandlerOutcome> {
  const ctx: HandlerContext = {
    fetch: {
      // A volume that is not attached to the endpoint is not mounted: /runpod-volume paths do not exist.
      volume: o.volume && o.endpoint.networkVolumes.includes(o.volume.bucket) ? o.volume : undefined,
      volumeClient: o.volumeClient,
      allowPrivateDownloadUrls: o.allowPrivateDownloadUrls,
      maxDownloadBytes: o.maxDownloadBytes,
      signal: run.abort.signal,
      onBytes: (n) => {
        job.downloadedBytes = n
      },
    },
    scriptsDir: o.scriptsDir,
    env: o.endpoint.env,
    ffprobePath: o.ffprobePath,
    hubVolumePaths: o.hubVolumePaths,
  }
  try {
    return o.contract === 'whisperx' ? await whisperxHandler(job, ctx) : await hubHandler(job, ctx)
  } catch (err) {
    if (err instanceof RaisedException) return { kind: 'raised', err }
    if (err instanceof ReturnedError) return { kind: 'returned-error', value: err.value }
    throw err
  }
}
