/** The queue watch on its own: a reason that arrives after the job left the queue is not shown. */
import { describe, expect, it } from 'vitest'
import type { ErrorInfo } from '../domain/errors.ts'
import { EventBus } from './events.ts'
import { QueueWatch } from './queue-watch.ts'
import { RecordingLifecycle } from './recording-lifecycle.ts'
import { current, MemoryLogger, storeWith } from './test-fakes.ts'

describe('QueueWatch', () => {
  it('shows a reason only while the job still waits: one that arrives after it started running is dropped', async () => {
    const store = storeWith('r1', 'queued')
    storeWith('r2', 'queued', store)
    const logger = new MemoryLogger()
    const lifecycle = new RecordingLifecycle({ store, events: new EventBus(), logger })
    const warning: ErrorInfo = { code: 'runpod_unavailable', message: 'The endpoint has 0 max workers; raise it.' }
    const answers: ((w: ErrorInfo | null) => void)[] = []
    const watch = new QueueWatch({ store, lifecycle, logger, warningMs: 0, diagnosis: () => new Promise((resolve) => answers.push(resolve)) })
    watch.queued(current(store, 'r1'))
    watch.queued(current(store, 'r2'))
    expect(answers).toHaveLength(2)
    lifecycle.apply(current(store, 'r1'), { type: 'JobReported', state: 'running' })
    answers.forEach((answer) => answer(warning))
    await new Promise((resolve) => setImmediate(resolve))
    expect(current(store, 'r1')).toMatchObject({ status: 'transcribing', error: null })
    expect(current(store, 'r2')).toMatchObject({ status: 'queued', error: warning })
  })
})
