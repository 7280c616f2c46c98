/**
 * The worker's progress in the page: each `{stage, percent}` update the worker sends (RunPod shows it as the
 * job's output while IN_PROGRESS) becomes a sentence in the status line, at 1280, 800 and 390 px; screenshots
 * go to test-results/. The emulator's TypeScript worker sends scripted updates, so every stage is seen.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../support/browser.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results')

const STAGES = [
  { update: { stage: 'loading', percent: 0 }, text: 'Loading the model on the cloud GPU…' },
  { update: { stage: 'transcribing', percent: 40.4 }, text: 'Transcribing on cloud GPU… 40 %' },
  { update: { stage: 'aligning', percent: 10 }, text: 'Aligning words…' },
  { update: { stage: 'diarizing', percent: 50 }, text: 'Identifying speakers…' },
]

describe('worker progress in the page', () => {
  let stack: Stack
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  let page: Page

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    stack = await startStack({ env: { SCRIBE_DEMO: '1' } })
    browser = await launchBrowser()
    page = await browser.context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('says what the worker is doing, stage by stage, then Done', async () => {
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const res = await fetch(`${stack.url}/api/recordings?filename=interview.m4a`, { method: 'PUT', body: new Blob([new Uint8Array(readFileSync(path.join(FIXTURES, 'interview.m4a')))]) })
    const rec = (await res.json()) as { id: string }
    await waitForRecording(stack.url, rec.id, (r) => r.status === 'uploaded')
    await page.goto(stack.url)
    await page.click(`#library li[data-id="${rec.id}"]`)
    // Each update lasts 1.5 s: long enough to be seen at three widths.
    stack.emulator.faults.setDelays({ executionMs: 1500 * STAGES.length })
    stack.emulator.faults.nextJob({ outcome: 'progress', progressUpdates: STAGES.map((s) => s.update) })
    await page.click('#detail .start-button')
    const status = page.locator('#detail .status-text')
    const widths = [1280, 800, 390]
    for (const [i, { text }] of STAGES.entries()) {
      await status.filter({ hasText: text }).waitFor({ timeout: 15_000 })
      if (i === 1) {
        for (const width of widths) {
          await page.setViewportSize({ width, height: 800 })
          await page.screenshot({ path: path.join(SHOTS, `progress-transcribing-${width}.png`) })
        }
        await page.setViewportSize({ width: 1280, height: 800 })
      }
    }
    await status.filter({ hasText: 'Done ✓' }).waitFor({ timeout: 20_000 })
    // The API has the last update too.
    const r = (await (await fetch(`${stack.url}/api/recordings/${rec.id}`)).json()) as { jobProgress: unknown }
    expect(r.jobProgress).toEqual({ stage: 'diarizing', percent: 50 })
    expect(errors).toEqual([])
  })
})
