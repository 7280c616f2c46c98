/**
 * The microphone recorder's level meter and timer in headless Chromium, fed by Chromium's fake microphone (a
 * beep): the meter moves, redraws at most 10 times a second (a full-speed redraw loop starves audio), and the
 * timer counts; both go away when the recording stops. Screenshots at three widths.
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { layoutProblems, SHOTS, WIDTHS } from '../support/page.ts'
import type { Stack } from '../support/stack.ts'
import { browserSuite } from '../support/suite.ts'

describe('microphone level meter and timer', () => {
  let stack: Stack
  let page: Page
  const errors: string[] = []
  browserSuite({ browser: { fakeMicrophone: true }, errors }, (s) => ({ stack, page } = s))

  it('shows the level at no more than 10 frames a second, and the time recorded', async () => {
    await page.goto(stack.url)
    await page.click('#record-button')
    await page.waitForSelector('#record-meter:not([hidden])')
    await page.waitForFunction(() => Number((document.querySelector('#record-meter') as HTMLElement).dataset.frames) >= 3)
    const sample = () =>
      page.evaluate(() => {
        const m = document.querySelector('#record-meter') as HTMLElement
        return { frames: Number(m.dataset.frames), level: Number(m.getAttribute('aria-valuenow')), at: performance.now() }
      })
    const a = await sample()
    const levels: number[] = []
    for (let i = 0; i < 10; i++) {
      await page.waitForTimeout(200)
      levels.push((await sample()).level)
    }
    const b = await sample()
    const perSecond = ((b.frames - a.frames) * 1000) / (b.at - a.at)
    expect(perSecond).toBeLessThanOrEqual(10.5)
    expect(perSecond).toBeGreaterThan(5) // it does redraw
    expect(Math.max(...levels)).toBeGreaterThan(20) // the fake microphone's beep shows
    expect(await page.locator('#record-timer').textContent()).toMatch(/^0:0[2-9]$/)
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 })
      await page.waitForTimeout(300) // the drawer follows the width change
      // Narrow: the library (with the recorder) is a drawer; it opens by itself while nothing is chosen.
      if (width <= 900 && !(await page.evaluate(() => document.body.classList.contains('drawer-open')))) await page.click('#drawer-button')
      await page.waitForTimeout(300)
      expect(await layoutProblems(page, ['.recorder']), `${width} px`).toEqual([])
      await page.screenshot({ path: path.join(SHOTS, `recorder-meter-${width}.png`) })
    }
    await page.click('#drawer-close')
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.click('#record-button')
    await page.waitForSelector('#record-meter', { state: 'hidden' })
    await page.waitForSelector('#record-timer', { state: 'hidden' })
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 1, undefined, { timeout: 20_000 })
    expect(errors).toEqual([])
  })
})
