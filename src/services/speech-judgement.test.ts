/**
 * A transcript stored before its speech map, and the map's judgement arriving afterwards: through the real filter,
 * the real SQLite store and the real edit operations. Speech maps are written by hand (the detector is tested on
 * real audio in src/adapters/media/speech-detector.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteStore } from '../adapters/store/sqlite-store.ts'
import { created } from '../domain/lifecycle.ts'
import { applySpeechEvidence } from '../domain/speech-evidence.ts'
import { SPEECH_MAP_VERSION, type SpeechMap } from '../domain/speech-map.ts'
import type { StoredRecording } from '../domain/store.ts'
import { applyEdits, type EditOp } from '../domain/transcript-edits.ts'
import type { Segment, Transcript } from '../domain/transcript.ts'
import type { PanelEvent } from '../domain/api.ts'
import { EventBus } from './events.ts'
import { LocalFiles } from '../adapters/files/local-files.ts'
import { ExportService } from './exports.ts'
import { judgeResult, type SpeechJudgementDeps } from './speech-judgement.ts'

function seg(id: string, start: number, end: number, text: string, speaker: string | null): Segment {
  const at = (i: number, n: number) => start + (i * (end - start)) / n
  const words = text.split(' ').map((t, i, all) => ({ text: t, start: at(i, all.length), end: at(i + 1, all.length), score: 0.9, estimated: false }))
  return { id, start, end, speaker, text, words, filtered: null }
}

/** Speech from 0 to 10 s and 30 to 40 s; "x" and "y" are written over silence (Whisper's invention), with no speaker. */
const RESULT: Transcript = {
  language: 'en',
  duration: 41,
  speakers: [{ id: 'SPEAKER_00', name: 'Speaker 1' }],
  segments: [
    seg('a', 1, 9, 'We started the archive in 2012 with two people.', 'SPEAKER_00'),
    seg('x', 12, 15, 'I went to the market and bought some bread.', null),
    seg('y', 20, 24, 'And the next morning we drove to the lake.', null),
    seg('b', 31, 39, 'Then the grant came and we hired a third.', 'SPEAKER_00'),
  ],
}
const MAP: SpeechMap = { version: SPEECH_MAP_VERSION, method: 'silero-vad', detector: 'test', duration: 41, regions: [[0, 10], [30, 40]], elapsedMs: 0 }

const hidden = (t: Transcript) => t.segments.filter((s) => s.filtered !== null).map((s) => s.id)
const byId = (t: Transcript, id: string) => t.segments.find((s) => s.id === id)!

describe('the speech map arriving after the transcript', () => {
  let dir: string
  let store: SqliteStore
  let events: PanelEvent[]
  let arrive: (map: SpeechMap | null) => void
  let deps: SpeechJudgementDeps
  let rec: StoredRecording

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'scribe-judgement-'))
    store = new SqliteStore(path.join(dir, 'db.sqlite'))
    store.createRecording({
      id: 'r1', filename: 'talk.wav', extension: 'wav', contentType: 'audio/wav', size: 1, sha256: null, duration: 41,
      createdAt: '2026-11-29T10:00:00.000Z', upload: { sentBytes: 1, totalBytes: 1 }, objectKey: 'scribe-panel/r1/audio-16k-mono.ogg',
    }, created())
    rec = store.getRecording('r1')!
    const bus = new EventBus()
    events = []
    bus.subscribe((_seq, e) => events.push(e))
    const pending = new Promise<SpeechMap | null>((resolve) => (arrive = resolve))
    deps = {
      store,
      events: bus,
      exports: new ExportService({ store, files: new LocalFiles({ uploadsDir: path.join(dir, 'uploads'), outputDir: path.join(dir, 'output') }) }),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      storedSpeechMap: async () => null,
      speechMap: () => pending,
    }
  })

  afterEach(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Judges RESULT with the map not ready, stores it as a worker result would be, and returns `stored`'s promise. */
  async function storeBeforeMap(): Promise<{ version: number; applied: Promise<void> }> {
    const judged = await judgeResult(deps, rec, RESULT)
    const version = store.saveTranscript('r1', 'job-1', judged.transcript)
    return { version, applied: judged.stored(version, judged.transcript) }
  }

  it('stores the transcript at once, judged from its text, then hides the lines over silence in the same version', async () => {
    const { applied } = await storeBeforeMap()
    const first = store.getTranscript('r1')!
    expect(hidden(first.transcript)).toEqual([])
    expect(byId(first.transcript, 'x').filtered).toBeNull()

    arrive(MAP)
    await applied
    const now = store.getTranscript('r1')!
    expect(hidden(now.transcript)).toEqual(['x', 'y'])
    expect(byId(now.transcript, 'x').filtered).toMatchObject({ rule: 'no-speech-audio', evidence: { speechMethod: 'silero-vad', speechShare: 0 } })
    // The same version and revision: not a new step, and a page holding the revision can still save.
    expect(now).toMatchObject({ transcriptVersion: first.transcriptVersion, version: first.version, undoable: 0 })
    expect(store.listVersions('r1')).toHaveLength(1)
    expect(events).toContainEqual({ type: 'transcript', id: 'r1', version: first.version, speechEvidence: true })
    // Search and the library follow what is shown: hidden lines are not found.
    expect(store.searchSegments('market')).toEqual([])
    expect(store.searchSegments('grant')).toHaveLength(1)
  })

  it('a map arriving after the panel stopped (its database closed) leaves the text-only judgement, with a warning', async () => {
    const warnings: string[] = []
    deps.logger = { debug() {}, info() {}, warn: (msg: string) => void warnings.push(msg), error() {} }
    const { applied } = await storeBeforeMap()
    store.close()
    arrive(MAP)
    await expect(applied).resolves.toBeUndefined()
    expect(warnings).toEqual(['the speech map could not be applied to the stored transcript'])
    expect(events.filter((e) => e.type === 'transcript')).toEqual([])
    store = new SqliteStore(path.join(dir, 'db.sqlite'))
    expect(hidden(store.getTranscript('r1')!.transcript)).toEqual([])
  })

  it('keeps every line the user touched before the map arrived, and the edits stay undoable', async () => {
    const { applied } = await storeBeforeMap()
    const edit = (ops: EditOp[]) => {
      const t = store.getTranscript('r1')!.transcript
      store.saveEdit('r1', ops, t, applyEdits(t, ops))
    }
    // The user corrects a word of "x" (so it is real to them) and names the speaker, before the map is there.
    edit([{ op: 'editText', segmentId: 'x', text: 'I went to the market and bought some rye bread.' }])
    edit([{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'Anna' }])
    const revision = store.getTranscript('r1')!.version

    arrive(MAP)
    await applied
    const now = store.getTranscript('r1')!
    expect(now.version).toBe(revision)
    expect(byId(now.transcript, 'x')).toMatchObject({ text: 'I went to the market and bought some rye bread.', filtered: null })
    expect(byId(now.transcript, 'y').filtered).toMatchObject({ rule: 'no-speech-audio' })
    expect(now.transcript.speakers).toEqual([{ id: 'SPEAKER_00', name: 'Anna' }])
    // The user's next edit applies on top (same revision).
    edit([{ op: 'filterSegment', segmentId: 'a' }])
    expect(hidden(store.getTranscript('r1')!.transcript)).toEqual(['a', 'y'])

    // Undo walks back through the user's steps; what each brings back has the map's judgement too.
    store.undo('r1')
    store.undo('r1')
    const beforeRename = store.getTranscript('r1')!.transcript
    expect(beforeRename.speakers[0]!.name).toBe('Speaker 1')
    expect(hidden(beforeRename)).toEqual(['y'])
    store.undo('r1')
    expect(hidden(store.getTranscript('r1')!.transcript)).toEqual(['x', 'y'])
    // Redo puts the user's edits back exactly.
    store.redo('r1')
    store.redo('r1')
    store.redo('r1')
    const redone = store.getTranscript('r1')!.transcript
    expect(redone.speakers[0]!.name).toBe('Anna')
    expect(byId(redone, 'x').text).toBe('I went to the market and bought some rye bread.')
    expect(hidden(redone)).toEqual(['a', 'y'])
  })

  it('leaves a line the user restored or hid as the user left it', async () => {
    const { applied } = await storeBeforeMap()
    const t = store.getTranscript('r1')!.transcript
    const ops: EditOp[] = [{ op: 'filterSegment', segmentId: 'b' }]
    store.saveEdit('r1', ops, t, applyEdits(t, ops))
    arrive({ ...MAP, regions: [[0, 10], [12, 15]] }) // now "y" and "b" are over silence, "x" over speech
    await applied
    const now = store.getTranscript('r1')!.transcript
    expect(byId(now, 'b').filtered).toMatchObject({ rule: 'manual' })
    expect(hidden(now)).toEqual(['y', 'b'])
  })

  it('completes a version the user has left (transcribed again) without making it current or announcing it', async () => {
    const { version, applied } = await storeBeforeMap()
    store.saveTranscript('r1', 'job-2', RESULT)
    arrive(MAP)
    await applied
    expect(store.getTranscript('r1')!.transcriptVersion).toBe(version + 1)
    expect(hidden(store.getTranscript('r1')!.transcript)).toEqual([])
    expect(events.filter((e) => e.type === 'transcript')).toEqual([])
    store.restoreVersion('r1', version)
    expect(hidden(store.getTranscript('r1')!.transcript)).toEqual(['x', 'y'])
  })

  it('judges with the map at once when it is ready, and has nothing to do later', async () => {
    deps.storedSpeechMap = async () => MAP
    const judged = await judgeResult(deps, rec, RESULT)
    expect(hidden(judged.transcript)).toEqual(['x', 'y'])
    store.saveTranscript('r1', 'job-1', judged.transcript)
    await judged.stored(1, judged.transcript)
    expect(events).toEqual([])
  })

  it('keeps the text-only judgement when the map cannot be made', async () => {
    const { applied } = await storeBeforeMap()
    arrive(null)
    await applied
    expect(hidden(store.getTranscript('r1')!.transcript)).toEqual([])
    expect(events).toEqual([])
  })
})

describe('applySpeechEvidence', () => {
  const without: Transcript = RESULT
  const withMap: Transcript = { ...RESULT, segments: RESULT.segments.map((s) => (s.id === 'y' ? { ...s, filtered: { rule: 'no-speech-audio', reason: 'silence' } } : s)) }

  it('changes nothing when the map judges as the text did', () => {
    expect(applySpeechEvidence(RESULT, without, without)).toBeNull()
  })

  it('takes the judged segments whole (splits included) into a document nobody touched, keeping speaker names', () => {
    const split: Transcript = { ...withMap, segments: [...withMap.segments, { ...seg('y.loop', 24, 25, 'lake lake', null), filtered: { rule: 'repetition-loop', reason: 'loop' } }] }
    const renamedOnly = { ...RESULT, speakers: [{ id: 'SPEAKER_00', name: 'Anna' }] }
    const out = applySpeechEvidence(renamedOnly, without, split)!
    expect(out.speakers).toEqual([{ id: 'SPEAKER_00', name: 'Anna' }])
    expect(out.segments.map((s) => s.id)).toEqual(['a', 'x', 'y', 'b', 'y.loop'])
  })

  it('skips lines whose speaker or times the user changed, and lines the user split away', () => {
    const touched: Transcript = { ...RESULT, segments: RESULT.segments.map((s) => (s.id === 'y' ? { ...s, speaker: 'SPEAKER_00' } : s)) }
    expect(applySpeechEvidence(touched, without, withMap)).toBeNull()
    const gone: Transcript = { ...RESULT, segments: RESULT.segments.filter((s) => s.id !== 'y') }
    expect(applySpeechEvidence(gone, without, withMap)).toBeNull()
  })
})
