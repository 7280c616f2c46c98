/**
 * Helpers for browser tests of the page: dropping real files on it, checking that a width has no horizontal
 * scrolling and no text squeezed to one word per line, and screenshots at the three widths people use
 * (a laptop, half a laptop screen beside a word processor, a phone).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser } from './browser.ts'

export const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results')
/** Laptop, half a laptop screen, phone (CSS pixels). */
export const WIDTHS = [1280, 800, 390] as const

/** Drops files on the page the way a user's drag-and-drop does (a DataTransfer of Files on the drop zone). */
export async function dropFiles(page: Page, files: { file: string; mime: string }[]): Promise<void> {
  const payload = files.map(({ file, mime }) => ({ b64: readFileSync(file).toString('base64'), name: path.basename(file), mime }))
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer()
    for (const { b64, name, mime } of items) {
      const bin = atob(b64)
      const bytes = new Uint8Array(bin.length)
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
      dt.items.add(new File([bytes], name, { type: mime }))
    }
    return dt
  }, payload)
  await page.dispatchEvent('#dropzone', 'drop', { dataTransfer })
}

/**
 * What breaks a narrow layout: the page scrolls sideways, a visible element sticks out of the window, or
 * a block of text is so narrow that it reads one word per line.
 * @param textSelectors blocks of text that must be at least `minTextPx` wide where they are visible
 * @returns problems in words (empty when the layout is fine)
 */
export async function layoutProblems(page: Page, textSelectors: string[], minTextPx = 180): Promise<string[]> {
  return page.evaluate(
    ({ textSelectors, minTextPx }) => {
      const problems: string[] = []
      const vw = window.innerWidth
      if (document.documentElement.scrollWidth > vw) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`)
      const name = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}`
      for (const e of document.querySelectorAll('body *')) {
        const r = e.getBoundingClientRect()
        if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue
        if (e.closest('.sidebar') && !document.body.classList.contains('drawer-open') && window.matchMedia('(max-width: 900px)').matches) continue
        if (r.right > vw + 1 || r.left < -1) problems.push(`${name(e)} sticks out: ${Math.round(r.left)}–${Math.round(r.right)} of ${vw}`)
      }
      for (const sel of textSelectors) {
        for (const e of document.querySelectorAll(sel)) {
          const r = e.getBoundingClientRect()
          if (r.width === 0) continue
          // Squeezed: a text of several words laid out about one word per line.
          const words = (e.textContent ?? '').trim().split(/\s+/).filter(Boolean).length
          const lineHeight = parseFloat(getComputedStyle(e).lineHeight) || 1.2 * parseFloat(getComputedStyle(e).fontSize)
          const lines = Math.round(r.height / lineHeight)
          if (words >= 4 && lines >= 0.6 * words) problems.push(`${sel} reads one word per line (${words} words, ${lines} lines)`)
          if (words >= 4 && r.width < minTextPx) problems.push(`${sel} is only ${Math.round(r.width)} px wide`)
        }
      }
      return problems.slice(0, 20)
    },
    { textSelectors, minTextPx },
  )
}

/**
 * Headless Chromium with one page that fails a step after 10 s (before vitest's own timeout) and collects
 * the page's uncaught errors into `errors`.
 */
export async function openTestPage(
  errors: string[],
  options: Parameters<typeof launchBrowser>[1] = {},
): Promise<{ browser: Awaited<ReturnType<typeof launchBrowser>>; page: Page }> {
  const browser = await launchBrowser(undefined, options)
  const page = await browser.context.newPage()
  page.setDefaultTimeout(10_000)
  page.on('pageerror', (e) => errors.push(e.message))
  return { browser, page }
}
