/**
 * Ports: what the services need from the outside world, in the domain's words. Adapters under
 * `src/adapters/` implement them and translate SDK/HTTP failures into `AppError`s at their edge;
 * no port mentions an SDK type or RunPod's JSON.
 */
import type { JobOptions, JobState } from './recording.ts'
import type { SpeechMap, SpeechMethod } from './speech-map.ts'

/** One logger, injected everywhere. Fields are structured context; never pass a secret. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** The network volume seen through its S3-compatible API (one bucket = one volume). */
export interface ObjectStore {
  /** The bucket (= RunPod network volume ID). */
  readonly bucket: string
  /**
   * Uploads a local file (or a stream) to `key` with a multipart upload.
   * @param onProgress - called with bytes sent so far (monotonic, ends at the file size).
   * @throws AppError `storage_auth` (wrong keys or volume), `storage_unavailable` (network, 5xx after retries).
   */
  uploadFile(
    key: string,
    /** A local file's path, or a stream of its bytes (length unknown). */
    source: string | import('node:stream').Readable,
    options: UploadOptions,
  ): Promise<void>
  /**
   * Continues the multipart upload `uploadId` of the local file at `filePath` to `key`: parts the volume
   * already holds (ListParts) with the same size and MD5 are kept, the others sent, then it is completed.
   * A failed or stopped `uploadFile` leaves its parts on the volume for this.
   * @param partSize - the part size the upload was started with (default: the store's).
   * @returns what was kept and sent, or null when the volume no longer knows the upload (start a new one).
   * @throws AppError `storage_auth`, `storage_unavailable` (the upload stays pending: resume again later).
   */
  resumeUpload(
    key: string,
    filePath: string,
    uploadId: string,
    options: { partSize?: number; onProgress?: (sentBytes: number) => void; signal?: AbortSignal },
  ): Promise<ResumedUpload | null>
  /** Aborts a multipart upload that will not be resumed; an unknown upload is not an error. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>
  /**
   * How a worker reads `key` (AUDIO_REFERENCE): a presigned URL where the store serves them (checked with a
   * 1-byte read first), else the key on the volume. Presigning stays inside the adapter.
   * @throws AppError `storage_unavailable` when presigned URLs are required and none can be made.
   */
  workerAudio(key: string): Promise<AudioReference>
  /**
   * Reads a whole object (small ones: a worker's result file).
   * @returns its bytes, or null when there is no such object.
   * @throws AppError `payload_too_large` over `maxBytes`; `storage_auth`, `storage_unavailable`.
   */
  readObject(key: string, maxBytes: number): Promise<Buffer | null>
  /** Deletes `key`; a missing object is not an error. */
  deleteObject(key: string): Promise<void>
  /**
   * Deletes every object whose key starts with `prefix` (a recording's folder: its audio, compact copy and
   * the worker's result file); returns how many. Nothing there is not an error.
   * @throws AppError `storage_auth` or `storage_unavailable`.
   */
  deletePrefix(prefix: string): Promise<number>
  /**
   * Checks that the bucket exists and the keys work.
   * @throws AppError `storage_auth` or `storage_unavailable`.
   */
  check(): Promise<void>
}

/** How `ObjectStore.uploadFile` sends an object. */
export interface UploadOptions {
  contentType: string
  /** Called with the bytes sent so far (monotonic, ends at the object's size). */
  onProgress?: (sentBytes: number) => void
  /** Called once with the multipart UploadId as soon as the volume assigned it (persist it for crash recovery). */
  onMultipartStarted?: (uploadId: string) => void
  signal?: AbortSignal
  /** Part size in bytes (default: the store's; at least 1 MiB, the S3 adapter's `MIN_PART_BYTES`). */
  partSize?: number
}

/** What resuming a multipart upload did, in parts and bytes kept from before and sent now. */
export interface ResumedUpload {
  keptParts: number
  keptBytes: number
  sentParts: number
  sentBytes: number
}

export type { JobState } from './recording.ts'

/**
 * Where the worker finds a job's audio: a presigned GET URL, or the object's key on the network volume (the
 * backend turns it into the path its workers mount the volume at).
 */
export type AudioReference = { kind: 'presigned'; url: string } | { kind: 'volume-path'; key: string }

/** Limits the backend applies to one job; times in ms. */
export interface JobPolicy {
  /** Longest run on a worker, ms. */
  executionTimeout: number
  /** Longest life of the job from submission (queue included), ms. */
  ttl: number
}

/** One transcription job to start. */
export interface TranscriptionRequest {
  audio: AudioReference
  options: JobOptions
  policy: JobPolicy
}

/** A job's status as the panel needs it. */
export interface JobReport {
  id: string
  state: JobState
  /** ms in the queue and ms on a worker, when the backend has reported them (else null). */
  timings: { queueMs: number | null; executionMs: number | null }
  /** `running`: the worker's last progress update as sent (read it with `readProgress`), else null. */
  progress: unknown
  /**
   * `completed`: the worker's result exactly as the backend returned it (saved before it is read; read it with
   * `readResult`), or undefined when the backend returned none. Undefined in other states.
   */
  result: unknown
  /** `failed`: the worker's error in plain words, else null. */
  error: string | null
}

/** The WhisperX result as the normalizer takes it. */
export interface WorkerResult {
  segments: unknown
  language: unknown
}

/**
 * Where transcriptions run (a RunPod Serverless endpoint with the WhisperX worker). Its adapter keeps the
 * worker's input and output formats to itself. Errors: `not_configured` (settings missing), `runpod_auth`,
 * `runpod_not_found`, `runpod_rate_limited`, `runpod_unavailable` (retryable), `bad_request`.
 */
export interface TranscriptionBackend {
  /**
   * Starts a job.
   * @returns the job's id and first state.
   * @throws AppError `bad_request` when the options do not fit the worker; the errors above.
   */
  submit(request: TranscriptionRequest): Promise<{ id: string; state: JobState }>
  /**
   * The job's state now.
   * @throws AppError `job_expired` when the backend no longer knows the job, and the errors above.
   */
  status(jobId: string): Promise<JobReport>
  /**
   * Puts a `failed` or `timed-out` job the backend still holds back in its queue, same id.
   * @throws AppError `job_expired` when the job is gone, `bad_request` when it cannot be retried.
   */
  retry(jobId: string): Promise<{ id: string; state: JobState }>
  /** Cancels the job (no more GPU time is billed for it). */
  cancel(jobId: string): Promise<void>
  /** Workers and jobs of the endpoint by state; throws like `submit` when the endpoint cannot be reached. */
  health(): Promise<{ workers: Record<string, number>; jobs: Record<string, number> }>
  /**
   * The WhisperX result in a `completed` job's `result` (or in the worker's result file read from the volume).
   * @throws AppError `invalid_output` when it is not the worker's output format.
   */
  readResult(result: unknown): WorkerResult
  /**
   * Throws the backend's `not_configured` error when its settings are missing; does nothing otherwise. For
   * requests that would only fail later (a transcription asked for during its upload).
   */
  assertConfigured(): void
}

/** A small JSON file kept beside a recording's audio: waveform peaks, the speech map, a multipart upload's id. */
export type RecordingSidecar = 'peaks' | 'speech' | 'multipart'

/** Which copy of a worker's output: RunPod's `output` as it came (`raw`), or the worker's result file from the volume. */
export type WorkerOutputKind = 'raw' | 'result'

/**
 * A recording's local files: where each one lives and how it is written. Small files are written atomically
 * (old or new, never half); big ones (the audio, the compact copy) are streamed by the services to the paths given
 * here. Implemented by `adapters/files/local-files.ts`, which holds the folder layout.
 */
export interface RecordingFiles {
  /** The original, as the user dropped it. */
  audioPath(r: { id: string; extension: string }): string
  /** Where the bytes of a PUT go while they arrive. */
  incomingPath(id: string): string
  /** The compact copy for the GPU. */
  gpuCopyPath(id: string): string
  /** Creates the recording's folder. */
  createRecordingDir(id: string): Promise<void>
  /** Keeps the arrived bytes as the recording's audio; returns its path. */
  keepIncoming(id: string, extension: string): Promise<string>
  /** Recording folders on disk (with or without a recording in the store), with when each last changed (epoch ms). */
  listRecordingDirs(): Promise<{ id: string; changedMs: number }[]>
  /** Removes every local file of the recording (audio, caches, worker outputs, copies); nothing there is not an error. */
  removeRecording(id: string): Promise<void>
  /** A sidecar's JSON, or null when it is missing or unreadable (a cache to rebuild). */
  readSidecar(id: string, sidecar: RecordingSidecar): Promise<unknown>
  /** Writes a sidecar atomically. @throws the file system's error. */
  writeSidecar(id: string, sidecar: RecordingSidecar, value: unknown): Promise<void>
  removeSidecar(id: string, sidecar: RecordingSidecar): Promise<void>
  /** Saves a job's output before it is parsed (atomically); returns the file's path. @throws the file system's error. */
  saveWorkerOutput(id: string, jobId: string, kind: WorkerOutputKind, data: string | Uint8Array): Promise<string>
  /** Saves a copy of the current transcript in one format (atomically); returns the file's path. */
  saveTranscriptCopy(id: string, extension: string, body: string | Uint8Array): Promise<string>
}

/** What a microphone session was started with. */
export interface MicrophoneSessionStart {
  /** The recording's file name, already checked. */
  filename: string
  /** ISO 8601 */
  startedAt: string
}

/** A finished microphone session: the recording its audio became (its live text may still be stored). */
export interface FinishedMicrophoneSession {
  filename: string
  recordingId: string
}

/**
 * Working files of a microphone session that ffmpeg writes or reads: the chunks joined (`joined`) and remuxed
 * (`recording`), the decoded 16 kHz PCM for live text (`pcm`), a stretch of it for the voice detector (`vad`),
 * and one window's audio for the GPU (`{window}`). Rebuilt from the chunks whenever needed.
 */
export type MicrophoneWorkFile = 'joined' | 'recording' | 'pcm' | 'vad' | { window: number }

/**
 * A microphone recording's files while it is being made, one folder per session: what it was started with
 * (present while the session takes chunks), its chunks (each stored before it is acknowledged), the live text's
 * state, and, once its audio became a recording, which one (so a restart can finish storing its live text).
 * Small files are written atomically (old or new, never half), so a crash or a restart finds each whole. Every
 * method throws AppError `not_found` for a session id that is not one (a UUID), so no path leaves the sessions'
 * folder. Implemented by `adapters/files/local-files.ts`, which holds the layout.
 */
export interface MicrophoneSessionFiles {
  /** Creates the session's folder and records what it was started with: the session now takes chunks. @throws the file system's error. */
  createSession(sessionId: string, start: MicrophoneSessionStart): Promise<void>
  /** What an open session was started with; null when there is no such session or it is finished. */
  openSession(sessionId: string): Promise<MicrophoneSessionStart | null>
  /**
   * Records that the session's audio became `recordingId`; from then on the session is no longer open.
   * @throws the file system's error.
   */
  markFinished(sessionId: string, finished: FinishedMicrophoneSession): Promise<void>
  /** The recording a finished session became; null when it is not finished (or the record is unreadable). */
  finishedSession(sessionId: string): Promise<FinishedMicrophoneSession | null>
  /**
   * Session folders on disk: whether each is open and whether it is finished (neither: a folder left half-made),
   * and, for open ones, when a file in it last changed (epoch ms; 0 for the others).
   */
  listSessions(): Promise<{ id: string; open: boolean; finished: boolean; changedMs: number }[]>
  /** Stores chunk `seq` (0-based) atomically, replacing one of the same number. @throws the file system's error. */
  writeChunk(sessionId: string, seq: number, bytes: Uint8Array): Promise<void>
  /** How many chunks are stored. */
  chunkCount(sessionId: string): Promise<number>
  /** Chunk `seq`'s bytes, or null when it is not stored (yet). */
  readChunk(sessionId: string, seq: number): Promise<Uint8Array | null>
  /**
   * Joins the stored chunks, in order, into the `joined` work file.
   * @returns its path and how many chunks it holds (0: nothing was recorded, and no file is written).
   */
  joinChunks(sessionId: string): Promise<{ file: string; chunks: number }>
  /** Where a work file of the session goes (see `MicrophoneWorkFile`). */
  workPath(sessionId: string, file: MicrophoneWorkFile): string
  /** The live text's saved state, or null when there is none (or it cannot be read). */
  readLiveText(sessionId: string): Promise<unknown>
  /**
   * Saves the live text's state atomically.
   * @throws the file system's error (ENOENT once the session's folder is removed: it is never made again here).
   */
  writeLiveText(sessionId: string, state: unknown): Promise<void>
  /** Removes the session's folder and everything in it; nothing there is not an error. */
  removeSession(sessionId: string): Promise<void>
}

/** What ffprobe tells about a recording's file. */
export interface MediaInfo {
  /** seconds */
  duration: number
  /** Container, as ffprobe names it (e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `wav`). */
  format: string
  /** Codec of the first audio stream, as ffprobe names it (e.g. `aac`, `pcm_s16le`, `flac`). */
  audioCodec: string
  /** bits per second of the first audio stream (the container's average when the stream does not say), or null. */
  audioBitRate: number | null
  /** Whether the file carries a picture track (cover art does not count). */
  hasVideo: boolean
  /** When it was recorded, from its metadata: `YYYY-MM-DD` or an ISO 8601 instant; null when unknown. */
  recordedAt?: string | null
}

/** A running ffmpeg that writes the compact copy for the GPU to `output`. */
export interface Transcode {
  /** The copy's bytes (an Ogg Opus stream) as ffmpeg writes them. */
  output: import('node:stream').Readable
  /**
   * Settles when ffmpeg exits.
   * @throws AppError `upload_failed` when ffmpeg fails (its message included).
   */
  done: Promise<void>
  /** Stops ffmpeg (SIGKILL); `done` then rejects. */
  kill(): void
}

/** ffprobe / ffmpeg. */
export interface MediaProbe {
  /**
   * Reads duration (seconds), container, first audio stream, whether there is a picture track and, when the
   * file's metadata has it, when it was recorded.
   * @throws AppError `unsupported_media` when ffprobe finds no audio stream.
   */
  probe(filePath: string): Promise<MediaInfo>
  /**
   * Starts the compact copy for the GPU: the first audio track as 16 kHz mono Opus (~24 kbit/s) in Ogg,
   * decoded by the worker exactly like the original (WhisperX resamples every input to 16 kHz mono),
   * same duration and timestamps. ffmpeg runs at low CPU priority.
   * @param input - a local file's path, or a stream of the file's bytes (piped to ffmpeg's stdin; the
   *   container must be readable front to back, e.g. WAV, FLAC, AIFF).
   */
  transcodeForGpu(input: string | import('node:stream').Readable): Transcode
  /**
   * Waveform peaks: `bins` values in [0, 1] (max |sample| per window, mono), plus duration in seconds.
   */
  peaks(filePath: string, bins: number): Promise<{ duration: number; peaks: number[] }>
  /**
   * Copies the streams of `input` into a fresh container at `output` (no re-encoding), which writes
   * the duration and index that a browser's MediaRecorder leaves out of its WebM.
   * @throws AppError `unsupported_media` when ffmpeg cannot read the input.
   */
  remux(input: string, output: string): Promise<void>
}

/** Voice activity detection over a whole recording (the speech map the hallucination filter reads). */
export interface SpeechDetector {
  /**
   * Finds where speech is in a local audio/video file.
   * @param duration the recording's length in seconds (from the probe).
   * @throws AppError `unsupported_media` when the audio cannot be decoded by any method.
   */
  detect(filePath: string, duration: number): Promise<SpeechMap>
  /** Which method runs now: the VAD model, or the ffmpeg level fallback with the reason the model did not load. */
  status(): { method: SpeechMethod | 'not-loaded'; detail: string }
}

/** A growing recording decoded as it arrives: 16 kHz mono 16-bit PCM written to a file. */
export interface PcmDecoder {
  /** Seconds decoded so far (what the PCM file holds). */
  readonly seconds: number
  /** Feeds the next piece of the recording's byte stream, in order. */
  write(bytes: Uint8Array): Promise<void>
  /**
   * Ends the stream and waits until everything is decoded.
   * @throws AppError `unsupported_media` when the bytes could not be decoded.
   */
  end(): Promise<void>
  /** Stops decoding at once (the PCM file keeps what was written). */
  kill(): void
}

/** Audio for live text: decoding a microphone recording while it grows, and cutting windows out of it. */
export interface LiveAudio {
  /** Starts decoding into `pcmPath` (created, or emptied). */
  openDecoder(pcmPath: string): PcmDecoder
  /** Writes `[start, end)` seconds of the PCM as a WAV file (for the voice activity detector). */
  writeWav(pcmPath: string, start: number, end: number, outPath: string): Promise<void>
  /**
   * Writes `[start, end)` seconds of the PCM as 16 kHz mono Opus in Ogg (a window for the GPU).
   * @throws AppError `internal` when ffmpeg fails.
   */
  encodeWindow(pcmPath: string, start: number, end: number, outPath: string): Promise<void>
}

/** An endpoint's settings as RunPod's REST API reports them (only what the panel reads). */
export interface EndpointFacts {
  id: string
  name: string
  workersMin: number
  /** RunPod sets this to 0 after 7 idle days ("idle endpoint scale-down"); jobs then wait forever. */
  workersMax: number
  /** Datacenters the endpoint's workers may run in (empty: any). */
  dataCenterIds: string[]
  /** IDs of the attached network volumes. */
  networkVolumes: string[]
  /** The endpoint's environment variables (names and values; values may be secret references). */
  env: Record<string, string>
  /** Per-request execution timeout, ms. */
  timeoutMs: number
}

/** Workers of an endpoint by state (RunPod's `WorkerStatus`); `throttled` = waiting for a GPU. */
export interface WorkerSummary {
  running: number
  idle: number
  initializing: number
  throttled: number
  unhealthy: number
  total: number
  /** Workers still running an older endpoint configuration. */
  stale: number
}

/** A network volume as the REST API reports it. */
export interface NetworkVolumeFacts {
  id: string
  name: string
  sizeGb: number
  dataCenter: string
}

/** RunPod's management API (REST v2) for one account: what the setup check reads and fixes. */
export interface EndpointManager {
  /** @throws AppError `runpod_auth`, `runpod_not_found`, `runpod_unavailable`. */
  endpoint(id: string): Promise<EndpointFacts>
  /** @throws like `endpoint`. */
  workers(id: string): Promise<WorkerSummary>
  /** @throws like `endpoint` (`runpod_not_found` for an unknown volume). */
  networkVolume(id: string): Promise<NetworkVolumeFacts>
  /** Sets the endpoint's `workers.max` (keeping `min`); returns the endpoint as it now is. */
  setMaxWorkers(id: string, max: number, min: number): Promise<EndpointFacts>
}
