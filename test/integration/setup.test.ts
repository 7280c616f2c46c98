/**
 * The setup check over HTTP against the stand-ins: every check passes on a right set-up and fails for
 * its own cause (wrong key, unknown endpoint, volume not attached, volume in another datacenter, 0 max
 * workers, wrong S3 secret, a worker of another contract, no HF_TOKEN), and the max-workers fix works.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { pythonWorkerOrExplain } from '../../standins/runpod/python-worker.ts'
import { startStack, type Stack, type StackOptions } from '../support/stack.ts'

type Check = { id: string; status: string; message: string; fix: null | { kind: string; label: string; url?: string } }
type Report = {
  checks: Check[]
  missing: string[]
  testJobs: null | { worker: null | { totalSeconds: number; executionSeconds: number | null; costUsd: number | null; segments: number }; diarization: null | { speakers: number } }
}

const IDS = ['api-key', 'endpoint', 'volume-attached', 'max-workers', 's3', 'worker', 'diarization']

let stack: Stack | null = null
afterEach(async () => {
  await stack?.close()
  stack = null
})

async function setup(opts: StackOptions = {}, testJob = false): Promise<Report> {
  stack = await startStack(opts)
  return check(testJob)
}

async function check(testJob = false): Promise<Report> {
  const res = testJob
    ? await fetch(`${stack!.url}/api/setup/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ testJob: true }) })
    : await fetch(`${stack!.url}/api/setup`)
  expect(res.status).toBe(200)
  const report = (await res.json()) as Report
  expect(report.checks.map((c) => c.id)).toEqual(IDS)
  return report
}

const byId = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c])) as Record<string, Check>
const statuses = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]))

describe('setup check', () => {
  it('passes every check on a right set-up; the test job reports time and cost', async () => {
    const plain = await setup()
    expect(statuses(plain)).toEqual({ 'api-key': 'ok', endpoint: 'ok', 'volume-attached': 'ok', 'max-workers': 'ok', s3: 'ok', worker: 'skipped', diarization: 'skipped' })
    expect(byId(plain).worker!.message).toMatch(/Run the test job/)

    const full = await check(true)
    expect(statuses(full)).toEqual({ 'api-key': 'ok', endpoint: 'ok', 'volume-attached': 'ok', 'max-workers': 'ok', s3: 'ok', worker: 'ok', diarization: 'ok' })
    const w = full.testJobs!.worker!
    expect(w.segments).toBeGreaterThan(0)
    expect(w.executionSeconds).toBeGreaterThan(0)
    expect(w.costUsd).toBeCloseTo(w.executionSeconds! * 0.00019, 4)
    expect(byId(full).worker!.message).toMatch(/transcribed the test clip .* GPU [\d.]+ s, ≈ \$0\.0\d{3}/)
    expect(full.testJobs!.diarization!.speakers).toBeGreaterThan(0)
    // Two jobs went through /run with the clip as a volume path (RunPod's S3 does not presign), and the clip is gone.
    const jobs = [...stack!.emulator.jobs.values()]
    expect(jobs).toHaveLength(2)
    expect(jobs.map((j) => j.input.diarize)).toEqual([false, true])
    expect(String(jobs[0]!.input.audio)).toMatch(/^\/runpod-volume\/scribe-panel\/setup-check\/[\w-]+\/clip\.m4a$/)
    expect(jobs[0]!.downloadedBytes).toBe(31500)
    // The run's folder is gone from the volume afterwards.
    const deletes = stack!.s3.requests.filter((r) => r.operation === 'DeleteObject' && r.path.includes('setup-check'))
    expect(deletes.length).toBeGreaterThanOrEqual(1) // the clip, and the result files the worker wrote beside it
    expect(deletes.every((d) => d.status === 204)).toBe(true)
    // A later GET repeats the test job's results instead of forgetting them.
    expect(statuses(await check())).toMatchObject({ worker: 'ok', diarization: 'ok' })
  })

  it('wrong API key: api-key fails and names RUNPOD_API_KEY; what depends on it is skipped', async () => {
    const r = byId(await setup({ env: { RUNPOD_API_KEY: 'rpa_WRONG' } }))
    expect(r['api-key']).toMatchObject({ status: 'fail' })
    expect(r['api-key']!.message).toMatch(/RUNPOD_API_KEY/)
    expect(r.endpoint!.status).toBe('skipped')
    expect(r['max-workers']!.status).toBe('skipped')
    expect(r.s3!.status).toBe('ok')
  })

  it('unknown endpoint: endpoint fails and says where to find the ID', async () => {
    const r = byId(await setup({ env: { RUNPOD_ENDPOINT_ID: 'no-such-endpoint' } }))
    expect(r['api-key']!.status).toBe('ok')
    expect(r.endpoint).toMatchObject({ status: 'fail', fix: { kind: 'link' } })
    expect(r.endpoint!.message).toMatch(/no endpoint "no-such-endpoint".*RUNPOD_ENDPOINT_ID/)
    expect(r['volume-attached']!.status).toBe('skipped')
  })

  it('volume not attached: volume-attached fails, and the test job waits until it is fixed', async () => {
    const report = await setup({ emulator: { endpoint: { networkVolumes: [] } } })
    const r = byId(report)
    expect(r['volume-attached']).toMatchObject({ status: 'fail', fix: { kind: 'link' } })
    expect(r['volume-attached']!.message).toMatch(/7z79eg0uur is not attached .* Network Volumes/)
    const full = byId(await check(true))
    expect(full.worker!.status).toBe('skipped')
    expect(full.worker!.message).toMatch(/fix "volume-attached" first/)
  })

  it('volume in another datacenter: volume-attached fails and names both datacenters', async () => {
    const r = byId(await setup({ emulator: { networkVolumes: [{ id: '7z79eg0uur', dataCenter: 'US-KS-2' }] } }))
    expect(r['volume-attached']!.status).toBe('fail')
    expect(r['volume-attached']!.message).toMatch(/is in datacenter US-KS-2, but RUNPOD_DATACENTER is EU-RO-1.*RUNPOD_DATACENTER=US-KS-2/)
  })

  it('endpoint pinned to other datacenters than the volume: volume-attached fails', async () => {
    const r = byId(await setup({ emulator: { endpoint: { dataCenterIds: ['US-TX-3'] } } }))
    expect(r['volume-attached']!.message).toMatch(/only run in US-TX-3/)
  })

  it('0 max workers: max-workers fails with an automatic fix, and the fix raises it through the REST API', async () => {
    const r = byId(await setup({ emulator: { endpoint: { workersMax: 0 } } }))
    expect(r['max-workers']).toMatchObject({ status: 'fail', fix: { kind: 'auto', label: 'Raise max workers to 1' } })
    expect(r['max-workers']!.message).toMatch(/0 max workers.*7 days/)
    const res = await fetch(`${stack!.url}/api/setup/fix/max-workers`, { method: 'POST' })
    expect(res.status).toBe(200)
    const after = byId((await res.json()) as Report)
    expect(after['max-workers']!.status).toBe('ok')
    expect(stack!.emulator.endpoint.workersMax).toBe(1)
    expect(stack!.emulator.requests.filter((q) => q.method === 'PATCH').map((q) => q.path)).toEqual(['/rest/v2/serverless/scribe-test-ep'])
  })

  it('a check without an automatic fix answers 404 to /fix', async () => {
    stack = await startStack()
    const res = await fetch(`${stack.url}/api/setup/fix/s3`, { method: 'POST' })
    expect(res.status).toBe(404)
  })

  it('no free GPU: max-workers warns that the worker is throttled', async () => {
    const report = await setup({ emulator: { gpuAvailability: 'none' } })
    expect(byId(report)['max-workers']!.status).toBe('ok') // nothing queued yet: no worker is waiting
    stack!.emulator.faults.setGpuAvailability('none')
    await fetch(`${stack!.emulator.url}/scribe-test-ep/run`, { method: 'POST', headers: { authorization: 'Bearer rpa_TESTKEY0123456789' }, body: JSON.stringify({ input: { audio: '/runpod-volume/x.m4a' } }) })
    await new Promise((r) => setTimeout(r, 400))
    const r = byId(await check())
    expect(r['max-workers']).toMatchObject({ status: 'warn' })
    expect(r['max-workers']!.message).toMatch(/no GPU .* free/)
  })

  it('wrong S3 secret: s3 fails and names the S3 settings; the test job is not run', async () => {
    const r = byId(await setup({ env: { RUNPOD_S3_SECRET_KEY: 'rps_wrongsecret' } }, true))
    expect(r.s3!.status).toBe('fail')
    expect(r.s3!.message).toMatch(/RUNPOD_S3_SECRET_KEY/)
    expect(r['api-key']!.status).toBe('ok')
    expect(r.worker!.status).toBe('skipped')
    expect(stack!.emulator.jobs.size).toBe(0)
  })

  it('a worker of another contract: the worker check fails and points at RUNPOD_WORKER', async () => {
    // The endpoint runs the Hub worker (kodxana/whisperx-worker); the panel speaks our `whisperx` contract.
    const r = byId(await setup({ emulator: { worker: 'whisperx-hub' } }, true))
    expect(r.worker!.status).toBe('fail')
    expect(r.worker!.message).toMatch(/not the "whisperx" contract RUNPOD_WORKER names/)
    expect(r.diarization!.status).toBe('skipped')
  })

  it('no HF_TOKEN on the endpoint: diarization warns without a test job and fails with one', async () => {
    const plain = byId(await setup({ emulator: { endpoint: { env: {} } } }))
    expect(plain.diarization!.status).toBe('warn')
    expect(plain.diarization!.message).toMatch(/no HF_TOKEN/)
    const r = byId(await check(true))
    expect(r.worker!.status).toBe('ok')
    expect(r.diarization).toMatchObject({ status: 'fail', fix: { kind: 'link' } })
    expect(r.diarization!.message).toMatch(/HF_TOKEN.*pyannote\/speaker-diarization-community-1/)
  })

  it('without settings: names what is missing', async () => {
    const report = await setup({ unconfigured: true })
    expect(report.missing).toContain('RUNPOD_API_KEY')
    const r = byId(report)
    expect(r['api-key']!.status).toBe('fail')
    expect(r.s3!.status).toBe('fail')
    expect(r.s3!.message).toMatch(/RUNPOD_VOLUME_ID/)
  })

  it('refuses a body other than {testJob}', async () => {
    stack = await startStack()
    const res = await fetch(`${stack.url}/api/setup/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ testjob: 1 }) })
    expect(res.status).toBe(400)
  })

  it('npm run check prints the same list in a terminal and exits 1 when a check fails', async () => {
    stack = await startStack({ emulator: { endpoint: { workersMax: 0 } } })
    const root = path.resolve(import.meta.dirname, '..', '..')
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--experimental-strip-types', 'scripts/check.ts', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...stack!.env } }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      )
    const text = await run([])
    expect(text.code).toBe(1)
    const lines = text.stdout.split('\n')
    expect(lines.filter((l) => /^[✓!✗–] /.test(l)).map((l) => l.slice(2).split(/\s+/)[0])).toEqual(IDS)
    expect(text.stdout).toMatch(/✗ max-workers\s+The endpoint has 0 max workers/)
    expect(text.stdout).toMatch(/→ Raise max workers to 1/)
    expect(text.stdout).toMatch(/1 check failed\./)
    stack.emulator.faults.setEndpoint({ workersMax: 2 })
    const json = await run(['--json'])
    expect(json.code).toBe(0)
    expect((JSON.parse(json.stdout) as Report).checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'skipped', 'skipped'])
  })
})

const pythonWorker = await pythonWorkerOrExplain("the setup check's test job through worker/handler.py under RunPod's Python SDK")

describe.skipIf(pythonWorker === null)("setup check's test job through worker/handler.py under RunPod's Python SDK", () => {
  it('passes with the real worker, and fails diarization for its own cause without HF_TOKEN', async () => {
    const ok = byId(await setup({ emulator: { pythonWorker: { setup: pythonWorker! } } }, true))
    expect(ok.worker!.status, ok.worker!.message).toBe('ok')
    expect(ok.diarization!.status, ok.diarization!.message).toBe('ok')
    expect(stack!.s3.requests.filter((r) => r.operation === 'ListObjectsV2' && r.query.includes('setup-check')).length).toBeGreaterThan(0)
    await stack!.close()
    stack = null
    const noToken = byId(await setup({ emulator: { pythonWorker: { setup: pythonWorker! }, endpoint: { env: {} } } }, true))
    expect(noToken.worker!.status, noToken.worker!.message).toBe('ok')
    expect(noToken.diarization!.status).toBe('fail')
    expect(noToken.diarization!.message).toMatch(/HF_TOKEN/)
  }, 120_000)
})
