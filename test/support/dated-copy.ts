/**
 * A copy of a fixture recording with a recording date in its metadata (ffmpeg `-metadata creation_time`, stream
 * copy, no re-encoding), and a scripts folder whose copy of the fixture's `*.script.json` names the copy's sha256,
 * so the emulated worker still knows what is said in it.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FIXTURES } from './stack.ts'

/**
 * @param fixture e.g. `interview.m4a` (with `interview.script.json` beside it)
 * @param creationTime ISO 8601, e.g. `2026-11-20T09:15:00Z`
 * @returns the copy's bytes and a scripts folder for the emulator's `scriptsDir`
 */
export function datedCopy(fixture: string, creationTime: string): { bytes: Buffer; scriptsDir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'scribe-dated-'))
  const out = path.join(dir, fixture)
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(FIXTURES, fixture), '-c', 'copy', '-metadata', `creation_time=${creationTime}`, out])
  const bytes = readFileSync(out)
  const scriptName = fixture.replace(/\.[^.]+$/, '.script.json')
  const script = JSON.parse(readFileSync(path.join(FIXTURES, scriptName), 'utf8')) as { sha256: string }
  script.sha256 = createHash('sha256').update(bytes).digest('hex')
  writeFileSync(path.join(dir, scriptName), JSON.stringify(script))
  return { bytes, scriptsDir: dir }
}
