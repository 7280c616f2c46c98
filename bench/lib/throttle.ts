/**
 * A throttling TCP proxy on loopback: what the panel sends through it (the uplink) shares one link of a
 * fixed rate, like a home connection's upload; answers come back at loopback speed. It counts the bytes
 * sent, so a benchmark can report what crossed the "uplink". Bytes are forwarded unchanged (SigV4 signs
 * the Host header as the client sent it, so the S3 stand-in checks signatures as usual).
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'

export interface ThrottledLink {
  /** `http://127.0.0.1:PORT`: point the client here instead of at the target. */
  url: string
  /** Bytes the clients sent through the link so far (requests, headers included). */
  sentBytes(): number
  /** Changes the uplink rate (bits per second; Infinity = no limit). */
  setRate(bitsPerSecond: number): void
  close(): Promise<void>
}

/**
 * Starts the proxy in front of `target` (host:port of an HTTP server on loopback).
 * @param bitsPerSecond - uplink rate shared by all connections (e.g. 20e6 for 20 Mbit/s).
 */
export async function startThrottledLink(target: { host: string; port: number }, bitsPerSecond: number): Promise<ThrottledLink> {
  let rate = bitsPerSecond
  let sent = 0
  /** When the link is free again (ms, performance.now()): chunks queue behind each other across connections. */
  let freeAt = 0
  const sockets = new Set<Socket>()

  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client)
    sockets.add(upstream)
    let queue = Promise.resolve()
    client.on('data', (chunk: Buffer) => {
      // Each chunk takes its turn on the shared link; the client is paused until it has crossed.
      const now = performance.now()
      const start = Math.max(now, freeAt)
      const done = Number.isFinite(rate) ? start + (chunk.length * 8 * 1000) / rate : now
      freeAt = done
      client.pause()
      queue = queue.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(() => {
              sent += chunk.length
              if (!upstream.destroyed) upstream.write(chunk)
              client.resume()
              resolve()
            }, Math.max(0, done - performance.now()))
          }),
      )
    })
    client.on('end', () => void queue.then(() => upstream.end()))
    upstream.pipe(client)
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    sentBytes: () => sent,
    setRate(bps) {
      rate = bps
      freeAt = 0
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
