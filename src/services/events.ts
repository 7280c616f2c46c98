/**
 * In-process event bus behind `GET /api/events` (SSE). Services publish recording changes and upload
 * progress; each SSE connection subscribes. Events carry ids so the page can catch up after a
 * reconnect by refetching the recordings it shows.
 */
import { EventEmitter } from 'node:events'
import type { Note } from '../domain/notes.ts'
import type { LiveSegment, LiveStatus } from '../domain/live-text.ts'
import type { Recording } from '../domain/recording.ts'

export type PanelEvent =
  | { type: 'recording'; recording: Recording }
  | { type: 'upload-progress'; id: string; sentBytes: number; totalBytes: number }
  | { type: 'job-progress'; id: string; progress: unknown }
  | { type: 'deleted'; id: string }
  /**
   * A recording's transcript changed (an edit, an undo): open pages refresh speaker names and stale copies.
   * `speechEvidence`: the speech map's judgement completed the stored version without a new revision.
   */
  | { type: 'transcript'; id: string; version: number; speechEvidence?: true }
  /** A note of recording `id` was created or finished (done, failed, stopped). */
  | { type: 'note'; id: string; note: Note }
  /** Text a model streamed for a note; `reset`: a new step (`phase`: a part, combining) starts its text afresh. */
  | { type: 'note-text'; id: string; noteId: string; delta: string; reset: boolean; phase: string }
  | { type: 'note-deleted'; id: string; noteId: string }
  /**
   * A microphone recording's live text changed: `segments` replace the page's copy from index `from` on. A page
   * whose last revision is not `revision - 1` missed one and reloads `GET /api/live/:session`.
   */
  | { type: 'live-text'; sessionId: string; revision: number; from: number; segments: LiveSegment[]; status: LiveStatus }

export class EventBus {
  private readonly emitter = new EventEmitter()
  private seq = 0

  constructor() {
    // Every open page is a listener; there is no meaningful cap.
    this.emitter.setMaxListeners(0)
  }

  /** Publishes an event to every subscriber; returns its sequence number. */
  publish(event: PanelEvent): number {
    this.seq += 1
    this.emitter.emit('event', this.seq, event)
    return this.seq
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (seq: number, event: PanelEvent) => void): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }
}
