/**
 * `RecordingFiles` on the local disk. The one place that knows the layout of the panel's folders:
 *
 * ```
 * uploads/<recording id>/   audio.<ext>            the original, as the user dropped it
 *                           incoming.part          the bytes of a PUT still arriving
 *                           audio-16k-mono.ogg     the compact copy for the GPU (when one pays)
 *                           peaks.json speech.json waveform peaks and the speech map (caches)
 *                           multipart.json         a cloud upload begun during the PUT: {key, uploadId}
 * uploads/live/<session>/   a microphone recording in progress (laid out by services/live.ts)
 * output/scribe.db          the database
 * output/<recording id>/    raw-<job>.json, result-<job>.json     the worker's output, saved before parsing
 *                           transcript.json .md .docx             copies of the current transcript
 * ```
 *
 * Every small file is written with `atomicWrite`, so a crash leaves the old file or the new one, never half.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { RecordingFiles, RecordingSidecar, WorkerOutputKind } from '../../domain/ports.ts'

const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
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
export class LocalFiles implements RecordingFiles {
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
    try {
      return JSON.parse(await readFile(this.sidecarPath(id, sidecar), 'utf8')) as unknown
    } catch {
      return null
    }
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

  writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
    return atomicWrite(file, data)
  }

  /** `uploads/live/`: microphone recordings in progress, a folder per session (their layout is the live service's). */
  get liveDir(): string {
    return path.join(this.uploadsDir, 'live')
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
