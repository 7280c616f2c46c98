/**
 * The queue watch: a job that waits in RunPod's queue longer than QUEUE_WARNING_S gets a reason beside "Queued"
 * instead of an endless wait. It asks why (0 max workers after RunPod's idle scale-down, no free GPU;
 * https://docs.runpod.io/serverless/endpoints/endpoint-configurations) at most once a minute per job, and shows
 * the answer, with its fix, on the recording. The job itself stays queued.
 */
import type { ErrorInfo } from '../domain/errors.ts'
import type { Logger } from '../domain/ports.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import type { RecordingLifecycle } from './recording-lifecycle.ts'

export interface QueueWatchDeps {
  store: RecordingStore
  /** Tells open pages when a reason arrives. */
  lifecycle: RecordingLifecycle
  logger: Logger
  /**
   * Why jobs may wait forever (0 max workers, no free GPU), in words with the fix, or null when nothing is
   * wrong that the panel can see.
   */
  diagnosis: () => Promise<ErrorInfo | null>
  /** After this long in the queue (ms, QUEUE_WARNING_S) the watch asks `diagnosis`. Default 300 s. */
  warningMs?: number
}

export class QueueWatch {
  /** When each job was last seen entering RunPod's queue (epoch ms; in memory, restarts with the panel). */
  private readonly queuedSince = new Map<string, number>()
  /** The last diagnosis per recording and when it was made. */
  private readonly warnings = new Map<string, { at: number; warning: ErrorInfo | null }>()
  private readonly deps: QueueWatchDeps
  constructor(deps: QueueWatchDeps) {
    this.deps = deps
  }

  /**
   * The recording's job was reported waiting in the queue (again). Past the warning time the last reason is shown
   * again (the poller clears errors on every answer), and a new one is asked for when the last is a minute old.
   */
  queued(r: StoredRecording): void {
    const now = Date.now()
    const since = this.queuedSince.get(r.id) ?? now
    this.queuedSince.set(r.id, since)
    if (now - since < (this.deps.warningMs ?? 300_000)) return
    const last = this.warnings.get(r.id)
    if (last?.warning) this.deps.store.updateRecording(r.id, { error: last.warning })
    if (last && now - last.at < 60_000) return
    this.warnings.set(r.id, { at: now, warning: last?.warning ?? null })
    void this.deps
      .diagnosis()
      .then((warning) => {
        this.warnings.set(r.id, { at: Date.now(), warning })
        const still = this.deps.store.getRecording(r.id)
        if (!still || still.status !== 'queued') return
        this.deps.store.updateRecording(r.id, { error: warning })
        this.deps.lifecycle.publish(r.id)
      })
      .catch((err: unknown) => this.deps.logger.warn('could not ask RunPod why the job waits', { id: r.id, error: err }))
  }

  /** The recording's job left the queue: its wait and its reason are forgotten. */
  left(id: string): void {
    this.queuedSince.delete(id)
    this.warnings.delete(id)
  }
}
