/**
 * Library, batches, search, job options, microphone and live status in headless Chromium, on the
 * real fixtures: drop several files at once, transcribe, search a Russian word and open the hit,
 * record from the (fake) microphone, and see the page catch up after the panel restarts.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../support/browser.ts'
import { dropFiles } from '../support/page.ts'
import { FIXTURES, startStack, waitForRecording, type Stack } from '../support/stack.ts'

const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results')

interface ApiRec {
  id: string
  filename: string
  status: string
  duration: number
  job: { id: string } | null
}

describe('library, batches and recording in Chromium', () => {
  let stack: Stack
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  let page: Page
  const list = async () => ((await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: ApiRec[] }).recordings

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    stack = await startStack({ env: { JOB_CONCURRENCY: '1', GPU_PRICE_PER_SECOND: '0.0005' } })
    browser = await launchBrowser(undefined, { fakeMicrophone: true })
    page = await browser.context.newPage()
    await page.goto(stack.url)
  })
  afterAll(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('takes several files at once; each gets its own progress; they queue for one job slot and all finish', async () => {
    await dropFiles(page, [
      { file: path.join(FIXTURES, 'interview.m4a'), mime: 'audio/mp4' },
      { file: path.join(FIXTURES, 'ru-dialogue.m4a'), mime: 'audio/mp4' },
      { file: path.join(FIXTURES, 'not-audio.m4a'), mime: 'audio/mp4' },
    ])
    // The bad file gets its own error; the others are stored.
    await page.locator('#local-uploads .item.error', { hasText: 'not-audio.m4a' }).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 2)
    const recs = await list()
    for (const r of recs) await waitForRecording(stack.url, r.id, (x) => x.status === 'uploaded')

    const ru = recs.find((r) => r.filename === 'ru-dialogue.m4a')!
    const en = recs.find((r) => r.filename === 'interview.m4a')!
    // Start both: with JOB_CONCURRENCY=1 the second waits in the panel and says so.
    await page.click(`#library li[data-id="${en.id}"]`)
    await page.click('#detail .start-button')
    await page.click(`#library li[data-id="${ru.id}"]`)
    await page.selectOption('#detail select[name=language]', 'ru')
    await page.click('#detail details.advanced summary')
    await page.fill('#detail input[name=initialPrompt]', 'Расшифровка, интервью')
    await page.click('#detail .start-button')
    await page.locator('#detail .status-text', { hasText: /Waiting for a free GPU slot|Queued|Transcribing|Done/ }).waitFor()
    await page.locator('#detail .status-text', { hasText: 'Done ✓' }).waitFor({ timeout: 30_000 })
    await waitForRecording(stack.url, en.id, (x) => x.status === 'done')
    const ruJob = (await list()).find((r) => r.id === ru.id)!.job!
    expect(stack.emulator.jobs.get(ruJob.id)!.input).toMatchObject({ language: 'ru', initial_prompt: 'Расшифровка, интервью' })
    // Library facts: language, speakers and cost; totals under the list.
    await page.locator(`#library li[data-id="${ru.id}"] .facts`, { hasText: /GPU .* s/ }).waitFor()
    expect(await page.locator(`#library li[data-id="${ru.id}"] .facts`).textContent()).toMatch(/Russian.*Speaker 1, Speaker 2.*≈ \$/)
    expect(await page.locator('#library-totals').textContent()).toMatch(/2 recordings · 0:54 of audio · GPU \d+ s/)
    await page.screenshot({ path: path.join(SHOTS, 'library-1-batch.png'), fullPage: true })
  })

  it('searches transcript text (Cyrillic), marks the words, and opens the recording at the match', async () => {
    await page.click('#library li:last-child') // any other recording first
    await page.fill('#search', 'расшифровка')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 1 && document.querySelector('#library mark'))
    expect(await page.locator('#library mark').first().textContent()).toBe('Расшифровка')
    await page.screenshot({ path: path.join(SHOTS, 'library-2-search.png'), fullPage: true })
    await page.click('#library .snippet')
    await page.waitForSelector('#detail .segment.search-hit')
    const hit = await page.locator('#detail .segment.search-hit').textContent()
    expect(hit).toContain('Расшифровка')
    const t = await page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).currentTime)
    expect(t).toBeGreaterThan(8)
    expect(t).toBeLessThan(9.5)
    await page.fill('#search', '')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 2)
  })

  it('records from the microphone in chunks; the recording lands in the library', async () => {
    await page.click('#record-button')
    await page.locator('#record-status', { hasText: /saved [1-9]/ }).waitFor({ timeout: 15_000 })
    await page.waitForTimeout(2500)
    await page.click('#record-button')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 3, undefined, { timeout: 20_000 })
    const rec = (await list()).find((r) => r.filename.startsWith('Recording '))!
    expect(rec.filename).toMatch(/\.webm$/)
    expect(rec.duration).toBeGreaterThan(3)
    // The page opens the new recording once the panel has stored it.
    await page.locator('#detail .title', { hasText: rec.filename }).waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'library-3-recorded.png'), fullPage: true })
  })

  it('catches up after the panel restarts (events reconnect and resend the library)', async () => {
    await stack.stopPanel()
    await stack.restartPanel()
    // Changed while the page was disconnected or just after: the page shows it without a reload.
    const res = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent('after-restart.wav')}`, { method: 'PUT', body: new Blob([new Uint8Array(readFileSync(path.join(FIXTURES, 'tone.wav')))]) })
    expect(res.status).toBe(201)
    await page.locator('#library li', { hasText: 'after-restart.wav' }).waitFor({ timeout: 15_000 })
  })
})
