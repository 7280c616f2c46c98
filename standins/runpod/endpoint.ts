/**
 * The emulated endpoint's settings (what RunPod's REST API v2 reports and a PATCH changes) and its one GPU worker:
 * absent, INITIALIZING during a cold start, then warm; THROTTLED while no GPU of its pools is free. Worker states
 * from https://docs.runpod.io/serverless/workers/overview and the REST API's `WorkerStatus`.
 */
import { createHash } from 'node:crypto'
import type { EndpointFacts } from '../../src/domain/ports.ts'
import type { EmulatedJob } from './jobs.ts'
import { clearTimers, deadlineTimer } from './timers.ts'
import type { VolumeConfig } from './worker.ts'

/**
 * An endpoint's settings: the fields of REST v2's `Endpoint` the emulator acts on, which are the ones the panel
 * reads (its `EndpointFacts`, less the id and the execution timeout, which the emulator keeps elsewhere).
 * `rest-v2.ts` writes them in RunPod's own JSON (`workers: {min, max}`, …). Defaults (`endpointSettings`):
 * workers 0 / 3, and RunPod sets `max` to 0 after 7 idle days
 * (https://docs.runpod.io/serverless/endpoints/endpoint-configurations "Idle endpoint scale-down"); the datacenter
 * and network volume of the attached volume; env `{HF_TOKEN: 'hf_emulated'}`: our worker needs `HF_TOKEN` to
 * diarize (the pyannote model is gated; whisperX README), and without it the `whisperx` handler returns an error.
 */
export type EndpointSettings = Omit<EndpointFacts, 'id' | 'timeoutMs'>

/** A network volume of the account (REST v2 `NetworkVolume`). */
export interface NetworkVolume {
  id: string
  name: string
  size: number
  dataCenter: string
}

/** The endpoint's settings from the emulator's options: defaults follow the attached `volume`. */
export function endpointSettings(given: Partial<EndpointSettings> | undefined, volume: VolumeConfig | undefined): EndpointSettings {
  return {
    name: given?.name ?? 'scribe-whisperx',
    workersMin: given?.workersMin ?? 0,
    workersMax: given?.workersMax ?? 3,
    dataCenterIds: given?.dataCenterIds ?? (volume ? [volume.region.toUpperCase()] : []),
    networkVolumes: given?.networkVolumes ?? (volume ? [volume.bucket] : []),
    env: given?.env ?? { HF_TOKEN: 'hf_emulated' },
  }
}

/** The account's network volumes: the given ones, else the attached `volume` in the datacenter of its region. */
export function accountVolumes(
  given: { id: string; name?: string; size?: number; dataCenter: string }[] | undefined,
  volume: VolumeConfig | undefined,
): NetworkVolume[] {
  const list = given ?? (volume ? [{ id: volume.bucket, dataCenter: volume.region.toUpperCase() }] : [])
  return list.map((v) => ({ id: v.id, name: v.name ?? 'scribe-panel', size: v.size ?? 50, dataCenter: v.dataCenter }))
}

/** The endpoint's one worker id, stable per endpoint; RunPod's look like `oqk7ao1uomckye` (14 lower-case letters). */
export function emulatedWorkerId(endpointId: string): string {
  return createHash('sha256').update(endpointId).digest('hex').replace(/[^a-z]/g, '').padEnd(14, 'x').slice(0, 14)
}

/** REST v2 `WorkerStatus` values the emulator reports. */
export type WorkerState = 'RUNNING' | 'IDLE' | 'INITIALIZING' | 'THROTTLED'

/** The endpoint's one GPU worker: whether it can take a job, and the state RunPod would report for it. */
export class GpuWorker {
  /** When the worker became warm (epoch ms; 0 = warm from the start). */
  readyAt = 0
  gpuAvailability: 'available' | 'none'
  private phase: 'none' | 'initializing' | 'warm'
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly settings: EndpointSettings
  private readonly coldStartMs: number
  private readonly onWarm: () => void

  /**
   * @param opts.coldStartMs - how long the first job waits while the worker is INITIALIZING; 0 = warm from the start.
   * @param opts.onWarm - called when a cold start ends (queued jobs may start).
   */
  constructor(opts: { settings: EndpointSettings; coldStartMs: number; gpuAvailability: 'available' | 'none'; onWarm: () => void }) {
    this.settings = opts.settings
    this.coldStartMs = opts.coldStartMs
    this.gpuAvailability = opts.gpuAvailability
    this.onWarm = opts.onWarm
    this.phase = opts.coldStartMs > 0 ? 'none' : 'warm'
  }

  /** Whether the worker can take a job now; starts a cold worker when one may start. */
  ready(): boolean {
    if (this.settings.workersMax === 0 || this.gpuAvailability === 'none') return false
    if (this.phase === 'warm') return true
    if (this.phase === 'none') {
      this.phase = 'initializing'
      this.readyAt = Date.now() + this.coldStartMs
      deadlineTimer(this.timers, this.coldStartMs, () => {
        this.phase = 'warm'
        this.readyAt = Date.now()
        this.onWarm()
      })
    }
    return false
  }

  /** The worker's state given the endpoint's live jobs; null when no worker is allocated. */
  state(liveJobs: readonly EmulatedJob[]): WorkerState | null {
    if (this.settings.workersMax === 0) return null
    if (this.gpuAvailability === 'none') return liveJobs.some((j) => j.status === 'IN_QUEUE') ? 'THROTTLED' : null
    if (this.phase === 'none') return null
    if (this.phase === 'initializing') return 'INITIALIZING'
    return liveJobs.some((j) => j.status === 'IN_PROGRESS') ? 'RUNNING' : 'IDLE'
  }

  close(): void {
    clearTimers(this.timers)
  }
}
