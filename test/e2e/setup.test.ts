/**
 * The Setup view (#setup) in headless Chromium: it opens by itself while settings are missing and lists
 * them as .env lines; the header's status dot leads to it; a failing check shows its fix, and the
 * automatic one (max workers) works from the page; the test job shows its time and cost. Screenshots of
 * each state at 1280, 800 and 390 px, checked for layout problems.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { layoutProblems, openTestPage, SHOTS, WIDTHS } from '../support/page.ts'
import { startStack, type Stack } from '../support/stack.ts'

let stack: Stack | null = null
let browser: Awaited<ReturnType<typeof openTestPage>>['browser'] | null = null
const errors: string[] = []

beforeAll(() => mkdirSync(SHOTS, { recursive: true }))
afterEach(async () => {
  await browser?.close()
  await stack?.close()
  browser = null
  stack = null
  expect(errors).toEqual([])
})

async function shoot(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 1000 })
    await page.waitForTimeout(100)
    expect(await layoutProblems(page, ['.setup-message', '.setup-intro', '#setup-status']), `${name} at ${width} px`).toEqual([])
    await page.screenshot({ path: path.join(SHOTS, `setup-${name}-${width}.png`), fullPage: true })
  }
  await page.setViewportSize({ width: 1280, height: 1000 })
}

const statusOf = (page: Page, id: string) => page.getAttribute(`.setup-check[data-id="${id}"]`, 'class')

describe('Setup view', () => {
  it('opens by itself while settings are missing and lists them as .env lines; Back returns to the library', async () => {
    stack = await startStack({ unconfigured: true })
    let page: Page
    ;({ browser, page } = await openTestPage(errors))
    await page.goto(stack.url)
    await page.waitForSelector('#setup-view:not([hidden]) .setup-check[data-id="api-key"]')
    expect(page.url()).toMatch(/#setup$/)
    expect(await page.isHidden('main.layout')).toBe(true)
    const env = await page.textContent('.setup-env')
    for (const name of ['RUNPOD_API_KEY=', 'RUNPOD_ENDPOINT_ID=', 'RUNPOD_VOLUME_ID=', 'RUNPOD_S3_ACCESS_KEY=', 'RUNPOD_S3_SECRET_KEY=', 'RUNPOD_DATACENTER=']) expect(env).toContain(name)
    expect(env!.split('RUNPOD_DATACENTER=').length - 1).toBe(1)
    expect(await statusOf(page, 'api-key')).toMatch(/fail/)
    await shoot(page, 'not-configured')
    await page.click('.setup-back')
    await page.waitForSelector('main.layout:not([hidden])')
    expect(await page.isHidden('#setup-view')).toBe(true)
    // Not sent back to Setup on a reload in the same session.
    await page.reload()
    await page.waitForSelector('#config-banner:not([hidden])')
    expect(await page.isHidden('#setup-view')).toBe(true)
  })

  it('shows a failing check with its fix; the max-workers fix works from the page; the test job reports time and cost', async () => {
    stack = await startStack({ emulator: { endpoint: { workersMax: 0 } } })
    let page: Page
    ;({ browser, page } = await openTestPage(errors))
    await page.goto(stack.url)
    await page.waitForSelector('#health.ok, #health.bad')
    expect(await page.isHidden('#setup-view')).toBe(true) // configured: the library comes first
    await page.click('#health')
    await page.waitForSelector('.setup-check[data-id="max-workers"].fail')
    expect(await page.textContent('.setup-check[data-id="max-workers"] .setup-message')).toMatch(/0 max workers/)
    expect(await page.textContent('#setup-status')).toBe('1 problem to fix.')
    await shoot(page, 'max-workers-0')

    await page.click('.setup-check[data-id="max-workers"] button.setup-fix')
    await page.waitForSelector('.setup-check[data-id="max-workers"].ok')
    expect(stack.emulator.endpoint.workersMax).toBe(1)
    expect(await page.textContent('#setup-status')).toMatch(/Fixed/)

    await page.click('#setup-testjob')
    await page.waitForSelector('.setup-check[data-id="diarization"].ok', { timeout: 20_000 })
    expect(await page.textContent('#setup-status')).toBe('Everything works.')
    const table = await page.textContent('#setup-jobs')
    expect(table).toMatch(/Transcription.*\$0\.0\d{3}/)
    expect(table).toMatch(/With speakers/)
    await shoot(page, 'all-ok')
  })

  it('a wrong S3 secret and no HF_TOKEN: each row says what to do, with a link to the console', async () => {
    stack = await startStack({ env: { RUNPOD_S3_SECRET_KEY: 'rps_wrongsecret' }, emulator: { endpoint: { env: {} } } })
    let page: Page
    ;({ browser, page } = await openTestPage(errors))
    await page.goto(`${stack.url}/#setup`)
    await page.waitForSelector('.setup-check[data-id="s3"].fail')
    expect(await statusOf(page, 'diarization')).toMatch(/warn/)
    expect(await page.getAttribute('.setup-check[data-id="s3"] a.setup-fix', 'href')).toMatch(/^https:\/\/console\.runpod\.io\//)
    expect(await page.getAttribute('.setup-check[data-id="s3"] a.setup-fix', 'rel')).toBe('noopener noreferrer')
    await shoot(page, 's3-and-hf-token')
  })

  it('PANEL_PASSWORD: the page asks for the password once, then the panel works', async () => {
    stack = await startStack({ env: { PANEL_PASSWORD: 'correct horse battery' } })
    let page: Page
    ;({ browser, page } = await openTestPage(errors))
    await page.goto(stack.url)
    await page.waitForSelector('form[action="/api/login"]')
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 })
      expect(await layoutProblems(page, ['.login p']), `login at ${width} px`).toEqual([])
      await page.screenshot({ path: path.join(SHOTS, `login-${width}.png`) })
    }
    await page.fill('input[name="password"]', 'wrong')
    await page.click('button[type="submit"]')
    await page.waitForSelector('.login-error')
    await page.fill('input[name="password"]', 'correct horse battery')
    await page.click('button[type="submit"]')
    await page.waitForSelector('#health.ok', { timeout: 15_000 })
    const cookies = await browser!.context.cookies()
    expect(cookies.find((c) => c.name === 'scribe_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    await page.reload()
    await page.waitForSelector('#health.ok')
  })
})
