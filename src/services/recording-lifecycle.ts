/**
 * How services change a recording's status: a lifecycle event applied to the recording as it is now, the
 * patch persisted, then open pages told. The one place (besides ingest creating a recording) where services
 * write a status.
 */
import { transition, type LifecycleEvent, type Transition } from '../domain/lifecycle.ts'
import type { Logger } from '../domain/ports.ts'
import { requireRecording, toRecording, type RecordingStore, type StoredRecording } from '../domain/store.ts'
import type { EventBus } from './events.ts'

export interface RecordingLifecycleDeps {
  store: RecordingStore
  events: EventBus
  logger: Logger
}

export class RecordingLifecycle {
  private readonly deps: RecordingLifecycleDeps
  constructor(deps: RecordingLifecycleDeps) {
    this.deps = deps
  }

  /**
   * The recording `id` as stored now.
   * @throws AppError `not_found` when there is none.
   */
  get(id: string): StoredRecording {
    return requireRecording(this.deps.store, id)
  }

  /**
   * Applies `event` to `r` (as read just before), persists the patch and tells open pages.
   * @returns the transition; `ignored` when the event came too late (nothing was written then).
   * @throws AppError `conflict` from the lifecycle for a user's request the status does not allow.
   */
  apply(r: StoredRecording, event: LifecycleEvent): Transition {
    return this.commit(r, transition(r, event))
  }

  /** Persists a transition worked out before (unless ignored) and tells open pages. */
  commit(r: StoredRecording, t: Transition): Transition {
    if (t.ignored) {
      this.deps.logger.debug('lifecycle event ignored', { id: r.id, reason: t.ignored })
      return t
    }
    this.deps.store.applyLifecycle(r.id, t.patch)
    this.publish(r.id)
    return t
  }

  /** Sends the recording as it is now to open pages (nothing when it was deleted). */
  publish(id: string): void {
    const r = this.deps.store.getRecording(id)
    if (r) this.deps.events.publish({ type: 'recording', recording: toRecording(r) })
  }
}
