/**
 * The setup and teardown of a browser test suite, written once: the stack and headless Chromium with one page,
 * started before the calling describe()'s tests and closed after them (Chromium first, then the stack), with
 * the screenshot folder in place. A suite keeps its own variables and receives what was started in `ready`:
 *
 *     let stack: Stack
 *     let page: Page
 *     const errors: string[] = []
 *     browserSuite({ stack: { unconfigured: true }, errors }, (s) => ({ stack, page } = s))
 */
import { mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import type { launchBrowser } from './browser.ts'
import { openTestPage, SHOTS } from './page.ts'
import { openReview, transcribedRecording, type TestBrowser } from './review-page.ts'
import { startStack, type Stack, type StackOptions } from './stack.ts'

/** What a browser suite started: the stack and one Chromium page on it. */
export interface BrowserSuite {
  stack: Stack
  browser: TestBrowser
  page: Page
}

/** A review suite's start: a transcribed recording (`id`) open on the page. */
export interface ReviewSuite extends BrowserSuite {
  id: string
}

/** Options, or a function that makes them when the suite starts (for options that write files). */
type Deferrable<T> = T | (() => T)

export interface BrowserSuiteOptions {
  /** `startStack`'s options. */
  stack?: Deferrable<StackOptions>
  /** `launchBrowser`'s options (a fake microphone and what it plays). */
  browser?: Deferrable<NonNullable<Parameters<typeof launchBrowser>[1]>>
  /** Receives every uncaught page error (assert it stays empty). */
  errors: string[]
}

/**
 * Starts the stack and a page (`openTestPage`: a step fails after 10 s; page errors go to `errors`) before the
 * calling describe()'s tests, and closes both after them.
 * @param ready called in beforeAll with what was started: assign it to the suite's variables
 */
export function browserSuite(options: BrowserSuiteOptions, ready: (suite: BrowserSuite) => void): void {
  startedAround(async (s) => {
    s.stack = await startStack(made(options.stack ?? {}))
    Object.assign(s, await openTestPage(options.errors, made(options.browser ?? {})))
  }, ready)
}

/**
 * As `browserSuite` (default stack: the demo's, `SCRIBE_DEMO=1`), with the interview transcribed in English
 * (`transcribedRecording`) and open for review at 1280 × 900 (`openReview`) before the first test.
 * @param ready called in beforeAll with what was started, the recording's id with it
 */
export function reviewSuite(options: Omit<BrowserSuiteOptions, 'browser'>, ready: (suite: ReviewSuite) => void): void {
  startedAround<ReviewSuite>(async (s) => {
    s.stack = await startStack(made(options.stack ?? { env: { SCRIBE_DEMO: '1' } }))
    s.id = await transcribedRecording(s.stack)
    Object.assign(s, await openReview(s.stack, s.id, options.errors))
  }, ready)
}

function made<T extends object>(options: Deferrable<T>): T {
  return typeof options === 'function' ? options() : options
}

/** beforeAll: `start` fills the suite in (what it started before a failure is still closed), then `ready`. */
function startedAround<S extends BrowserSuite>(start: (suite: Partial<S>) => Promise<void>, ready: (suite: S) => void): void {
  const suite: Partial<S> = {}
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    await start(suite)
    ready(suite as S)
  })
  afterAll(async () => {
    await suite.browser?.close()
    await suite.stack?.close()
  })
}
