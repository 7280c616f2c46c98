/**
 * The panel without RunPod settings, in headless Chromium: a dropped recording is kept on this computer and
 * the page says so in one voice (library, detail, banner), Start is off with the reason, and the banner names
 * each missing setting once and points to the Setup view and to `npm run demo`. Screenshots at three widths.
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { dropFiles, layoutProblems, SHOTS, WIDTHS } from '../support/page.ts'
import { FIXTURES, type Stack } from '../support/stack.ts'
import { browserSuite } from '../support/suite.ts'

describe('no settings: no contradictions', () => {
  let stack: Stack
  let page: Page
  const errors: string[] = []
  browserSuite({ stack: { unconfigured: true }, errors }, (s) => ({ stack, page } = s))

  it('says "saved on this computer; not sent" everywhere, from the first moment, with Start off and the reason', async () => {
    // The Setup view opens by itself once per session while settings are missing (test/e2e/setup.test.ts);
    // this test is about the library, so it starts there.
    await page.goto(`${stack.url}/#library`)
    await page.waitForSelector('#config-banner:not([hidden])')
    // Record every status the page shows from the drop on: none may say failed or uploading.
    await page.evaluate(() => {
      const seen = ((window as unknown as { seen: string[] }).seen = [] as string[])
      new MutationObserver(() => {
        const s = document.querySelector('#detail .status-text')?.textContent
        const chip = document.querySelector('#library .chip')?.textContent
        if (s) seen.push(s)
        if (chip) seen.push(chip)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await dropFiles(page, [{ file: path.join(FIXTURES, 'interview.m4a'), mime: 'audio/mp4' }])
    await page.locator('#detail .status-text', { hasText: 'Saved on this computer; not sent: RunPod is not set up.' }).waitFor()
    await page.waitForTimeout(500) // any late event would change it now
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen)
    expect(seen.filter((s) => /fail|upload/i.test(s))).toEqual([])
    expect(await page.locator('#library .chip').textContent()).toBe('on this computer')
    expect(await page.locator('#detail .status-text a').getAttribute('href')).toBe('#setup')

    expect(await page.isDisabled('#detail .start-button')).toBe(true)
    expect(await page.getAttribute('#detail .start-button', 'title')).toMatch(/RunPod is not set up/)
    expect(await page.locator('#detail .start-reason').textContent()).toMatch(/RunPod is not set up/)

    const banner = (await page.locator('#config-banner').textContent())!
    for (const name of ['RUNPOD_API_KEY', 'RUNPOD_ENDPOINT_ID', 'RUNPOD_VOLUME_ID', 'RUNPOD_S3_ACCESS_KEY', 'RUNPOD_S3_SECRET_KEY', 'RUNPOD_DATACENTER'])
      expect(banner.split(name).length - 1, name).toBe(1)
    expect(banner).toContain('npm run demo')
    expect(await page.locator('#config-banner a').getAttribute('href')).toBe('#setup')

    // After a reload the page says the same.
    await page.reload()
    await page.click('#library li')
    await page.locator('#detail .status-text', { hasText: 'Saved on this computer; not sent' }).waitFor()
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 })
      await page.waitForTimeout(100)
      expect(await layoutProblems(page, ['#config-banner', '#detail .status-text', '#detail .start-reason']), `${width} px`).toEqual([])
      await page.screenshot({ path: path.join(SHOTS, `no-settings-${width}.png`) })
    }
    expect(errors).toEqual([])
  })
})
