/**
 * Starts the whole stack for integration and browser tests: the S3 stand-in (the network volume),
 * the RunPod emulator (with that volume attached), and the panel built by `createPanel` exactly as
 * `npm start` builds it, on loopback ports chosen by the OS, with fresh temp folders.
 */
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Server } from 'node:http'
import { parseConfig } from '../../src/config.ts'
import { silentLogger, createLogger } from '../../src/logger.ts'
import { createPanel, listen, type Panel, type PanelOverrides } from '../../src/panel.ts'
import type { RunpodEmulator, RunpodEmulatorOptions } from '../../standins/runpod/emulator.ts'
import type { S3TestServer } from '../../standins/s3/server.ts'
import type { LlmStandIn, LlmStandInOptions } from '../../standins/llm/server.ts'
import { startStandIns } from '../../standins/start.ts'

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures')

export interface Stack {
  url: string
  panel: Panel
  s3: S3TestServer
  emulator: RunpodEmulator
  /** The LLM stand-in (notes) when `llm` was given, else null. */
  llm: LlmStandIn | null
  dirs: { uploads: string; output: string }
  env: Record<string, string>
  /** Stops the panel (as a crash would: no cleanup of jobs) without stopping the stand-ins. */
  stopPanel(): Promise<void>
  /** Builds and starts a new panel on the same folders and database (a restart). */
  restartPanel(): Promise<void>
  close(): Promise<void>
}

export interface StackOptions {
  presign?: 'supported' | 'unsupported'
  audioReference?: 'auto' | 'presigned' | 'volume-path'
  worker?: 'whisperx' | 'whisperx-hub'
  emulator?: Partial<RunpodEmulatorOptions>
  env?: Record<string, string>
  overrides?: PanelOverrides
  /** Leave the RunPod/S3 settings out (the "not configured" panel). */
  unconfigured?: boolean
  /** Start the LLM stand-in and point the panel's notes at it. */
  llm?: Partial<Omit<LlmStandInOptions, 'apiKey'>>
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const root = mkdtempSync(path.join(tmpdir(), 'scribe-stack-'))
  const dirs = { uploads: path.join(root, 'uploads'), output: path.join(root, 'output') }
  const standIns = await startStandIns({
    s3: { presign: opts.presign ?? 'unsupported' },
    runpod: { worker: opts.worker ?? 'whisperx', queueDelayMs: 300, executionMs: 500, scriptsDir: FIXTURES, ...opts.emulator },
    ...(opts.llm ? { llm: opts.llm } : {}),
  })
  const { s3, emulator, llm } = standIns
  // RUNPOD_WORKER follows `worker`, not `emulator.worker`: a test may run another contract than the panel expects.
  const env: Record<string, string> = opts.unconfigured
    ? {}
    : { ...standIns.env, RUNPOD_WORKER: opts.worker ?? 'whisperx', AUDIO_REFERENCE: opts.audioReference ?? 'auto' }
  Object.assign(env, { UPLOADS_DIR: dirs.uploads, OUTPUT_DIR: dirs.output, POLL_INTERVAL_MS: '200', PORT: '0' }, opts.env)
  const config = parseConfig(env)
  const logger = process.env.SCRIBE_TEST_LOG ? createLogger('debug') : silentLogger
  const overrides: PanelOverrides = { runpodRetry: { retries: 3, minTimeoutMs: 50, maxTimeoutMs: 300 }, uploadRetryDelaysMs: [100, 300], ...opts.overrides }

  let panel: Panel
  let server: Server
  let port = 0
  const boot = async () => {
    panel = createPanel(config, logger, overrides)
    panel.start()
    const l = await listen(panel.app, '127.0.0.1', port)
    server = l.server as Server
    port = l.port
  }
  await boot()
  const stack: Stack = {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get panel() {
      return panel
    },
    s3,
    emulator,
    llm,
    dirs,
    env,
    async stopPanel() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await panel.close()
    },
    async restartPanel() {
      await boot()
    },
    async close() {
      await stack.stopPanel().catch(() => {})
      await standIns.stop()
      // A background write (peaks) can still be finishing in a folder being removed: retry on ENOTEMPTY.
      await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    },
  }
  return stack
}

/**
 * Calls the panel's API for one recording: `method` on `/api/recordings/<id><path>`, with `body` (when given) as JSON.
 * @returns the HTTP status and the parsed JSON answer (`never`: the caller says what it expects)
 */
export async function callRecording(url: string, id: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: never }> {
  const res = await fetch(`${url}/api/recordings/${id}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as never }
}

/** Polls `GET /api/recordings/:id` until `predicate` holds; returns the recording. */
export async function waitForRecording(
  url: string,
  id: string,
  predicate: (r: { status: string; [k: string]: unknown }) => boolean,
  timeoutMs = 20_000,
): Promise<{ status: string; [k: string]: unknown }> {
  const deadline = Date.now() + timeoutMs
  let last: { status: string; [k: string]: unknown } | null = null
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/recordings/${id}`)
    last = (await res.json()) as { status: string }
    if (predicate(last)) return last
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting; last state: ${JSON.stringify(last)}`)
}
