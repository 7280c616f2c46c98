import { describe, expect, it } from 'vitest'
import type { TranscriptionBackend } from '../../domain/ports.ts'
import { NotConfiguredBackend } from './not-configured-backend.ts'
import { jobState, workerAudioLocation } from './runpod-backend.ts'

describe('NotConfiguredBackend', () => {
  it('answers every call with one not_configured error that names what to set', async () => {
    const b: TranscriptionBackend = new NotConfiguredBackend()
    const notConfigured = expect.objectContaining({ code: 'not_configured', message: expect.stringMatching(/set RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID .* in \.env and restart the panel/) })
    expect(() => b.assertConfigured()).toThrow(notConfigured)
    expect(() => b.readResult({ segments: [] })).toThrow(notConfigured)
    const options = { language: null, diarize: true, minSpeakers: null, maxSpeakers: null }
    await expect(b.submit({ audio: { kind: 'volume-path', key: 'k' }, options, policy: { executionTimeout: 5000, ttl: 10_000 } })).rejects.toEqual(notConfigured)
    await expect(b.status('job')).rejects.toEqual(notConfigured)
    await expect(b.retry('job')).rejects.toEqual(notConfigured)
    await expect(b.cancel('job')).rejects.toEqual(notConfigured)
    await expect(b.health()).rejects.toEqual(notConfigured)
  })
})

describe('workerAudioLocation', () => {
  it('gives the worker the presigned URL, or the key under the volume mount of serverless workers', () => {
    expect(workerAudioLocation({ kind: 'presigned', url: 'https://s3.example/vol/k?sig=1' })).toBe('https://s3.example/vol/k?sig=1')
    expect(workerAudioLocation({ kind: 'volume-path', key: 'scribe-panel/a/audio.m4a' })).toBe('/runpod-volume/scribe-panel/a/audio.m4a')
  })
})

describe('jobState', () => {
  it('names each of RunPod\'s job statuses in the domain\'s words, keeping timed-out apart from failed', () => {
    expect((['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'] as const).map(jobState)).toEqual(['queued', 'running', 'completed', 'failed', 'cancelled', 'timed-out'])
  })
})
