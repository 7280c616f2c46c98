/**
 * Builds the whole panel from a Config: adapters (SQLite, S3, RunPod, ffmpeg), services and the
 * Hono app. `main.ts` serves it; tests and `npm run demo` build it the same way against the local
 * stand-ins, so what is tested is what runs.
 */
import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import { isRunpodS3, missingLlmSettings, missingRunpodSettings, type Config } from './config.ts'
import type { EndpointManager, Logger, ObjectStore, TranscriptionBackend } from './domain/ports.ts'
import { notConfiguredModel, type LanguageModel } from './domain/notes.ts'
import { OpenAiChatModel } from './adapters/llm/openai-chat.ts'
import { LocalFiles } from './adapters/files/local-files.ts'
import { FfmpegMedia } from './adapters/media/ffmpeg-media.ts'
import { SileroSpeechDetector } from './adapters/media/speech-detector.ts'
import { RunpodClient } from './adapters/runpod/runpod-client.ts'
import { NotConfiguredBackend } from './adapters/runpod/not-configured-backend.ts'
import { RunpodBackend } from './adapters/runpod/runpod-backend.ts'
import { RunpodRest } from './adapters/runpod/runpod-rest.ts'
import { createS3Client, S3ObjectStore } from './adapters/s3/s3-object-store.ts'
import { SqliteStore } from './adapters/store/sqlite-store.ts'
import { createApp } from './app.ts'
import { EventBus } from './services/events.ts'
import { ExportService } from './services/exports.ts'
import { JobService } from './services/jobs.ts'
import { LiveRecordingService } from './services/live.ts'
import { NotesService } from './services/notes.ts'
import { LiveTextService } from './services/live-text.ts'
import { backendWindowJobs } from './services/live-window-jobs.ts'
import { FfmpegLiveAudio } from './adapters/media/live-audio.ts'
import { TranscriptService } from './services/transcripts.ts'
import { diagnoseQueue, SetupService } from './services/setup.ts'
import { UploadService } from './services/uploads.ts'

export interface Panel {
  app: Hono
  store: SqliteStore
  uploads: UploadService
  jobs: JobService
  live: LiveRecordingService
  events: EventBus
  notes: NotesService
  /** The recordings' local files (uploads/ and output/). */
  files: LocalFiles
  /** Resumes unfinished uploads and jobs and starts the poller. */
  start(): void
  /** Stops the poller and closes the database. */
  close(): Promise<void>
}

export interface PanelOverrides {
  /** Poller cap on /status requests per second (tests, benchmarks). */
  maxStatusPerSecond?: number
  /** Waits before each new try of an ambiguous /run failure (ms); see JobDeps. */
  submitRetryDelaysMs?: readonly number[]
  /** RunPod client retry tuning (tests use short backoffs). */
  runpodRetry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number }
  /** Waits before resuming an interrupted cloud upload (tests use short ones). */
  uploadRetryDelaysMs?: readonly number[]
  /** How often a note's streamed text is saved, ms (tests of a crash use short ones). */
  noteSaveEveryMs?: number
}

/**
 * Builds the panel. Creates the uploads and output folders and the database `output/scribe.db`.
 * @param adapters - RunPod's and the volume's adapters, chosen by the caller (`main.ts`); built from `config` when absent.
 */
export function createPanel(config: Config, logger: Logger, overrides: PanelOverrides = {}, adapters: Adapters = createAdapters(config, logger, overrides)): Panel {
  const files = new LocalFiles(config.paths)
  const store = new SqliteStore(files.databasePath)
  const events = new EventBus()
  const media = new FfmpegMedia()
  const speech = new SileroSpeechDetector({ logger })

  const { objectStore, backend, rest } = adapters
  const rp = config.runpod

  const exports = new ExportService({ store, files, notes: store.notes })
  const transcripts = new TranscriptService({ store, exports, logger })
  let jobs: JobService | null = null
  const uploads = new UploadService({
    store,
    media,
    speech,
    objectStore,
    events,
    logger,
    files,
    maxUploadBytes: config.limits.maxUploadBytes,
    uploadConcurrency: config.limits.uploadConcurrency,
    transcode: config.limits.uploadTranscode,
    uploadRetryDelaysMs: overrides.uploadRetryDelaysMs,
    onUploaded: (id) => jobs?.onUploaded(id),
  })
  jobs = new JobService({
    store,
    backend,
    objectStore,
    events,
    exports,
    logger,
    files,
    pollIntervalMs: rp.pollIntervalMs,
    jobConcurrency: config.limits.jobConcurrency,
    maxStatusPerSecond: overrides.maxStatusPerSecond,
    submitRetryDelaysMs: overrides.submitRetryDelaysMs,
    queueWarningMs: rp.queueWarningSeconds * 1000,
    queueDiagnosis: rest && rp.endpointId ? ((endpointId) => () => diagnoseQueue(rest, endpointId))(rp.endpointId) : undefined,
    speechMap: (r) => uploads.speechMap(r),
    storedSpeechMap: (r) => uploads.storedSpeechMap(r),
  })
  const liveText = new LiveTextService({
    files,
    audio: new FfmpegLiveAudio(),
    speech: new SileroSpeechDetector({ logger }),
    jobs: objectStore && missingRunpodSettings(config).length === 0 ? backendWindowJobs({ backend, objectStore }) : null,
    events,
    logger,
    enabled: config.liveText,
    gpuPricePerSecond: config.gpuPricePerSecond,
    pollIntervalMs: Math.min(rp.pollIntervalMs, 1000),
    transcribe: (id, options) => jobService.start(id, options),
    saveVersion: (id, jobId, transcript) => {
      store.saveTranscript(id, jobId, transcript)
      exports.writeFiles(id).catch((err: unknown) => logger.warn('writing export files failed', { id, error: err }))
    },
  })
  const live = new LiveRecordingService({ uploads, media, logger, files, liveText })
  const setup = createSetupService(config, logger, { objectStore, backend, rest })
  const notes = new NotesService({
    store,
    notes: store.notes,
    llm: createLanguageModel(config),
    events,
    logger,
    templatesDir: config.llm.templatesDir,
    contextTokens: config.llm.contextTokens,
    emulated: config.server.demo,
    saveEveryMs: overrides.noteSaveEveryMs,
  })
  const app = createApp({ config, store, uploads, jobs, live, transcripts, exports, events, objectStore, backend, files, setup, notes, logger, speech })
  let sweeper: NodeJS.Timeout | null = null
  const jobService = jobs

  return {
    app,
    store,
    uploads,
    jobs: jobService,
    live,
    events,
    notes,
    files,
    start() {
      const missing = missingRunpodSettings(config)
      if (missing.length > 0) logger.warn(`RunPod is not configured; missing: ${missing.join(', ')}. The page works; transcription needs these settings.`)
      // Unfinished cloud uploads resume from the parts the volume has (ListParts); uploads cut off before their
      // recording was stored cannot be resumed and are cleaned up with their multipart upload.
      void uploads.sweepOrphans().catch((err: unknown) => logger.warn('cleaning up interrupted uploads failed', { error: err }))
      for (const r of store.listByStatus(['uploading'])) uploads.startCloudUpload(r.id)
      if (objectStore) {
        for (const r of store.listByStatus(['failed'])) {
          if (r.job || r.upload.sentBytes >= r.upload.totalBytes) continue
          // Not configured then, or cut off by the network after every retry: both may work now.
          if (r.error?.code === 'not_configured' || (r.error?.code === 'storage_unavailable' && r.multipartUploadId)) uploads.startCloudUpload(r.id)
        }
      }
      jobService.resume()
      notes.recoverInterrupted()
      // Microphone sessions nobody finished (tab closed, panel restarted) become recordings after 60 s of silence.
      const sweep = () => void live.sweepIdle(60_000).catch((err: unknown) => logger.warn('microphone sweep failed', { error: err }))
      sweep()
      sweeper = setInterval(sweep, 30_000)
      sweeper.unref()
    },
    async close() {
      if (sweeper) clearInterval(sweeper)
      // Live text stops sending; finishes in progress end (their folders stay for the next start's sweep).
      liveText.stopAll()
      await live.settled()
      jobService.stop()
      uploads.stopAll()
      notes.stopAll()
      // Let aborted uploads and in-flight polls settle before the database closes.
      for (let i = 0; i < 50 && jobService.busy + notes.busy > 0; i++) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 20))
      store.close()
    },
  }
}

/** The adapters to RunPod and the volume: the volume and the REST API are null while their settings are missing. */
export interface Adapters {
  objectStore: ObjectStore | null
  /** A `NotConfiguredBackend` (every call throws `not_configured`) while RunPod's settings are missing. */
  backend: TranscriptionBackend
  rest: EndpointManager | null
}

/** Builds the S3, queue API and REST API adapters from the configuration (the panel and `npm run check` share them). */
export function createAdapters(config: Config, logger: Logger, overrides: PanelOverrides = {}): Adapters {
  const objectStore: ObjectStore | null = config.s3
    ? new S3ObjectStore(createS3Client(config.s3), { bucket: config.s3.bucket, audioReference: { mode: config.audioReference, runpodS3: isRunpodS3(config), logger } })
    : null
  const rp = config.runpod
  const backend: TranscriptionBackend =
    rp.apiKey && rp.endpointId
      ? new RunpodBackend(new RunpodClient({ apiBase: rp.apiBase, endpointId: rp.endpointId, apiKey: rp.apiKey, logger, ...overrides.runpodRetry }), {
          kind: rp.worker,
          model: rp.model,
          batchSize: rp.batchSize,
        })
      : new NotConfiguredBackend()
  const rest: EndpointManager | null = rp.apiKey ? new RunpodRest({ restApiBase: rp.restApiBase, apiKey: rp.apiKey, ...(overrides.runpodRetry ? { minTimeoutMs: overrides.runpodRetry.minTimeoutMs } : {}) }) : null
  return { objectStore, backend, rest }
}

/** The chat model for notes: any OpenAI-compatible API, or an object that names the missing settings. */
export function createLanguageModel(config: Config): LanguageModel {
  const missing = missingLlmSettings(config)
  const { baseUrl, apiKey, model, contextTokens } = config.llm
  return missing.length > 0 || !model ? notConfiguredModel(missing) : new OpenAiChatModel({ baseUrl, apiKey, model, contextTokens })
}

/** The setup check over the given adapters. */
export function createSetupService(config: Config, logger: Logger, adapters: Adapters, options: { testJobTimeoutMs?: number } = {}): SetupService {
  return new SetupService({
    config,
    ...adapters,
    logger,
    ...options,
  })
}

/** Serves the panel's app; resolves with the bound port once listening. */
export function listen(app: Hono, host: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve({ server, port: info.port }))
  })
}
