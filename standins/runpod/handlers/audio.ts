/**
 * What both emulated handlers share: fetching the job's audio (a URL or a `/runpod-volume/…` path) and
 * "transcribing" it without a GPU: the `*.script.json` whose sha256 matches the audio says what was said;
 * a live-text window is answered with its measured length and the fixture words it matches (window-answer.ts);
 * other audio gets an honest placeholder as long as ffprobe's duration.
 */
import type { EmulatedJob } from '../jobs.ts'
import { windowAnswer } from '../window-answer.ts'
import { placeholderSegments, scriptSegments, type Stages, type WhisperxSegment } from '../whisperx-output.ts'
import {
  downloadUrl,
  findScript,
  probeDuration,
  RaisedException,
  readVolumePath,
  sha256Hex,
  VOLUME_PREFIX,
  type FetchOptions,
} from '../worker.ts'

/** How a handler ended: its output (and where it wrote the full result on the volume), or a failure. */
export type HandlerOutcome =
  | { kind: 'output'; output: unknown; resultKey?: string }
  | { kind: 'raised'; err: RaisedException }
  | { kind: 'returned-error'; value: string | string[] }

/** What a handler reads besides the job. */
export interface HandlerContext {
  fetch: FetchOptions
  /** Where `*.script.json` files are looked up; null: nowhere (placeholder output). */
  scriptsDir: string | null
  /** The endpoint's environment (e.g. HF_TOKEN). */
  env: Record<string, string>
  /** Default `ffprobe` on PATH. */
  ffprobePath?: string
  /** Whether the Hub worker reads `/runpod-volume/…` paths (see the emulator's `hubVolumePaths`). */
  hubVolumePaths: 'accept' | 'reject-like-kodxana'
}

/** The audio bytes of `ref`: an http(s) URL (downloaded as runpod-python does) or a path on the mounted volume. */
export async function fetchAudio(ref: string, fetchOpts: FetchOptions): Promise<Buffer> {
  if (/^https?:\/\//i.test(ref)) return downloadUrl(ref, fetchOpts)
  if (ref.startsWith(VOLUME_PREFIX)) return readVolumePath(ref, fetchOpts)
  throw new RaisedException('ValueError', `audio must be an http(s) URL or a path under ${VOLUME_PREFIX}: '${ref}'`)
}

/**
 * What the GPU would hear: the matching script; else, for a live-text window (`window`: a `whisperx` job without
 * alignment and diarization), its length measured from the audio and the words of the fixture it is a stretch
 * of; else an honest placeholder from ffprobe's duration. Records the audio's sha256 and the script on `job`.
 * @param undecodable - how the handler fails when the audio cannot be decoded (it throws).
 */
export async function transcribe(
  job: EmulatedJob,
  bytes: Buffer,
  stages: Stages,
  language: string | null,
  ctx: HandlerContext,
  undecodable: (msg: string) => never,
  window = false,
): Promise<{ segments: WhisperxSegment[]; language: string; duration: number }> {
  const sha = sha256Hex(bytes)
  job.audioSha256 = sha
  const found = ctx.scriptsDir === null ? null : await findScript(ctx.scriptsDir, sha)
  if (found) {
    job.script = found.file
    return { segments: scriptSegments(found.script, stages), language: language ?? found.script.language, duration: found.script.duration }
  }
  if (window) {
    try {
      const answer = await windowAnswer(bytes, ctx.scriptsDir)
      return { segments: answer.segments, language: language ?? answer.language ?? 'en', duration: answer.duration }
    } catch (err) {
      return undecodable(err instanceof Error ? err.message : String(err))
    }
  }
  let duration: number
  try {
    duration = await probeDuration(bytes, ctx.ffprobePath)
  } catch (err) {
    return undecodable(err instanceof Error ? err.message : String(err))
  }
  return { segments: placeholderSegments(duration, stages), language: language ?? 'en', duration }
}
