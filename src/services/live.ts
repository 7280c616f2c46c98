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
import { AppError } from '../domain/errors.ts'
import type { Logger, MediaProbe, MicrophoneSessionFiles, MicrophoneSessionStart } from '../domain/ports.ts'
import type { StoredRecording } from '../domain/store.ts'
import type { LiveTextView } from '../domain/live-text.ts'
import type { LiveTextService } from './live-text.ts'
import { validateFilename, type UploadService } from './uploads.ts'

/** Largest accepted chunk (bytes): a few seconds of Opus is tens of KB; 16 MB leaves room for video tracks. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024

export interface LiveRecordingDeps {
  uploads: UploadService
  media: MediaProbe
  logger: Logger
  /** The sessions' folders: chunks, what each was started with, which recording it became. */
  files: MicrophoneSessionFiles
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

  /**
   * Starts a session.
   * @param liveText - the page's wish for live text (it runs only when LIVE_TEXT is on and RunPod is set up).
   * @returns its id (chunks go to `appendChunk(id, 0…)`) and its live text, when the panel has live text.
   * @throws AppError `bad_request` for a bad file name (same rules as uploads).
   */
  async start(filenameRaw: string | undefined, liveText = true): Promise<{ sessionId: string; live: LiveTextView | null }> {
    const filename = validateFilename(filenameRaw ?? `Recording ${new Date().toISOString().slice(0, 19).replace('T', ' ').replace(/:/g, '-')}.webm`)
    const sessionId = randomUUID()
    await this.deps.files.createSession(sessionId, { filename, startedAt: new Date().toISOString() })
    const live = this.deps.liveText ? await this.deps.liveText.start(sessionId, liveText) : null
    return { sessionId, live }
  }

  /**
   * The session's live text now.
   * @throws AppError `not_found` for an unknown session or one without live text.
   */
  liveText(sessionId: string): Promise<LiveTextView> {
    if (!this.deps.liveText) throw new AppError('not_found', 'This panel has no live text.')
    return this.deps.liveText.get(sessionId)
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
    await this.mustBeOpen(sessionId)
    if (!Number.isInteger(seq) || seq < 0 || seq > 999_999) throw new AppError('bad_request', 'The chunk number must be a whole number from 0.')
    if (bytes.length === 0) throw new AppError('bad_request', 'The chunk is empty.')
    if (bytes.length > MAX_CHUNK_BYTES) throw new AppError('payload_too_large', 'A recording chunk may be at most 16 MB.')
    await this.deps.files.writeChunk(sessionId, seq, bytes)
    if (this.deps.liveText) void this.deps.liveText.onChunk(sessionId)
    return { received: await this.deps.files.chunkCount(sessionId) }
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
    const { filename } = await this.mustBeOpen(sessionId)
    const joined = await this.deps.files.joinChunks(sessionId)
    if (joined.chunks === 0) {
      await this.deps.files.removeSession(sessionId)
      throw new AppError('bad_request', 'Nothing was recorded (no audio arrived from the microphone).')
    }
    const remuxed = this.deps.files.workPath(sessionId, 'recording')
    await this.deps.media.remux(joined.file, remuxed)
    const result = await this.deps.uploads.adoptFile(filename, remuxed)
    // No more chunks are taken (they answer "no such session"); the live text, if any, is stored next.
    await this.deps.files.markFinished(sessionId, { filename, recordingId: result.recording.id })
    this.deps.logger.info('microphone recording stored', { sessionId, id: result.recording.id, chunks: joined.chunks })
    if (this.deps.liveText) this.finalize(sessionId, result.recording.id)
    else await this.deps.files.removeSession(sessionId)
    return result
  }

  /**
   * Stores a finished session's live text in the background, then removes its folder. A panel stopped
   * meanwhile leaves the folder; the sweep after the restart finishes it.
   */
  private finalize(sessionId: string, recordingId: string): void {
    this.finalizingIds.add(sessionId)
    const done: Promise<void> = this.deps
      .liveText!.finish(sessionId, recordingId)
      .then((complete) => (complete ? this.deps.files.removeSession(sessionId) : undefined))
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
    for (const session of await this.deps.files.listSessions()) {
      const name = session.id
      if (this.finishing.has(name)) continue
      // Finished; its live text is being stored, or was cut off by a restart: store it now.
      if (!session.open) {
        if (session.finished && !this.deps.liveText?.has(name)) await this.resumeFinished(name)
        continue
      }
      if (Date.now() - session.changedMs < idleMs) continue
      try {
        await this.finish(name)
        adopted++
      } catch (err) {
        this.deps.logger.warn('abandoned microphone recording could not be kept', { sessionId: name, error: err })
      }
    }
    return adopted
  }

  /** A finished session whose live text a restart cut off: stores it now (or removes the folder when it has none). */
  private async resumeFinished(sessionId: string): Promise<void> {
    if (this.finalizingIds.has(sessionId)) return
    const finished = await this.deps.files.finishedSession(sessionId)
    if (this.deps.liveText && finished) this.finalize(sessionId, finished.recordingId)
    else await this.deps.files.removeSession(sessionId)
  }

  /** What the open session was started with. @throws AppError `not_found` when it is unknown or finished. */
  private async mustBeOpen(sessionId: string): Promise<MicrophoneSessionStart> {
    const start = await this.deps.files.openSession(sessionId)
    if (!start) throw new AppError('not_found', 'There is no such microphone recording session (it may have been finished already).')
    return start
  }
}
