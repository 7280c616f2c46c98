/**
 * The setup check: the panel checks a user's RunPod set-up from the API key to a first transcript and
 * says, for each part, what is wrong and what to do. Endpoint facts come from RunPod's REST API v2; the
 * optional test job sends a bundled five-second clip through the whole path (upload to the volume,
 * `/run`, the worker, parsing) and reports its time and cost.
 *
 * Checks, in order: `api-key`, `endpoint`, `volume-attached`, `max-workers`, `s3`, `worker`, `diarization`.
 * A check whose prerequisite failed is `skipped` and says which one to fix first.
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { missingRunpodSettings, type Config } from '../config.ts'
import { SETUP_CHECK_IDS, type SetupCheck, type SetupCheckId, type SetupFix, type SetupReport, type SetupStatus, type TestJobReport } from '../domain/api.ts'
import { AppError, type ErrorInfo } from '../domain/errors.ts'
import type { AudioReference, EndpointFacts, EndpointManager, JobReport, Logger, ObjectStore, TranscriptionBackend } from '../domain/ports.ts'
import { estimateGpuCostUsd, type JobOptions } from '../domain/recording.ts'
import { normalizeWhisperX } from '../domain/whisperx.ts'
import { jobPolicy } from './submission.ts'

/** Records one check's status, message and fix while a check run goes on. */
type SetCheck = (id: SetupCheckId, s: SetupStatus, m: string, f?: SetupFix | null) => void

export interface SetupDeps {
  config: Config
  rest: EndpointManager | null
  /** Where test jobs run (a not-configured backend throws `not_configured`). */
  backend: TranscriptionBackend
  objectStore: ObjectStore | null
  logger: Logger
  /** How long a test job may take before the check gives up (ms). Default 15 min (a cold start loads models). */
  testJobTimeoutMs?: number
  /** Poll interval while a test job runs (ms). Default the panel's POLL_INTERVAL_MS. */
  pollIntervalMs?: number
}

/** The bundled five-second clip (see assets/README.md). */
export const SETUP_CLIP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'setup-check.m4a')

/** Key prefix of test-job clips on the volume; each run uploads its own and deletes it afterwards. */
const CLIP_PREFIX = 'scribe-panel/setup-check'

const consoleEndpointUrl = (id: string) => `https://console.runpod.io/serverless/user/endpoint/${encodeURIComponent(id)}`
const HF_TOKEN_FAILURE = /HF_TOKEN|HF_TERMS|hugging ?face|pyannote|gated/i

/** Runs the checks; one run at a time (a second caller gets the same promise). */
export class SetupService {
  private running: Promise<SetupReport> | null = null
  private lastTestJobs: SetupReport['testJobs'] = null
  private lastTestChecks: Partial<Record<'worker' | 'diarization', SetupCheck>> = {}

  private readonly deps: SetupDeps
  constructor(deps: SetupDeps) {
    this.deps = deps
  }

  /** Settings that must be set before anything else can be checked (the Setup view shows itself while any is missing). */
  missingSettings(): string[] {
    return missingRunpodSettings(this.deps.config)
  }

  /**
   * Checks the set-up. Without `testJob` the `worker` and `diarization` checks repeat the last test job's
   * result (or are `skipped`); with it, two five-second jobs run (plain, then with diarization).
   * Never throws: every failure becomes a check's message.
   */
  check(options: { testJob?: boolean } = {}): Promise<SetupReport> {
    if (this.running && !options.testJob) return this.running
    const run = this.run(options.testJob === true).finally(() => {
      if (this.running === run) this.running = null
    })
    this.running = run
    return run
  }

  /**
   * Applies the fix of check `id` where the panel can: `max-workers` raises the endpoint's max workers to 1
   * (RunPod sets it to 0 after 7 idle days; https://docs.runpod.io/serverless/endpoints/endpoint-configurations
   * "Idle endpoint scale-down").
   * @returns the checks after the fix.
   * @throws AppError `not_found` for a check without an automatic fix; the REST API's errors.
   */
  async fix(id: string): Promise<SetupReport> {
    if (id !== 'max-workers') {
      throw new AppError('not_found', `The panel cannot fix "${id}" by itself; its message in the Setup view says what to do.`)
    }
    const { rest } = this.deps
    const endpointId = this.deps.config.runpod.endpointId
    if (!rest || !endpointId) throw new AppError('not_configured', 'Set RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID in .env first.')
    const e = await rest.endpoint(endpointId)
    if (e.workersMax < 1) {
      await rest.setMaxWorkers(endpointId, 1, Math.min(e.workersMin, 1))
      this.deps.logger.info('raised the endpoint\'s max workers to 1', { endpointId })
    }
    return this.check()
  }

  private async run(testJob: boolean): Promise<SetupReport> {
    const { config, rest, backend, objectStore } = this.deps
    const endpointId = config.runpod.endpointId
    const checks = new Map<SetupCheckId, SetupCheck>()
    const set = (id: SetupCheckId, status: SetupStatus, message: string, fix: SetupFix | null = null) => checks.set(id, { id, status, message, fix })
    const skipAfter = (ids: SetupCheckId[], first: string) => {
      for (const id of ids) if (!checks.has(id)) set(id, 'skipped', `Fix "${first}" first.`)
    }

    // api-key and endpoint: one GET /serverless/{id} answers both (401/403 = key, 404 = endpoint).
    let endpoint: EndpointFacts | null = null
    if (!config.runpod.apiKey || !rest) {
      set('api-key', 'fail', 'RUNPOD_API_KEY is not set. Create an API key in RunPod\'s console (Settings → API Keys, "All" or "Restricted" with Serverless read/write), put it in .env and restart the panel.', { kind: 'link', label: 'Open API keys', url: 'https://console.runpod.io/user/settings' })
      skipAfter(['endpoint', 'volume-attached', 'max-workers'], 'api-key')
    } else if (!endpointId) {
      set('api-key', 'skipped', 'The key is checked together with the endpoint: set RUNPOD_ENDPOINT_ID first.')
      set('endpoint', 'fail', 'RUNPOD_ENDPOINT_ID is not set. Copy the endpoint ID (not its URL) from RunPod\'s console → Serverless → your endpoint, put it in .env and restart.', { kind: 'link', label: 'Open Serverless', url: 'https://console.runpod.io/serverless' })
      skipAfter(['volume-attached', 'max-workers'], 'endpoint')
    } else {
      try {
        endpoint = await rest.endpoint(endpointId)
        set('api-key', 'ok', 'RunPod accepts the API key.')
        set('endpoint', 'ok', `Endpoint "${endpoint.name}" (${endpoint.id}) found.`)
      } catch (err) {
        const e = asAppError(err)
        if (e.code === 'runpod_auth') {
          set('api-key', 'fail', e.message, { kind: 'link', label: 'Open API keys', url: 'https://console.runpod.io/user/settings' })
          skipAfter(['endpoint', 'volume-attached', 'max-workers'], 'api-key')
        } else if (e.code === 'runpod_not_found') {
          set('api-key', 'ok', 'RunPod accepts the API key.')
          set('endpoint', 'fail', `RunPod has no endpoint "${endpointId}" for this API key. Check RUNPOD_ENDPOINT_ID: it is the ID shown in the console under Serverless → your endpoint (not the URL), and the key must belong to the same account.`, { kind: 'link', label: 'Open Serverless', url: 'https://console.runpod.io/serverless' })
          skipAfter(['volume-attached', 'max-workers'], 'endpoint')
        } else {
          set('api-key', 'warn', `Could not check the key: ${e.message}`)
          set('endpoint', 'fail', e.message)
          skipAfter(['volume-attached', 'max-workers'], 'endpoint')
        }
      }
      // The queue API (a different host) must answer too: jobs go there.
      if (endpoint) {
        try {
          await backend.health()
        } catch (err) {
          set('endpoint', 'fail', `The endpoint exists, but its queue API did not answer: ${asAppError(err).message}`)
        }
      }
    }

    if (endpoint) {
      await this.checkVolumeAttached(endpoint, set)
      await this.checkMaxWorkers(endpoint, set)
    }

    // s3: HeadBucket with the S3 API key proves the keys, the volume ID and the datacenter together.
    if (!objectStore) {
      const missing = this.missingSettings().filter((m) => m.includes('S3') || m.includes('VOLUME') || m.includes('DATACENTER'))
      set('s3', 'fail', `The network volume's S3 settings are missing: ${missing.join(', ')}. Create an S3 API key in RunPod's console (Settings → S3 API Keys), put the volume's ID and datacenter and the key in .env, and restart.`, { kind: 'link', label: 'Open S3 API keys', url: 'https://console.runpod.io/user/settings' })
    } else {
      try {
        await objectStore.check()
        set('s3', 'ok', `The S3 API key opens volume ${objectStore.bucket}.`)
      } catch (err) {
        set('s3', 'fail', asAppError(err).message, { kind: 'link', label: 'Open S3 API keys', url: 'https://console.runpod.io/user/settings' })
      }
    }

    if (testJob) await this.runTestJobs(checks, set)
    else this.repeatTestJobChecks(checks, set, endpoint)

    return {
      checks: SETUP_CHECK_IDS.map((id) => checks.get(id) ?? { id, status: 'skipped' as const, message: 'Not checked.', fix: null }),
      testJobs: this.lastTestJobs,
      checkedAt: new Date().toISOString(),
    }
  }

  private async checkVolumeAttached(endpoint: EndpointFacts, set: SetCheck): Promise<void> {
    const volumeId = this.deps.config.volume.id
    const link: SetupFix = { kind: 'link', label: 'Edit the endpoint', url: consoleEndpointUrl(endpoint.id) }
    if (!volumeId) return set('volume-attached', 'fail', 'RUNPOD_VOLUME_ID is not set. Put the network volume\'s ID in .env (console → Storage) and restart.')
    if (!endpoint.networkVolumes.includes(volumeId)) {
      const attached = endpoint.networkVolumes.length ? `It has ${endpoint.networkVolumes.join(', ')} attached.` : 'It has no network volume attached.'
      return set('volume-attached', 'fail', `Network volume ${volumeId} is not attached to endpoint ${endpoint.id}, so the worker cannot read the uploaded audio. ${attached} Attach it in the console: Serverless → your endpoint → Manage → Edit → Advanced → Network Volumes.`, link)
    }
    let dataCenter: string
    try {
      dataCenter = (await this.deps.rest!.networkVolume(volumeId)).dataCenter.toUpperCase()
    } catch (err) {
      const e = asAppError(err)
      return set('volume-attached', e.code === 'runpod_not_found' ? 'fail' : 'warn', e.code === 'runpod_not_found' ? `Your account has no network volume ${volumeId}. Check RUNPOD_VOLUME_ID (console → Storage).` : `Could not read the volume: ${e.message}`)
    }
    const configured = this.deps.config.volume.datacenter
    if (configured && configured !== dataCenter) {
      return set('volume-attached', 'fail', `Volume ${volumeId} is in datacenter ${dataCenter}, but RUNPOD_DATACENTER is ${configured}: the panel would upload through the wrong datacenter's S3 API. Set RUNPOD_DATACENTER=${dataCenter} in .env and restart.`)
    }
    if (endpoint.dataCenterIds.length > 0 && !endpoint.dataCenterIds.map((d) => d.toUpperCase()).includes(dataCenter)) {
      return set('volume-attached', 'fail', `Volume ${volumeId} is in ${dataCenter}, but the endpoint's workers may only run in ${endpoint.dataCenterIds.join(', ')}. Add ${dataCenter} to the endpoint's datacenters (or attach a volume there).`, link)
    }
    if (endpoint.networkVolumes.length > 1) {
      // Several volumes: each worker mounts the one of its datacenter, and RunPod does not sync them
      // (https://docs.runpod.io/storage/network-volumes "Attach multiple volumes").
      return set('volume-attached', 'warn', `Volume ${volumeId} (${dataCenter}) is attached, together with ${endpoint.networkVolumes.length - 1} other volume(s). Data does not sync between volumes: a worker in another datacenter will not find the audio. Keep only ${volumeId} attached.`, link)
    }
    set('volume-attached', 'ok', `Volume ${volumeId} (${dataCenter}) is attached to the endpoint.`)
  }

  private async checkMaxWorkers(endpoint: EndpointFacts, set: SetCheck): Promise<void> {
    if (endpoint.workersMax === 0) {
      return set('max-workers', 'fail', 'The endpoint has 0 max workers, so jobs wait in the queue forever. RunPod lowers max workers to 0 after 7 days without requests; raise it to 1 or more.', { kind: 'auto', label: 'Raise max workers to 1' })
    }
    try {
      const w = await this.deps.rest!.workers(endpoint.id)
      if (w.throttled > 0 && w.running + w.idle + w.initializing === 0) {
        return set('max-workers', 'warn', `Max workers is ${endpoint.workersMax}, but no GPU of the endpoint's types is free right now (the worker is throttled, waiting for capacity). Jobs wait until one frees up; adding more GPU types to the endpoint helps.`, { kind: 'link', label: 'Edit the endpoint', url: consoleEndpointUrl(endpoint.id) })
      }
      if (w.unhealthy > 0) {
        return set('max-workers', 'warn', `Max workers is ${endpoint.workersMax}; ${w.unhealthy} worker(s) fail their health checks. See the worker logs in RunPod's console.`, { kind: 'link', label: 'Open the endpoint', url: consoleEndpointUrl(endpoint.id) })
      }
      const now = [w.running && `${w.running} running`, w.idle && `${w.idle} idle`, w.initializing && `${w.initializing} starting`].filter(Boolean).join(', ')
      set('max-workers', 'ok', `Max workers is ${endpoint.workersMax}${now ? ` (${now})` : ' (none running now; the first job starts one)'}.`)
    } catch (err) {
      set('max-workers', 'ok', `Max workers is ${endpoint.workersMax}. (Worker states could not be read: ${asAppError(err).message})`)
    }
  }

  /** Without a new test job: the last one's results, else `skipped` (or a warning read from the endpoint's env). */
  private repeatTestJobChecks(checks: Map<SetupCheckId, SetupCheck>, set: SetCheck, endpoint: EndpointFacts | null): void {
    for (const id of ['worker', 'diarization'] as const) {
      const last = this.lastTestChecks[id]
      if (last) checks.set(id, last)
      else set(id, 'skipped', 'Run the test job to check this (five seconds of audio, about a cent or less).')
    }
    if (!this.lastTestChecks.diarization && endpoint && !('HF_TOKEN' in endpoint.env)) {
      set('diarization', 'warn', 'The endpoint has no HF_TOKEN environment variable, so the worker cannot identify speakers. Add HF_TOKEN (a Hugging Face read token, best as a RunPod secret) to the endpoint and accept the terms of pyannote/speaker-diarization-community-1 on huggingface.co.', { kind: 'link', label: 'Edit the endpoint', url: consoleEndpointUrl(endpoint.id) })
    }
  }

  private async runTestJobs(checks: Map<SetupCheckId, SetupCheck>, set: SetCheck): Promise<void> {
    const blocking = (['api-key', 'endpoint', 'volume-attached', 'max-workers', 's3'] as const).find((id) => checks.get(id)?.status === 'fail')
    const { objectStore } = this.deps
    if (blocking || !objectStore) {
      set('worker', 'skipped', `The test job needs the checks above: fix "${blocking ?? 's3'}" first.`)
      set('diarization', 'skipped', `The test job needs the checks above: fix "${blocking ?? 's3'}" first.`)
      return
    }
    // A folder per run: the worker writes its result file beside the audio, and the whole folder goes afterwards.
    const folder = `${CLIP_PREFIX}/${randomUUID()}/`
    const key = `${folder}clip.m4a`
    const t0 = Date.now()
    try {
      await objectStore.uploadFile(key, SETUP_CLIP, { contentType: 'audio/mp4' })
    } catch (err) {
      const msg = `The test clip could not be uploaded to the volume: ${asAppError(err).message}`
      set('worker', 'fail', msg)
      set('diarization', 'skipped', 'Fix "worker" first.')
      return
    }
    const uploadSeconds = (Date.now() - t0) / 1000
    try {
      const audio = await objectStore.workerAudio(key)
      const plain = await this.testJob(audio, false, uploadSeconds, t0)
      this.lastTestJobs = { worker: plain.report, diarization: null }
      set('worker', plain.check.status, plain.check.message, plain.check.fix)
      if (plain.check.status !== 'ok') {
        set('diarization', 'skipped', 'Fix "worker" first.')
      } else {
        const t1 = Date.now()
        const diarized = await this.testJob(audio, true, 0, t1)
        this.lastTestJobs = { worker: plain.report, diarization: diarized.report }
        set('diarization', diarized.check.status, diarized.check.message, diarized.check.fix)
      }
    } finally {
      this.lastTestChecks = { worker: checks.get('worker'), diarization: checks.get('diarization') }
      await objectStore.deletePrefix(folder).catch((err: unknown) => this.deps.logger.warn('could not delete the test clip', { folder, error: err }))
    }
  }

  /** One test job: submit, follow, parse. Its check says what the worker did. */
  private async testJob(audio: AudioReference, diarize: boolean, uploadSeconds: number, startedAt: number): Promise<{ check: Omit<SetupCheck, 'id'>; report: TestJobReport | null }> {
    const id: SetupCheckId = diarize ? 'diarization' : 'worker'
    const backend = this.deps.backend
    const contract = this.deps.config.runpod.worker
    const options: JobOptions = { language: 'en', diarize, minSpeakers: null, maxSpeakers: null }
    let jobId: string
    try {
      jobId = (await backend.submit({ audio, options, policy: jobPolicy(5) })).id
    } catch (err) {
      return { check: { status: 'fail', message: `The test job could not be submitted: ${asAppError(err).message}`, fix: null }, report: null }
    }
    const deadline = Date.now() + (this.deps.testJobTimeoutMs ?? 15 * 60_000)
    const interval = this.deps.pollIntervalMs ?? this.deps.config.runpod.pollIntervalMs
    let last: JobReport | null = null
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, interval))
      try {
        last = await backend.status(jobId)
      } catch (err) {
        const e = asAppError(err)
        if (!e.retryable) return { check: { status: 'fail', message: `Following the test job failed: ${e.message}`, fix: null }, report: null }
        continue
      }
      if (last.state === 'queued' || last.state === 'running') continue
      break
    }
    if (!last || last.state === 'queued' || last.state === 'running') {
      await backend.cancel(jobId).catch(() => {})
      const waited = Math.round((Date.now() - startedAt) / 1000)
      return { check: { status: 'fail', message: `The test job was still ${last?.state === 'running' ? 'running' : 'waiting for a worker'} after ${waited} s and was cancelled. ${last?.state === 'running' ? 'A first start downloads models; run the test job again in a few minutes.' : 'Check max workers and GPU availability of the endpoint.'}`, fix: null }, report: null }
    }
    const report: TestJobReport = {
      jobId,
      uploadSeconds: round(uploadSeconds),
      queueSeconds: last.timings.queueMs !== null ? round(last.timings.queueMs / 1000) : null,
      executionSeconds: last.timings.executionMs !== null ? round(last.timings.executionMs / 1000) : null,
      totalSeconds: round((Date.now() - startedAt) / 1000),
      costUsd: last.timings.executionMs !== null ? estimateGpuCostUsd(last.timings.executionMs / 1000, this.deps.config.gpuPricePerSecond) : null,
      segments: 0,
      speakers: 0,
      language: null,
    }
    const timing = `${report.totalSeconds} s in all (queue ${report.queueSeconds ?? '?'} s, GPU ${report.executionSeconds ?? '?'} s${report.costUsd !== null ? `, ≈ $${report.costUsd.toFixed(4)}` : ''})`
    if (last.state === 'failed') {
      if (diarize && HF_TOKEN_FAILURE.test(last.error ?? '')) {
        return { check: { status: 'fail', message: `Speaker identification failed: ${last.error} Add HF_TOKEN (a Hugging Face read token, best as a RunPod secret) to the endpoint's environment, accept the terms of pyannote/speaker-diarization-community-1 on huggingface.co, and run the test job again.`, fix: { kind: 'link', label: 'Edit the endpoint', url: consoleEndpointUrl(this.deps.config.runpod.endpointId ?? '') } }, report }
      }
      return { check: { status: 'fail', message: `The test job failed on the worker: ${last.error ?? 'no reason given'}. ${unknownContractHint(last.error, contract)}`, fix: null }, report }
    }
    if (last.state !== 'completed') {
      return { check: { status: 'fail', message: `The test job ${last.state === 'timed-out' ? 'timed out' : 'was cancelled'} on RunPod. Check the endpoint's worker logs in RunPod's console.`, fix: null }, report }
    }
    try {
      const transcript = normalizeWhisperX(backend.readResult(last.result), { duration: 5 })
      report.segments = transcript.segments.length
      report.speakers = transcript.speakers.length
      report.language = transcript.language
    } catch {
      return { check: { status: 'fail', message: `The worker finished, but its output is not the "${contract}" contract RUNPOD_WORKER names${last.result === undefined ? ' (no output at all: a worker of another contract rejects the input this way)' : ''}. Deploy this repository's worker (see "Deploy the worker" in the README), or set RUNPOD_WORKER to the contract of your worker image.`, fix: null }, report }
    }
    if (id === 'diarization') {
      return { check: { status: report.speakers > 0 ? 'ok' : 'warn', message: report.speakers > 0 ? `Speakers identified: ${report.speakers} in the test clip; ${timing}.` : `The job ran but reported no speakers; ${timing}. Check HF_TOKEN and the pyannote model's terms.`, fix: null }, report }
    }
    return { check: { status: 'ok', message: `The worker transcribed the test clip (${report.segments} segment${report.segments === 1 ? '' : 's'}, ${report.language ?? 'language unknown'}): ${timing}.`, fix: null }, report }
  }
}

function unknownContractHint(error: string | null, contract: string): string {
  return /unknown|unexpected|invalid input|audio_file|required/i.test(error ?? '')
    ? `The endpoint's worker may speak another contract than "${contract}" (RUNPOD_WORKER): deploy this repository's worker, or set RUNPOD_WORKER to match your image.`
    : "Check the endpoint's worker logs in RunPod's console."
}

function asAppError(err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('internal', err instanceof Error ? err.message : String(err))
}

const round = (s: number) => Math.round(s * 10) / 10

const MARK: Record<SetupStatus, string> = { ok: '✓', warn: '!', fail: '✗', skipped: '–' }
const COLOR: Record<SetupStatus, string> = { ok: '32', warn: '33', fail: '31', skipped: '90' }

/**
 * The report as terminal text: one line per check (`✓ api-key  message`), its fix on the next line, and
 * a summary. `color` adds ANSI colours.
 */
export function formatSetupReport(report: SetupReport, options: { color?: boolean } = {}): string {
  const paint = (s: SetupStatus, text: string) => (options.color ? `\u001b[${COLOR[s]}m${text}\u001b[0m` : text)
  const width = Math.max(...report.checks.map((c) => c.id.length))
  const lines = ['Scribe Panel setup check', '']
  for (const c of report.checks) {
    lines.push(`${paint(c.status, `${MARK[c.status]} ${c.id.padEnd(width)}`)}  ${c.message}`)
    if (c.fix) lines.push(`${' '.repeat(width + 4)}→ ${c.fix.kind === 'link' ? `${c.fix.label}: ${c.fix.url}` : `${c.fix.label} (in the Setup view, or POST /api/setup/fix/${c.id})`}`)
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length
  const warned = report.checks.filter((c) => c.status === 'warn').length
  const skippedTest = report.checks.some((c) => (c.id === 'worker' || c.id === 'diarization') && c.status === 'skipped')
  lines.push('', failed ? `${failed} check${failed === 1 ? '' : 's'} failed.` : warned ? `No failures, ${warned} warning${warned === 1 ? '' : 's'}.` : 'All checks passed.')
  if (skippedTest && !failed) lines.push('Run `npm run check -- --test-job` to send a five-second clip through the worker.')
  return `${lines.join('\n')}\n`
}

/**
 * Why a job may wait in RunPod's queue for ever, read from the REST API: 0 max workers (RunPod's idle
 * scale-down after 7 days; https://docs.runpod.io/serverless/endpoints/endpoint-configurations) or no free GPU
 * (the endpoint's workers are THROTTLED). Null when neither is the case, or when RunPod cannot be asked.
 */
export async function diagnoseQueue(rest: EndpointManager, endpointId: string): Promise<ErrorInfo | null> {
  const e = await rest.endpoint(endpointId)
  if (e.workersMax === 0) {
    return { code: 'job_waiting', message: 'Still queued because the endpoint has 0 max workers: RunPod lowers max workers to 0 after 7 days without requests, so no GPU will ever take this job. Open Setup and press "Raise max workers to 1" (or raise it in the RunPod console); the job then starts by itself.' }
  }
  const w = await rest.workers(endpointId)
  if (w.throttled > 0 && w.running + w.idle + w.initializing === 0) {
    return { code: 'job_waiting', message: `Still queued because no GPU of the endpoint's types is free right now (its worker is throttled, waiting for capacity). The job starts when one frees up; to start sooner, add more GPU types to the endpoint in the RunPod console.` }
  }
  return null
}
