/**
 * Configuration: one zod schema over the environment (the names the README lists under "Configuration").
 *
 * `parseConfig(env)` is pure: it never reads `process.env` (only `main.ts` does) and reports every
 * problem at once. RunPod settings are optional at this stage: without them the panel still serves
 * the page and `/api/health` names what is missing (see `missingRunpodSettings`).
 */
import path from 'node:path'
import { z } from 'zod'
import { AUDIO_REFERENCE_MODES, type AudioReferenceMode } from './domain/recording.ts'
import { WORKER_KINDS, type WorkerKind } from './domain/worker-contract.ts'

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional())
const optionalUrl = z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional())
const positiveInt = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(fallback))


/**
 * Datacenters that serve RunPod's S3-compatible API, as listed in RunPod's docs (storage/s3-api.mdx,
 * https://docs.runpod.io/storage/s3-api, "Datacenter availability"; 15 at the docs' 2026-08 revision).
 * A network volume elsewhere cannot be reached over S3, so RUNPOD_DATACENTER is checked against this list.
 */
export const S3_DATACENTERS = [
  'EU-CZ-1',
  'EU-RO-1',
  'EUR-IS-1',
  'EUR-NO-1',
  'US-CA-2',
  'US-GA-2',
  'US-IL-1',
  'US-KS-2',
  'US-MD-1',
  'US-MO-1',
  'US-MO-2',
  'US-NC-1',
  'US-NC-2',
  'US-NE-1',
  'US-WA-1',
] as const

/** Whether `host` (HOST) is a loopback address, reachable only from this computer. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}


/** OpenAI's API, the default LLM_BASE_URL (https://platform.openai.com/docs/api-reference). */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1'

const EnvSchema = z.object({
  RUNPOD_API_KEY: optionalString,
  RUNPOD_ENDPOINT_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be the endpoint ID only (letters, digits, - and _), not a URL')
      .optional(),
  ),
  RUNPOD_API_BASE: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default('https://api.runpod.ai/v2')),
  RUNPOD_REST_API_BASE: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default('https://api.runpod.io/v2')),
  RUNPOD_WORKER: z.preprocess(emptyToUndefined, z.enum(WORKER_KINDS).default('whisperx')),
  RUNPOD_DATACENTER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z]+(-[A-Za-z]+)*-\d+$/, 'must look like EU-RO-1 (the datacenter ID of the network volume)')
      .refine((dc) => (S3_DATACENTERS as readonly string[]).includes(dc.toUpperCase()), {
        message: `is not a datacenter with RunPod's S3 API; the volume must be in one of ${S3_DATACENTERS.join(', ')}`,
      })
      .optional(),
  ),
  RUNPOD_VOLUME_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{1,62}$/, 'must be the network volume ID (lower-case letters and digits)')
      .optional(),
  ),
  RUNPOD_S3_ACCESS_KEY: optionalString,
  RUNPOD_S3_SECRET_KEY: optionalString,
  RUNPOD_S3_ENDPOINT: optionalUrl,
  RUNPOD_S3_REGION: optionalString,
  AUDIO_REFERENCE: z.preprocess(emptyToUndefined, z.enum(AUDIO_REFERENCE_MODES).default('auto')),
  QUEUE_WARNING_S: positiveInt(300),
  PANEL_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(8, 'must be at least 8 characters').optional()),
  HOST: z.preprocess(emptyToUndefined, z.string().trim().default('127.0.0.1')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8000)),
  UPLOADS_DIR: z.preprocess(emptyToUndefined, z.string().default('uploads')),
  OUTPUT_DIR: z.preprocess(emptyToUndefined, z.string().default('output')),
  MAX_UPLOAD_MB: positiveInt(4096),
  UPLOAD_CONCURRENCY: positiveInt(2),
  UPLOAD_TRANSCODE: z.preprocess(emptyToUndefined, z.enum(['auto', 'off']).default('auto')),
  JOB_CONCURRENCY: positiveInt(4),
  GPU_PRICE_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().nonnegative().default(0.00019)),
  POLL_INTERVAL_MS: positiveInt(2000),
  WHISPER_MODEL: z.preprocess(emptyToUndefined, z.string().trim().default('large-v3')),
  WHISPER_BATCH_SIZE: positiveInt(16),
  LIVE_TEXT: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  LLM_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default(OPENAI_BASE_URL)),
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  LLM_CONTEXT_TOKENS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(2000, 'must be at least 2000 tokens (a model with less context cannot take a part of a transcript and the instructions)').default(8000)),
  NOTES_TEMPLATES_DIR: z.preprocess(emptyToUndefined, z.string().default('templates/notes')),
  /** Shown in the page when the panel runs against the local stand-ins (`npm run demo`). */
  SCRIBE_DEMO: z.preprocess(emptyToUndefined, z.enum(['0', '1', 'true', 'false']).default('0')),
})

/** The network volume's S3-compatible API, complete. */
export interface S3Settings {
  /**
   * The RUNPOD_S3_ENDPOINT override, else `https://s3api-<datacenter>.runpod.io`
   * (https://docs.runpod.io/storage/s3-api, "Datacenter availability").
   */
  endpoint: string
  /** SigV4 region: RUNPOD_S3_REGION, else the datacenter ID in upper case, as RunPod's S3 API docs use it. */
  region: string
  /** The bucket: the network volume ID. */
  bucket: string
  accessKeyId: string
  secretAccessKey: string
}

/** The parsed configuration, grouped by concern. Paths are absolute. */
export interface Config {
  server: {
    host: string
    port: number
    demo: boolean
    /** Required when `host` is not loopback: the page asks for it once, scripts send it as a Bearer token. */
    password: string | undefined
  }
  paths: { uploadsDir: string; outputDir: string }
  limits: {
    maxUploadBytes: number
    /** Cloud uploads running at once; more wait their turn. */
    uploadConcurrency: number
    /** `auto`: the GPU gets a compact 16 kHz mono Opus copy of video, lossless and > 96 kbit/s audio; `off`: the original. */
    uploadTranscode: 'auto' | 'off'
    /** RunPod jobs in flight at once (queued or running); more wait in the panel. */
    jobConcurrency: number
  }
  /** USD per second of GPU execution, for the cost estimate (set it to your endpoint's GPU price). */
  gpuPricePerSecond: number
  /** `LIVE_TEXT`: microphone recordings show provisional text while they are made (short GPU jobs). */
  liveText: boolean
  runpod: {
    apiKey: string | undefined
    endpointId: string | undefined
    apiBase: string
    /** RunPod's REST API v2 (endpoint settings, workers, network volumes), e.g. `https://api.runpod.io/v2`. */
    restApiBase: string
    worker: WorkerKind
    /** Seconds a job may wait in the queue before the panel looks for why (0 max workers, no GPUs). */
    queueWarningSeconds: number
    pollIntervalMs: number
    model: string
    batchSize: number
  }
  /** The network volume as far as it is configured (the setup check and /api/health name it even without S3 keys). */
  volume: {
    id: string | undefined
    /** Datacenter ID, upper case (e.g. `EU-RO-1`). */
    datacenter: string | undefined
    /** Its S3 API endpoint as set or derived (`S3Settings.endpoint`), known before the keys are. */
    s3Endpoint: string | undefined
  }
  /** The volume's S3 API, or null while any of its settings is missing (`missing` names them). */
  s3: S3Settings | null
  /** Settings transcription still needs, by name (empty = ready); see `missingRunpodSettings`. */
  missing: string[]
  audioReference: AudioReferenceMode
  /** The chat model that writes notes (any OpenAI-compatible API). */
  llm: {
    baseUrl: string
    apiKey: string | undefined
    model: string | undefined
    /** The model's context (prompt + answer), tokens; longer transcripts are split by turns. */
    contextTokens: number
    /** Folder of note templates (`*.md`), absolute. */
    templatesDir: string
  }
  logLevel: 'debug' | 'info' | 'warn' | 'error'
}

/** Thrown by `parseConfig`; `problems` lists every invalid setting, one line each. */
export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`Invalid configuration (fix these in .env or the environment):\n- ${problems.join('\n- ')}`)
    this.problems = problems
    this.name = 'ConfigError'
  }
}

/**
 * Parses the environment into a `Config`.
 * @param env - variables as strings (e.g. `process.env` merged with `.env`).
 * @param cwd - base for relative `UPLOADS_DIR` / `OUTPUT_DIR`.
 * @throws ConfigError listing every invalid setting in one message.
 */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`))
  }
  const e = parsed.data
  if (!isLoopbackHost(e.HOST) && !e.PANEL_PASSWORD) {
    throw new ConfigError([
      `HOST: ${e.HOST} makes the panel reachable from other computers; set PANEL_PASSWORD (8 characters or more) so that only you can use it, or set HOST=127.0.0.1.`,
    ])
  }
  const datacenter = e.RUNPOD_DATACENTER?.toUpperCase()
  const endpoint = e.RUNPOD_S3_ENDPOINT ?? (datacenter ? `https://s3api-${datacenter.toLowerCase()}.runpod.io` : undefined)
  const region = e.RUNPOD_S3_REGION ?? datacenter
  const volumeId = e.RUNPOD_VOLUME_ID
  const accessKeyId = e.RUNPOD_S3_ACCESS_KEY
  const secretAccessKey = e.RUNPOD_S3_SECRET_KEY
  const missing: string[] = []
  if (!e.RUNPOD_API_KEY) missing.push('RUNPOD_API_KEY')
  if (!e.RUNPOD_ENDPOINT_ID) missing.push('RUNPOD_ENDPOINT_ID')
  if (!volumeId) missing.push('RUNPOD_VOLUME_ID')
  if (!accessKeyId) missing.push('RUNPOD_S3_ACCESS_KEY')
  if (!secretAccessKey) missing.push('RUNPOD_S3_SECRET_KEY')
  // Both come from the datacenter: name it once, with whichever override is also missing.
  const overrides = [endpoint ? null : 'RUNPOD_S3_ENDPOINT', region ? null : 'RUNPOD_S3_REGION'].filter(Boolean)
  if (overrides.length) missing.push(`RUNPOD_DATACENTER (or ${overrides.join(' and ')})`)
  return {
    server: { host: e.HOST, port: e.PORT, demo: e.SCRIBE_DEMO === '1' || e.SCRIBE_DEMO === 'true', password: e.PANEL_PASSWORD },
    paths: { uploadsDir: path.resolve(cwd, e.UPLOADS_DIR), outputDir: path.resolve(cwd, e.OUTPUT_DIR) },
    limits: { maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024, uploadConcurrency: e.UPLOAD_CONCURRENCY, uploadTranscode: e.UPLOAD_TRANSCODE, jobConcurrency: e.JOB_CONCURRENCY },
    gpuPricePerSecond: e.GPU_PRICE_PER_SECOND,
    liveText: e.LIVE_TEXT === 'on',
    runpod: {
      apiKey: e.RUNPOD_API_KEY,
      endpointId: e.RUNPOD_ENDPOINT_ID,
      apiBase: e.RUNPOD_API_BASE.replace(/\/+$/, ''),
      restApiBase: e.RUNPOD_REST_API_BASE.replace(/\/+$/, ''),
      worker: e.RUNPOD_WORKER,
      queueWarningSeconds: e.QUEUE_WARNING_S,
      pollIntervalMs: e.POLL_INTERVAL_MS,
      model: e.WHISPER_MODEL,
      batchSize: e.WHISPER_BATCH_SIZE,
    },
    volume: { id: volumeId, datacenter, s3Endpoint: endpoint },
    s3: volumeId && accessKeyId && secretAccessKey && endpoint && region ? { endpoint, region, bucket: volumeId, accessKeyId, secretAccessKey } : null,
    missing,
    audioReference: e.AUDIO_REFERENCE,
    llm: {
      baseUrl: e.LLM_BASE_URL.replace(/\/+$/, ''),
      apiKey: e.LLM_API_KEY,
      model: e.LLM_MODEL,
      contextTokens: e.LLM_CONTEXT_TOKENS,
      templatesDir: path.resolve(cwd, e.NOTES_TEMPLATES_DIR),
    },
    logLevel: e.LOG_LEVEL,
  }
}

/**
 * Whether the S3 endpoint is RunPod's own S3 API (`https://s3api-<dc>.runpod.io`), as opposed to another
 * S3-compatible store set with RUNPOD_S3_ENDPOINT (AWS, R2, MinIO).
 */
export function isRunpodS3(config: Config): boolean {
  if (!config.volume.s3Endpoint) return false
  try {
    return /(^|\.)runpod\.io$/i.test(new URL(config.volume.s3Endpoint).hostname)
  } catch {
    return false
  }
}

/** Names of the RunPod settings that are still missing for transcription to work (empty = ready). */
export function missingRunpodSettings(config: Config): string[] {
  return [...config.missing]
}

/**
 * Names of the LLM settings still missing for notes (empty = ready). A key is needed for OpenAI's own API; a local
 * server (Ollama, llama.cpp) at another LLM_BASE_URL may take none.
 */
export function missingLlmSettings(config: Config): string[] {
  const missing: string[] = []
  if (!config.llm.apiKey && config.llm.baseUrl === OPENAI_BASE_URL) missing.push('LLM_API_KEY')
  if (!config.llm.model) missing.push('LLM_MODEL')
  return missing
}
