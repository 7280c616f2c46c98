/**
 * The handler of our image (`worker/handler.py`, contract `whisperx`), emulated: validate the input against the
 * contract, fetch the audio, "transcribe" it, and write the full result beside the audio on the volume. Errors it
 * raises become runpod-python's JSON-encoded error; errors it returns are plain strings.
 */
import type { EmulatedJob } from '../jobs.ts'
import { whisperxOutput, type Stages } from '../whisperx-output.ts'
import { RaisedException, ReturnedError, validateWhisperxInput, VOLUME_PREFIX } from '../worker.ts'
import { fetchAudio, transcribe, type HandlerContext, type HandlerOutcome } from './audio.ts'

/**
 * @returns the WhisperX output, with `resultKey` = the result file's key on the volume for a volume-path audio.
 * @throws RaisedException or ReturnedError as the Python handler fails.
 */
export async function whisperxHandler(job: EmulatedJob, ctx: HandlerContext): Promise<HandlerOutcome> {
  const input = validateWhisperxInput(job.input)
  if (input.diarize && !ctx.env.HF_TOKEN) {
    // The pyannote diarization model is gated: without a Hugging Face token our worker refuses to diarize
    // (whisperX README, "Speaker Diarization"). ASSUMPTION: the message our Python worker returns; the panel
    // only relies on it naming HF_TOKEN.
    throw new ReturnedError('HF_TOKEN_MISSING: diarization needs a Hugging Face token. Set HF_TOKEN on the endpoint and accept the terms of pyannote/speaker-diarization-community-1.')
  }
  const bytes = await fetchAudio(input.audio, ctx.fetch)
  const stages: Stages = { align: input.align, diarize: input.diarize }
  // No alignment and no diarization: a live-text window (window-answer.ts).
  const window = !stages.align && !stages.diarize
  const { segments, language, duration } = await transcribe(
    job,
    bytes,
    stages,
    input.language,
    ctx,
    (msg) => {
      throw new RaisedException('RuntimeError', `Failed to load audio: ${msg}`, 'audio = whisperx.load_audio(audio_path)')
    },
    window,
  )
  const resultPath = input.audio.startsWith(VOLUME_PREFIX) ? `${input.audio.slice(0, input.audio.lastIndexOf('/'))}/result-${job.id}.json` : null
  const output = whisperxOutput(segments, { language, duration, model: input.model, resultPath }, stages)
  return { kind: 'output', output, resultKey: resultPath?.slice(VOLUME_PREFIX.length) }
}
