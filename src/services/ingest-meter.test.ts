import { createHash } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { IngestMeter, SNIFF_BYTES, type ChunkConsumer } from './ingest-meter.ts'

const sink = () => new Writable({ write: (_c, _e, cb) => cb() })
const chunks = (n: number, size: number) => Array.from({ length: n }, (_, i) => Buffer.alloc(size, i))

describe('IngestMeter', () => {
  it('counts and hashes every byte, hands the head over once, and the rest to the consumer', async () => {
    const data = chunks(10, 1000)
    const heads: Buffer[] = []
    const forwarded: Buffer[] = []
    const consumer: ChunkConsumer = { forward: (chunk, next) => (forwarded.push(chunk), next()) }
    const meter = new IngestMeter(1e6, async (head) => (heads.push(head), consumer))
    await pipeline(Readable.from(data), meter, sink())
    const all = Buffer.concat(data)
    expect(meter.result()).toEqual({ size: 10_000, sha256: createHash('sha256').update(all).digest('hex') })
    expect(heads).toHaveLength(1)
    expect(heads[0]!.length).toBeGreaterThanOrEqual(SNIFF_BYTES)
    expect(Buffer.concat([heads[0]!, ...forwarded])).toEqual(all)
    expect(meter.consumer).toBe(consumer)
  })

  it('refuses a file over the limit with payload_too_large', async () => {
    const meter = new IngestMeter(5000, async () => null)
    await expect(pipeline(Readable.from(chunks(10, 1000)), meter, sink())).rejects.toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('MAX_UPLOAD_MB') })
  })

  it('waits for a slow consumer (backpressure) instead of buffering', async () => {
    let release: (() => void) | null = null
    const consumer: ChunkConsumer = { forward: (_chunk, next) => (release = next) }
    const meter = new IngestMeter(1e6, async () => consumer)
    let written = 0
    const done = pipeline(Readable.from(chunks(8, 1000)), meter, new Writable({ write: (c: Buffer, _e, cb) => ((written += c.length), cb()) }))
    await new Promise((r) => setTimeout(r, 50))
    const stuckAt = written
    expect(stuckAt).toBeLessThan(8000)
    while (written < 8000) {
      const r = release as (() => void) | null
      release = null
      r?.()
      await new Promise((res) => setTimeout(res, 5))
    }
    await done
    expect(written).toBe(8000)
  })
})
