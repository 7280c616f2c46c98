/**
 * `npm start` as a user runs it: the start script from package.json, on the Node that runs the tests (24 in CI),
 * with no settings. It must start with Node's own type stripping, print no warning (deprecation, experimental or
 * otherwise), and stop cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

describe('npm start', () => {
  let dir = ''
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('runs the TypeScript with plain node, prints no warning, and stops on SIGTERM', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    const [command, ...args] = pkg.scripts.start.split(' ')
    expect(command).toBe('node')
    dir = await mkdtemp(path.join(os.tmpdir(), 'scribe-start-'))
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: dir, PORT: '0', UPLOADS_DIR: path.join(dir, 'uploads'), OUTPUT_DIR: path.join(dir, 'output') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (b: Buffer) => (output += b.toString()))
    child.stderr.on('data', (b: Buffer) => (output += b.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const deadline = Date.now() + 20_000
    while (!/is running on http:\/\/127\.0\.0\.1:\d+/.test(output) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(output).toMatch(/is running on http:\/\/127\.0\.0\.1:\d+/)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output).not.toMatch(/warning/i)
  })
})
