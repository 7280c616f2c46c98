/**
 * The start of most review tests: a fixture recording uploaded and transcribed on the stack, and that recording
 * open in headless Chromium (1280 × 900) with page errors collected.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser } from './browser.ts'
import { FIXTURES, waitForRecording, type Stack } from './stack.ts'

/**
 * Uploads `bytes` (default: the fixture file itself) as `filename`, transcribes it in English and waits until done.
 * @returns the recording id
 */
export async function transcribedRecording(stack: Stack, filename = 'interview.m4a', bytes: Uint8Array = readFileSync(path.join(FIXTURES, filename))): Promise<string> {
  const put = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(filename)}`, { method: 'PUT', body: new Blob([new Uint8Array(bytes)]) })
  const id = ((await put.json()) as { id: string }).id
  await waitForRecording(stack.url, id, (r) => r.status === 'uploaded')
  await fetch(`${stack.url}/api/recordings/${id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"language":"en"}' })
  await waitForRecording(stack.url, id, (r) => r.status === 'done')
  return id
}

/**
 * Opens the page, clicks the recording in the library and waits for its transcript.
 * @param errors receives every uncaught page error (assert it stays empty)
 * @throws Error naming the page errors when the transcript never shows
 */
export async function openReview(stack: Stack, id: string, errors: string[]): Promise<{ browser: Awaited<ReturnType<typeof launchBrowser>>; page: Page }> {
  const browser = await launchBrowser()
  const page = await browser.context.newPage()
  await page.setViewportSize({ width: 1280, height: 900 })
  page.setDefaultTimeout(10_000) // fail on the step that hangs, before vitest's test timeout
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(stack.url)
  await page.click(`#library li[data-id="${id}"]`)
  await page.waitForSelector('#detail .turn').catch((err: unknown) => {
    throw new Error(`${String(err)}; page errors: ${errors.join(' | ')}`)
  })
  return { browser, page }
}
