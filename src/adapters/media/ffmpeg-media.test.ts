/**
 * The compact copy's two ffmpeg processes (decoder → encoder): a file that cannot be decoded fails with the
 * decoder's reason, and a stopped copy says so. The copy's duration and samples are tested end to end in
 * test/integration/gpu-copy.test.ts.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { FfmpegMedia } from './ffmpeg-media.ts'

const INTERVIEW = path.join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'interview.m4a')

async function drain(stream: Readable): Promise<number> {
  let n = 0
  for await (const chunk of stream) n += (chunk as Buffer).length
  return n
}

describe('FfmpegMedia.transcodeForGpu', () => {
  const media = new FfmpegMedia()

  it('makes an Ogg Opus copy from a stream of the bytes as they arrive', async () => {
    const t = media.transcodeForGpu(Readable.from([readFileSync(INTERVIEW)]))
    const [bytes] = await Promise.all([drain(t.output), t.done])
    // 40.5 s at 24 kbit/s: about 125 KB.
    expect(bytes).toBeGreaterThan(80_000)
    expect(bytes).toBeLessThan(200_000)
  })

  it('says why ffmpeg could not read the file, not that a pipe broke', async () => {
    const t = media.transcodeForGpu(Readable.from([Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEnot really a wave file at all'.repeat(200))]))
    void drain(t.output)
    const err = await t.done.then(() => null, (e: unknown) => e as Error & { code: string })
    expect(err).toMatchObject({ code: 'upload_failed' })
    expect(err!.message).toMatch(/could not be made \(ffmpeg: /)
    expect(err!.message).not.toMatch(/broken pipe/i)
  })

  it('stops both processes when the copy is stopped', async () => {
    const t = media.transcodeForGpu(INTERVIEW)
    void drain(t.output)
    t.kill()
    await expect(t.done).rejects.toMatchObject({ code: 'upload_failed', message: 'The compact copy for the GPU was stopped.' })
  })
})
