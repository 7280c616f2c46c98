/**
 * The start of most review tests: a fixture recording uploaded and transcribed on the stack, and that recording
 * open in headless Chromium (1280 × 900) with page errors collected.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import type { Transcript } from '../../src/domain/transcript.ts'
import { launchBrowser } from './browser.ts'
import { FIXTURES, waitForRecording, type Stack } from './stack.ts'

/** Chromium with its context, as `launchBrowser` gives it. */
export type TestBrowser = Awaited<ReturnType<typeof launchBrowser>>

/** `GET /api/recordings/:id/transcript`: the transcript with its revision and version number. */
export type TranscriptAnswer = Transcript & { version: number; transcriptVersion: number }

/** The recording's current transcript as the server has it. */
export async function fetchTranscript(stack: Stack, id: string): Promise<TranscriptAnswer> {
  return (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as TranscriptAnswer
}

/**
 * Polls the server until `predicate` holds for the transcript (the page saves edits as the user goes).
 * @throws Error showing the last transcript's speakers and segments after `timeoutMs` (ms)
 */
export async function waitForTranscript(stack: Stack, id: string, predicate: (t: TranscriptAnswer) => boolean, timeoutMs = 5000): Promise<TranscriptAnswer> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const t = await fetchTranscript(stack, id)
    if (predicate(t)) return t
    if (Date.now() > deadline) {
      const last = { version: t.transcriptVersion, speakers: t.speakers, segments: t.segments.map((s) => [s.id, s.speaker, s.text]) }
      throw new Error(`transcript never matched; last: ${JSON.stringify(last)}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Uploads `bytes` (default: the fixture file itself) as `filename`, transcribes it with `jobOptions` (default: in
 * English) and waits until done.
 * @returns the recording id
 */
export async function transcribedRecording(
  stack: Stack,
  filename = 'interview.m4a',
  bytes: Uint8Array = readFileSync(path.join(FIXTURES, filename)),
  jobOptions: Record<string, unknown> = { language: 'en' },
): Promise<string> {
  const put = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(filename)}`, { method: 'PUT', body: new Blob([new Uint8Array(bytes)]) })
  const id = ((await put.json()) as { id: string }).id
  await waitForRecording(stack.url, id, (r) => r.status === 'uploaded')
  await fetch(`${stack.url}/api/recordings/${id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(jobOptions) })
  await waitForRecording(stack.url, id, (r) => r.status === 'done')
  return id
}

/**
 * Opens the page, clicks the recording in the library and waits for its transcript.
 * @param errors receives every uncaught page error (assert it stays empty)
 * @throws Error naming the page errors when the transcript never shows
 */
export async function openReview(stack: Stack, id: string, errors: string[]): Promise<{ browser: TestBrowser; page: Page }> {
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
