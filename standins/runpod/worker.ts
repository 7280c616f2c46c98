/**
 * The emulated WhisperX workers behind the RunPod emulator: input contracts, audio fetching, and failures in the
 * shapes runpod-python gives them (runpod-python rp_job.py, kodxana/whisperx-worker). No GPU: what was said comes from a
 * `*.script.json` whose sha256 matches the audio (see whisperx-output.ts).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { request } from 'undici'
import { rewriteNonFiniteTokens } from '../../src/domain/python-json.ts'
import { describeInputIssues, WorkerInputSchema, type ResolvedWorkerInput } from '../../src/domain/worker-contract.ts'
import { createTestS3Client, VOLUME_MOUNT_HEADER } from '../s3/server.ts'
import { parseScript, type InterviewScript } from './whisperx-output.ts'

export type WorkerContract = 'whisperx' | 'whisperx-hub'

/** Where `/runpod-volume` comes from: the network volume's S3 API (https://docs.runpod.io/storage/network-volumes: `s3://VOLUME/k` ↔ `/runpod-volume/k`). */
export interface VolumeConfig {
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
}

export const VOLUME_PREFIX = '/runpod-volume/'

/** runpod-python version the emulated workers claim (v1.12.0, https://github.com/runpod/runpod-python). */
export const RUNPOD_PYTHON_VERSION = '1.12.0'

// ------------------------------------------------------------------------------------------------------------
// Failures, as a handler produces them (runpod-python rp_job.py)

/** A Python exception raised out of the handler: runpod-python turns it into a JSON-encoded `error` (runpod-python rp_job.py). */
export class RaisedException extends Error {
  readonly pythonType: string
  readonly frame: string
  /**
   * @param pythonType - qualified Python class name, e.g. `FileNotFoundError`, `requests.exceptions.HTTPError`.
   * @param frame - the handler's source line shown in the fake traceback.
   */
  constructor(
    pythonType: string,
    message: string,
    frame = 'audio_path = fetch_audio(job_input["audio"])',
  ) {
    super(message)
    this.pythonType = pythonType
    this.frame = frame
    this.name = 'RaisedException'
  }
}

/** The handler returned `{"error": value}`: a string (graceful failure) or kodxana's validator list (kodxana/whisperx-worker). */
export class ReturnedError extends Error {
  readonly value: string | string[]
  constructor(value: string | string[]) {
    super(Array.isArray(value) ? value.join(' ') : value)
    this.value = value
    this.name = 'ReturnedError'
  }
}

/**
 * Python's `json.dumps` with default arguments (separators `', '` and `': '`, `ensure_ascii=True`), for the
 * JSON-encoded `error` string runpod-python builds (runpod-python rp_job.py). Numbers are written as JavaScript writes them
 * (Python would print integral floats as `1.0`).
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number')
    return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN'
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`
  }
  return pythonJsonDumps(String(value))
}

/**
 * The `error` string runpod-python sets when a handler raises (runpod-python rp_job.py): `json.dumps` of
 * `{error_type, error_message, error_traceback, hostname, worker_id, runpod_version}`. `error_type` is
 * `str(type(err))`, e.g. `"<class 'FileNotFoundError'>"`; the traceback is a plausible fake.
 */
export function raisedErrorString(err: RaisedException, workerId: string, handlerFile = '/handler.py'): string {
  const traceback =
    'Traceback (most recent call last):\n' +
    `  File "/usr/local/lib/python3.11/site-packages/runpod/serverless/modules/rp_job.py", line 182, in run_job\n` +
    '    handler_return = handler(job)\n' +
    `  File "${handlerFile}", line 57, in handler\n` +
    `    ${err.frame}\n` +
    `${err.pythonType}: ${err.message}\n`
  return pythonJsonDumps({
    error_type: `<class '${err.pythonType}'>`,
    error_message: err.message,
    error_traceback: traceback,
    hostname: `${workerId}-64410b93`,
    worker_id: workerId,
    runpod_version: RUNPOD_PYTHON_VERSION,
  })
}

// ------------------------------------------------------------------------------------------------------------
// Input contracts

/**
 * The `whisperx` contract (this repository's worker; `src/domain/worker-contract.ts`, the same zod schema the
 * panel checks its input with and `worker/contract.schema.json` is generated from), with defaults filled in.
 * Like `worker/handler.py`, a graceful failure names every problem, unknown keys by name.
 * @throws ReturnedError `"INVALID_INPUT: …"` (a string).
 */
export function validateWhisperxInput(input: Record<string, unknown>): ResolvedWorkerInput {
  const r = WorkerInputSchema.safeParse(input)
  if (!r.success) {
    throw new ReturnedError(
      `INVALID_INPUT: ${describeInputIssues(r.error)}. Send only the keys and values of the worker's contract.schema.json.`,
    )
  }
  return r.data
}

type PyType = 'str' | 'int' | 'float' | 'bool' | 'list'

/**
 * kodxana/whisperx-worker `src/rp_schema.py` INPUT_VALIDATIONS, in its order, plus the newer
 * `speaker_verification` / `speaker_samples` inputs its predict.py takes (d4e59b7).
 */
export const HUB_SCHEMA: readonly { key: string; type: PyType; required: boolean; default: unknown }[] = [
  { key: 'audio_file', type: 'str', required: true, default: undefined },
  { key: 'language', type: 'str', required: false, default: null },
  { key: 'language_detection_min_prob', type: 'float', required: false, default: 0 },
  { key: 'language_detection_max_tries', type: 'int', required: false, default: 5 },
  { key: 'initial_prompt', type: 'str', required: false, default: null },
  { key: 'batch_size', type: 'int', required: false, default: 64 },
  { key: 'temperature', type: 'float', required: false, default: 0 },
  { key: 'vad_onset', type: 'float', required: false, default: 0.5 },
  { key: 'vad_offset', type: 'float', required: false, default: 0.363 },
  { key: 'align_output', type: 'bool', required: false, default: false },
  { key: 'diarization', type: 'bool', required: false, default: false },
  { key: 'huggingface_access_token', type: 'str', required: false, default: null },
  { key: 'min_speakers', type: 'int', required: false, default: null },
  { key: 'max_speakers', type: 'int', required: false, default: null },
  { key: 'debug', type: 'bool', required: false, default: false },
  { key: 'speaker_verification', type: 'bool', required: false, default: false },
  { key: 'speaker_samples', type: 'list', required: false, default: [] },
]

/** Python's `type(v)` for a JSON value (integral numbers are `int`, as `json.loads` makes them). */
function pythonTypeOf(v: unknown): string {
  if (typeof v === 'string') return 'str'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (Array.isArray(v)) return 'list'
  if (v === null) return 'NoneType'
  return 'dict'
}

/** Python's `isinstance(v, type)` after rp_validator's int → float coercion (bool is an int in Python). */
function pythonIsInstance(v: unknown, type: PyType): boolean {
  const t = pythonTypeOf(v)
  switch (type) {
    case 'int':
      return t === 'int' || t === 'bool'
    case 'float':
      return t === 'int' || t === 'float'
    default:
      return t === type
  }
}

/**
 * runpod-python `rp_validator.validate(input, HUB_SCHEMA)`, as kodxana/whisperx-worker `src/rp_handler.py` calls it: unexpected keys first
 * (`"Unexpected input. {key} is not a valid input option."`), then per schema key in order
 * `"{key} is a required input."` or the default, then `"{key} should be <class 'T'> type, not <class 'U'>."`
 * for non-None values of the wrong type.
 * @returns `{errors}` (a list of strings) or `{validated_input}` with defaults filled in.
 */
export function validateHubInput(
  input: Record<string, unknown>,
): { errors: string[] } | { validated_input: Record<string, unknown> } {
  const errors: string[] = []
  const validated: Record<string, unknown> = { ...input }
  for (const key of Object.keys(input)) {
    if (!HUB_SCHEMA.some((r) => r.key === key)) errors.push(`Unexpected input. ${key} is not a valid input option.`)
  }
  for (const rule of HUB_SCHEMA) {
    if (rule.required && !(rule.key in input)) errors.push(`${rule.key} is a required input.`)
    else if (!(rule.key in input)) validated[rule.key] = rule.default
  }
  for (const rule of HUB_SCHEMA) {
    if (!(rule.key in validated)) continue
    const v = validated[rule.key]
    if (v !== null && !pythonIsInstance(v, rule.type)) {
      errors.push(`${rule.key} should be <class '${rule.type}'> type, not <class '${pythonTypeOf(v)}'>.`)
    }
  }
  return errors.length > 0 ? { errors } : { validated_input: validated }
}

// ------------------------------------------------------------------------------------------------------------
// Audio

export interface FetchOptions {
  volume: VolumeConfig | undefined
  /** Shared client for the volume (created by the emulator). */
  volumeClient: S3Client | undefined
  /** runpod-python ≥ 1.12 refuses private addresses unless RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS=true (runpod-python rp_ssrf.py). */
  allowPrivateDownloadUrls: boolean
  /** 5 GiB in runpod-python (`RUNPOD_MAX_DOWNLOAD_BYTES`, runpod-python rp_ssrf.py). */
  maxDownloadBytes: number
  signal: AbortSignal
  /** Called as bytes arrive. */
  onBytes: (total: number) => void
}

/** Is `host` (from a URL) a literal private/loopback/link-local/CGNAT address or `localhost` (runpod-python rp_ssrf.py)? */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) {
    const [a = 0, b = 0] = h.split('.').map(Number)
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    )
  }
  if (isIP(h) === 6) return h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80')
  return false
}

/**
 * Downloads an http(s) URL the way a worker would (requests + `raise_for_status()`).
 * @returns the bytes.
 * @throws RaisedException `requests.exceptions.HTTPError` ("403 Client Error: Forbidden for url: …"),
 *   `requests.exceptions.ConnectionError`, `runpod.serverless.utils.rp_ssrf.SSRFError` (runpod-python rp_ssrf.py), or
 *   `ValueError` when the file exceeds `maxDownloadBytes`.
 */
export async function downloadUrl(url: string, opts: FetchOptions): Promise<Buffer> {
  const frame = 'audio_path = download_file(job_input["audio"])'
  const parsed = new URL(url)
  if (!opts.allowPrivateDownloadUrls && isPrivateHost(parsed.hostname)) {
    // ASSUMPTION: the exact SSRFError message is not documented (runpod-python `rp_ssrf.py` was read, not run).
    throw new RaisedException(
      'runpod.serverless.utils.rp_ssrf.SSRFError',
      `Refusing to download from non-public address: ${parsed.hostname}`,
      frame,
    )
  }
  let res: Awaited<ReturnType<typeof request>>
  try {
    res = await request(url, { method: 'GET', signal: opts.signal, headersTimeout: 30_000, bodyTimeout: 60_000 })
  } catch (err) {
    if (opts.signal.aborted) throw err
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80')
    throw new RaisedException(
      'requests.exceptions.ConnectionError',
      `HTTPConnectionPool(host='${parsed.hostname}', port=${port}): Max retries exceeded with url: ` +
        `${parsed.pathname}${parsed.search} (Caused by NewConnectionError(${JSON.stringify(String(err))}))`,
      frame,
    )
  }
  if (res.statusCode >= 400) {
    await res.body.dump()
    const kind = res.statusCode >= 500 ? 'Server' : 'Client'
    throw new RaisedException(
      'requests.exceptions.HTTPError',
      `${res.statusCode} ${kind} Error: ${STATUS_CODES[res.statusCode] ?? 'Unknown'} for url: ${url}`,
      frame,
    )
  }
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of res.body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array)
    total += buf.length
    if (total > opts.maxDownloadBytes) {
      res.body.destroy()
      throw new RaisedException('ValueError', `Download exceeds ${opts.maxDownloadBytes} bytes: ${url}`, frame)
    }
    chunks.push(buf)
    opts.onBytes(total)
  }
  return Buffer.concat(chunks)
}

/**
 * Reads `/runpod-volume/<key>` = object `<key>` of the volume attached to the endpoint (https://docs.runpod.io/storage/network-volumes), via the S3 API.
 * @throws RaisedException `FileNotFoundError` ("[Errno 2] No such file or directory: '…'") when there is no
 *   volume, the key escapes the mount, or the object does not exist; `OSError` for other read failures.
 */
export async function readVolumePath(path: string, opts: FetchOptions): Promise<Buffer> {
  const frame = 'with open(job_input["audio"], "rb") as f:'
  const notFound = () =>
    new RaisedException('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'`, frame)
  const key = path.slice(VOLUME_PREFIX.length)
  if (!opts.volume || !opts.volumeClient || key === '' || key.split('/').some((p) => p === '..' || p === '.')) {
    throw notFound()
  }
  try {
    const out = await opts.volumeClient.send(new GetObjectCommand({ Bucket: opts.volume.bucket, Key: key }), {
      abortSignal: opts.signal,
    })
    const bytes = out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0)
    opts.onBytes(bytes.length)
    return bytes
  } catch (err) {
    if (opts.signal.aborted) throw err
    const name = (err as { name?: string }).name
    if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket') throw notFound()
    throw new RaisedException('OSError', `[Errno 5] Input/output error: '${path}'`, frame)
  }
}

/** Creates the S3 client the emulator reads the volume with; its requests carry {@link VOLUME_MOUNT_HEADER}. */
export function createVolumeClient(volume: VolumeConfig): S3Client {
  const client = createTestS3Client(volume)
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { headers?: Record<string, string> }
      if (req.headers) req.headers[VOLUME_MOUNT_HEADER] = '1'
      return next(args)
    },
    { step: 'build', name: 'volumeMountHeader' },
  )
  return client
}

// ------------------------------------------------------------------------------------------------------------
// What was said

/** sha256 of `bytes`, lower-case hex. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * Finds the script for audio with sha256 `sha` among `dir/*.script.json` (read on every call: fixtures may be
 * regenerated while tests run). Files that are not valid scripts are skipped.
 * @returns the script and its file name, or null.
 */
export async function findScript(dir: string, sha: string): Promise<{ script: InterviewScript; file: string } | null> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.script.json')).sort()
  } catch {
    return null
  }
  for (const name of names) {
    try {
      const script = parseScript(JSON.parse(await readFile(join(dir, name), 'utf8')), name)
      if (script.sha256.toLowerCase() === sha) return { script, file: name }
    } catch {
      // not a script: skip
    }
  }
  return null
}

/**
 * Duration of `bytes` in seconds with ffprobe (container duration).
 * @throws Error with ffprobe's first stderr line when the bytes are not audio ffprobe understands.
 */
export async function probeDuration(bytes: Buffer, ffprobe = 'ffprobe'): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'emu-probe-'))
  const file = join(dir, 'audio')
  try {
    await writeFile(file, bytes)
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        ffprobe,
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', file],
        { timeout: 30_000 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(String(stderr).trim().split('\n')[0] || err.message))
          else resolve(String(stdout))
        },
      )
    })
    const seconds = Number.parseFloat(out.trim())
    if (!Number.isFinite(seconds)) throw new Error(`${file}: no duration`)
    return seconds
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------------------------------------------------
// JSON with NaN, as a Python worker posts it

const NON_FINITE_MARK = '\u0000non-finite:'

/** Parses JSON written by Python's `json.dumps`, keeping `NaN` / `Infinity` / `-Infinity` as JavaScript numbers. */
export function parsePythonJson(text: string): unknown {
  const marked = rewriteNonFiniteTokens(text, (t) => JSON.stringify(NON_FINITE_MARK + t))
  return JSON.parse(marked, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(NON_FINITE_MARK) ? Number(v.slice(NON_FINITE_MARK.length)) : v,
  )
}

/** `JSON.stringify` that writes non-finite numbers as Python's bare `NaN` / `Infinity` / `-Infinity` tokens. */
export function stringifyKeepingNonFinite(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? NON_FINITE_MARK + String(v) : v,
  )
  return text.replace(/"\\u0000non-finite:(NaN|Infinity|-Infinity)"/g, '$1')
}
