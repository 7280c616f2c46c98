import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { isRunpodS3, parseConfig } from '../../config.ts'
import { silentLogger } from '../../logger.ts'
import { resolveAudioReference } from './audio-reference.ts'

/** A presigner that records its calls and hands out `url`. */
function storeWith(url: string) {
  const calls: string[] = []
  const store = async (key: string) => (calls.push(key), url)
  return { store, calls }
}

describe('resolveAudioReference', () => {
  it("never presigns against RunPod's own S3 API in auto mode (presigned URLs are unsupported there)", async () => {
    const config = parseConfig({ RUNPOD_DATACENTER: 'EU-RO-1' })
    expect(isRunpodS3(config)).toBe(true)
    const { store, calls } = storeWith('https://s3api-eu-ro-1.runpod.io/vol/k?X-Amz-Signature=x')
    const ref = await resolveAudioReference({ mode: 'auto', runpodS3: isRunpodS3(config), logger: silentLogger }, store, 'scribe-panel/a/audio.m4a')
    expect(ref).toEqual({ kind: 'volume-path', key: 'scribe-panel/a/audio.m4a' })
    expect(calls).toEqual([])
  })

  it('presigns and preflights on other S3-compatible stores, and falls back when the store refuses', async () => {
    expect(isRunpodS3(parseConfig({ RUNPOD_S3_ENDPOINT: 'https://abc.r2.cloudflarestorage.com', RUNPOD_S3_REGION: 'auto' }))).toBe(false)
    expect(isRunpodS3(parseConfig({ RUNPOD_S3_ENDPOINT: 'https://runpod.io.evil.example' }))).toBe(false)
    let answer = 206
    const server = createServer((_req, res) => res.writeHead(answer).end('x'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vol/k?sig=1`
    try {
      const { store, calls } = storeWith(url)
      const s = { mode: 'auto' as const, runpodS3: false, logger: silentLogger }
      expect(await resolveAudioReference(s, store, 'k')).toEqual({ kind: 'presigned', url })
      answer = 403
      expect(await resolveAudioReference(s, store, 'k')).toEqual({ kind: 'volume-path', key: 'k' })
      expect(calls).toEqual(['k', 'k'])
    } finally {
      server.close()
    }
  })
})
