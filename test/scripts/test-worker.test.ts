/**
 * scripts/test-worker.mjs, the part of `npm test` that runs the Python worker's pytest suite: it must never
 * pass silently. Without Python it says which tests did not run (and fails in CI); a folder where pytest
 * collects nothing (pytest exit 5) and a failing test both fail.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const script = join(import.meta.dirname, '..', '..', 'scripts', 'test-worker.mjs')
const folder = mkdtempSync(join(tmpdir(), 'worker-tests-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

function run(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [script], { env: { ...process.env, CI: '', ...env }, encoding: 'utf8' })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

const pytestHere = spawnSync('/usr/bin/python3', ['-c', 'import pytest, jsonschema'], { stdio: 'ignore' }).status === 0

describe('npm test’s worker step', () => {
  it('says plainly which worker tests did not run without Python, and passes outside CI', () => {
    const r = run({ SCRIBE_PYTHON: '/nonexistent/python3' })
    expect(r.status).toBe(0)
    expect(r.output).toContain('WORKER TESTS NOT RUN: no Python 3.10+ found (tried /nonexistent/python3)')
    expect(r.output).toContain('worker/tests/test_handler.py')
  })

  it('fails in CI without Python', () => {
    const r = run({ SCRIBE_PYTHON: '/nonexistent/python3', CI: 'true' })
    expect(r.status).toBe(1)
    expect(r.output).toContain('CI=true: failing')
  })

  it.skipIf(!pytestHere)('fails when pytest collects no tests (exit 5)', () => {
    const r = run({ SCRIBE_WORKER_TESTS: folder })
    expect(r.status).toBe(1)
    expect(r.output).toContain('collected no tests')
  })

  it.skipIf(!pytestHere)('fails when a worker test fails', () => {
    writeFileSync(join(folder, 'test_fails.py'), 'def test_fails():\n    assert 1 == 2\n')
    const r = run({ SCRIBE_WORKER_TESTS: folder })
    expect(r.status).toBe(1)
    expect(r.output).toContain('1 failed')
  })
})
