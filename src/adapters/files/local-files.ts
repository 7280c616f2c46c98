/**
 * `RecordingFiles` on the local disk. The one place that knows the layout of the panel's folders:
 *
 * ```
 * uploads/<recording id>/   audio.<ext>            the original, as the user dropped it
 *                           incoming.part          the bytes of a PUT still arriving
 *                           audio-16k-mono.ogg     the compact copy for the GPU (when one pays)
 *                           peaks.json speech.json waveform peaks and the speech map (caches)
 *                           multipart.json         a cloud upload begun during the PUT: {key, uploadId}
 * uploads/live/<session>/   session.json           a microphone recording that takes chunks: {filename, startedAt}
 *                           chunk-000000.part …    its chunks, each stored before it is acknowledged
 *                           live-text.json         the live text's state (windows, segments, language)
 *                           finished.json          its audio became a recording: {filename, recordingId}
 *                           joined.webm recording.webm audio.pcm vad.wav window-<n>.ogg   ffmpeg's work files
 * output/scribe.db          the database
 * output/<recording id>/    raw-<job>.json, result-<job>.json     the worker's output, saved before parsing
 *                           transcript.json .md .docx             copies of the current transcript
 * ```
 *
 * Every small file is written with `atomicWrite`, so a crash leaves the old file or the new one, never half.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../../domain/errors.ts'
import type {
  FinishedMicrophoneSession,
  MicrophoneSessionFiles,
  MicrophoneSessionStart,
  MicrophoneWorkFile,
  RecordingFiles,
  RecordingSidecar,
  WorkerOutputKind,
} from '../../domain/ports.ts'

const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** A microphone session's id (a random UUID, `crypto.randomUUID()`). */
const SESSION_ID = RECORDING_ID
const CHUNK_FILE = /^chunk-\d{6}\.part$/
const WORK_FILES: Record<Exclude<MicrophoneWorkFile, { window: number }>, string> = { joined: 'joined.webm', recording: 'recording.webm', pcm: 'audio.pcm', vad: 'vad.wav' }
const SIDECAR_FILES: Record<RecordingSidecar, string> = { peaks: 'peaks.json', speech: 'speech.json', multipart: 'multipart.json' }
/** The compact copy's file name: the same as on the volume (`gpuCopyKey` in services/gpu-copy.ts). */
const GPU_COPY_FILE = 'audio-16k-mono.ogg'

/**
 * Writes `data` to `file` so that readers and a crash only ever see the old file or the new one: the bytes go to
 * a temporary file in the same folder (unique, so two writers of one file do not clash), are flushed to the disk
 * (fsync), then renamed over `file` (atomic within one file system, POSIX rename(2)). The temporary file is removed
 * when any step fails. The pattern of Actual's `loot-core` `atomic-write.ts` (https://github.com/actualbudget/actual).
 * @throws the file system's error (ENOENT when the folder is missing, ENOSPC when the disk is full, …).
 */
export async function atomicWrite(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const handle = await open(tmp, 'w')
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/** The panel's folders on this machine (`UPLOADS_DIR`, `OUTPUT_DIR`). */
export class LocalFiles implements RecordingFiles, MicrophoneSessionFiles {
  readonly uploadsDir: string
  readonly outputDir: string

  /** Creates both folders if they are missing (synchronously: the panel is built before it serves). */
  constructor(dirs: { uploadsDir: string; outputDir: string }) {
    this.uploadsDir = dirs.uploadsDir
    this.outputDir = dirs.outputDir
    mkdirSync(this.uploadsDir, { recursive: true })
    mkdirSync(this.outputDir, { recursive: true })
  }

  /** `output/scribe.db`. */
  get databasePath(): string {
    return path.join(this.outputDir, 'scribe.db')
  }

  /** The folder of a recording's local files. */
  private recordingDir(id: string): string {
    return path.join(this.uploadsDir, id)
  }

  audioPath(r: { id: string; extension: string }): string {
    return path.join(this.recordingDir(r.id), `audio.${r.extension}`)
  }

  incomingPath(id: string): string {
    return path.join(this.recordingDir(id), 'incoming.part')
  }

  gpuCopyPath(id: string): string {
    return path.join(this.recordingDir(id), GPU_COPY_FILE)
  }

  async createRecordingDir(id: string): Promise<void> {
    await mkdir(this.recordingDir(id), { recursive: true })
  }

  async keepIncoming(id: string, extension: string): Promise<string> {
    const audio = this.audioPath({ id, extension })
    await rename(this.incomingPath(id), audio)
    return audio
  }

  async listRecordingDirs(): Promise<{ id: string; changedMs: number }[]> {
    let names: string[]
    try {
      names = await readdir(this.uploadsDir)
    } catch {
      return []
    }
    const dirs: { id: string; changedMs: number }[] = []
    for (const id of names.filter((n) => RECORDING_ID.test(n))) {
      const changedMs = await stat(this.recordingDir(id)).then((st) => st.mtimeMs, () => Infinity)
      dirs.push({ id, changedMs })
    }
    return dirs
  }

  async removeRecording(id: string): Promise<void> {
    await rm(this.recordingDir(id), { recursive: true, force: true })
    await rm(path.join(this.outputDir, id), { recursive: true, force: true })
  }

  async readSidecar(id: string, sidecar: RecordingSidecar): Promise<unknown> {
    return readJson(this.sidecarPath(id, sidecar))
  }

  async writeSidecar(id: string, sidecar: RecordingSidecar, value: unknown): Promise<void> {
    await atomicWrite(this.sidecarPath(id, sidecar), JSON.stringify(value))
  }

  async removeSidecar(id: string, sidecar: RecordingSidecar): Promise<void> {
    await rm(this.sidecarPath(id, sidecar), { force: true })
  }

  async saveWorkerOutput(id: string, jobId: string, kind: WorkerOutputKind, data: string | Uint8Array): Promise<string> {
    const safeJob = jobId.replace(/[^A-Za-z0-9_-]/g, '_')
    return this.writeOutput(id, `${kind}-${safeJob}.json`, data)
  }

  async saveTranscriptCopy(id: string, extension: string, body: string | Uint8Array): Promise<string> {
    return this.writeOutput(id, `transcript.${extension}`, body)
  }

  /** `uploads/live/`: microphone recordings in progress, a folder per session. */
  get liveDir(): string {
    return path.join(this.uploadsDir, 'live')
  }

  async createSession(sessionId: string, start: MicrophoneSessionStart): Promise<void> {
    const dir = this.sessionDir(sessionId)
    await mkdir(dir, { recursive: true })
    await atomicWrite(path.join(dir, 'session.json'), JSON.stringify(start))
  }

  /** A session with `finished.json` is finished, whatever else its folder holds. */
  async openSession(sessionId: string): Promise<MicrophoneSessionStart | null> {
    if (existsSync(this.sessionFile(sessionId, 'finished.json'))) return null
    return (await readJson(this.sessionFile(sessionId, 'session.json'))) as MicrophoneSessionStart | null
  }

  /**
   * Writes `finished.json`, then removes `session.json`. A crash between the two leaves both: the session counts as
   * finished (see `openSession`), so its audio is not adopted a second time.
   */
  async markFinished(sessionId: string, finished: FinishedMicrophoneSession): Promise<void> {
    await atomicWrite(this.sessionFile(sessionId, 'finished.json'), JSON.stringify(finished))
    await rm(this.sessionFile(sessionId, 'session.json'), { force: true })
  }

  async finishedSession(sessionId: string): Promise<FinishedMicrophoneSession | null> {
    const finished = (await readJson(this.sessionFile(sessionId, 'finished.json'))) as Partial<FinishedMicrophoneSession> | null
    return typeof finished?.recordingId === 'string' && typeof finished.filename === 'string' ? { filename: finished.filename, recordingId: finished.recordingId } : null
  }

  async listSessions(): Promise<{ id: string; open: boolean; finished: boolean; changedMs: number }[]> {
    const names = await readdir(this.liveDir).catch(() => [] as string[])
    const sessions: { id: string; open: boolean; finished: boolean; changedMs: number }[] = []
    for (const id of names.filter((n) => SESSION_ID.test(n))) {
      const dir = this.sessionDir(id)
      const files = await readdir(dir).catch(() => [] as string[])
      const finished = files.includes('finished.json')
      const open = files.includes('session.json') && !finished
      let changedMs = 0
      if (open) for (const f of files) changedMs = Math.max(changedMs, await stat(path.join(dir, f)).then((st) => st.mtimeMs, () => 0))
      sessions.push({ id, open, finished, changedMs })
    }
    return sessions
  }

  async writeChunk(sessionId: string, seq: number, bytes: Uint8Array): Promise<void> {
    await atomicWrite(this.chunkPath(sessionId, seq), bytes)
  }

  async chunkCount(sessionId: string): Promise<number> {
    return (await this.chunkFiles(sessionId)).length
  }

  async readChunk(sessionId: string, seq: number): Promise<Uint8Array | null> {
    return readFile(this.chunkPath(sessionId, seq)).catch(() => null)
  }

  /**
   * Appends chunk after chunk (one small append each: no stream listeners pile up over an hour's 1800 chunks).
   * Appending is safe here: the file is emptied first, rebuilt from the chunks on every call and read only after
   * this returns, so a crash midway leaves a work file that the next finish writes again.
   */
  async joinChunks(sessionId: string): Promise<{ file: string; chunks: number }> {
    const file = this.workPath(sessionId, 'joined')
    const chunks = await this.chunkFiles(sessionId)
    if (chunks.length === 0) return { file, chunks: 0 }
    await writeFile(file, new Uint8Array(0))
    for (const c of chunks) await appendFile(file, await readFile(path.join(this.sessionDir(sessionId), c)))
    return { file, chunks: chunks.length }
  }

  workPath(sessionId: string, file: MicrophoneWorkFile): string {
    return this.sessionFile(sessionId, typeof file === 'string' ? WORK_FILES[file] : `window-${file.window}.ogg`)
  }

  async readLiveText(sessionId: string): Promise<unknown> {
    return readJson(this.sessionFile(sessionId, 'live-text.json'))
  }

  async writeLiveText(sessionId: string, state: unknown): Promise<void> {
    await atomicWrite(this.sessionFile(sessionId, 'live-text.json'), JSON.stringify(state))
  }

  async removeSession(sessionId: string): Promise<void> {
    await rm(this.sessionDir(sessionId), { recursive: true, force: true })
  }

  /** @throws AppError `not_found` for anything but a session id (never a path outside `uploads/live/`). */
  private sessionDir(sessionId: string): string {
    if (!SESSION_ID.test(sessionId)) throw new AppError('not_found', 'There is no such microphone recording session.')
    return path.join(this.liveDir, sessionId)
  }

  private sessionFile(sessionId: string, name: string): string {
    return path.join(this.sessionDir(sessionId), name)
  }

  private chunkPath(sessionId: string, seq: number): string {
    return this.sessionFile(sessionId, `chunk-${String(seq).padStart(6, '0')}.part`)
  }

  private async chunkFiles(sessionId: string): Promise<string[]> {
    return (await readdir(this.sessionDir(sessionId)).catch(() => [] as string[])).filter((f) => CHUNK_FILE.test(f)).sort()
  }

  private sidecarPath(id: string, sidecar: RecordingSidecar): string {
    return path.join(this.recordingDir(id), SIDECAR_FILES[sidecar])
  }

  private async writeOutput(id: string, name: string, data: string | Uint8Array): Promise<string> {
    const dir = path.join(this.outputDir, id)
    await mkdir(dir, { recursive: true })
    const file = path.join(dir, name)
    await atomicWrite(file, data)
    return file
  }
}

/** A small JSON file's value, or null when it is missing or unreadable. */
async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown
  } catch {
    return null
  }
}
