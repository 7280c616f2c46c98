/**
 * The page at 1280, 800 and 390 px in headless Chromium: the library as a drawer below 900 px, no sideways
 * scrolling and no text squeezed to a word per line, the sticky player never covering the line you jumped to,
 * nothing of the review before there is a transcript, the legend of the marks, "Unknown speaker" opening the
 * speaker menu, plurals and the favicon. Screenshots of each state go to test-results/.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Transcript } from '../../src/domain/transcript.ts'
import { layoutProblems, SHOTS, WIDTHS } from '../support/page.ts'
import { FIXTURES, waitForRecording, type Stack } from '../support/stack.ts'
import { browserSuite } from '../support/suite.ts'

const TEXT_BLOCKS = ['#detail .detail-head .title', '#detail .status-text', '#detail .save-status', '#detail .legend', '#detail .turn-body', '#detail .filter-summary']

describe('layout at three widths', () => {
  let stack: Stack
  let page: Page
  let done: string // a transcribed recording
  let ready: string // one not transcribed yet
  const errors: string[] = []
  browserSuite({ stack: { env: { SCRIBE_DEMO: '1' } }, errors }, (s) => ({ stack, page } = s))

  const open = async (id: string, width: number, height = 900) => {
    await page.setViewportSize({ width, height })
    await page.goto(`${stack.url}/`)
    if (width <= 900) {
      // Narrow: nothing is open, so the library drawer shows first.
      await page.waitForSelector('body.drawer-open #library li')
    }
    await page.click(`#library li[data-id="${id}"]`)
    await page.waitForFunction(() => document.querySelector('#detail .waveform')?.children.length)
  }

  beforeAll(async () => {
    const put = async (file: string) =>
      ((await (await fetch(`${stack.url}/api/recordings?filename=${file}`, { method: 'PUT', body: readFileSync(path.join(FIXTURES, file)) })).json()) as { id: string }).id
    done = await put('interview.m4a')
    ready = await put('ru-dialogue.m4a')
    await waitForRecording(stack.url, done, (r) => r.status === 'uploaded')
    await waitForRecording(stack.url, ready, (r) => r.status === 'uploaded')
    await fetch(`${stack.url}/api/recordings/${done}/transcribe`, { method: 'POST', body: JSON.stringify({ language: 'en' }), headers: { 'content-type': 'application/json' } })
    await waitForRecording(stack.url, done, (r) => r.status === 'done')
  })

  it('has no sideways scrolling and no one-word-per-line text at 1280, 800 and 390 px', async () => {
    for (const width of WIDTHS) {
      await open(done, width)
      await page.waitForSelector('#detail .turn')
      expect(await layoutProblems(page, TEXT_BLOCKS), `transcript at ${width} px`).toEqual([])
      await page.screenshot({ path: path.join(SHOTS, `layout-done-${width}.png`), fullPage: true })
      await open(ready, width)
      expect(await layoutProblems(page, TEXT_BLOCKS), `ready recording at ${width} px`).toEqual([])
      await page.screenshot({ path: path.join(SHOTS, `layout-ready-${width}.png`) })
    }
    expect(errors).toEqual([])
  })

  it('makes the library a drawer below 900 px, and a column above', async () => {
    await open(done, 1280)
    expect(await page.isVisible('#drawer-button')).toBe(false)
    expect(await page.isVisible('#library')).toBe(true)

    await open(done, 800)
    // Choosing a recording closed the drawer: the recording has the whole width.
    expect(await page.evaluate(() => document.body.classList.contains('drawer-open'))).toBe(false)
    expect(await page.isVisible('#library')).toBe(false)
    const detail = await page.locator('#detail').boundingBox()
    expect(detail!.x).toBe(0)
    expect(detail!.width).toBe(800)
    await page.click('#drawer-button')
    await page.waitForSelector('body.drawer-open')
    expect(await page.isVisible(`#library li[data-id="${ready}"]`)).toBe(true)
    expect(await page.getAttribute('#drawer-button', 'aria-expanded')).toBe('true')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('drawer-close')
    await page.waitForTimeout(300) // the slide-in
    await page.screenshot({ path: path.join(SHOTS, 'layout-drawer-800.png') })
    // Esc closes it; so does a click beside it; choosing a recording opens that recording.
    await page.keyboard.press('Escape')
    await page.waitForSelector('body:not(.drawer-open)')
    await page.click('#drawer-button')
    await page.click('#drawer-close')
    await page.waitForSelector('body:not(.drawer-open)')
    await page.click('#drawer-button')
    await page.mouse.click(790, 500)
    await page.waitForSelector('body:not(.drawer-open)')
    await page.click('#drawer-button')
    await page.click(`#library li[data-id="${ready}"]`)
    await page.waitForSelector('body:not(.drawer-open)')
    await page.locator('#detail .title', { hasText: 'ru-dialogue.m4a' }).waitFor()

    await page.setViewportSize({ width: 390, height: 800 })
    await page.click('#drawer-button')
    await page.waitForSelector('body.drawer-open')
    await page.waitForTimeout(300)
    await page.screenshot({ path: path.join(SHOTS, 'layout-drawer-390.png') })
    const drawer = await page.locator('#sidebar').boundingBox()
    expect(drawer!.width).toBeLessThanOrEqual(390)
    await page.keyboard.press('Escape')
  })

  it('keeps the line you jumped to clear of the sticky player', async () => {
    for (const [width, height] of [[1280, 600], [800, 600], [390, 700]] as const) {
      await open(done, width, height)
      await page.waitForSelector('#detail .turn')
      for (const to of ['0:32', '0:12', '0:36']) {
        await page.keyboard.press('Control+k')
        await page.fill('#detail .goto-input', to)
        await page.press('#detail .goto-input', 'Enter')
        await page.waitForSelector('#detail .segment.playing')
        await page.waitForTimeout(150) // the second placement, two frames later
        const { segTop, playerBottom, segBottom } = await page.evaluate(() => {
          const seg = document.querySelector('#detail .segment.playing')!.getBoundingClientRect()
          const player = document.querySelector('#detail .player')!.getBoundingClientRect()
          return { segTop: seg.top, segBottom: seg.bottom, playerBottom: player.bottom }
        })
        expect(segTop, `${to} at ${width} px`).toBeGreaterThanOrEqual(playerBottom)
        expect(segBottom, `${to} at ${width} px`).toBeLessThanOrEqual(height)
      }
      await page.screenshot({ path: path.join(SHOTS, `layout-goto-${width}.png`) })
    }
  })

  it('shows no speakers, exports, Undo or legend before there is a transcript', async () => {
    await open(ready, 1280)
    await page.locator('#detail .status-text', { hasText: 'Ready to transcribe' }).waitFor()
    for (const sel of ['#detail .review', '#detail .speakers', '#detail .exports', '#detail .undo-button', '#detail .legend', '#detail .follow'])
      expect(await page.isVisible(sel), sel).toBe(false)
    await open(done, 1280)
    await page.waitForSelector('#detail .turn')
    for (const sel of ['#detail .speakers', '#detail .exports', '#detail .undo-button', '#detail .legend', '#detail .follow'])
      expect(await page.isVisible(sel), sel).toBe(true)
  })

  it('explains the marks in a legend, and a click on "Unknown speaker" opens the speaker menu', async () => {
    await open(done, 1280)
    await page.waitForSelector('#detail .turn')
    const legend = await page.locator('#detail .legend').textContent()
    expect(legend).toMatch(/dotted.*time estimated/)
    expect(legend).toMatch(/orange.*hidden/)
    // The marks in the legend look like the marks in the transcript.
    const styles = await page.evaluate(() => {
      const deco = (sel: string) => getComputedStyle(document.querySelector(sel)!).textDecorationStyle
      const border = (sel: string) => getComputedStyle(document.querySelector(sel)!).borderLeftColor
      return { legendDots: deco('#detail .legend-estimated'), wordDots: deco('#detail .word.estimated'), legendOrange: border('#detail .legend-hidden'), hidden: border('#detail .filtered') }
    })
    expect(styles.legendDots).toBe('dotted')
    expect(styles.wordDots).toBe('dotted')
    expect(styles.legendOrange).toBe(styles.hidden)

    const unknown = page.locator('#detail .turn[data-speaker=""] .speaker-name')
    expect(await unknown.textContent()).toBe('Unknown speaker')
    await unknown.click()
    await page.waitForSelector('.segment-menu')
    await page.screenshot({ path: path.join(SHOTS, 'layout-unknown-speaker-menu.png') })
    await page.click('.segment-menu [role=menuitemradio][data-speaker=SPEAKER_00]')
    const deadline = Date.now() + 5000
    let t: Transcript
    do {
      t = (await (await fetch(`${stack.url}/api/recordings/${done}/transcript`)).json()) as Transcript
    } while (t.segments.find((s) => s.id === 's5')!.speaker !== 'SPEAKER_00' && Date.now() < deadline)
    expect(t.segments.find((s) => s.id === 's5')!.speaker).toBe('SPEAKER_00')
    await page.click('#detail .undo-button')
    await page.waitForSelector('#detail .turn[data-speaker=""]')
  })

  it('counts in words that agree ("1 segment hidden"), and has a favicon', async () => {
    const t = (await (await fetch(`${stack.url}/api/recordings/${done}/transcript`)).json()) as Transcript
    const hidden = t.segments.filter((s) => s.filtered)
    expect(hidden.length).toBeGreaterThan(1)
    for (const s of hidden.slice(1)) {
      const res = await fetch(`${stack.url}/api/recordings/${done}/transcript`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ops: [{ op: 'restoreSegment', segmentId: s.id }] }) })
      expect(res.status).toBe(200)
    }
    await open(done, 1280)
    await page.waitForSelector('#detail .turn')
    expect(await page.locator('#detail .filter-summary').textContent()).toMatch(/^1 segment hidden as a likely Whisper hallucination \(shown in orange; you can restore it\)\.$/)

    const href = await page.getAttribute('link[rel=icon]', 'href')
    const icon = await fetch(new URL(href!, stack.url))
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toMatch(/image\/svg\+xml/)
  })
})
