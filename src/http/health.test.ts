import { describe, expect, it } from 'vitest'
import { parseConfig } from '../config.ts'
import { configWarnings } from './health.ts'

describe('configWarnings', () => {
  it('warns about combinations that cannot work on real RunPod', () => {
    expect(configWarnings(parseConfig({ RUNPOD_DATACENTER: 'EU-RO-1' }))).toEqual([])
    expect(configWarnings(parseConfig({ RUNPOD_DATACENTER: 'EU-RO-1', RUNPOD_WORKER: 'whisperx-hub' }))[0]).toMatch(/Hub worker/)
    expect(configWarnings(parseConfig({ RUNPOD_WORKER: 'whisperx-hub', AUDIO_REFERENCE: 'volume-path' }))[0]).toMatch(/only downloads URLs/)
    expect(configWarnings(parseConfig({ RUNPOD_DATACENTER: 'EU-RO-1', AUDIO_REFERENCE: 'presigned' }))[0]).toMatch(/unsupported/)
    // A presigning store other than RunPod's (e.g. R2) with the Hub worker is fine.
    expect(configWarnings(parseConfig({ RUNPOD_S3_ENDPOINT: 'https://x.r2.cloudflarestorage.com', RUNPOD_WORKER: 'whisperx-hub', AUDIO_REFERENCE: 'presigned' }))).toEqual([])
  })
})
