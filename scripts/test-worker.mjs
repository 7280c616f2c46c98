#!/usr/bin/env node
// Runs the Python worker's tests (worker/tests, pytest) as part of `npm test`.
//
// Python: env SCRIBE_PYTHON (only that one), else /usr/bin/python3 (Debian's, where the apt packages go), else
// python3 on PATH. Env SCRIBE_WORKER_TESTS names another test folder (this script's own tests use it).
// RunPod's SDK: when `import runpod` fails, RunPod's vendored copy in ../shared/vendor/python (beside this
// repository on the team's machines and in CI) is put on PYTHONPATH, and this script says so.
// Without Python, pytest or a module the tests need, it prints which worker tests did not run and why, and
// exits 1 in CI (env CI=true) so that CI cannot pass without them; elsewhere it exits 0 after that notice.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const testsDir = process.env.SCRIBE_WORKER_TESTS ? resolve(process.env.SCRIBE_WORKER_TESTS) : join(repo, 'worker', 'tests')
// ../shared beside the clone (CI, /work/main); ../../shared from a worktree under /work/wt/<name>
const vendored =
  [resolve(repo, '..', 'shared', 'vendor', 'python'), resolve(repo, '..', '..', 'shared', 'vendor', 'python')].find(
    (dir) => existsSync(join(dir, 'runpod')),
  ) ?? resolve(repo, '..', 'shared', 'vendor', 'python')
const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? '')
const APT =
  'apt-get install python3 python3-pytest python3-jsonschema python3-numpy python3-pandas python3-requests ' +
  'python3-aiohttp (and the rest of RunPod SDK dependencies: see .ci/run)'

/** Runs `python -c code` with `env`; true when it exits 0. */
function pythonOk(python, code, env) {
  const r = spawnSync(python, ['-c', code], { env, stdio: 'ignore' })
  return r.status === 0
}

/** Prints why the worker tests did not run; fails in CI. */
function notRun(reason) {
  const files = existsSync(testsDir) ? readdirSync(testsDir).filter((f) => /^test_.*\.py$/.test(f)) : []
  console.error(`\nWORKER TESTS NOT RUN: ${reason}`)
  console.error(`  Not run: ${files.map((f) => join(testsDir, f)).join(', ') || `${testsDir} (no test files)`}`)
  console.error(`  To run them: ${APT}; then \`npm test\` again.`)
  if (inCi) {
    console.error('  CI=true: failing, because CI must run the worker tests.')
    process.exit(1)
  }
  console.error('  (Not CI: the TypeScript tests above still count; these did not run.)')
  process.exit(0)
}

const candidates = process.env.SCRIBE_PYTHON ? [process.env.SCRIBE_PYTHON] : ['/usr/bin/python3', 'python3']
const python = candidates.find((p) => pythonOk(p, 'import sys; assert sys.version_info >= (3, 10)', process.env))
if (!python) notRun(`no Python 3.10+ found (tried ${candidates.join(', ')})`)

const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }
if (!pythonOk(python, 'import runpod', env)) {
  if (!existsSync(join(vendored, 'runpod'))) {
    notRun(`\`import runpod\` fails with ${python} and there is no vendored copy at ${vendored} (pip install runpod==1.12.0)`)
  }
  env.PYTHONPATH = [vendored, env.PYTHONPATH].filter(Boolean).join(':')
  console.log(`worker tests: \`import runpod\` failed with ${python}; using RunPod's vendored SDK from ${vendored} on PYTHONPATH`)
  if (!pythonOk(python, 'import runpod', env)) {
    const r = spawnSync(python, ['-c', 'import runpod'], { env, encoding: 'utf8' })
    const last = (r.stderr || '').trim().split('\n').pop()
    notRun(`\`import runpod\` still fails with the vendored SDK on PYTHONPATH: ${last}`)
  }
}
const needed = ['pytest', 'jsonschema', 'numpy', 'pandas', 'requests']
const missing = needed.filter((m) => !pythonOk(python, `import ${m}`, env))
if (missing.length) notRun(`${python} lacks the Python modules ${missing.join(', ')}`)
for (const tool of ['ffmpeg', 'ffprobe']) {
  if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0) notRun(`${tool} is not on PATH`)
}

console.log(`worker tests: ${python} -m pytest ${testsDir}`)
const r = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', testsDir], { env, stdio: 'inherit', cwd: repo })
if (r.status === 5) {
  console.error('WORKER TESTS: pytest collected no tests in worker/tests; that is a failure, not a pass.')
  process.exit(1)
}
process.exit(r.status ?? 1)
