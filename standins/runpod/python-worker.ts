/**
 * The real worker behind the RunPod emulator: `worker/handler.py` run by `/usr/bin/python3` under RunPod's own
 * Python SDK (runpod-python), with the project's WhisperX stand-in (`worker/tests/fake_whisperx`) first on
 * PYTHONPATH, and a temp folder standing in for the network volume's mount (`SCRIBE_VOLUME_ROOT`).
 *
 * Where `import runpod` fails with Debian's Python, a vendored copy of runpod-python
 * (https://github.com/runpod/runpod-python) in a `shared/vendor/python` folder beside the repository (or beside its
 * parent folder) is put on PYTHONPATH; `findPythonWorker` says so, so a test can print it.
 *
 * The mount is mirrored faithfully in both directions: a worker on RunPod sees an object `<key>` that the panel
 * uploaded through the S3 API as `/runpod-volume/<key>`, and the S3 API serves files the worker wrote there
 * (https://docs.runpod.io/storage/s3-api, "path mapping"). `VolumeMount` copies the job's audio in before the
 * worker takes the job and copies new files out (result-<job>.json) before the job's result is accepted.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'

/** The repository's root (this file is standins/runpod/…). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')

/** Debian's interpreter; the worker's tests and the emulator never use another Python. */
export const SYSTEM_PYTHON = '/usr/bin/python3'

/** Everything needed to start the worker process. */
export interface PythonWorkerSetup {
  python: string
  /** `worker/handler.py` (absolute). */
  handler: string
  /** PYTHONPATH entries, first wins: the WhisperX stand-in, then (only if needed) the vendored SDK. */
  pythonPath: string[]
  /** True when RunPod's SDK comes from the vendored copy beside the repository (not installed for /usr/bin/python3). */
  vendoredSdk: boolean
}

export type PythonWorkerCheck = { ok: true; setup: PythonWorkerSetup } | { ok: false; reason: string }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 30_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stderr: String(stderr) })
    })
  })
}

/**
 * Whether the worker can run on this machine, and how.
 * @param opts.handler - default `worker/handler.py`.
 * @param opts.whisperxStandIn - folder put first on PYTHONPATH; default `worker/tests/fake_whisperx`; null: none.
 * @returns the setup, or the reason it cannot run (no python3, no handler, RunPod's SDK not importable).
 */
export async function findPythonWorker(
  opts: { repoRoot?: string; handler?: string; whisperxStandIn?: string | null } = {},
): Promise<PythonWorkerCheck> {
  const repoRoot = opts.repoRoot ?? REPO_ROOT
  const handler = opts.handler ?? path.join(repoRoot, 'worker', 'handler.py')
  const standIn = opts.whisperxStandIn === undefined ? path.join(repoRoot, 'worker', 'tests', 'fake_whisperx') : opts.whisperxStandIn
  const vendored = findVendoredSdk(repoRoot)
  if (!existsSync(SYSTEM_PYTHON)) return { ok: false, reason: `${SYSTEM_PYTHON} is not installed (apt-get install python3)` }
  if (!existsSync(handler)) return { ok: false, reason: `${path.relative(repoRoot, handler)} does not exist` }
  if (standIn !== null && !existsSync(standIn)) {
    return { ok: false, reason: `the WhisperX stand-in ${path.relative(repoRoot, standIn)} does not exist` }
  }
  const base = standIn === null ? [] : [standIn]
  const importRunpod = (pythonPath: string[]) =>
    run(SYSTEM_PYTHON, ['-c', 'import runpod, runpod.serverless'], { ...process.env, PYTHONPATH: pythonPath.join(path.delimiter) })
  const own = await importRunpod(base)
  if (own.code === 0) return { ok: true, setup: { python: SYSTEM_PYTHON, handler, pythonPath: base, vendoredSdk: false } }
  if (existsSync(vendored)) {
    const withVendor = await importRunpod([...base, vendored])
    if (withVendor.code === 0) {
      return { ok: true, setup: { python: SYSTEM_PYTHON, handler, pythonPath: [...base, vendored], vendoredSdk: true } }
    }
    return { ok: false, reason: `RunPod's SDK does not import even from ${vendored}: ${lastLine(withVendor.stderr)}` }
  }
  return { ok: false, reason: `RunPod's SDK is not installed for ${SYSTEM_PYTHON} (${lastLine(own.stderr)}) and ${vendored} is absent` }
}

/**
 * For tests: the worker's setup, or null after printing plainly why the tests that need it cannot run. With
 * `CI=true` it throws instead, so a CI run never passes without them.
 * @param what - which tests, for the message ("the main flow through worker/handler.py").
 */
export async function pythonWorkerOrExplain(what: string, opts: Parameters<typeof findPythonWorker>[0] = {}): Promise<PythonWorkerSetup | null> {
  const found = await findPythonWorker(opts)
  if (found.ok) {
    if (found.setup.vendoredSdk) {
      console.info(`${what}: RunPod's Python SDK is not installed here; using the vendored copy beside the repository (shared/vendor/python) on PYTHONPATH.`)
    }
    return found.setup
  }
  const message = `COULD NOT RUN ${what}: ${found.reason}.`
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: this is a failure, not a skip)`)
  console.warn(message)
  return null
}

/**
 * `shared/vendor/python` beside the repository (CI: `../shared`), or beside one of its parent folders (a git
 * worktree one level deeper).
 */
function findVendoredSdk(repoRoot: string): string {
  let dir = path.dirname(repoRoot)
  for (let i = 0; i < 3; i++) {
    const candidate = path.join(dir, 'shared', 'vendor', 'python')
    if (existsSync(candidate)) return candidate
    dir = path.dirname(dir)
  }
  return path.resolve(repoRoot, '..', 'shared', 'vendor', 'python')
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? ''
}

/** A running worker process. */
export interface PythonWorkerProcess {
  readonly pid: number
  /** stdout and stderr so far (the last ~200 kB). */
  log(): string
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  /** SIGTERM by PID (runpod-python shuts down gracefully), SIGKILL after 3 s. */
  kill(): Promise<void>
}

/**
 * Starts `python3 worker/handler.py` (no arguments: RunPod's worker loop, as on a real endpoint).
 * @param env - the RUNPOD_* and SCRIBE_* variables; PYTHONPATH comes from `setup`.
 */
export function spawnPythonWorker(setup: PythonWorkerSetup, env: Record<string, string>): PythonWorkerProcess {
  const child: ChildProcess = spawn(setup.python, [setup.handler], {
    cwd: path.dirname(path.dirname(setup.handler)),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, PYTHONPATH: setup.pythonPath.join(path.delimiter), PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error(`could not start ${setup.python} ${setup.handler}`)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000)
    if (process.env.SCRIBE_WORKER_LOG) process.stderr.write(`[worker] ${chunk.toString('utf8')}`)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const pid = child.pid
  return {
    pid,
    log: () => output,
    exited,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      process.kill(pid, 'SIGTERM')
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
      }, 3_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * A folder standing in for `/runpod-volume`, kept in step with the S3 stand-in's bucket (the same volume).
 */
export class VolumeMount {
  /** Local path → mtime (ms) of files this mount wrote or already copied out. */
  private readonly known = new Map<string, number>()

  readonly root: string
  private readonly client: S3Client
  private readonly bucket: string
  constructor(
    root: string,
    client: S3Client,
    bucket: string,
  ) {
    this.root = root
    this.client = client
    this.bucket = bucket
  }

  /** The local path of `/runpod-volume/<key>`, or null when the key would leave the mount. */
  localPath(key: string): string | null {
    const p = path.resolve(this.root, key)
    return p.startsWith(this.root + path.sep) ? p : null
  }

  /**
   * Makes object `key` visible at its path under the mount, as a worker would see it; removes a stale copy
   * when the object is gone.
   * @returns its size in bytes, or null when there is no such object.
   */
  async mirrorIn(key: string): Promise<number | null> {
    const local = this.localPath(key)
    if (local === null) return null
    let bytes: Buffer
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      bytes = out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0)
    } catch (err) {
      const name = (err as { name?: string }).name
      if (name !== 'NoSuchKey' && name !== 'NotFound') throw err
      await rm(local, { force: true })
      this.known.delete(local)
      return null
    }
    await mkdir(path.dirname(local), { recursive: true })
    await writeFile(local, bytes)
    this.known.set(local, (await stat(local)).mtimeMs)
    return bytes.length
  }

  /**
   * Copies files written under the mount since they were last seen (e.g. `result-<job>.json`) into the bucket.
   * @returns the keys copied.
   */
  async mirrorOut(): Promise<string[]> {
    const copied: string[] = []
    for (const file of await walk(this.root)) {
      const mtime = (await stat(file)).mtimeMs
      if (this.known.get(file) === mtime) continue
      const key = path.relative(this.root, file).split(path.sep).join('/')
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: await readFile(file) }))
      this.known.set(file, mtime)
      copied.push(key)
    }
    return copied
  }
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const files: string[] = []
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) files.push(...(await walk(p)))
    else if (e.isFile()) files.push(p)
  }
  return files
}
