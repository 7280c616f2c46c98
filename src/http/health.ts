/**
 * `GET /api/health`: configuration status and reachability of the network volume and the endpoint.
 * Never includes a secret: only setting names, booleans, and messages written by the adapters.
 */
import { Hono } from 'hono'
import { isRunpodS3, missingRunpodSettings, type Config } from '../config.ts'
import type { HealthResponse } from '../domain/api.ts'
import { toErrorInfo } from '../domain/errors.ts'
import type { ObjectStore, SpeechDetector, TranscriptionBackend } from '../domain/ports.ts'

const CHECK_TIMEOUT_MS = 8000

async function check<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ReturnType<typeof toErrorInfo> }> {
  let timer: NodeJS.Timeout | undefined
  try {
    const value = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)
      }),
    ])
    return { ok: true, value }
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Setting combinations that are known not to work on real RunPod (plain words, shown in the page).
 * Sources: https://docs.runpod.io/storage/s3-api (presigned URLs are listed as unsupported) and kodxana/whisperx-worker
 * `src/rp_handler.py` (the Hub worker downloads `audio_file` as a URL; it cannot read a /runpod-volume path).
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = []
  const runpodS3 = isRunpodS3(config)
  if (config.runpod.worker === 'whisperx-hub' && config.audioReference === 'volume-path') {
    warnings.push('RUNPOD_WORKER=whisperx-hub with AUDIO_REFERENCE=volume-path: the Hub worker only downloads URLs, so it cannot read /runpod-volume paths. Use the whisperx worker, or a presigned URL from storage that supports it.')
  }
  if (config.runpod.worker === 'whisperx-hub' && config.audioReference === 'auto' && runpodS3) {
    warnings.push("RUNPOD_WORKER=whisperx-hub with a RunPod network volume: RunPod's S3 API does not support presigned URLs, so the panel sends /runpod-volume paths, which the Hub worker cannot read. Use the whisperx worker.")
  }
  if (config.audioReference === 'presigned' && runpodS3) {
    warnings.push("AUDIO_REFERENCE=presigned with a RunPod network volume: RunPod documents presigned URLs as unsupported. Use auto or volume-path.")
  }
  return warnings
}

export function healthRoutes(deps: { config: Config; objectStore: ObjectStore | null; backend: TranscriptionBackend; speech?: SpeechDetector }): Hono {
  const app = new Hono()
  app.get('/', async (c) => {
    const missing = missingRunpodSettings(deps.config)
    const [s3, runpod] = await Promise.all([
      deps.objectStore ? check(() => deps.objectStore!.check()) : Promise.resolve(null),
      check(() => deps.backend.health()),
    ])
    return c.json<HealthResponse>({
      ok: missing.length === 0 && s3?.ok === true && runpod?.ok === true,
      demo: deps.config.server.demo,
      configured: missing.length === 0,
      missing,
      warnings: configWarnings(deps.config),
      worker: deps.config.runpod.worker,
      audioReference: deps.config.audioReference,
      endpointId: deps.config.runpod.endpointId ?? null,
      volumeId: deps.config.volume.id ?? null,
      s3: s3 === null ? { ok: false, error: { code: 'not_configured', message: 'Network volume settings are missing.' } } : s3.ok ? { ok: true } : { ok: false, error: s3.error },
      runpod:
        runpod.ok ? { ok: true, workers: runpod.value.workers, jobs: runpod.value.jobs } : { ok: false, error: runpod.error },
      // Live text while recording from the microphone: LIVE_TEXT, and RunPod set up.
      liveText: !deps.config.liveText
        ? { available: false, reason: 'Live text is turned off (LIVE_TEXT=off in .env).' }
        : missing.length > 0
          ? { available: false, reason: 'Live text needs the RunPod settings (the endpoint and the network volume).' }
          : { available: true, reason: null },
      // The hallucination filter's speech maps: Silero VAD, or the ffmpeg level fallback and why.
      speechDetector: deps.speech?.status() ?? null,
    })
  })
  return app
}
