/**
 * The contract between the panel and its WhisperX worker (`worker/handler.py`): the job's `input`, the
 * handler's `output`, its `progress` updates and its error codes. This module is the single source:
 * `npm run contract` writes it as JSON Schema (draft 2020-12) to `worker/contract.schema.json`, which the
 * Python worker validates against at run time, and the RunPod emulator validates with these same zod
 * schemas; a test fails when the checked-in file is stale.
 *
 * Limits it encodes, with their public sources:
 * - faster-whisper's model names (`faster_whisper/utils.py` `_MODELS`, github.com/SYSTRAN/faster-whisper);
 * - RunPod's 10 MB `/run` result payload (https://docs.runpod.io/serverless/workers/handler-functions
 *   "Payload limits"): above 9 MB the worker leaves `segments` out and sets `segments_omitted`;
 * - runpod-python posts progress as `{"status": "IN_PROGRESS", "output": <progress>}`
 *   (github.com/runpod/runpod-python `runpod/serverless/modules/rp_progress.py`).
 */
import { z } from 'zod'

/**
 * Worker contracts the panel can speak (`RUNPOD_WORKER`): `whisperx`, this repository's worker/ (the contract below);
 * `whisperx-hub`, RunPod Hub's WhisperX worker (https://github.com/kodxana/whisperx-worker, `src/rp_schema.py`).
 */
export const WORKER_KINDS = ['whisperx', 'whisperx-hub'] as const
export type WorkerKind = (typeof WORKER_KINDS)[number]

/** faster-whisper model names the worker accepts (`faster_whisper.utils._MODELS`, without the distil ones). */
export const WORKER_MODELS = [
  'tiny',
  'tiny.en',
  'base',
  'base.en',
  'small',
  'small.en',
  'medium',
  'medium.en',
  'large-v1',
  'large-v2',
  'large-v3',
  'large-v3-turbo',
  'turbo',
] as const
export type WorkerModel = (typeof WORKER_MODELS)[number]

/** The model a job gets when its input names none. */
export const DEFAULT_WORKER_MODEL: WorkerModel = 'large-v3'

/** Where the worker sees the network volume (https://docs.runpod.io/storage/network-volumes). */
export const VOLUME_MOUNT = '/runpod-volume/'

const nullableSpeakers = z.number().int().min(1).nullable().default(null)

/**
 * A job's `input`. Unknown keys are refused by name; defaults are filled in by the worker.
 * `audio`: `/runpod-volume/<key>` (the worker resolves it and refuses paths that leave the mount) or an
 * http(s) URL. `min_speakers` must not exceed `max_speakers` (checked here and by the worker; JSON Schema
 * cannot say it).
 */
export const WorkerInputSchema = z
  .strictObject({
    audio: z
      .string()
      .regex(/^(\/runpod-volume\/.+|https?:\/\/.+)$/, { error: 'must be a /runpod-volume/ path or an http(s) URL' })
      .describe('A path under /runpod-volume/ or an http(s) URL'),
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, { error: 'must be a Whisper language code such as "en" or "ru"' })
      .nullable()
      .default(null)
      .describe('Whisper language code; null: detect'),
    diarize: z.boolean().default(false).describe('Speaker diarization; needs HF_TOKEN in the worker environment'),
    align: z.boolean().default(true).describe('Word alignment'),
    batch_size: z.number().int().min(1).max(64).default(16),
    model: z.enum(WORKER_MODELS).default(DEFAULT_WORKER_MODEL).describe('faster-whisper model name'),
    min_speakers: nullableSpeakers,
    max_speakers: nullableSpeakers,
    initial_prompt: z.string().max(2000).nullable().default(null).describe('Applies to this job only'),
  })
  .refine((i) => i.min_speakers === null || i.max_speakers === null || i.min_speakers <= i.max_speakers, {
    error: 'min_speakers must not exceed max_speakers',
    path: ['min_speakers'],
  })
/** The input as the panel writes it (defaults may be left out). */
export type WorkerInput = z.input<typeof WorkerInputSchema>
/** The input after defaults, as the worker sees it. */
export type ResolvedWorkerInput = z.output<typeof WorkerInputSchema>

/** A number that is finite, or null where WhisperX gave NaN/Infinity (the worker cleans them). */
const finiteOrNull = z.number().nullable()

/** One word of a WhisperX segment; a word with no alignable characters has only `word`. */
export const WorkerWordSchema = z.looseObject({
  word: z.string(),
  start: finiteOrNull.optional(),
  end: finiteOrNull.optional(),
  score: finiteOrNull.optional(),
  speaker: z.string().optional(),
})

/** One WhisperX segment (no character alignments). */
export const WorkerSegmentSchema = z.looseObject({
  start: finiteOrNull,
  end: finiteOrNull,
  text: z.string(),
  speaker: z.string().optional(),
  words: z.array(WorkerWordSchema),
})

/** Seconds per stage; null for a stage that did not run. */
export const WorkerTimingsSchema = z.strictObject({
  load_s: finiteOrNull,
  transcribe_s: finiteOrNull,
  align_s: finiteOrNull,
  diarize_s: finiteOrNull,
  total_s: finiteOrNull,
})

/**
 * What the handler returns on success. `segments` is left out (and `segments_omitted` is true) when the
 * serialised output would pass 9 MB; the full result is then read from `result_path` on the volume:
 * `<folder of the audio>/result-<job id>.json`, the same object always with segments (null for URL audio
 * or when writing failed). No `word_segments`.
 */
export const WorkerOutputSchema = z.strictObject({
  segments: z.array(WorkerSegmentSchema).optional(),
  segments_omitted: z.boolean().optional(),
  language: z.string(),
  duration: z.number().min(0).describe('Seconds of audio decoded'),
  model: z.string(),
  timings: WorkerTimingsSchema,
  result_path: z.string().nullable(),
})
export type WorkerOutput = z.output<typeof WorkerOutputSchema>

/** Stages the worker reports, in the order they run. */
export const WORKER_STAGES = ['loading', 'transcribing', 'aligning', 'diarizing', 'saving'] as const
export type WorkerStage = (typeof WORKER_STAGES)[number]

/** A progress update (`runpod.serverless.progress_update(job, progress)`), sent at most every ~3 s. */
export const WorkerProgressSchema = z.strictObject({
  stage: z.enum(WORKER_STAGES),
  percent: z.number().min(0).max(100),
})
export type WorkerProgress = z.output<typeof WorkerProgressSchema>

/** The progress update in a running job's `output`, or null when it is none (another worker's shape). */
export function readProgress(output: unknown): WorkerProgress | null {
  const r = WorkerProgressSchema.safeParse(output)
  return r.success ? r.data : null
}

/**
 * Whether `next` comes after `prev` in a job's course: a later stage, or the same stage further along.
 * runpod-python sends each update from its own thread (`rp_progress.py`), so they may arrive out of order;
 * an older one must not move the page backwards.
 */
export function isLaterProgress(prev: WorkerProgress | null, next: WorkerProgress): boolean {
  if (prev === null) return true
  const a = WORKER_STAGES.indexOf(prev.stage)
  const b = WORKER_STAGES.indexOf(next.stage)
  return b > a || (b === a && next.percent >= prev.percent)
}

/**
 * Codes of graceful failures: the handler returns `{"error": "CODE: one sentence saying what to do"}`
 * (`CUDA_OOM` also sets `refresh_worker`, so RunPod replaces the worker).
 */
export const WORKER_ERROR_CODES = [
  'INVALID_INPUT',
  'AUDIO_OUTSIDE_VOLUME',
  'AUDIO_NOT_FOUND',
  'AUDIO_DOWNLOAD_FAILED',
  'NOT_AUDIO',
  'MODEL_UNAVAILABLE',
  'HF_TOKEN_MISSING',
  'HF_TERMS_NOT_ACCEPTED',
  'CUDA_OOM',
] as const
export const WorkerErrorCodeSchema = z.enum(WORKER_ERROR_CODES)
export type WorkerErrorCode = (typeof WORKER_ERROR_CODES)[number]

/**
 * Splits a worker error string `CODE: sentence`.
 * @returns `{code, sentence}` when the string starts with one of {@link WORKER_ERROR_CODES}, else null.
 */
export function parseWorkerError(error: string): { code: WorkerErrorCode; sentence: string } | null {
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(error.trim())
  if (!m) return null
  const code = WorkerErrorCodeSchema.safeParse(m[1])
  return code.success ? { code: code.data, sentence: m[2]!.trim() } : null
}

/** The problems of a refused input in one line, unknown keys first, by name: `unknown key "foo"; audio is required`. */
export function describeInputIssues(error: z.ZodError): string {
  const unknown = error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => `unknown key "${k}"`) : []))
  const others = error.issues
    .filter((i) => i.code !== 'unrecognized_keys')
    .map((i) => {
      const where = i.path.length > 0 ? i.path.join('.') : 'input'
      if (i.code === 'invalid_type' && /received undefined$/.test(i.message)) return `${where} is required`
      return `${where}: ${i.message}`
    })
  return [...unknown, ...others].join('; ')
}

/**
 * The contract as one JSON Schema document (draft 2020-12) with `$defs` `input`, `output`, `progress` and
 * `errorCode`. `input` describes what may be sent (defaulted keys are optional); the others describe what the
 * worker produces.
 */
export function contractJsonSchema(): Record<string, unknown> {
  const def = (schema: z.ZodType, io: 'input' | 'output') => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io })
    return rest
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Scribe Panel WhisperX worker contract',
    description:
      'GENERATED by `npm run contract` from src/domain/worker-contract.ts; do not edit by hand. ' +
      'input: the RunPod job input; output: what the handler returns on success; progress: what it sends with ' +
      'runpod.serverless.progress_update; errorCode: the CODE in a graceful failure {"error": "CODE: sentence"}.',
    $defs: {
      input: def(WorkerInputSchema, 'input'),
      output: def(WorkerOutputSchema, 'output'),
      progress: def(WorkerProgressSchema, 'output'),
      errorCode: def(WorkerErrorCodeSchema, 'output'),
    },
  }
}

/** The text of `worker/contract.schema.json` (2-space JSON, trailing newline). */
export function contractJsonSchemaText(): string {
  return `${JSON.stringify(contractJsonSchema(), null, 2)}\n`
}
