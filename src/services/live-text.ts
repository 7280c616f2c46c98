/**
 * Live text while a microphone recording is made. The recording's pieces are decoded as they arrive
 * (LiveAudio); the newest speech is cut into windows at pauses (domain/live-windows.ts), each window goes to the
 * endpoint as a short job (no diarization, no alignment, the language fixed once detected), and its text joins
 * the live text without repeating the overlap (domain/live-text.ts). The page gets every change as a
 * `live-text` event.
 *
 * Cost and load: at most one window job per recording is in flight; audio that arrives meanwhile waits and goes
 * in one merged window when the job is done. Stretches without speech are never sent. While a job waits in the
 * endpoint's queue with no worker ready (a cold start), the status says so.
 *
 * State is kept in the session's folder (`MicrophoneSessionFiles.writeLiveText`), written after every change, so a panel restart
 * picks up where it stopped (the PCM is decoded again from the pieces on disk, a job in flight is followed
 * again). When the recording is finished, the rest is windowed, the live text is stored as the recording's
 * first transcript version (job id `live-<session>`), and the whole recording is transcribed like a dropped file.
 */
import { rm, stat } from 'node:fs/promises'
import { AppError, toErrorInfo } from '../domain/errors.ts'
import { mergeWindowText, type LiveSegment, type LiveStatus, type LiveTextView, type WindowSegment } from '../domain/live-text.ts'
import { DEFAULT_WINDOW_RULES, planWindow, type WindowRecord, type WindowRules } from '../domain/live-windows.ts'
import type { LiveAudio, Logger, MicrophoneSessionFiles, PcmDecoder, SpeechDetector } from '../domain/ports.ts'
import { estimateGpuCostUsd, type JobOptions } from '../domain/recording.ts'
import type { Transcript } from '../domain/transcript.ts'
import type { EventBus } from './events.ts'

/** What a window job reports when asked. */
export interface WindowJobStatus {
  state: 'queued' | 'running' | 'done' | 'failed'
  /** ms in the endpoint's queue, when known. */
  delayMs: number | null
  /** ms of execution, when known. */
  executionMs: number | null
  /** On `done`: the segments (times relative to the window's start) and the language Whisper used. */
  result: { segments: WindowSegment[]; language: string | null } | null
  /** On `failed`: why, in plain words. */
  error: string | null
}

/** The transcription endpoint as live text uses it (window jobs on the same endpoint as full transcriptions). */
export interface WindowJobs {
  /**
   * Uploads a window's audio file and submits a job for it.
   * @param key - where the audio goes on the network volume.
   * @returns the job id.
   * @throws AppError `not_configured`, and the volume's and endpoint's errors.
   */
  submit(key: string, file: string, options: JobOptions): Promise<string>
  /** @throws AppError like the endpoint's status call. */
  status(jobId: string): Promise<WindowJobStatus>
  /** Whether a worker is ready to take a job now (idle or running), or null when the endpoint cannot tell. */
  workerReady(): Promise<boolean | null>
  /** Removes a window's audio and the worker's result file for it from the volume (best effort). */
  cleanUp(key: string, jobId: string | null): Promise<void>
}

/** What is kept on disk per session. */
interface Persisted {
  enabled: boolean
  reason: string | null
  language: string | null
  covered: number
  revision: number
  windows: (WindowRecord & { key: string | null; coveredBefore: number })[]
  segments: LiveSegment[]
  gpuSeconds: number
  lastError: string | null
  failuresInARow: number
  finished: boolean
  /** Live text was on when the recording started: the finished recording is transcribed at once. */
  transcribeWhenDone: boolean
}

interface Session {
  id: string
  data: Persisted
  decoder: PcmDecoder | null
  /** Next chunk to feed to the decoder. */
  nextSeq: number
  feeding: Promise<void>
  inflight: Persisted['windows'][number] | null
  gpuStarting: boolean
  pumping: boolean
  pumpAgain: boolean
  /** Window planning runs one at a time per session (the pump and a finish may both ask). */
  planLock: Promise<unknown>
  stopping: boolean
  /** Settles when the in-flight window job (if any) is done. */
  idle: Promise<void>
  markIdle: () => void
  timer: NodeJS.Timeout | null
}

export interface LiveTextDeps {
  audio: LiveAudio
  /** Its own detector: a long recording's speech map must not hold up live windows. */
  speech: SpeechDetector
  /** null when RunPod is not configured: live text is then off, with the reason shown. */
  jobs: WindowJobs | null
  events: EventBus
  logger: Logger
  /** The sessions' folders: chunks to decode, work files, the live text's saved state. */
  files: MicrophoneSessionFiles
  /** LIVE_TEXT */
  enabled: boolean
  gpuPricePerSecond: number
  /** How often a window job's status is asked (ms). */
  pollIntervalMs: number
  rules?: WindowRules
  /** Starts the full transcription of a finished recording (the submission service). */
  transcribe?: (recordingId: string, options: JobOptions) => Promise<unknown>
  /** Stores the live text as a transcript version. */
  saveVersion?: (recordingId: string, jobId: string, transcript: Transcript) => void
  /** How long a finished recording waits for its last window before its live text is stored (ms). Default 120 000. */
  finalWaitMs?: number
}

/** After this many window failures in a row, live text stops for the recording (the recording goes on). */
const MAX_FAILURES_IN_A_ROW = 3
/** A window job waiting this long in the queue makes the panel ask whether a worker is ready (ms). */
const QUEUE_CHECK_AFTER_MS = 1500

export class LiveTextService {
  private readonly deps: LiveTextDeps
  private readonly sessions = new Map<string, Session>()
  /** The last view of recently finished sessions (their folders are gone), for a page that reloads it. */
  private readonly finished = new Map<string, LiveTextView>()
  private readonly rules: WindowRules
  /** The panel is shutting down: no new window, no new job. */
  private closed = false

  constructor(deps: LiveTextDeps) {
    this.deps = deps
    this.rules = deps.rules ?? DEFAULT_WINDOW_RULES
  }

  /** Why live text cannot run for new recordings, or null when it can. */
  unavailable(): string | null {
    if (!this.deps.enabled) return 'Live text is turned off (LIVE_TEXT=off).'
    if (!this.deps.jobs) return 'Live text needs the RunPod settings (the endpoint and the network volume).'
    return null
  }

  /**
   * Starts live text for a new session (`wanted`: the page's toggle). Writes its state file.
   * @returns the first view.
   */
  async start(sessionId: string, wanted: boolean): Promise<LiveTextView> {
    const reason = wanted ? this.unavailable() : 'Live text is off for this recording.'
    const data: Persisted = {
      enabled: reason === null,
      reason,
      language: null,
      covered: 0,
      revision: 0,
      windows: [],
      segments: [],
      gpuSeconds: 0,
      lastError: null,
      failuresInARow: 0,
      finished: false,
      transcribeWhenDone: reason === null,
    }
    const s = this.newSession(sessionId, data)
    await this.save(s)
    return this.view(s)
  }

  /** The session's live text now (loads it after a restart). @throws AppError `not_found`. */
  async get(sessionId: string): Promise<LiveTextView> {
    const done = this.finished.get(sessionId)
    if (done && !this.sessions.has(sessionId)) return done
    return this.view(await this.session(sessionId))
  }

  /**
   * A piece of the recording was stored: decode what is new and window it when there is enough.
   * Never throws: a decoding problem stops live text for the recording, not the recording.
   */
  async onChunk(sessionId: string): Promise<void> {
    let s: Session
    try {
      s = await this.session(sessionId)
    } catch {
      return
    }
    if (!s.data.enabled || s.stopping) return
    await this.feed(s)
    this.pump(s)
  }

  /**
   * The recording stopped and became `recordingId`: windows the rest, waits for the last window (at most
   * `finalWaitMs`), stores the live text as a transcript version and, when live text was on at the start,
   * starts the full transcription (with diarization, in the language live text detected).
   * Never throws (problems are logged: the recording itself is already safe).
   * @returns true when done (or there was nothing to do), false when the panel shut down first: the session's
   *   folder must then stay, and a later `finish` (after the restart) completes it.
   */
  async finish(sessionId: string, recordingId: string): Promise<boolean> {
    if (this.closed) return false
    let s: Session
    try {
      s = await this.session(sessionId)
    } catch {
      return true
    }
    s.stopping = true
    try {
      if (s.data.enabled && !s.data.finished) {
        await this.feed(s)
        if (s.decoder) await s.decoder.end().catch((err: unknown) => this.deps.logger.warn('live audio decoder failed at the end', { sessionId, error: err }))
        s.decoder = null
        const deadline = Date.now() + (this.deps.finalWaitMs ?? 120_000)
        // The rest of the audio, window by window, one job at a time.
        while (Date.now() < deadline && s.data.enabled && !this.closed) {
          if (s.inflight) {
            await Promise.race([s.idle, sleep(Math.max(0, deadline - Date.now()))])
            continue
          }
          const started = await this.planNext(s, true)
          if (!started) break
        }
        if (this.closed) return false
        if (s.inflight) this.deps.logger.warn('live text: the last window did not finish in time; stored what there is', { sessionId })
      }
      const already = s.data.finished
      s.data.finished = true
      this.publish(s, s.data.segments.length)
      await this.save(s)
      if (!already && s.data.segments.length > 0 && this.deps.saveVersion) {
        this.deps.saveVersion(recordingId, `live-${sessionId}`, liveTranscript(s.data))
      }
      if (s.data.transcribeWhenDone && this.deps.transcribe) {
        // Asked once: a finish resumed after a restart does not start a second transcription.
        s.data.transcribeWhenDone = false
        await this.save(s)
        const options: JobOptions = { language: s.data.language, diarize: true, minSpeakers: null, maxSpeakers: null }
        await this.deps.transcribe(recordingId, options).catch((err: unknown) => this.deps.logger.warn('the full transcription of a microphone recording could not start', { id: recordingId, error: err }))
      }
    } catch (err) {
      this.deps.logger.warn('finishing live text failed', { sessionId, error: err })
    } finally {
      this.close(s)
    }
    return true
  }

  /** Whether this session has live text running (the recorder keeps its folder until `finish` ends). */
  has(sessionId: string): boolean {
    return this.sessions.has(sessionId)
  }

  /** Stops every session's timers and decoders, and ends finishes in progress (shutdown). */
  stopAll(): void {
    this.closed = true
    for (const s of this.sessions.values()) this.close(s)
  }

  // ---------------------------------------------------------------------------------------------------------

  private newSession(id: string, data: Persisted): Session {
    const s: Session = {
      id,
      data,
      decoder: null,
      nextSeq: 0,
      feeding: Promise.resolve(),
      inflight: null,
      gpuStarting: false,
      pumping: false,
      pumpAgain: false,
      planLock: Promise.resolve(),
      stopping: false,
      idle: Promise.resolve(),
      markIdle: () => {},
      timer: null,
    }
    this.sessions.set(id, s)
    return s
  }

  private async session(sessionId: string): Promise<Session> {
    const known = this.sessions.get(sessionId)
    if (known) return known
    const data = (await this.deps.files.readLiveText(sessionId)) as Persisted | null
    if (!data) throw new AppError('not_found', 'There is no live text for this recording session.')
    const s = this.sessions.get(sessionId) ?? this.newSession(sessionId, data)
    // After a restart: a window job that was in flight is followed again.
    const open = data.windows.find((w) => w.state === 'queued' || w.state === 'running' || w.state === 'pending')
    if (open && open.jobId && !data.finished) this.follow(s, open)
    else if (open) {
      open.state = 'failed'
      open.error = 'The panel stopped before this window was sent.'
      data.covered = open.coveredBefore
    }
    return s
  }

  /** Feeds the chunks the decoder has not seen, in order (one feeder at a time). */
  private feed(s: Session): Promise<void> {
    s.feeding = s.feeding.then(async () => {
      if (!s.data.enabled) return
      try {
        if (!s.decoder) {
          // New session, or after a restart: decode from the first piece again (the PCM is rebuilt exactly).
          s.decoder = this.deps.audio.openDecoder(this.deps.files.workPath(s.id, 'pcm'))
          s.nextSeq = 0
        }
        for (;;) {
          const bytes = await this.deps.files.readChunk(s.id, s.nextSeq)
          if (!bytes) break
          await s.decoder.write(bytes)
          s.nextSeq++
        }
        // Let ffmpeg write out what it was given.
        await sleep(150)
      } catch (err) {
        this.stop(s, `The microphone audio could not be decoded for live text (${err instanceof Error ? err.message : String(err)}). The recording itself is kept.`)
      }
    })
    return s.feeding
  }

  /** Starts the next window job if none is in flight (re-runs once if called while busy). */
  private pump(s: Session): void {
    if (s.pumping) {
      s.pumpAgain = true
      return
    }
    s.pumping = true
    void (async () => {
      try {
        do {
          s.pumpAgain = false
          if (s.inflight || s.stopping || !s.data.enabled) break
          while (!s.inflight && (await this.planNext(s, false))) {
            // skipped silent windows: look again
          }
        } while (s.pumpAgain)
      } catch (err) {
        this.deps.logger.warn('live text window failed', { sessionId: s.id, error: err })
      } finally {
        s.pumping = false
      }
    })()
  }

  /** `nextWindow`, one at a time per session: never two windows from the same point, never two jobs in flight. */
  private planNext(s: Session, final: boolean): Promise<boolean> {
    const run = s.planLock.then(() => (s.inflight || this.closed ? false : this.nextWindow(s, final)))
    s.planLock = run.catch(() => {})
    return run
  }

  /**
   * Plans and starts the next window (or skips one without speech).
   * @returns true when a window was started or skipped (call again), false when there is nothing to do yet.
   */
  private async nextWindow(s: Session, final: boolean): Promise<boolean> {
    const jobs = this.deps.jobs
    if (!jobs || !s.data.enabled) return false
    const edge = final ? await this.pcmSeconds(s) : (s.decoder?.seconds ?? 0)
    const covered = s.data.covered
    const first = !s.data.windows.some((w) => w.state === 'done' && w.executionMs !== null)
    const min = first ? this.rules.firstMinSeconds : this.rules.minSeconds
    if (!final && edge - covered < min) return false
    if (edge - covered <= 0.001) return false
    const from = covered === 0 ? 0 : Math.max(0, covered - this.rules.overlapSeconds)
    const speech = await this.detect(s, from, edge)
    const planned = planWindow({ covered, edge, speech, final, first, rules: this.rules })
    if (!planned) return false
    const index = s.data.windows.length
    const key = `scribe-panel/live/${s.id}/window-${String(index).padStart(5, '0')}.ogg`
    const record: Persisted['windows'][number] = {
      index,
      start: round3(planned.start),
      end: round3(planned.end),
      state: planned.speech ? 'pending' : 'skipped',
      jobId: null,
      executionMs: null,
      delayMs: null,
      error: null,
      key: planned.speech ? key : null,
      coveredBefore: covered,
    }
    s.data.windows.push(record)
    s.data.covered = planned.end
    if (!planned.speech) {
      await this.save(s)
      this.publish(s, s.data.segments.length)
      return true
    }
    this.setInflight(s, record)
    const file = this.deps.files.workPath(s.id, { window: index })
    try {
      await this.deps.audio.encodeWindow(this.deps.files.workPath(s.id, 'pcm'), planned.start, planned.end, file)
      await this.save(s)
      const options: JobOptions = { language: s.data.language, diarize: false, minSpeakers: null, maxSpeakers: null, align: false }
      record.jobId = await jobs.submit(key, file, options)
      record.state = 'queued'
      await this.save(s)
      this.publish(s, s.data.segments.length)
      this.deps.logger.debug('live text window sent', { sessionId: s.id, index, start: record.start, end: record.end, jobId: record.jobId })
      this.follow(s, record)
    } catch (err) {
      await this.windowFailed(s, record, err)
    } finally {
      await rm(file, { force: true })
    }
    return true
  }

  /** Speech regions in `[from, to]` seconds of the session's PCM (absolute times). */
  private async detect(s: Session, from: number, to: number): Promise<[number, number][]> {
    const wav = this.deps.files.workPath(s.id, 'vad')
    try {
      await this.deps.audio.writeWav(this.deps.files.workPath(s.id, 'pcm'), from, to, wav)
      const map = await this.deps.speech.detect(wav, to - from)
      return map.regions.map(([a, b]) => [from + a, from + b] as [number, number])
    } catch (err) {
      // Without a speech map every stretch counts as speech: the windows are then cut by length alone.
      this.deps.logger.warn('live text: no speech detection for a window; cutting by length', { sessionId: s.id, error: err })
      return [[from, to]]
    } finally {
      await rm(wav, { force: true })
    }
  }

  private setInflight(s: Session, record: Persisted['windows'][number] | null): void {
    if (record && !s.inflight) {
      s.inflight = record
      s.idle = new Promise<void>((resolve) => {
        s.markIdle = resolve
      })
    } else if (!record && s.inflight) {
      s.inflight = null
      s.gpuStarting = false
      s.markIdle()
    }
  }

  /** Follows a window job until it ends (one status request per poll interval). */
  private follow(s: Session, record: Persisted['windows'][number]): void {
    const jobs = this.deps.jobs
    if (!jobs || !record.jobId) return
    this.setInflight(s, record)
    const queuedSince = Date.now()
    let lastWorkerCheck = 0
    const tick = async () => {
      s.timer = null
      if (!this.sessions.has(s.id)) return
      let status: WindowJobStatus
      try {
        status = await jobs.status(record.jobId!)
      } catch (err) {
        if (err instanceof AppError && !err.retryable) return this.windowFailed(s, record, err)
        s.timer = setTimeout(() => void tick(), Math.max(this.deps.pollIntervalMs, 2000))
        return
      }
      if (status.state === 'queued' || status.state === 'running') {
        const before = `${record.state}/${s.gpuStarting}`
        record.state = status.state
        if (status.state === 'running') s.gpuStarting = false
        else if (Date.now() - queuedSince >= QUEUE_CHECK_AFTER_MS && Date.now() - lastWorkerCheck >= 5000) {
          lastWorkerCheck = Date.now()
          const ready = await jobs.workerReady().catch(() => null)
          s.gpuStarting = ready === false
        }
        if (`${record.state}/${s.gpuStarting}` !== before) this.publish(s, s.data.segments.length)
        s.timer = setTimeout(() => void tick(), this.deps.pollIntervalMs)
        return
      }
      record.delayMs = status.delayMs
      record.executionMs = status.executionMs
      if (status.state === 'failed' || !status.result) return this.windowFailed(s, record, new Error(status.error ?? 'no result'))
      record.state = 'done'
      s.data.gpuSeconds += (status.executionMs ?? 0) / 1000
      s.data.failuresInARow = 0
      if (!s.data.language && status.result.language && status.result.segments.some((x) => x.text.trim())) s.data.language = status.result.language
      const merged = mergeWindowText(s.data.segments, { index: record.index, start: record.start, overlapEnd: Math.max(record.start, record.coveredBefore) }, status.result.segments)
      s.data.segments = merged.segments
      await this.save(s)
      this.publish(s, merged.from)
      void jobs.cleanUp(record.key!, record.jobId).catch(() => {})
      this.setInflight(s, null)
      this.pump(s)
    }
    if (s.timer) clearTimeout(s.timer)
    s.timer = setTimeout(() => void tick(), Math.min(1000, this.deps.pollIntervalMs))
  }

  /**
   * A window could not be transcribed: its audio goes back to waiting (the next window takes it, merged), and
   * after `MAX_FAILURES_IN_A_ROW` failures live text stops for this recording.
   */
  private async windowFailed(s: Session, record: Persisted['windows'][number], err: unknown): Promise<void> {
    const info = toErrorInfo(err)
    record.state = 'failed'
    record.error = info.message
    s.data.lastError = info.message
    s.data.failuresInARow++
    // The failed stretch is windowed again with what follows (unless this was the end).
    s.data.covered = Math.min(s.data.covered, record.coveredBefore)
    this.deps.logger.warn('live text window failed', { sessionId: s.id, index: record.index, error: err })
    if (info.code === 'not_configured' || s.data.failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      this.stop(s, `Live text stopped after ${s.data.failuresInARow} failed window${s.data.failuresInARow === 1 ? '' : 's'}: ${info.message} The recording goes on; the full transcript after Stop is not affected.`)
    }
    if (record.key) void this.deps.jobs?.cleanUp(record.key, record.jobId).catch(() => {})
    await this.save(s)
    this.publish(s, s.data.segments.length)
    this.setInflight(s, null)
    if (s.data.enabled && !s.stopping) setTimeout(() => this.pump(s), 2000).unref()
  }

  /** Turns live text off for the session with `reason` (shown in the page). */
  private stop(s: Session, reason: string): void {
    s.data.enabled = false
    s.data.reason = reason
    s.decoder?.kill()
    s.decoder = null
    this.publish(s, s.data.segments.length)
    void this.save(s)
  }

  private close(s: Session): void {
    if (s.data.finished) {
      this.finished.set(s.id, this.view(s))
      for (const id of [...this.finished.keys()].slice(0, Math.max(0, this.finished.size - 20))) this.finished.delete(id)
    }
    if (s.timer) clearTimeout(s.timer)
    s.timer = null
    s.decoder?.kill()
    s.decoder = null
    this.sessions.delete(s.id)
    s.markIdle()
  }

  private async pcmSeconds(s: Session): Promise<number> {
    try {
      return (await stat(this.deps.files.workPath(s.id, 'pcm'))).size / 32_000
    } catch {
      return 0
    }
  }

  private status(s: Session): LiveStatus {
    const d = s.data
    const activity: LiveStatus['activity'] = d.finished ? 'finished' : !d.enabled ? 'off' : s.inflight ? (s.gpuStarting ? 'gpu-starting' : 'transcribing') : 'listening'
    return {
      enabled: d.enabled,
      reason: d.reason,
      activity,
      language: d.language,
      covered: round3(d.covered),
      windowsSent: d.windows.filter((w) => w.jobId !== null).length,
      gpuSeconds: round3(d.gpuSeconds),
      costUsd: estimateGpuCostUsd(d.gpuSeconds, this.deps.gpuPricePerSecond),
      lastError: d.lastError,
    }
  }

  private view(s: Session): LiveTextView {
    return {
      sessionId: s.id,
      revision: s.data.revision,
      segments: s.data.segments,
      windows: s.data.windows.map(({ key: _key, coveredBefore: _c, ...w }) => w),
      status: this.status(s),
    }
  }

  private publish(s: Session, from: number): void {
    s.data.revision++
    this.deps.events.publish({ type: 'live-text', sessionId: s.id, revision: s.data.revision, from, segments: s.data.segments.slice(from), status: this.status(s) })
  }

  private async save(s: Session): Promise<void> {
    try {
      await this.deps.files.writeLiveText(s.id, s.data)
    } catch (err) {
      // The session's folder is gone (finished and removed): nothing left to keep.
      this.deps.logger.debug('live text state not saved', { sessionId: s.id, error: err })
    }
  }
}

/** The live text as a transcript (one unnamed speaker, no word times), for the recording's versions. */
export function liveTranscript(d: { language: string | null; segments: readonly LiveSegment[] }): Transcript {
  return {
    language: d.language,
    duration: d.segments.at(-1)?.end ?? 0,
    speakers: [],
    segments: d.segments.map((seg, i) => ({ id: `live-${i}`, start: seg.start, end: seg.end, speaker: null, text: seg.text, words: [], filtered: null })),
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
