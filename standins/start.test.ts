import { afterEach, describe, expect, it } from 'vitest'
import { createTestS3Client } from './s3/server.ts'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { startStandIns, type StandIns } from './start.ts'

let standIns: StandIns | null = null
afterEach(async () => {
  await standIns?.stop()
  standIns = null
})

describe('startStandIns', () => {
  it('starts S3 and the RunPod emulator with the volume attached, and gives the panel their settings', async () => {
    standIns = await startStandIns({ identity: { endpointId: 'ep-start-test' }, runpod: { queueDelayMs: 10 } })
    const { env, urls, emulator, s3 } = standIns
    expect(env).toMatchObject({
      RUNPOD_API_KEY: 'rpa_TESTKEY0123456789',
      RUNPOD_ENDPOINT_ID: 'ep-start-test',
      RUNPOD_API_BASE: urls.runpodApi,
      RUNPOD_REST_API_BASE: urls.runpodRest,
      RUNPOD_WORKER: 'whisperx',
      RUNPOD_VOLUME_ID: s3.bucket,
      RUNPOD_S3_ENDPOINT: urls.s3,
      RUNPOD_DATACENTER: 'EU-RO-1',
    })
    expect(emulator.endpoint.networkVolumes).toEqual([s3.bucket])
    const health = await fetch(`${urls.runpodApi}/ep-start-test/health`, { headers: { authorization: `Bearer ${env.RUNPOD_API_KEY}` } })
    expect(health.status).toBe(200)
    const client = createTestS3Client(s3)
    expect((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).KeyCount).toBe(0)
    client.destroy()
  })

  it('stop() closes every stand-in', async () => {
    const started = await startStandIns()
    await started.stop()
    await expect(fetch(`${started.urls.runpodApi}/scribe-test-ep/health`)).rejects.toThrow()
    await expect(fetch(started.urls.s3)).rejects.toThrow()
  })

  it('starts the LLM stand-in only when asked, and points the notes settings at it', async () => {
    standIns = await startStandIns({ runpod: { queueDelayMs: 10 } })
    expect(standIns.llm).toBeNull()
    expect(Object.keys(standIns.env).filter((k) => k.startsWith('LLM_'))).toEqual([])
    await standIns.stop()
    standIns = await startStandIns({ runpod: { queueDelayMs: 10 }, llm: {} })
    const { env, urls } = standIns
    expect(env).toMatchObject({ LLM_BASE_URL: urls.llm, LLM_MODEL: 'scribe-emulated-llm' })
    const models = await fetch(`${urls.llm}/models`, { headers: { authorization: `Bearer ${env.LLM_API_KEY}` } })
    expect(models.status).toBe(200)
    await standIns.stop()
    await expect(fetch(`${urls.llm}/models`)).rejects.toThrow()
    standIns = null
  })
})
