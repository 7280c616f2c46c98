/**
 * The Notes tab in headless Chromium on the transcribed interview, against the local OpenAI-compatible stand-in:
 * a "Key points with quotes" note streams in, its quotes found in the transcript are links that play the moment
 * (the audio's currentTime moves there), the stand-in's invented quote is marked as not in the transcript, Stop
 * keeps what was written, and the Markdown export with notes carries the check. Screenshots at 1280, 800 and
 * 390 px go to test-results/. Without LLM settings the tab says what to set.
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { LlmStandIn } from '../../standins/llm/server.ts'
import { SHOTS } from '../support/page.ts'
import type { Stack } from '../support/stack.ts'
import { reviewSuite } from '../support/suite.ts'

describe('Notes tab in Chromium', () => {
  let stack: Stack
  let llm: LlmStandIn
  let page: Page
  let id: string
  const errors: string[] = []
  reviewSuite({ stack: { llm: { chunkDelayMs: 25 }, env: { SCRIBE_DEMO: '1' } }, errors }, (s) => {
    ;({ stack, page, id } = s)
    llm = stack.llm!
  })

  it('writes a note that streams in, links its verified quotes to the audio and marks the invented one', async () => {
    await page.click('#detail .tab-notes')
    await page.waitForSelector('#detail .notes-form')
    expect(await page.locator('#detail .transcript').isVisible()).toBe(false)
    expect(await page.textContent('#detail .notes-emulated')).toContain('Emulated')
    await page.selectOption('#detail .notes-form select', 'key-points')
    await page.click('#detail .notes-form button[type=submit]')

    // Streaming: the text grows while the note is being written.
    await page.waitForFunction(() => (document.querySelector('#detail .note.writing .note-stream')?.textContent ?? '').length > 20)
    const early = (await page.textContent('#detail .note.writing .note-stream'))!.length
    await page.waitForFunction((n) => (document.querySelector('#detail .note.writing .note-stream')?.textContent ?? '').length > n + 40, early)
    await page.screenshot({ path: path.join(SHOTS, 'notes-1-streaming.png') })
    await page.waitForSelector('#detail .note.done', { timeout: 20_000 })

    const verified = page.locator('#detail .note.done .quote.verified')
    expect(await verified.count()).toBe(2)
    const unverified = page.locator('#detail .note.done .quote.unverified')
    expect(await unverified.count()).toBe(1)
    expect(await unverified.textContent()).toContain(llm.inventedQuote)
    expect(await unverified.textContent()).toContain('not in the transcript')
    expect(await page.textContent('#detail .note.done .note-quotes')).toContain('3 quotations checked: 2 found in the transcript (✓, click to play), 1 not found (⚠)')
    expect(await page.textContent('#detail .note.done .note-meta')).toMatch(/scribe-emulated-llm \(emulated\).*tokens/)

    // A verified quote plays the moment it was said: the second one is not at the start of the recording.
    const segmentId = await verified.nth(1).getAttribute('data-segment')
    const t = (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as { segments: { id: string; start: number }[] }
    const start = t.segments.find((s) => s.id === segmentId)!.start
    expect(start).toBeGreaterThan(2)
    await verified.nth(1).click()
    await page.waitForFunction((s) => Math.abs((document.querySelector('#detail audio') as HTMLAudioElement).currentTime - s) < 1.5, start)

    for (const [width, height] of [
      [1280, 900],
      [800, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height })
      await page.locator('#detail .notes-panel').screenshot({ path: path.join(SHOTS, `notes-2-done-${width}.png`) })
      // Nothing of the note runs off the side of a phone screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow).toBeLessThanOrEqual(0)
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    expect(errors).toEqual([])
  })

  it('Stop keeps what was written', async () => {
    llm.chunkDelayMs = 120
    await page.selectOption('#detail .notes-form select', 'summary')
    await page.click('#detail .notes-form button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#detail .note.writing .note-stream')?.textContent ?? '').length > 30)
    await page.click('#detail .note.writing .note-stop')
    await page.waitForSelector('#detail .note.stopped')
    llm.chunkDelayMs = 25
    expect(await page.textContent('#detail .note.stopped .note-partial')).toContain('What was written before it ended')
    expect((await page.textContent('#detail .note.stopped .note-body'))!.length).toBeGreaterThan(20)
    expect(errors).toEqual([])
  })

  it('a dropped stream shows what to do and keeps what was written', async () => {
    llm.failNext('drop')
    await page.selectOption('#detail .notes-form select', 'themes')
    await page.click('#detail .notes-form button[type=submit]')
    await page.waitForSelector('#detail .note.failed')
    expect(await page.textContent('#detail .note.failed .note-error')).toContain('dropped while the model was writing; what it wrote so far is kept. Write the note again.')
    expect(await page.textContent('#detail .note.failed .note-badge')).toBe('failed')
    expect((await page.textContent('#detail .note.failed .note-body'))!.length).toBeGreaterThan(20)
    await page.locator('#detail .note.failed').screenshot({ path: path.join(SHOTS, 'notes-3-failed.png') })
    expect(errors).toEqual([])
  })

  it('exports the transcript with the notes and their check', async () => {
    const href = await page.getAttribute('#detail .notes-export a:first-child', 'href')
    expect(href).toBe(`/api/recordings/${id}/export/md?notes=1`)
    const md = await (await fetch(`${stack.url}${href}`)).text()
    expect(md).toContain('### Key points with quotes')
    expect(md).toContain(`✗ not found in the transcript: "${llm.inventedQuote}"`)
    expect(md).toMatch(/- ✓ \\\[00:00:\d\d\\\] "/)
  })

  it('keeps the notes after a reload, and the transcript tab comes back', async () => {
    await page.reload()
    await page.click(`#library li[data-id="${id}"]`)
    await page.waitForSelector('#detail .turn')
    await page.click('#detail .tab-notes')
    await page.waitForSelector('#detail .note.done')
    expect(await page.locator('#detail .note').count()).toBe(3)
    await page.click('#detail .tab-transcript')
    expect(await page.locator('#detail .transcript').isVisible()).toBe(true)
    expect(await page.locator('#detail .notes-panel').isVisible()).toBe(false)
    // The library search finds words of the notes too.
    await page.fill('#search', 'stand-in')
    await page.waitForSelector(`#library li[data-id="${id}"] .note-snippet`)
    const snippets = await page.locator(`#library li[data-id="${id}"] .note-snippet`).allTextContents()
    expect(snippets.some((t) => /^Note “Key points with quotes”: .*stand/.test(t))).toBe(true)
    expect(errors).toEqual([])
  })
})

describe('Notes tab without LLM settings', () => {
  let page: Page
  const errors: string[] = []
  reviewSuite({ stack: {}, errors }, (s) => ({ page } = s))

  it('says what to set, and offers nothing to write', async () => {
    await page.click('#detail .tab-notes')
    await page.waitForSelector('#detail .notes-setup')
    expect(await page.textContent('#detail .notes-setup')).toContain('set LLM_API_KEY and LLM_MODEL in .env')
    expect(await page.locator('#detail .notes-form').count()).toBe(0)
    expect(errors).toEqual([])
  })
})
