/**
 * The page runs in a browser: its type check (static/tsconfig.json) must see the browser's globals only. Node's
 * (`process`, `Buffer`, `require`, a `setTimeout` that returns a Timeout) would come back with @types/node as soon
 * as the page took a type from a server module that imports Node, so the page's types come from `src/domain`
 * (`domain/api.ts` for the HTTP API), and this checks what the type checker loads.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

describe("the page's type check", () => {
  it('loads no Node types, only the page, the domain modules it takes types from, zod and wavesurfer', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const files = execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'static', 'tsconfig.json'), '--listFilesOnly'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => path.relative(ROOT, f))
    expect(files.some((f) => f.startsWith('static/'))).toBe(true)
    const outside = files.filter((f) => !/^(static\/|src\/domain\/|node_modules\/(typescript\/lib|zod|wavesurfer\.js)\/)/.test(f))
    expect(outside).toEqual([])
  })
})
