/**
 * The RunPod Hub's WhisperX worker (github.com/kodxana/whisperx-worker at 684dca3, contract `whisperx-hub`),
 * emulated: its validator returns a list of errors; a failed download makes `download_files_from_urls` return
 * None, then `predict(None)` raises inside the handler's try and the handler returns the message as a string;
 * errors of predict likewise.
 */
import type { EmulatedJob } from '../jobs.ts'
import { hubOutput, type Stages } from '../whisperx-output.ts'
import { RaisedException, ReturnedError, validateHubInput, VOLUME_PREFIX } from '../worker.ts'
import { fetchAudio, transcribe, type HandlerContext, type HandlerOutcome } from './audio.ts'

/**
 * @returns `{segments, detected_language}` or the failure kodxana's handler returns.
 * @throws RaisedException for SSRFError (raised by runpod-python's downloader outside the handler's try).
 */
export async function hubHandler(job: EmulatedJob, ctx: HandlerContext): Promise<HandlerOutcome> {
  const v = validateHubInput(job.input)
  if ('errors' in v) return { kind: 'returned-error', value: v.errors }
  const ref = String(v.validated_input.audio_file)
  let bytes: Buffer
  try {
    if (ref.startsWith(VOLUME_PREFIX) && ctx.hubVolumePaths === 'reject-like-kodxana') {
      throw new RaisedException('requests.exceptions.MissingSchema', `Invalid URL '${ref}': No scheme supplied.`)
    }
    bytes = await fetchAudio(ref, ctx.fetch)
  } catch (err) {
    // runpod-python 1.12.0 raises SSRFError in download_files_from_urls itself: outside the handler's try.
    if (err instanceof RaisedException && err.pythonType.endsWith('SSRFError')) throw err
    if (!(err instanceof RaisedException)) throw err
    // ASSUMPTION (inferred): pydub's AudioSegment.from_file(None) fails with this TypeError message.
    return { kind: 'returned-error', value: 'expected str, bytes or os.PathLike object, not NoneType' }
  }
  const stages: Stages = { align: v.validated_input.align_output === true, diarize: v.validated_input.diarization === true }
  const language = typeof v.validated_input.language === 'string' ? v.validated_input.language : null
  const { segments, language: detected } = await transcribe(job, bytes, stages, language, ctx, (msg) => {
    throw new ReturnedError(`Decoding failed. ffmpeg returned error code: 1\n\nOutput from ffmpeg/avlib:\n\n${msg}`)
  })
  return { kind: 'output', output: hubOutput(segments, detected) }
}
