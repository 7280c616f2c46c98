/**
 * One way to start the stand-ins, for the tests, `npm run demo` and the benchmarks: the S3 stand-in (the network
 * volume), the RunPod emulator with that volume attached, on request the OpenAI-compatible chat API for notes, and
 * the panel's environment that points at them.
 *
 * Every stand-in listens on loopback on a port the OS chooses. Each one started here adds its settings to `env`
 * and its stop to `stop()`; a new stand-in (e.g. an LLM) is one more entry in `startStandIns`.
 */
import { mkdir } from 'node:fs/promises'
import { llmStandInEnv, startLlmStandIn, type LlmStandIn, type LlmStandInOptions } from './llm/server.ts'
import { startRunpodEmulator, type RunpodEmulator, type RunpodEmulatorOptions } from './runpod/emulator.ts'
import { startS3Server, type S3ServerOptions, type S3TestServer } from './s3/server.ts'
import { standInEnv, volumeOf } from './env.ts'

/** The identity the stand-ins answer to by default (RunPod's formats: key `rpa_…`, S3 key `user_…`, secret `rps_…`). */
export const DEFAULT_IDENTITY = {
  apiKey: 'rpa_TESTKEY0123456789',
  endpointId: 'scribe-test-ep',
  volumeId: '7z79eg0uur',
  s3AccessKeyId: 'user_2f21CfO73Mm2Uq2lEGFiEF24IPw',
  s3SecretAccessKey: 'rps_testsecret0123456789',
  llmApiKey: 'sk-standin-0123456789',
} as const

export interface StandInsOptions {
  /** Overrides of {@link DEFAULT_IDENTITY} (keys, endpoint and volume ids). */
  identity?: Partial<Record<keyof typeof DEFAULT_IDENTITY, string>>
  /**
   * Where the volume's objects are kept (created if missing; kept by `stop()`, so a demo's volume survives a
   * restart). Default: a temp folder, removed by `stop()`.
   */
  volumeDir?: string
  /** S3 stand-in options beyond the identity. Default `presign: 'unsupported'`, as RunPod's S3 API. */
  s3?: Partial<Omit<S3ServerOptions, 'accessKeyId' | 'secretAccessKey' | 'bucket' | 'directory'>>
  /** RunPod emulator options beyond the identity and the volume (delays, worker contract, faults, Python worker). */
  runpod?: Partial<Omit<RunpodEmulatorOptions, 'apiKey' | 'endpointId' | 'volume'>>
  /** Also start the LLM stand-in (notes), with these options; absent: no LLM settings in `env`. */
  llm?: Partial<Omit<LlmStandInOptions, 'apiKey'>>
}

export interface StandIns {
  s3: S3TestServer
  emulator: RunpodEmulator
  /** The LLM stand-in when `llm` was asked for, else null. */
  llm: LlmStandIn | null
  /**
   * The panel's settings for these stand-ins (strings, as the environment holds them): RUNPOD_API_KEY,
   * RUNPOD_ENDPOINT_ID, RUNPOD_API_BASE, RUNPOD_REST_API_BASE, RUNPOD_WORKER and the volume's RUNPOD_* settings;
   * with the LLM stand-in also LLM_BASE_URL, LLM_API_KEY and LLM_MODEL.
   */
  env: Record<string, string>
  urls: { runpodApi: string; runpodRest: string; s3: string; llm: string | null }
  /** Stops every stand-in started here (the last started first); never throws. */
  stop(): Promise<void>
}

/**
 * Starts the S3 stand-in, then the RunPod emulator with its volume attached, then (when `llm` is given) the LLM
 * stand-in.
 * @throws Error when a stand-in cannot start (a port, the Python worker); those already started are stopped first.
 */
export async function startStandIns(opts: StandInsOptions = {}): Promise<StandIns> {
  const id = { ...DEFAULT_IDENTITY, ...opts.identity }
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {})
  }
  try {
    if (opts.volumeDir !== undefined) await mkdir(opts.volumeDir, { recursive: true })
    const s3 = await startS3Server({
      presign: 'unsupported',
      ...opts.s3,
      accessKeyId: id.s3AccessKeyId,
      secretAccessKey: id.s3SecretAccessKey,
      bucket: id.volumeId,
      ...(opts.volumeDir !== undefined ? { directory: opts.volumeDir } : {}),
    })
    stops.push(() => s3.close())
    const emulator = await startRunpodEmulator({ ...opts.runpod, apiKey: id.apiKey, endpointId: id.endpointId, volume: volumeOf(s3) })
    stops.push(() => emulator.close())
    const env: Record<string, string> = standInEnv(s3, emulator, { apiKey: id.apiKey, endpointId: id.endpointId, worker: opts.runpod?.worker })
    let llm: LlmStandIn | null = null
    if (opts.llm) {
      const started = await startLlmStandIn({ ...opts.llm, apiKey: id.llmApiKey })
      stops.push(() => started.close())
      Object.assign(env, llmStandInEnv(started, id.llmApiKey))
      llm = started
    }
    return { s3, emulator, llm, env, urls: { runpodApi: emulator.url, runpodRest: emulator.restUrl, s3: s3.endpoint, llm: llm?.url ?? null }, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
