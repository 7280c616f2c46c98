/**
 * The compact copy for the GPU: a 16 kHz mono Opus file that the worker transcribes instead of the
 * recording as dropped (the player and exports keep using the local original). WhisperX decodes every
 * input to 16 kHz mono first (`whisperx/audio.py` `load_audio`, https://github.com/m-bain/whisperX), so
 * the worker hears the same audio, with the same duration and timestamps, from a file about 11 MB an hour
 * instead of up to 1 GB.
 *
 * Which files get a copy (`UPLOAD_TRANSCODE=auto`): video, lossless audio (WAV, FLAC, AIFF, ALAC, …) and
 * audio above 96 kbit/s. Audio at or below 96 kbit/s goes as it is: a second lossy generation is not worth
 * a few megabytes.
 */
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { PassThrough, type Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { MediaInfo, MediaProbe, ObjectStore } from '../domain/ports.ts'

/** `UPLOAD_TRANSCODE`: `auto` makes the compact copy where it pays, `off` always uploads the original. */
export type UploadTranscode = 'auto' | 'off'

/** File name of the copy, beside the original in the recording's folder and on the volume. */
export const GPU_COPY_FILE = 'audio-16k-mono.ogg'
export const GPU_COPY_CONTENT_TYPE = 'audio/ogg'
/**
 * Multipart part size of the copy, bytes: 1 MiB, about 5 minutes of audio. Small, so the link starts after the
 * first minutes of audio are encoded and never waits long for the next part, and the last part, which can only go
 * once ffmpeg has finished, is short. RunPod's S3 API has no minimum part size (https://docs.runpod.io/storage/s3-api).
 */
export const GPU_COPY_PART_SIZE = 1024 * 1024
/** Audio at or below this many bits per second goes to the GPU as it is. */
export const MAX_BITRATE_AS_IS = 96_000
/** About how many bytes a second of the copy takes (24 kbit/s Opus in Ogg measured ~25.2 kbit/s): for progress until it is done. */
const COPY_BYTES_PER_SECOND = 3200

/** Codecs ffprobe names for lossless audio. */
const LOSSLESS_CODEC = /^(pcm_|flac$|alac$|wavpack$|ape$|tta$|mlp$|truehd$|shorten$|tak$|dts$)/
/** Containers that only carry lossless audio in practice, as file-type names them from the first bytes. */
const LOSSLESS_MIME = new Set(['audio/wav', 'audio/x-wav', 'audio/vnd.wave', 'audio/x-flac', 'audio/flac', 'audio/aiff', 'audio/x-aiff'])

/** Object key of the copy on the volume. */
export function gpuCopyKey(recordingId: string): string {
  return `scribe-panel/${recordingId}/${GPU_COPY_FILE}`
}

/** Whether an object key is a recording's compact copy. */
export function isGpuCopyKey(key: string): boolean {
  return key.endsWith(`/${GPU_COPY_FILE}`)
}

/**
 * Whether a probed recording should reach the GPU as the compact copy: video, lossless audio, or audio
 * above 96 kbit/s (the audio stream's rate; when ffprobe does not give one, the file's average).
 * @param fileBytes - size of the file, for the average rate when ffprobe gives none.
 */
export function needsGpuCopy(info: MediaInfo, fileBytes: number): boolean {
  if (info.hasVideo || LOSSLESS_CODEC.test(info.audioCodec)) return true
  const rate = info.audioBitRate ?? (fileBytes * 8) / info.duration
  return rate > MAX_BITRATE_AS_IS
}

/**
 * Whether the container alone (sniffed from the first bytes) says the audio is lossless, so the copy can
 * be made from the bytes as they arrive, before the file is complete and probed.
 */
export function losslessContainer(mime: string): boolean {
  return LOSSLESS_MIME.has(mime)
}

/**
 * Whether a video container can be read by ffmpeg front to back from a pipe, judged from its first bytes:
 * Matroska/WebM always; MP4/QuickTime when its index (`moov`) comes before the media (`mdat`), as in
 * "fast start" files (ISO/IEC 14496-12 box layout: 32-bit size, 4-letter type; size 1 = 64-bit size follows).
 * Then the copy is made while the file is still arriving; otherwise from the stored file.
 */
export function pipeReadableVideo(mime: string, head: Buffer): boolean {
  if (mime === 'video/webm' || mime === 'video/x-matroska') return true
  if (mime !== 'video/mp4' && mime !== 'video/quicktime' && mime !== 'video/x-m4v') return false
  let at = 0
  while (at + 8 <= head.length) {
    const type = head.toString('latin1', at + 4, at + 8)
    if (type === 'moov') return true
    if (type === 'mdat') return false
    let size = head.readUInt32BE(at)
    if (size === 1 && at + 16 <= head.length) size = Number(head.readBigUInt64BE(at + 8))
    if (size < 8) return false
    at += size
  }
  return false
}

/** Bytes the copy of `duration` seconds will take, about (progress until the copy is done). */
export function estimatedCopyBytes(duration: number): number {
  return Math.max(1, Math.round(duration * COPY_BYTES_PER_SECOND))
}

export interface CopyUploadHandlers {
  signal: AbortSignal
  onProgress?: (sentBytes: number) => void
  onMultipartStarted?: (uploadId: string) => void
}

/**
 * Makes the copy and uploads it at the same time: ffmpeg's output goes both to `localPath` (kept so an
 * interrupted upload can be resumed from it) and into a multipart upload to `key`, part by part as it is
 * produced, so the upload starts with the first part (1 MiB) rather than after a full pass over the original.
 * @param input - the original's path, or a stream of its bytes as they arrive (lossless containers only).
 * @returns the copy's size in bytes once it is complete locally and on the volume.
 * @throws AppError `upload_failed` (ffmpeg could not make the copy; nothing is left at `localPath` and the
 *   upload is not completed), or the upload's error after the copy is complete at `localPath` (resume from it).
 */
export async function streamGpuCopy(
  deps: { media: MediaProbe; objectStore: ObjectStore },
  input: string | Readable,
  key: string,
  localPath: string,
  h: CopyUploadHandlers,
): Promise<number> {
  const t = deps.media.transcodeForGpu(input)
  const stop = () => t.kill()
  h.signal.addEventListener('abort', stop, { once: true })
  const part = `${localPath}.part`
  const file = createWriteStream(part)
  const toVolume = new PassThrough({ highWaterMark: 1024 * 1024 })
  let bytes = 0
  t.output.on('data', (chunk: Buffer) => (bytes += chunk.length))
  t.output.pipe(file)
  // Ended by hand: only a complete copy may complete the upload.
  t.output.pipe(toVolume, { end: false })
  const uploading = deps.objectStore.uploadFile(key, toVolume, { contentType: GPU_COPY_CONTENT_TYPE, partSize: GPU_COPY_PART_SIZE, ...h })
  uploading.catch(() => {
    // The upload stopped taking bytes: keep writing the copy to disk, the retry resumes from it.
    t.output.unpipe(toVolume)
    toVolume.resume()
  })
  const made = t.done.then(
    async () => {
      await finished(file)
      toVolume.end()
    },
    (err: unknown) => {
      toVolume.destroy(err instanceof Error ? err : new Error(String(err)))
      throw err
    },
  )
  const [copy, upload] = await Promise.allSettled([made, uploading])
  h.signal.removeEventListener('abort', stop)
  if (copy.status === 'rejected') {
    file.destroy()
    await rm(part, { force: true })
    throw copy.reason
  }
  await rename(part, localPath)
  if (upload.status === 'rejected') throw upload.reason
  return bytes
}

/**
 * Makes the copy of the local file `original` at `localPath` (no upload): for resuming an upload whose
 * copy was cut off with the process.
 * @throws AppError `upload_failed` when ffmpeg fails or `signal` stops it; nothing is left at `localPath`.
 */
export async function makeGpuCopyFile(media: MediaProbe, original: string, localPath: string, signal: AbortSignal): Promise<void> {
  const t = media.transcodeForGpu(original)
  const stop = () => t.kill()
  signal.addEventListener('abort', stop, { once: true })
  const part = `${localPath}.part`
  const file = createWriteStream(part)
  t.output.pipe(file)
  try {
    await t.done
    await finished(file)
    await rename(part, localPath)
  } catch (err) {
    file.destroy()
    await rm(part, { force: true })
    throw err
  } finally {
    signal.removeEventListener('abort', stop)
  }
}
