/**
 * The hallucination filter's judgement of a worker result, without making the transcript wait for the speech map.
 * The map (voice activity over the whole recording, computed on this computer) usually exists before the GPU is
 * done; when it does not yet, the transcript is stored judged from its text alone and the map's judgement is
 * brought into that same version when the map arrives (domain/speech-evidence.ts), leaving every line the user
 * has touched as the user left it.
 */
import { filterHallucinations } from '../domain/hallucinations.ts'
import type { Logger } from '../domain/ports.ts'
import { applySpeechEvidence } from '../domain/speech-evidence.ts'
import type { SpeechMap } from '../domain/speech-map.ts'
import type { RecordingStore, StoredRecording } from '../domain/store.ts'
import type { Transcript } from '../domain/transcript.ts'
import type { EventBus } from './events.ts'
import type { ExportService } from './exports.ts'

export interface SpeechJudgementDeps {
  store: RecordingStore
  events: EventBus
  exports: ExportService
  logger: Logger
  /** The recording's speech map if it has been computed (never starts the analysis); absent: no speech maps. */
  storedSpeechMap?: (r: StoredRecording) => Promise<SpeechMap | null>
  /** The recording's speech map, computed now if it is missing (waits for the analysis). */
  speechMap?: (r: StoredRecording) => Promise<SpeechMap | null>
}

/** A worker result as the filter judged it now, and what to do once it is stored. */
export interface Judged {
  transcript: Transcript
  /**
   * Call with the stored version's number and document (speaker names carried over) right after storing it:
   * when the speech map was not ready, its judgement is applied to that version when it arrives (a
   * `transcript` event with `speechEvidence: true` tells open pages). Resolves when that is done (at once otherwise).
   */
  stored(version: number, doc: Transcript): Promise<void>
}

/**
 * Judges a normalized worker result with the speech map if it is ready, else from its text alone.
 * @param r - the recording the result belongs to.
 * @param result - the normalized worker result (not yet filtered).
 */
export async function judgeResult(deps: SpeechJudgementDeps, r: StoredRecording, result: Transcript): Promise<Judged> {
  const ready = await mapAtHand(deps, r)
  const transcript = filterHallucinations(result, { speech: ready })
  if (ready || !deps.speechMap) return { transcript, stored: async () => {} }
  const later = deps.speechMap
  return {
    transcript,
    async stored(version, doc) {
      const t0 = Date.now()
      let map: SpeechMap | null
      try {
        map = await later(r)
      } catch (err) {
        deps.logger.warn('no speech map: the filter judged from the text alone', { id: r.id, error: err })
        return
      }
      if (!map) return
      const withMap = filterHallucinations(result, { speech: map })
      let changed: boolean
      try {
        changed = deps.store.refineVersion(r.id, version, (d) => applySpeechEvidence(d, doc, withMap))
      } catch (err) {
        // The panel stopping (its database closed) or the recording deleted meanwhile: the version keeps the
        // judgement from its text alone, as after a restart.
        deps.logger.warn('the speech map could not be applied to the stored transcript', { id: r.id, version, error: err })
        return
      }
      deps.logger.info('speech map applied to the stored transcript', { id: r.id, version, changed, waitedMs: Date.now() - t0 })
      if (!changed) return
      const current = deps.store.getTranscript(r.id)
      if (current) deps.events.publish({ type: 'transcript', id: r.id, version: current.version, speechEvidence: true })
      deps.exports.writeFiles(r.id).catch((err: unknown) => deps.logger.warn('rewriting export files failed', { id: r.id, error: err }))
    },
  }
}

/** The speech map when it has been computed; null when it is not (yet), there is no detector, or it cannot be read. */
async function mapAtHand(deps: SpeechJudgementDeps, r: StoredRecording): Promise<SpeechMap | null> {
  try {
    return (await deps.storedSpeechMap?.(r)) ?? null
  } catch {
    return null
  }
}
