/**
 * Worker contracts: how to build a job's `input` for a given WhisperX worker image and where its
 * output keeps the WhisperX result. `whisperx` is this repository's worker (`worker/handler.py`), whose
 * contract is `src/domain/worker-contract.ts`; `whisperx-hub` is the RunPod Hub worker
 * kodxana/whisperx-worker (github.com/kodxana/whisperx-worker `src/rp_schema.py`, `src/rp_handler.py`).
 */
import { z } from 'zod'
import type { WorkerKind } from '../../domain/worker-contract.ts'
import { AppError } from '../../domain/errors.ts'
import type { WorkerResult } from '../../domain/ports.ts'
import type { JobOptions } from '../../domain/recording.ts'
import { describeInputIssues, WorkerInputSchema, type WorkerInput } from '../../domain/worker-contract.ts'

/** Model and batch size come from the panel's settings. */
export interface WorkerSettings {
  model: string
  batchSize: number
}


export interface WorkerProfile {
  readonly kind: WorkerKind
  /**
   * The job's `input` object.
   * @param audio - presigned URL or `/runpod-volume/<key>`.
   * @throws AppError `bad_request` when the options do not fit the worker's contract (e.g. an unknown model).
   */
  buildInput(audio: string, options: JobOptions, settings: WorkerSettings): Record<string, unknown>
  /**
   * Extracts the WhisperX result from a COMPLETED job's `output`.
   * @throws AppError `invalid_output` when the output is not this worker's shape.
   */
  readOutput(output: unknown): WorkerResult
}

const speakerHints = (o: JobOptions, minKey: string, maxKey: string) => ({
  ...(o.diarize && o.minSpeakers !== null ? { [minKey]: o.minSpeakers } : {}),
  ...(o.diarize && o.maxSpeakers !== null ? { [maxKey]: o.maxSpeakers } : {}),
})

const invalid = (worker: string, detail: string) =>
  new AppError(
    'invalid_output',
    `The ${worker} worker finished but its output is not what the panel expects (${detail}). The raw output was kept; check RUNPOD_WORKER matches your endpoint's worker image.`,
  )

/**
 * `whisperx`: this repository's worker. The input is checked against the contract before `/run`, so a
 * wrong setting fails here, not after a paid cold start.
 */
const whisperx: WorkerProfile = {
  kind: 'whisperx',
  buildInput(audio, o, s) {
    const input: WorkerInput = {
      audio,
      language: o.language ?? null,
      diarize: o.diarize,
      align: o.align ?? true,
      batch_size: o.batchSize ?? s.batchSize,
      model: (o.model ?? s.model) as WorkerInput['model'],
      ...(o.diarize && o.minSpeakers !== null ? { min_speakers: o.minSpeakers } : {}),
      ...(o.diarize && o.maxSpeakers !== null ? { max_speakers: o.maxSpeakers } : {}),
      ...(o.initialPrompt ? { initial_prompt: o.initialPrompt } : {}),
    }
    const checked = WorkerInputSchema.safeParse(input)
    if (!checked.success) {
      throw new AppError(
        'bad_request',
        `These transcription options do not fit the worker's contract: ${describeInputIssues(checked.error)}. ` +
          'Change them (or WHISPER_MODEL / WHISPER_BATCH_SIZE in .env) and start again.',
      )
    }
    return input
  },
  readOutput(output) {
    const r = z.looseObject({ segments: z.array(z.unknown()), language: z.unknown().optional() }).safeParse(output)
    if (!r.success) throw invalid('whisperx', output === undefined ? 'no output at all' : 'no segments list')
    return { segments: r.data.segments, language: r.data.language }
  },
}

/**
 * `whisperx-hub`: https://github.com/kodxana/whisperx-worker (`src/rp_schema.py`): `audio_file`, `align_output`, `diarization`, …;
 * it rejects unknown keys, so only its own keys are sent. Output `{segments, detected_language}`.
 */
const whisperxHub: WorkerProfile = {
  kind: 'whisperx-hub',
  buildInput(audio, o, s) {
    return {
      audio_file: audio,
      ...(o.language ? { language: o.language } : {}),
      // The Hub worker's model is fixed (faster-whisper large-v3, its `src/predict.py`): `model` is not sent.
      batch_size: o.batchSize ?? s.batchSize,
      align_output: o.align ?? true,
      diarization: o.diarize,
      ...speakerHints(o, 'min_speakers', 'max_speakers'),
      ...(o.initialPrompt ? { initial_prompt: o.initialPrompt } : {}),
    }
  },
  readOutput(output) {
    const r = z.looseObject({ segments: z.array(z.unknown()), detected_language: z.unknown().optional() }).safeParse(output)
    if (!r.success) throw invalid('whisperx-hub', output === undefined ? 'no output at all' : 'no segments list')
    return { segments: r.data.segments, language: r.data.detected_language }
  },
}

const PROFILES: Record<WorkerKind, WorkerProfile> = { whisperx, 'whisperx-hub': whisperxHub }

/** The profile for `RUNPOD_WORKER`. */
export function workerProfile(kind: WorkerKind): WorkerProfile {
  return PROFILES[kind]
}
