/**
 * HTTP helpers for driving a panel the way scripts do (the panel's HTTP API): a streamed file
 * PUT, JSON calls, and an SSE listener on `/api/events` that timestamps every event on arrival.
 */
import { createReadStream, statSync } from 'node:fs'
import { request } from 'node:http'

/** A recording as `GET /api/recordings/:id` returns it (the fields the benchmarks read). */
export interface RecordingJson {
  id: string
  status: string
  size: number
  job: { id: string; status: string } | null
  error: { code: string; message: string } | null
}

/**
 * Streams a file as the body of `PUT /api/recordings?filename=…` (never held in memory).
 * @returns the created recording.
 * @throws Error with the panel's answer when it is not 201.
 */
export async function putFile(baseUrl: string, filePath: string, filename: string, timeoutMs = 600_000): Promise<RecordingJson> {
  const size = statSync(filePath).size
  const url = new URL(`/api/recordings?filename=${encodeURIComponent(filename)}`, baseUrl)
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode !== 201) reject(new Error(`PUT ${filename}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))
        else resolve(JSON.parse(text) as RecordingJson)
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`PUT ${filename}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    createReadStream(filePath).on('error', reject).pipe(req)
  })
}

/**
 * Sends a JSON request and parses the JSON answer.
 * @throws Error with status and body for a non-2xx answer.
 */
export async function callJson<T>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${new URL(url).pathname}: HTTP ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}

/** One server-sent event with the bench-side arrival time (epoch ms). */
export interface ReceivedEvent {
  event: string
  data: string
  at: number
}

export interface EventListener {
  /** Resolves once the `snapshot` event has arrived (the subscription is live). */
  ready: Promise<void>
  close(): void
}

/**
 * Listens to `GET /api/events` and calls `onEvent` for every event as it arrives.
 * Closing aborts the request; connection errors after `close()` are ignored.
 */
export function listenEvents(baseUrl: string, onEvent: (e: ReceivedEvent) => void): EventListener {
  const ac = new AbortController()
  let markReady: () => void = () => {}
  let markFailed: (err: unknown) => void = () => {}
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve
    markFailed = reject
  })
  const run = async () => {
    const res = await fetch(`${baseUrl}/api/events`, { signal: ac.signal, headers: { accept: 'text/event-stream' } })
    if (!res.ok || !res.body) throw new Error(`GET /api/events: HTTP ${res.status}`)
    const decoder = new TextDecoder()
    let buffer = ''
    let event = 'message'
    let data: string[] = []
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const at = Date.now()
      buffer += decoder.decode(chunk, { stream: true })
      let nl: number
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl).replace(/\r$/, '')
        buffer = buffer.slice(nl + 1)
        if (line === '') {
          if (data.length > 0) {
            onEvent({ event, data: data.join('\n'), at })
            if (event === 'snapshot') markReady()
          }
          event = 'message'
          data = []
        } else if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
    }
  }
  run().catch((err: unknown) => {
    if (!ac.signal.aborted) markFailed(err)
  })
  return {
    ready,
    close: () => ac.abort(),
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight.
 * @returns the results in the order of `items`; the first rejection rejects the whole run.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/**
 * Waits until `check()` returns a value other than undefined, polling every `everyMs`.
 * @throws Error naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const v = await check()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
