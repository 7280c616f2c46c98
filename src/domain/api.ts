/**
 * The panel's HTTP API as the page reads it: what the routes answer and what the event stream sends, and the
 * body of a transcription request. Types and one zod schema only, importing nothing but the domain: the page's
 * type check (`static/tsconfig.json`, browser libraries only, no Node) imports these, so the page and the server
 * cannot drift apart, and the routes and services that build the answers are checked against the same shapes.
 */
import { z } from 'zod'
import type { ErrorInfo } from './errors.ts'
import type { LiveSegment, LiveStatus } from './live-text.ts'
import type { Note, NoteHit } from './notes.ts'
import type { AudioReferenceMode, JobOptions, Recording } from './recording.ts'
import type { SpeechMethod } from './speech-map.ts'
import type { SegmentHit } from './store.ts'
import type { Transcript } from './transcript.ts'
import type { WorkerKind } from './worker-contract.ts'

// ---------- recordings ----------

/**
 * A library entry as `GET /api/recordings` lists it: the recording plus its language, speakers, time and estimated
 * cost. Cost is GPU execution time × the configured price (RunPod bills worker time; queue time is shown, not priced).
 */
export interface LibraryItem extends Recording {
  /** The current transcript's language, or null. */
  language: string | null
  /** Names of the speakers with kept segments. */
  speakers: string[]
  /** A transcription was asked for and waits for its upload or a free job slot. */
  pendingSubmit: boolean
  /** `YYYY-MM-DD` or an ISO 8601 instant; null when unknown. */
  recordedAt: string | null
  /** seconds, and US dollars */
  cost: { queueSeconds: number; gpuSeconds: number; estimatedUsd: number }
}

/** `GET /api/recordings/:id` and its PATCH: the library entry with what its last job was asked for and reported. */
export interface RecordingDetail extends LibraryItem {
  jobOptions: JobOptions | null
  /** The worker's last progress update (`{stage, percent}`), if any. */
  jobProgress: unknown
}

/** One search hit inside a recording's transcript: the segment, its start (seconds) and the text around the match. */
export type SearchMatch = Pick<SegmentHit, 'segmentId' | 'start' | 'snippet'>

/** A search hit in one of the recording's notes: the note, its title and the text around the match. */
export type NoteMatch = Pick<NoteHit, 'noteId' | 'title' | 'snippet'>

/** The library's totals: recordings, seconds of audio, GPU seconds and their estimated cost in US dollars. */
export interface LibraryTotals {
  count: number
  duration: number
  gpuSeconds: number
  estimatedUsd: number
}

/** `GET /api/recordings[?q=]`: the entries (search hits with their `matches`) and the totals of the whole library. */
export interface LibraryResponse {
  recordings: (LibraryItem & { matches?: SearchMatch[]; noteMatches?: NoteMatch[] })[]
  totals: LibraryTotals
}

/** `PUT /api/recordings` (and a finished live recording): the new recording, and an earlier one with the same bytes. */
export type UploadedRecording = Recording & { duplicateOf: string | null }

/** Body of `POST /api/recordings/:id/transcribe` (all optional). */
export const JobOptionsSchema = z
  .object({
    /** `auto`, null or absent = detect; else an ISO 639-1 code such as `ru` or `en`. */
    language: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(auto|[a-z]{2,3})$/, 'language must be "auto" or a language code such as "ru" or "en"')
      .nullish(),
    diarize: z.boolean().default(true),
    minSpeakers: z.number().int().min(1).max(20).nullish(),
    maxSpeakers: z.number().int().min(1).max(20).nullish(),
    model: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._/-]{1,100}$/, 'model must be a model name such as "large-v3"')
      .nullish(),
    /** Whisper's initial prompt: names and jargon. Whisper reads at most 224 tokens of it; 1000 characters is ample. */
    initialPrompt: z.string().trim().max(1000).nullish(),
    batchSize: z.number().int().min(1).max(256).nullish(),
  })
  .strict()
  .refine((o) => o.minSpeakers == null || o.maxSpeakers == null || o.minSpeakers <= o.maxSpeakers, {
    message: 'minSpeakers cannot be larger than maxSpeakers',
  })

/** What `POST …/transcribe` accepts (every field optional). */
export type JobOptionsInput = z.input<typeof JobOptionsSchema>

// ---------- transcripts ----------

/** What the transcript routes answer: the document plus where it stands in its history. */
export interface TranscriptView {
  transcript: Transcript
  /** Revision, for `PATCH {version}` conflict checks. */
  version: number
  /** The transcript version shown (see `GET …/versions`). */
  transcriptVersion: number
  undoable: number
  redoable: number
  /** Display name of every speaker id the transcript uses (domain speakerNames()): the page shows these. */
  speakerNames: Record<string, string>
  /** Names the user gave speakers (not the default "Speaker N"), in list order: what a new version carried over. */
  givenNames: string[]
  /** What segments without a speaker are called. */
  unknownSpeakerName: string
  /** The id an `addSpeaker` edit should use for a speaker the user adds now. */
  newSpeakerId: string
}

/** What an edit, undo or redo says about itself besides the transcript. */
export interface TranscriptStepFacts {
  /** Undo and redo: what kind of step was taken back or put back ("edit", "new transcript", …). */
  step?: string
  /** An edit with `replaceText` ops: how many places they changed. */
  replaced?: number
}

/**
 * The answer of `GET/PATCH …/transcript`, the undo and redo POSTs and a version restore: the transcript's fields
 * (language, duration, speakers, segments) beside its revision, history counts and speaker names.
 */
export type TranscriptResponse = Transcript & Omit<TranscriptView, 'transcript'> & TranscriptStepFacts

/** One line of `GET /api/recordings/:id/versions`. */
export interface VersionView {
  version: number
  createdAt: string
  updatedAt: string
  jobId: string
  current: boolean
  /** Edits in effect on this version. */
  edits: number
  /** Speakers given a name other than the default "Speaker N". */
  renamedSpeakers: number
  speakers: string[]
}

/** One export format as `GET /api/exports` lists it for the page's download links. */
export interface ExportFormatInfo {
  /** URL and registry key, e.g. `md`. */
  readonly format: string
  /** The name the page shows on the download link, e.g. `docx`, `MAXQDA`. */
  readonly label: string
  /** File extension without the dot, e.g. `md`. */
  readonly extension: string
  /** True when the timestamps choice changes the file (md, docx, txt); subtitles and QDA keep their own timing. */
  readonly timestamps: boolean
}

/** The answer of `GET /api/exports`. */
export interface ExportsResponse {
  formats: ExportFormatInfo[]
  timestamps: readonly { value: string; label: string }[]
}

// ---------- notes ----------

/** What the Notes tab needs to know before a note is asked for (`GET /api/notes`). */
export interface NotesStatus {
  configured: boolean
  /** Settings to set when not configured. */
  missing: readonly string[]
  /** What to do when not configured; null when configured. */
  message: string | null
  model: string
  contextTokens: number
  emulated: boolean
  templates: { id: string; title: string }[]
}

// ---------- health and setup ----------

/** A reachability check's outcome as `GET /api/health` reports it. */
export type Reachability<Extra = object> = ({ ok: true } & Extra) | { ok: false; error: ErrorInfo }

/** The answer of `GET /api/health` (what the page's banner, badge and Start button read). */
export interface HealthResponse {
  /** Configured, and both the network volume and the endpoint answered. */
  ok: boolean
  demo: boolean
  configured: boolean
  /** Names of required settings that are not set. */
  missing: string[]
  warnings: string[]
  worker: WorkerKind
  audioReference: AudioReferenceMode
  endpointId: string | null
  volumeId: string | null
  s3: Reachability
  /** The endpoint's workers and jobs by state, as RunPod's `/health` counts them. */
  runpod: Reachability<{ workers: Record<string, number>; jobs: Record<string, number> }>
  /** Live text while recording from the microphone: whether it can run (LIVE_TEXT on, RunPod set up), or why not. */
  liveText: { available: boolean; reason: string | null }
  /** Which speech detection runs: the VAD model, or the ffmpeg level fallback with the reason the model did not load. */
  speechDetector: { method: SpeechMethod | 'not-loaded'; detail: string } | null
}

export const SETUP_CHECK_IDS = ['api-key', 'endpoint', 'volume-attached', 'max-workers', 's3', 'worker', 'diarization'] as const
export type SetupCheckId = (typeof SETUP_CHECK_IDS)[number]
export type SetupStatus = 'ok' | 'warn' | 'fail' | 'skipped'

/** What the user can do about a check: the panel applies `auto` fixes itself (`POST /api/setup/fix/:id`); `link` opens RunPod's console. */
export type SetupFix = { kind: 'auto'; label: string } | { kind: 'link'; label: string; url: string }

export interface SetupCheck {
  id: SetupCheckId
  status: SetupStatus
  /** Plain words: what was found and what to do. */
  message: string
  fix: SetupFix | null
}

/** Time and cost of a test job (seconds, USD). */
export interface TestJobReport {
  jobId: string
  /** Upload of the clip to the network volume. */
  uploadSeconds: number
  /** Waiting for a worker (RunPod's delayTime). */
  queueSeconds: number | null
  /** GPU time (RunPod's executionTime). */
  executionSeconds: number | null
  /** From pressing the button to a parsed transcript. */
  totalSeconds: number
  /** executionSeconds × GPU_PRICE_PER_SECOND. */
  costUsd: number | null
  segments: number
  speakers: number
  language: string | null
}

export interface SetupReport {
  checks: SetupCheck[]
  /** Test jobs of the last `check({testJob: true})`: the plain run, and the one with diarization. */
  testJobs: { worker: TestJobReport | null; diarization: TestJobReport | null } | null
  checkedAt: string
}

/** What every setup route answers: the report and the required settings still missing. */
export type SetupAnswer = SetupReport & { missing: string[] }

// ---------- events ----------

/** What `GET /api/events` (server-sent events) sends. */
export type PanelEvent =
  | { type: 'recording'; recording: Recording }
  | { type: 'upload-progress'; id: string; sentBytes: number; totalBytes: number }
  | { type: 'job-progress'; id: string; progress: unknown }
  | { type: 'deleted'; id: string }
  /**
   * A recording's transcript changed (an edit, an undo): open pages refresh speaker names and stale copies.
   * `speechEvidence`: the speech map's judgement completed the stored version without a new revision.
   */
  | { type: 'transcript'; id: string; version: number; speechEvidence?: true }
  /** A note of recording `id` was created or finished (done, failed, stopped). */
  | { type: 'note'; id: string; note: Note }
  /** Text a model streamed for a note; `reset`: a new step (`phase`: a part, combining) starts its text afresh. */
  | { type: 'note-text'; id: string; noteId: string; delta: string; reset: boolean; phase: string }
  | { type: 'note-deleted'; id: string; noteId: string }
  /**
   * A microphone recording's live text changed: `segments` replace the page's copy from index `from` on. A page
   * whose last revision is not `revision - 1` missed one and reloads `GET /api/live/:session`.
   */
  | { type: 'live-text'; sessionId: string; revision: number; from: number; segments: LiveSegment[]; status: LiveStatus }
