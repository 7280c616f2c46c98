/**
 * The meter an upload's bytes pass through on their way to disk: it enforces the size limit, hashes, keeps the
 * first bytes for sniffing the container, and once they are in, asks whether a consumer (the early cloud
 * upload) wants the rest; a consumer's backpressure slows the PUT down instead of piling up memory.
 */
import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { AppError } from '../domain/errors.ts'

/** Bytes needed to recognise the container (file-type reads at most 4100 for its checks). */
export const SNIFF_BYTES = 4100

/** Takes a chunk and calls `next` when it can take more. */
export interface ChunkConsumer {
  forward(chunk: Buffer, next: () => void): void
}

export class IngestMeter<C extends ChunkConsumer = ChunkConsumer> extends Transform {
  private size = 0
  private readonly hash = createHash('sha256')
  private readonly head: Buffer[] = []
  private headBytes = 0
  private sniffed = false
  private taker: C | null = null
  private readonly maxBytes: number
  private readonly onHead: (head: Buffer) => Promise<C | null>

  /**
   * @param maxBytes - the size limit (MAX_UPLOAD_MB in bytes); over it the stream fails with `payload_too_large`.
   * @param onHead - called once with the first SNIFF_BYTES or more (the container is known from them); the
   *   consumer it resolves to gets every chunk from then on, head included by its own doing.
   */
  constructor(maxBytes: number, onHead: (head: Buffer) => Promise<C | null>) {
    super()
    this.maxBytes = maxBytes
    this.onHead = onHead
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length
    if (this.size > this.maxBytes) {
      cb(new AppError('payload_too_large', `The file is larger than the limit of ${Math.round(this.maxBytes / 1024 / 1024)} MB (MAX_UPLOAD_MB). Split the recording or raise the limit.`))
      return
    }
    this.hash.update(chunk)
    if (this.sniffed) {
      if (this.taker) this.taker.forward(chunk, () => cb(null, chunk))
      else cb(null, chunk)
      return
    }
    this.head.push(chunk)
    this.headBytes += chunk.length
    if (this.headBytes < SNIFF_BYTES) {
      cb(null, chunk)
      return
    }
    this.sniffed = true
    this.onHead(Buffer.concat(this.head)).then((consumer) => {
      this.taker = consumer
      cb(null, chunk)
    }, cb)
  }

  /** The consumer `onHead` gave, once the head was in (null before, or when there is none). */
  get consumer(): C | null {
    return this.taker
  }

  /** What passed, once the stream has ended: size in bytes and hex SHA-256. Call once. */
  result(): { size: number; sha256: string } {
    return { size: this.size, sha256: this.hash.digest('hex') }
  }
}
