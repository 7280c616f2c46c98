/**
 * Restart safety with a real process: the panel runs as `node --experimental-strip-types src/main.ts` (as `npm start` runs it)
 * and is killed with SIGKILL mid-upload and mid-job, then started again on the same folders. Uploads resume
 * from the parts on the volume; a PUT cut off before its recording was stored cannot be, and is cleaned up.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ListPartsCommand } from '@aws-sdk/client-s3'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestS3Client, readObject, type S3TestServer } from '../../standins/s3/server.ts'
import { startStandIns, type StandIns } from '../../standins/start.ts'
import { FIXTURES, waitForRecording } from '../support/stack.ts'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

describe('SIGKILL at any point', () => {
  let standIns: StandIns
  let s3: S3TestServer
  let dir: string
  let port: number
  let child: ChildProcess | null = null
  let env: Record<string, string>

  const startPanel = async () => {
    child = spawn(process.execPath, ['--experimental-strip-types', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString()
      if (process.env.DBG) process.stderr.write(d)
    })
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`panel did not start: ${log}`)
  }
  const kill = async () => {
    const c = child!
    const exited = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await exited
    child = null
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'scribe-kill-'))
    standIns = await startStandIns({ runpod: { queueDelayMs: 1500, executionMs: 800, scriptsDir: FIXTURES } })
    s3 = standIns.s3
    port = await freePort()
    env = {
      ...standIns.env,
      UPLOADS_DIR: path.join(dir, 'uploads'),
      OUTPUT_DIR: path.join(dir, 'output'),
      POLL_INTERVAL_MS: '300',
      PORT: String(port),
      LOG_LEVEL: "warn",
    }
    await startPanel()
  })
  afterAll(async () => {
    if (child) await kill()
    await standIns?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('mid-upload: after restart the upload resumes from the parts the volume has and sends only the missing ones', async () => {
    const url = `http://127.0.0.1:${port}`
    // ~52 MB of 64 kbit/s m4a (it goes to the volume as it is): seven 8 MiB parts.
    const m4a = readFileSync(path.join(FIXTURES, 'interview.m4a'))
    const body = Buffer.concat(Array.from({ length: 150 }, () => m4a))
    const partCount = Math.ceil(body.length / (8 * 1024 * 1024))
    expect(partCount).toBe(7)
    // Parts 3 and later keep failing (500; the SDK retries, then the panel waits and resumes), so the panel
    // is killed with parts 1 and 2 on the volume.
    s3.faults.failNext(100_000, 500, { operation: 'UploadPart', partNumberFrom: 3 })
    const res = await fetch(`${url}/api/recordings?filename=long.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(body)]) })
    expect(res.status).toBe(201)
    const rec = (await res.json()) as { id: string }
    const key = `scribe-panel/${rec.id}/audio.m4a`
    const db = new Database(path.join(dir, 'output', 'scribe.db'), { readonly: true })
    const pendingId = () => (db.prepare('SELECT multipart_upload_id AS m FROM recordings WHERE id = ?').get(rec.id) as { m: string | null }).m
    const client = createTestS3Client(s3)
    const listed = async () => {
      const id = pendingId()
      if (!id) return []
      const out = await client.send(new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: id })).catch(() => null)
      return (out?.Parts ?? []).map((p) => p.PartNumber)
    }
    const deadline = Date.now() + 20_000
    while ((await listed()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(await listed()).toEqual([1, 2])
    const uploadId = pendingId()
    await kill()
    s3.faults.clear()
    const before = s3.requests.length
    await startPanel()
    const r = await waitForRecording(url, rec.id, (x) => x.status === 'uploaded', 30_000)
    expect(r.upload).toEqual({ sentBytes: body.length, totalBytes: body.length })
    const after = s3.requests.slice(before).filter((q) => q.source === 'client')
    // Same multipart upload, continued: its parts listed, only parts 3–7 sent, then completed; nothing started anew or aborted.
    expect(after.some((q) => q.operation === 'ListParts' && q.query.includes(`uploadId=${uploadId}`))).toBe(true)
    const sent = after.filter((q) => q.operation === 'UploadPart' && q.status === 200).map((q) => Number(new URLSearchParams(q.query).get('partNumber')))
    expect(sent.sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7])
    expect(after.filter((q) => q.operation === 'CreateMultipartUpload' || q.operation === 'AbortMultipartUpload')).toEqual([])
    expect(after.filter((q) => q.operation === 'CompleteMultipartUpload' && q.status === 200)).toHaveLength(1)
    expect((await readObject(s3, key)).equals(body)).toBe(true)
    expect(pendingId()).toBeNull()
    client.destroy()
    db.close()
  }, 90_000)

  it('mid-PUT (the browser still sending): the half-received file and its multipart upload are cleaned up on restart', async () => {
    const url = `http://127.0.0.1:${port}`
    const m4a = readFileSync(path.join(FIXTURES, 'interview.m4a'))
    const first = Buffer.concat(Array.from({ length: 30 }, () => m4a)) // ~10 MB: more than one 8 MB part
    let stall!: () => void
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(first))
        stall = () => controller.close()
      },
    })
    const uploadsDirBefore = new Set(readdirSync(path.join(dir, 'uploads')))
    const put = fetch(`${url}/api/recordings?filename=cut-off.m4a`, { method: 'PUT', body, duplex: 'half' } as RequestInit & { duplex: 'half' }).catch(() => null)
    const uploadsDir = path.join(dir, 'uploads')
    const deadline = Date.now() + 10_000
    const pending = () => readdirSync(uploadsDir).filter((d) => !uploadsDirBefore.has(d) && existsSync(path.join(uploadsDir, d, 'multipart.json')))
    while (pending().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const [orphan] = pending()
    expect(orphan).toBeTruthy()
    const { uploadId } = JSON.parse(readFileSync(path.join(uploadsDir, orphan!, 'multipart.json'), 'utf8')) as { uploadId: string }
    await kill()
    stall()
    await put
    const before = s3.requests.length
    await startPanel()
    const gone = Date.now() + 10_000
    while (existsSync(path.join(uploadsDir, orphan!)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50))
    expect(existsSync(path.join(uploadsDir, orphan!))).toBe(false)
    expect(s3.requests.slice(before).some((q) => q.operation === 'AbortMultipartUpload' && q.query.includes(`uploadId=${uploadId}`))).toBe(true)
    expect(((await (await fetch(`${url}/api/recordings`)).json()) as { recordings: { filename: string }[] }).recordings.map((r) => r.filename)).not.toContain('cut-off.m4a')
  })

  it('mid-job: after SIGKILL the job is followed again, not submitted twice, and its transcript stored', async () => {
    const url = `http://127.0.0.1:${port}`
    const res = await fetch(`${url}/api/recordings?filename=interview.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(readFileSync(path.join(FIXTURES, 'interview.m4a')))]) })
    const rec = (await res.json()) as { id: string }
    await waitForRecording(url, rec.id, (x) => x.status === 'uploaded')
    const submitted = (await (await fetch(`${url}/api/recordings/${rec.id}/transcribe`, { method: 'POST' })).json()) as { status: string; job: { id: string } }
    expect(submitted.status).toBe('queued')
    const jobsBefore = standIns.emulator.jobs.size
    await kill() // while IN_QUEUE
    // Let it complete while the panel is down (completed but not yet fetched).
    const deadline = Date.now() + 15_000
    while (standIns.emulator.jobs.get(submitted.job.id)!.status !== 'COMPLETED' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(standIns.emulator.jobs.get(submitted.job.id)!.status).toBe('COMPLETED')
    await startPanel()
    const done = await waitForRecording(url, rec.id, (x) => x.status === 'done' || x.status === 'failed', 20_000)
    expect(done.status).toBe('done')
    expect(standIns.emulator.jobs.size).toBe(jobsBefore)
    const t = (await (await fetch(`${url}/api/recordings/${rec.id}/transcript`)).json()) as { segments: unknown[] }
    expect(t.segments.length).toBeGreaterThan(5)
  })
})
