/**
 * The emulator's fault switches: HTTP errors and dropped connections on the queue routes, and the ways the next
 * job can end (`nextJob`), each one a failure real RunPod or a real worker shows. Sources are named per case;
 * where RunPod's answer is not documented the choice is marked ASSUMPTION.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EndpointSettings } from './endpoint.ts'
import { RUN_PAYLOAD_LIMIT_BYTES, type JobStatus } from './jobs.ts'
import { RaisedException, validateHubInput } from './worker.ts'

/** A queue route (`run`, `status`, …) or `any`. */
export type FaultRoute = 'run' | 'status' | 'cancel' | 'health' | 'retry' | 'any'

/**
 * How `faults.nextJob` ends the next submitted job. The worker still validates the input and fetches the audio
 * (natural failures win); then, after `executionMs`:
 * - `fail-string`: FAILED, `error` = a plain string (the handler returned `{"error": "CUDA out of memory…"}`);
 * - `fail-json`: FAILED, `error` = runpod-python's JSON-encoded raised exception;
 * - `fail-list`: the handler returns kodxana's validator list (kodxana/whisperx-worker `rp_schema.py`), surfaced per `listError`;
 * - `timed-out`: TIMED_OUT; `cancelled-outside`: CANCELLED at half of `executionMs`, without a /cancel call;
 * - `completed-no-output`: COMPLETED without `output` (github.com/runpod/runpod-python issue #309);
 * - `invalid-output`: COMPLETED with an output that is not WhisperX-shaped (default `{segments: 'oops'}`);
 * - `progress`: IN_PROGRESS carries `output: {stage: 'transcribing', percent}` updates, then the real output;
 * - `nan-output`: COMPLETED; the output's word scores and one segment start are NaN, which `/status` writes as
 *   bare `NaN` tokens (runpod-python posts `json.dumps` with NaN allowed; ASSUMPTION: RunPod passes them on);
 * - `oversize-output`: the worker's result exceeds the /run payload limit ({@link RUN_PAYLOAD_LIMIT_BYTES}):
 *   COMPLETED without `output` (ASSUMPTION, unconfirmed: like runpod-python #309, a result RunPod cannot take
 *   leaves a COMPLETED job with no output); the result file on the volume is written as usual;
 * - `segments-omitted`: the output leaves `segments` out with `segments_omitted: true`, as the worker does for a
 *   result over 9 MB; the full result is in the result file on the volume.
 */
export type NextJobOutcome =
  | 'fail-string'
  | 'fail-json'
  | 'fail-list'
  | 'timed-out'
  | 'cancelled-outside'
  | 'completed-no-output'
  | 'invalid-output'
  | 'progress'
  | 'nan-output'
  | 'oversize-output'
  | 'segments-omitted'

export interface NextJobFault {
  outcome: NextJobOutcome
  /** fail-string / fail-json: the message (default: a CUDA out-of-memory message). */
  message?: string
  /** fail-list: the list (default: the hub validator's errors for the job's input, or a type error). */
  errors?: string[]
  /** invalid-output: the output (default `{segments: 'oops'}`). */
  output?: unknown
  /** progress: number of updates before the final output (default 4). */
  progressSteps?: number
  /**
   * progress: deliver the updates out of order (each pair after the first swapped: 0, 50, 25, 75 %).
   * runpod-python's `progress_update` posts from a daemon thread per call (`rp_progress.py`), so a later update
   * can land before an earlier one. ASSUMPTION: how often that happens on RunPod is not documented.
   */
  progressOutOfOrder?: boolean
  /** progress: these updates, evenly spread over `executionMs`, instead of `transcribing` percentages. */
  progressUpdates?: { stage: string; percent: number }[]
}

export interface FaultControl {
  /** The next `times` (default 1) requests to `route` answer `status` with `body` (default a JSON error). */
  httpError(f: {
    route: FaultRoute
    status: 401 | 404 | 429 | 500 | 502 | 503
    times?: number
    retryAfterSeconds?: number
    body?: string
  }): void
  /** The next `times` requests to `route` get their socket destroyed without an answer. */
  dropConnection(f: { route: FaultRoute; times: number }): void
  /** The next submitted job ends the way `f.outcome` says (calls queue: one per submission, in order). */
  nextJob(f: NextJobFault): void
  /** Changes the delays of phases that start from now on (ms). */
  setDelays(d: { queueDelayMs?: number; executionMs?: number }): void
  /**
   * Makes a finished job's result expire now, as if `resultRetentionMs` had passed: `/status` → 404.
   * @throws Error for an unknown, already expired or unfinished job.
   */
  expireResult(jobId: string): void
  /** Drops all pending httpError / dropConnection / nextJob faults. */
  clear(): void
  /** Changes the endpoint's settings as the console (or RunPod's idle scale-down) would; queued jobs start if they now can. */
  setEndpoint(s: Partial<EndpointSettings>): void
  /** Makes GPUs (un)available; queued jobs start once they are. */
  setGpuAvailability(a: 'available' | 'none'): void
}

/** A message of PyTorch's CUDA out-of-memory error, the commonest GPU failure. */
export const CUDA_OOM =
  'CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity; 21.12 GiB already allocated; ' +
  '1.19 GiB free; 21.50 GiB reserved in total by PyTorch)'

interface HttpFault {
  route: FaultRoute
  status: number
  remaining: number
  retryAfterSeconds?: number
  body?: string
}

/** The `httpError` and `dropConnection` switches, applied before a request reaches the queue API. */
export class RouteFaults {
  private readonly httpFaults: HttpFault[] = []
  private readonly dropFaults: { route: FaultRoute; remaining: number }[] = []

  httpError(f: Parameters<FaultControl['httpError']>[0]): void {
    this.httpFaults.push({ route: f.route, status: f.status, remaining: f.times ?? 1, retryAfterSeconds: f.retryAfterSeconds, body: f.body })
  }

  dropConnection(f: { route: FaultRoute; times: number }): void {
    this.dropFaults.push({ route: f.route, remaining: f.times })
  }

  clear(): void {
    this.httpFaults.length = 0
    this.dropFaults.length = 0
  }

  /**
   * Applies a pending fault of `route` to the request: destroys its socket, or answers the fault's status after
   * reading the body. ASSUMPTION: RunPod's error bodies are not documented; the default is `{"error": "<message>"}`.
   * @returns true when a fault took the request.
   */
  intercept(route: string, req: IncomingMessage, res: ServerResponse): boolean {
    const hits = (f: { route: FaultRoute; remaining: number }) => f.remaining > 0 && (f.route === 'any' || f.route === route)
    const drop = this.dropFaults.find(hits)
    if (drop) {
      drop.remaining -= 1
      req.socket.destroy()
      return true
    }
    const fault = this.httpFaults.find(hits)
    if (!fault) return false
    fault.remaining -= 1
    const body = fault.body ?? JSON.stringify({ error: defaultErrorMessage(fault.status) })
    const headers: Record<string, string | number> = {
      'content-type': fault.body === undefined ? 'application/json' : 'text/plain; charset=utf-8',
    }
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = fault.retryAfterSeconds
    req.resume()
    req.on('end', () => {
      res.writeHead(fault.status, headers)
      res.end(body)
    })
    return true
  }
}

function defaultErrorMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized'
    case 404:
      return 'Not found'
    case 429:
      return 'Too many requests'
    case 502:
      return 'Bad gateway'
    case 503:
      return 'Service unavailable'
    default:
      return 'Internal server error'
  }
}

/** What a job's ending can do; the emulated worker implements it over the job queue. */
export interface JobEnding {
  /** Runs `fn` after `ms` unless the run ended meanwhile. */
  after(ms: number, fn: () => void): void
  finish(status: JobStatus, fields: { output?: unknown; error?: unknown }): void
  /** The handler returned `{"error": value}`. */
  returnedError(value: string | string[]): void
  /** The handler raised `err`. */
  raised(err: RaisedException): void
  /** A progress update: runpod-python's `progress_update(job, x)` posts `{status: IN_PROGRESS, output: x}`. */
  progress(output: unknown): void
}

/** Outcomes after which the handler wrote no result file on the volume (it failed or was stopped). */
const NO_RESULT_FILE: readonly NextJobOutcome[] = ['fail-string', 'fail-json', 'fail-list', 'timed-out', 'cancelled-outside', 'invalid-output']

/** Whether a handler that ran up to its output writes the full result beside the audio under `fault`. */
export function writesResultFile(fault: NextJobFault | null): boolean {
  return fault === null || !NO_RESULT_FILE.includes(fault.outcome)
}

/**
 * Ends a job whose handler produced `output`, `executionMs` later, the way `fault` says (no fault: COMPLETED
 * with the output).
 * @param input - the job's input (the default validator list of `fail-list` is computed from it).
 */
export function endJob(fault: NextJobFault | null, output: unknown, input: Record<string, unknown>, executionMs: number, end: JobEnding): void {
  const exec = executionMs
  switch (fault?.outcome) {
    case 'fail-string':
      return end.after(exec, () => end.returnedError(fault.message ?? CUDA_OOM))
    case 'fail-json':
      return end.after(exec, () =>
        end.raised(new RaisedException('torch.OutOfMemoryError', fault.message ?? CUDA_OOM, 'result = model.transcribe(audio, batch_size=batch_size)')),
      )
    case 'fail-list':
      return end.after(exec, () => end.returnedError(fault.errors ?? defaultListErrors(input)))
    case 'timed-out':
      return end.after(exec, () => end.finish('TIMED_OUT', {}))
    case 'cancelled-outside':
      return end.after(Math.max(1, Math.floor(exec / 2)), () => end.finish('CANCELLED', {}))
    case 'completed-no-output':
      // The result post failed; the client sees COMPLETED without output (runpod-python issue #309).
      return end.after(exec, () => end.finish('COMPLETED', {}))
    case 'invalid-output':
      return end.after(exec, () => end.finish('COMPLETED', { output: fault.output ?? { segments: 'oops' } }))
    case 'progress': {
      // Progress updates show as the job's output while IN_PROGRESS (runpod-python `rp_progress.py`).
      const scripted = fault.progressUpdates
      const steps = scripted ? scripted.length : Math.max(1, fault.progressSteps ?? 4)
      const order = Array.from({ length: steps }, (_, i) => i)
      if (fault.progressOutOfOrder) for (let i = 1; i + 1 < steps; i += 2) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!]
      for (let slot = 0; slot < steps; slot++) {
        const i = order[slot]!
        end.after(Math.floor((exec * slot) / steps), () =>
          end.progress(scripted ? scripted[i] : { stage: 'transcribing', percent: Math.round((100 * i) / steps) }),
        )
      }
      return end.after(exec, () => end.finish('COMPLETED', { output }))
    }
    case 'nan-output':
      return end.after(exec, () => end.finish('COMPLETED', { output: withNaN(output) }))
    case 'oversize-output': {
      const big = { ...(output as object), padding: 'x'.repeat(RUN_PAYLOAD_LIMIT_BYTES + 1) }
      return end.after(exec, () => end.finish('COMPLETED', { output: big }))
    }
    case 'segments-omitted': {
      const { segments: _omitted, ...rest } = output as { segments?: unknown }
      return end.after(exec, () => end.finish('COMPLETED', { output: { ...rest, segments_omitted: true } }))
    }
    default:
      return end.after(exec, () => end.finish('COMPLETED', { output }))
  }
}

/** A copy of a WhisperX output whose word scores and first segment start are NaN (WhisperX's unaligned values). */
function withNaN(output: unknown): unknown {
  const copy = structuredClone(output) as { segments?: { start: number; words?: { score?: number }[] }[] }
  copy.segments?.forEach((seg, i) => {
    if (i === 0) seg.start = Number.NaN
    for (const w of seg.words ?? []) if (w.score !== undefined) w.score = Number.NaN
  })
  return copy
}

/** kodxana's validator errors for the job's input, or a type error when the input passes. */
function defaultListErrors(input: Record<string, unknown>): string[] {
  const v = validateHubInput(input)
  return 'errors' in v ? v.errors : ["batch_size should be <class 'int'> type, not <class 'str'>."]
}
