/**
 * In-process event bus behind `GET /api/events` (SSE). Services publish recording changes and upload
 * progress; each SSE connection subscribes. Events carry ids so the page can catch up after a
 * reconnect by refetching the recordings it shows.
 */
import { EventEmitter } from 'node:events'
import type { PanelEvent } from '../domain/api.ts'

/** What the bus carries: declared with the HTTP API's shapes (the page reads the same type). */
export type { PanelEvent }

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
