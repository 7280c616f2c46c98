/**
 * Temporary folders of a benchmark run (audio files of up to 1 GB, panel data, the S3 stand-in's
 * objects). Each benchmark removes its folder in a `finally`; folders still present when the process
 * exits (Ctrl-C, a crash) are removed synchronously by the exit handler installed here.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

const live = new Set<string>()
process.on('exit', () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true })
})

/** Creates `<tmpdir>/scribe-bench-<name>-XXXXXX`, removed by `removeTempRoot` or at exit at the latest. */
export function tempRoot(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `scribe-bench-${name}-`))
  live.add(dir)
  return dir
}

/** Removes a folder made by `tempRoot`. */
export async function removeTempRoot(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  live.delete(dir)
}
