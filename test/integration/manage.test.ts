/**
 * Managing the library over HTTP: a title given in the page (`PATCH /api/recordings/:id {title}`) is kept,
 * shown and searched while the file name stays; `DELETE` cancels a running RunPod job, removes the
 * recording's folder on the volume (audio and anything written beside it), its local files and its row, and
 * tells open pages.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestS3Client, readObject } from '../../standins/s3/server.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const INTERVIEW = readFileSync(path.join(FIXTURES, 'interview.m4a'))

interface Item {
  id: string
  filename: string
  title: string | null
  status: string
  job: null | { id: string }
}

describe('managing the library', () => {
  let stack: Stack
  const put = async (name: string): Promise<Item> => {
    const res = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: new Blob([new Uint8Array(INTERVIEW)]) })
    expect(res.status).toBe(201)
    return (await res.json()) as Item
  }
  const patch = (id: string, body: unknown) =>
    fetch(`${stack.url}/api/recordings/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const list = async (q = '') => ((await (await fetch(`${stack.url}/api/recordings${q ? `?q=${encodeURIComponent(q)}` : ''}`)).json()) as { recordings: Item[] }).recordings

  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(async () => stack?.close())

  it('renames a recording: the title is shown and searched, the file name stays', async () => {
    const r = await put('REC_0042.m4a')
    const res = await patch(r.id, { title: '  Интервью  с Анной  ' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: r.id, filename: 'REC_0042.m4a', title: 'Интервью с Анной' })
    expect((await (await fetch(`${stack.url}/api/recordings/${r.id}`)).json()).title).toBe('Интервью с Анной')
    expect((await list()).find((x) => x.id === r.id)).toMatchObject({ filename: 'REC_0042.m4a', title: 'Интервью с Анной' })
    expect((await list('анной')).map((x) => x.id)).toEqual([r.id])
    expect((await list('REC_0042')).map((x) => x.id)).toEqual([r.id])
    // Exports carry the title too, in their heading and their file name.
    await fetch(`${stack.url}/api/recordings/${r.id}/transcribe`, { method: 'POST', body: '{}' })
    await waitForRecording(stack.url, r.id, (x) => x.status === 'done')
    const md = await fetch(`${stack.url}/api/recordings/${r.id}/export/md`)
    expect(await md.text()).toMatch(/^# Интервью с Анной/)
    expect(decodeURIComponent(md.headers.get('content-disposition')!)).toContain('Интервью с Анной.md')

    // Empty or null goes back to the file name; bad bodies are refused with what to send.
    expect((await (await patch(r.id, { title: '' })).json()).title).toBeNull()
    for (const bad of [{ title: 'x'.repeat(201) }, { filename: 'other.m4a' }, {}]) {
      const refused = await patch(r.id, bad)
      expect(refused.status, JSON.stringify(bad)).toBe(400)
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/title/)
    }
    const notJson = await fetch(`${stack.url}/api/recordings/${r.id}`, { method: 'PATCH', body: 'title=x' })
    expect(notJson.status).toBe(400)
    expect((await patch('00000000-0000-0000-0000-000000000000', { title: 'x' })).status).toBe(404)
  })

  it('deletes a recording whose job is queued: cancels the job, removes the volume folder, the local files and the row', async () => {
    const r = await put('to delete.m4a')
    await waitForRecording(stack.url, r.id, (x) => x.status === 'uploaded')
    // A long queue, so the job is still waiting for a GPU when the recording is deleted.
    stack.emulator.faults.setDelays({ queueDelayMs: 60_000 })
    const start = await fetch(`${stack.url}/api/recordings/${r.id}/transcribe`, { method: 'POST', body: '{}' })
    expect(start.status).toBe(202)
    const queued = await waitForRecording(stack.url, r.id, (x) => x.status === 'queued')
    const jobId = (queued.job as { id: string }).id
    // Something else the worker wrote beside the audio on the volume (its result file).
    const s3 = createTestS3Client(stack.s3)
    const folder = `scribe-panel/${r.id}/`
    await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: `${folder}result-${jobId}.json`, Body: '{}' }))
    s3.destroy()
    expect((await readObject(stack.s3, `${folder}audio.m4a`)).length).toBe(INTERVIEW.length)

    // The page hears about it on the events stream.
    const events = await fetch(`${stack.url}/api/events`)
    const reader = events.body!.getReader()
    const res = await fetch(`${stack.url}/api/recordings/${r.id}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ deleted: r.id })

    expect(stack.emulator.jobs.get(jobId)!.status).toBe('CANCELLED')
    expect(stack.emulator.requests.some((q) => q.path.endsWith(`/cancel/${jobId}`) && q.status === 200)).toBe(true)
    await expect(readObject(stack.s3, `${folder}audio.m4a`)).rejects.toThrow()
    await expect(readObject(stack.s3, `${folder}result-${jobId}.json`)).rejects.toThrow()
    expect(existsSync(path.join(stack.dirs.uploads, r.id))).toBe(false)
    expect(existsSync(path.join(stack.dirs.output, r.id))).toBe(false)
    expect((await fetch(`${stack.url}/api/recordings/${r.id}`)).status).toBe(404)
    expect((await list()).some((x) => x.id === r.id)).toBe(false)

    let text = ''
    const decoder = new TextDecoder()
    const deadline = Date.now() + 5000
    while (!text.includes('event: deleted') && Date.now() < deadline) text += decoder.decode((await reader.read()).value)
    await reader.cancel()
    expect(text).toContain(`"type":"deleted","id":"${r.id}"`)
    // Deleting again: gone, and the answer says so.
    expect((await fetch(`${stack.url}/api/recordings/${r.id}`, { method: 'DELETE' })).status).toBe(404)
  })
})
