/**
 * Microphone recordings made in the page (MediaRecorder). The page sends a chunk every couple of
 * seconds; each chunk is written to disk before it is acknowledged, so a closed tab or a crash loses
 * at most the chunk in flight. Finishing (or, for an abandoned session, the idle sweep) joins the
 * chunks, remuxes them with ffmpeg (MediaRecorder's WebM has no duration) and adopts the result as an
 * ordinary recording, which then uploads and transcribes like a dropped file.
 *
 * With live text (live-text.ts), each stored chunk is also decoded and windowed for provisional text; the
 * session's folder then stays until the live text is stored as the recording's first transcript version.
 */
import { randomUUID } from 'node:crypto'
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../domain/errors.ts'
import type { Logger, MediaProbe, RecordingFiles } from '../domain/ports.ts'
import type { StoredRecording } from '../domain/store.ts'
import type { LiveTextView } from '../domain/live-text.ts'
import type { LiveTextService } from './live-text.ts'
import { validateFilename, type UploadService } from './uploads.ts'

/** Largest accepted chunk (bytes): a few seconds of Opus is tens of KB; 16 MB leaves room for video tracks. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024
const SESSION_ID = /^[0-9a-f-]{36}$/

export interface LiveRecordingDeps {
  uploads: UploadService
  media: MediaProbe
  logger: Logger
  liveDir: string
  /** The one atomic write (`RecordingFiles.writeAtomically`), for the chunks. */
  writeAtomically: RecordingFiles['writeAtomically']
  /** Live text while recording; absent: recordings only. */
  liveText?: LiveTextService
}

export class LiveRecordingService {
  private readonly finishing = new Map<string, Promise<{ recording: StoredRecording; duplicateOf: string | null }>>()
  private readonly deps: LiveRecordingDeps
  /** Live text being stored after a finish (tests and shutdown wait for it), and for which sessions. */
  private readonly finalizing = new Set<Promise<void>>()
  private readonly finalizingIds = new Set<string>()

  constructor(deps: LiveRecordingDeps) {
    this.deps = deps
  }

  private dir(sessionId: string): string {
    if (!SESSION_ID.test(sessionId)) throw new AppError('not_found', 'There is no such microphone recording session.')
    return path.join(this.deps.liveDir, sessionId)
  }

  /**
   * Starts a session.
   * @param liveText - the page's wish for live text (it runs only when LIVE_TEXT is on and RunPod is set up).
   * @returns its id (chunks go to `appendChunk(id, 0…)`) and its live text, when the panel has live text.
   * @throws AppError `bad_request` for a bad file name (same rules as uploads).
   */
  async start(filenameRaw: string | undefined, liveText = true): Promise<{ sessionId: string; live: LiveTextView | null }> {
    const filename = validateFilename(filenameRaw ?? `Recording ${new Date().toISOString().slice(0, 19).replace('T', ' ').replace(/:/g, '-')}.webm`)
    const sessionId = randomUUID()
    const dir = path.join(this.deps.liveDir, sessionId)
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'session.json'), JSON.stringify({ filename, startedAt: new Date().toISOString() }))
    const live = this.deps.liveText ? await this.deps.liveText.start(sessionId, dir, liveText) : null
    return { sessionId, live }
  }

  /**
   * The session's live text now.
   * @throws AppError `not_found` for an unknown session or one without live text.
   */
  liveText(sessionId: string): Promise<LiveTextView> {
    const dir = this.dir(sessionId)
    if (!this.deps.liveText) throw new AppError('not_found', 'This panel has no live text.')
    return this.deps.liveText.get(sessionId, dir)
  }

  /** Resolves when the live text of finished sessions is stored (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.finalizing.size > 0) await Promise.all([...this.finalizing])
  }

  /**
   * Stores chunk `seq` (0-based) durably. Sending the same seq again replaces it (safe retries).
   * @throws AppError `not_found` (unknown session), `bad_request` (empty chunk), `payload_too_large`.
   */
  async appendChunk(sessionId: string, seq: number, bytes: Uint8Array): Promise<{ received: number }> {
    const dir = this.dir(sessionId)
    await this.mustExist(dir)
    if (!Number.isInteger(seq) || seq < 0 || seq > 999_999) throw new AppError('bad_request', 'The chunk number must be a whole number from 0.')
    if (bytes.length === 0) throw new AppError('bad_request', 'The chunk is empty.')
    if (bytes.length > MAX_CHUNK_BYTES) throw new AppError('payload_too_large', 'A recording chunk may be at most 16 MB.')
    const file = path.join(dir, `chunk-${String(seq).padStart(6, '0')}.part`)
    await this.deps.writeAtomically(file, bytes)
    if (this.deps.liveText) void this.deps.liveText.onChunk(sessionId, dir)
    return { received: (await this.chunks(dir)).length }
  }

  /**
   * Ends a session and adopts the audio as a recording (idempotent while it runs).
   * @throws AppError `not_found`, `bad_request` (no audio received), `unsupported_media`.
   */
  finish(sessionId: string): Promise<{ recording: StoredRecording; duplicateOf: string | null }> {
    const running = this.finishing.get(sessionId)
    if (running) return running
    const job = this.doFinish(sessionId).finally(() => this.finishing.delete(sessionId))
    this.finishing.set(sessionId, job)
    return job
  }

  private async doFinish(sessionId: string) {
    const dir = this.dir(sessionId)
    await this.mustExist(dir)
    const { filename } = JSON.parse(await readFile(path.join(dir, 'session.json'), 'utf8')) as { filename: string }
    const chunks = await this.chunks(dir)
    if (chunks.length === 0) {
      await rm(dir, { recursive: true, force: true })
      throw new AppError('bad_request', 'Nothing was recorded (no audio arrived from the microphone).')
    }
    const joined = path.join(dir, 'joined.webm')
    // One append per chunk (a few KB each): no stream listeners pile up over an hour's 1800 chunks.
    await writeFile(joined, new Uint8Array(0))
    for (const c of chunks) await appendFile(joined, await readFile(path.join(dir, c)))
    const remuxed = path.join(dir, 'recording.webm')
    await this.deps.media.remux(joined, remuxed)
    const result = await this.deps.uploads.adoptFile(filename, remuxed)
    // No more chunks are taken (they answer "no such session"); the live text, if any, is stored next.
    await writeFile(path.join(dir, 'finished.json'), JSON.stringify({ filename, recordingId: result.recording.id }))
    await rm(path.join(dir, 'session.json'))
    this.deps.logger.info('microphone recording stored', { sessionId, id: result.recording.id, chunks: chunks.length })
    if (this.deps.liveText) this.finalize(sessionId, dir, result.recording.id)
    else await rm(dir, { recursive: true, force: true })
    return result
  }

  /**
   * Stores a finished session's live text in the background, then removes its folder. A panel stopped
   * meanwhile leaves the folder; the sweep after the restart finishes it.
   */
  private finalize(sessionId: string, dir: string, recordingId: string): void {
    this.finalizingIds.add(sessionId)
    const done: Promise<void> = this.deps
      .liveText!.finish(sessionId, dir, recordingId)
      .then((complete) => (complete ? rm(dir, { recursive: true, force: true }) : undefined))
      .catch((err: unknown) => this.deps.logger.warn('storing the live text failed', { sessionId, error: err }))
      .finally(() => {
        this.finalizing.delete(done)
        this.finalizingIds.delete(sessionId)
      })
    this.finalizing.add(done)
  }

  /**
   * Finishes sessions that received nothing for `idleMs` (the tab was closed or the panel restarted),
   * so what was recorded becomes a recording instead of lingering. Returns how many were adopted.
   */
  async sweepIdle(idleMs: number): Promise<number> {
    let adopted = 0
    let names: string[] = []
    try {
      names = await readdir(this.deps.liveDir)
    } catch {
      return 0
    }
    for (const name of names) {
      if (!SESSION_ID.test(name) || this.finishing.has(name)) continue
      const dir = path.join(this.deps.liveDir, name)
      const files = await readdir(dir).catch(() => [] as string[])
      // Finished; its live text is being stored, or was cut off by a restart: store it now.
      if (!files.includes('session.json')) {
        if (files.includes('finished.json') && !this.deps.liveText?.has(name)) await this.resumeFinished(name, dir)
        continue
      }
      let last = 0
      for (const f of files) last = Math.max(last, (await stat(path.join(dir, f)).catch(() => ({ mtimeMs: 0 }))).mtimeMs)
      if (Date.now() - last < idleMs) continue
      try {
        await this.finish(name)
        adopted++
      } catch (err) {
        this.deps.logger.warn('abandoned microphone recording could not be kept', { sessionId: name, error: err })
        if (err instanceof AppError && err.code === 'bad_request') continue
      }
    }
    return adopted
  }

  /** A finished session whose live text a restart cut off: stores it now (or removes the folder when it has none). */
  private async resumeFinished(sessionId: string, dir: string): Promise<void> {
    if (this.finalizingIds.has(sessionId)) return
    const { recordingId } = JSON.parse(await readFile(path.join(dir, 'finished.json'), 'utf8').catch(() => '{}')) as { recordingId?: string }
    if (this.deps.liveText && recordingId) this.finalize(sessionId, dir, recordingId)
    else await rm(dir, { recursive: true, force: true })
  }

  private async chunks(dir: string): Promise<string[]> {
    return (await readdir(dir)).filter((f) => /^chunk-\d{6}\.part$/.test(f)).sort()
  }

  private async mustExist(dir: string): Promise<void> {
    try {
      await stat(path.join(dir, 'session.json'))
    } catch {
      throw new AppError('not_found', 'There is no such microphone recording session (it may have been finished already).')
    }
  }
}
