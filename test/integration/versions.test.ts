/**
 * Transcript versions over HTTP: a second job on an edited transcript becomes version 2 (version 1 keeps its
 * edits and names), names carry over by time even when diarization numbers the speakers the other way round,
 * restore is an undoable step, redo walks forward again, and bad requests get clear errors.
 * The emulated worker reads a copy of the interview's script, which the test rewrites between the two jobs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Transcript } from '../../src/domain/transcript.ts'
import { callRecording, FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

type View = Transcript & { version: number; transcriptVersion: number; undoable: number; redoable: number; step?: string }
interface Version {
  version: number
  createdAt: string
  jobId: string
  current: boolean
  edits: number
  renamedSpeakers: number
  speakers: string[]
}

describe('transcript versions over HTTP', () => {
  let stack: Stack
  let id: string
  const scripts = mkdtempSync(path.join(tmpdir(), 'scribe-scripts-'))
  const script = JSON.parse(readFileSync(path.join(FIXTURES, 'interview.script.json'), 'utf8')) as { utterances: { speaker: string }[] }
  const writeScript = (swap: boolean) => {
    const swapped = {
      ...script,
      utterances: script.utterances.map((u) => ({ ...u, speaker: swap ? (u.speaker === 'SPEAKER_00' ? 'SPEAKER_01' : 'SPEAKER_00') : u.speaker })),
    }
    writeFileSync(path.join(scripts, 'interview.script.json'), JSON.stringify(swapped))
  }
  const api = (method: string, p: string, body?: unknown) => callRecording(stack.url, id, method, p, body)
  const transcribeAndWait = async (jobsBefore: number) => {
    expect((await api('POST', '/transcribe', { language: 'en' })).status).toBe(202)
    await waitForRecording(stack.url, id, (r) => r.status === 'done')
    const deadline = Date.now() + 20_000
    for (;;) {
      const versions = (await api('GET', '/versions')).body as Version[]
      if (versions.length > jobsBefore) return versions
      if (Date.now() > deadline) throw new Error('no new version')
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    writeScript(false)
    stack = await startStack({ emulator: { scriptsDir: scripts } })
    const put = await fetch(`${stack.url}/api/recordings?filename=interview.m4a`, { method: 'PUT', body: readFileSync(path.join(FIXTURES, 'interview.m4a')) })
    id = ((await put.json()) as { id: string }).id
    await waitForRecording(stack.url, id, (r) => r.status === 'uploaded')
  })
  afterAll(async () => stack?.close())

  it('has no versions before the first result', async () => {
    expect(await api('GET', '/versions')).toEqual({ status: 200, body: [] })
    expect((await api('POST', '/versions/1/restore')).status).toBe(404)
  })

  it('keeps version 1 with its edits when a new job runs, and carries names over by time', async () => {
    await transcribeAndWait(0)
    const first = (await api('GET', '/transcript')).body as View
    expect(first).toMatchObject({ transcriptVersion: 1, undoable: 0, redoable: 0 })
    const s2 = first.segments.find((s) => s.text.startsWith('Weasels'))!
    expect(s2.speaker).toBe('SPEAKER_01')
    const edited = await api('PATCH', '/transcript', {
      version: first.version,
      ops: [
        { op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'Anna' },
        { op: 'renameSpeaker', speaker: 'SPEAKER_01', name: 'Boris' },
      ],
    })
    expect(edited.status).toBe(200)
    await api('PATCH', '/transcript', { ops: [{ op: 'editText', segmentId: s2.id, text: `${s2.text} in 2016!` }] })
    expect((await api('GET', '/versions')).body).toMatchObject([{ version: 1, current: true, edits: 2, renamedSpeakers: 2, speakers: ['Anna', 'Boris'] }])

    // Diarization of the second run numbers the speakers the other way round: the names follow the voices.
    writeScript(true)
    const versions = await transcribeAndWait(1)
    expect(versions.map((v) => [v.version, v.current, v.edits])).toEqual([
      [2, true, 0],
      [1, false, 2],
    ])
    expect(versions[0]!.jobId).not.toBe(versions[1]!.jobId)
    const second = (await api('GET', '/transcript')).body as View
    expect(second.transcriptVersion).toBe(2)
    const weasels = second.segments.find((s) => s.text.startsWith('Weasels'))!
    expect(weasels.speaker).toBe('SPEAKER_00')
    expect(weasels.text).toBe('Weasels have eaten our phone system')
    expect(second.speakers).toEqual([
      { id: 'SPEAKER_00', name: 'Boris' },
      { id: 'SPEAKER_01', name: 'Anna' },
    ])
    // The library and search follow the current version.
    const lib = (await (await fetch(`${stack.url}/api/recordings/${id}`)).json()) as { speakers: string[] }
    expect(lib.speakers.sort()).toEqual(['Anna', 'Boris'])
  })

  it('restores version 1 as an undoable step; undo and redo walk the history; exports follow', async () => {
    const restored = await api('POST', '/versions/1/restore')
    expect(restored.status).toBe(200)
    expect(restored.body).toMatchObject({ transcriptVersion: 1, redoable: 0 })
    expect((restored.body as View).segments.some((s) => s.text.endsWith('in 2016!'))).toBe(true)
    const md = await (await fetch(`${stack.url}/api/recordings/${id}/export/md`)).text()
    expect(md).toContain('in 2016!')
    expect(md).toContain('Anna')

    const undone = await api('POST', '/transcript/undo')
    expect(undone.body).toMatchObject({ transcriptVersion: 2, step: 'restore of a version', redoable: 1 })
    const redone = await api('POST', '/transcript/redo')
    expect(redone.body).toMatchObject({ transcriptVersion: 1, step: 'restore of a version', redoable: 0 })
    expect(await api('POST', '/transcript/redo')).toMatchObject({ status: 409, body: { error: { message: 'There is nothing to redo.' } } })

    // Undo goes on through version 1's edits, then back over the new result, never losing anything.
    expect((await api('POST', '/transcript/undo')).body).toMatchObject({ transcriptVersion: 2 })
    expect((await api('POST', '/transcript/undo')).body).toMatchObject({ transcriptVersion: 1, step: 'new transcript' })
    const v1 = (await api('POST', '/transcript/undo')).body as View
    expect(v1).toMatchObject({ transcriptVersion: 1, step: 'edit' })
    expect(v1.segments.some((s) => s.text.endsWith('in 2016!'))).toBe(false)
    expect(v1.speakers.map((s) => s.name)).toEqual(['Anna', 'Boris'])
    expect((await api('POST', '/transcript/redo')).body).toMatchObject({ transcriptVersion: 1 })
    expect(((await api('GET', '/transcript')).body as View).segments.some((s) => s.text.endsWith('in 2016!'))).toBe(true)
  })

  it('answers clear errors for versions that do not exist or are already current', async () => {
    const current = ((await api('GET', '/transcript')).body as View).transcriptVersion
    expect(await api('POST', `/versions/${current}/restore`)).toMatchObject({ status: 409, body: { error: { message: `Version ${current} is already the current one.` } } })
    expect((await api('POST', '/versions/9/restore')).status).toBe(404)
    const bad = await api('POST', '/versions/latest/restore')
    expect(bad.status).toBe(400)
    expect((bad.body as { error: { message: string } }).error.message).toContain('is not a version number')
  })

  it('replaces text across the transcript as one edit, says how many, and one undo takes it back', async () => {
    const before = (await api('GET', '/transcript')).body as View
    const res = await api('PATCH', '/transcript', { version: before.version, ops: [{ op: 'replaceText', find: 'PHONE SYSTEM', replace: 'switchboard' }] })
    expect(res.status).toBe(200)
    const after = res.body as View & { replaced: number }
    expect(after.replaced).toBe(2)
    expect(after.segments.filter((s) => s.text.includes('switchboard'))).toHaveLength(2)
    expect(after.undoable).toBe(before.undoable + 1)
    const missing = await api('PATCH', '/transcript', { ops: [{ op: 'replaceText', find: 'giraffe', replace: 'x' }] })
    expect(missing).toMatchObject({ status: 400, body: { error: { message: 'Edit 1 (replaceText): “giraffe” is not in the transcript (whole words, any case).' } } })
    const undone = (await api('POST', '/transcript/undo')).body as View
    expect(undone.segments.map((s) => s.text)).toEqual(before.segments.map((s) => s.text))
  })
})
