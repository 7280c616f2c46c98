/**
 * Window jobs for live text over the transcription backend and the network volume: the window's audio is put
 * on the volume beside the recordings, the job goes to the same backend as any transcription (with its own
 * options: no diarization, no alignment), and its result is read by the same backend. Window jobs are short:
 * RunPod's per-job policy gives them a 5-minute execution timeout and a 1-hour time to live, long enough to
 * outlast a cold start (https://docs.runpod.io/serverless/endpoints/send-requests "Execution policies").
 */
import path from 'node:path'
import { z } from 'zod'
import { toErrorInfo } from '../domain/errors.ts'
import type { JobPolicy, ObjectStore, TranscriptionBackend } from '../domain/ports.ts'
import type { WindowJobStatus, WindowJobs } from './live-text.ts'

const WINDOW_POLICY: JobPolicy = { executionTimeout: 5 * 60_000, ttl: 60 * 60_000 }

/** A WhisperX segment as live text reads it (times may be null where WhisperX gave NaN). */
const SegmentSchema = z.looseObject({ start: z.number().nullable(), end: z.number().nullable(), text: z.string() })

/** WindowJobs over a TranscriptionBackend and the network volume. */
export function backendWindowJobs(deps: { backend: TranscriptionBackend; objectStore: ObjectStore }): WindowJobs {
  return {
    async submit(key, file, options) {
      await deps.objectStore.uploadFile(key, file, { contentType: 'audio/ogg' })
      const audio = await deps.objectStore.workerAudio(key)
      return (await deps.backend.submit({ audio, options, policy: WINDOW_POLICY })).id
    },
    async status(jobId): Promise<WindowJobStatus> {
      const r = await deps.backend.status(jobId)
      const base = { delayMs: r.timings.queueMs, executionMs: r.timings.executionMs, result: null, error: null }
      switch (r.state) {
        case 'queued':
          return { ...base, state: 'queued' }
        case 'running':
          return { ...base, state: 'running' }
        case 'completed':
          try {
            const out = deps.backend.readResult(r.result)
            const segments = z.array(SegmentSchema).parse(out.segments)
            return {
              ...base,
              state: 'done',
              result: {
                language: typeof out.language === 'string' ? out.language : null,
                segments: segments.map((s) => ({ start: s.start ?? 0, end: s.end ?? s.start ?? 0, text: s.text })),
              },
            }
          } catch (err) {
            return { ...base, state: 'failed', error: toErrorInfo(err).message }
          }
        case 'failed':
          return { ...base, state: 'failed', error: r.error ?? 'The worker failed without a reason.' }
        default:
          return { ...base, state: 'failed', error: `The endpoint reported the window job as ${r.state}.` }
      }
    },
    async workerReady() {
      const h = await deps.backend.health()
      return (h.workers.idle ?? 0) + (h.workers.running ?? 0) > 0
    },
    async cleanUp(key, jobId) {
      await deps.objectStore.deleteObject(key)
      if (jobId) await deps.objectStore.deleteObject(`${path.posix.dirname(key)}/result-${jobId}.json`)
    },
  }
}
