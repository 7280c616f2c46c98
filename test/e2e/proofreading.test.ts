/**
 * Proofreading in headless Chromium: words the aligner scored low are marked and F8 / Shift+F8 walk them; find
 * and replace changes every occurrence in one step that one Undo takes back, keeping word times; copying a
 * selected passage puts "[0:09] Speaker 2: …" lines on the clipboard; the export options (timestamps, the editable
 * "Recorded on" date) reach the downloads. The emulated worker reads a copy of the
 * interview's script that marks three words as misheard (low alignment scores). Screenshots at 1280, 800, 390 px.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { SHOTS } from '../support/page.ts'
import { fetchTranscript } from '../support/review-page.ts'
import { FIXTURES, type Stack } from '../support/stack.ts'
import { reviewSuite } from '../support/suite.ts'

/**
 * A copy of the interview's script in which "joining" (utterance 0, word 5), "Weasels" (1, 0) and "monkeys" (3, 6)
 * come back with low scores.
 * @returns the folder to give the emulator as `scriptsDir`
 */
function misheardScripts(): string {
  const scripts = mkdtempSync(path.join(tmpdir(), 'scribe-scripts-'))
  const script = JSON.parse(readFileSync(path.join(FIXTURES, 'interview.script.json'), 'utf8')) as { utterances: Record<string, unknown>[] }
  script.utterances[0]!.misheard = [5]
  script.utterances[1]!.misheard = [0]
  script.utterances[3]!.misheard = [6]
  writeFileSync(path.join(scripts, 'interview.script.json'), JSON.stringify(script))
  return scripts
}

describe('proofreading in Chromium', () => {
  let stack: Stack
  let page: Page
  let id: string
  const errors: string[] = []
  reviewSuite({ stack: () => ({ env: { SCRIBE_DEMO: '1' }, emulator: { scriptsDir: misheardScripts() } }), errors }, (s) => ({ stack, page, id } = s))
  const transcript = () => fetchTranscript(stack, id)
  /** Screenshots at three widths, each with `focus` (a selector) scrolled into view after the resize. */
  const shoot = async (name: string, focus: string) => {
    for (const width of [1280, 800, 390]) {
      await page.setViewportSize({ width, height: 900 })
      await page.locator(focus).evaluate((e) => e.scrollIntoView({ block: 'center' }))
      await page.screenshot({ path: path.join(SHOTS, `proofreading-${name}-${width}.png`) })
    }
    await page.setViewportSize({ width: 1280, height: 900 })
  }
  const status = () => page.locator('#detail .save-status').innerText()

  it('marks low-score words quietly (never estimated ones) and F8 / Shift+F8 walk them', async () => {
    const marked = await page.locator('#detail .word.uncertain').allInnerTexts()
    expect(marked).toEqual(['joining', 'Weasels', 'monkeys'])
    // "2016" has estimated times (no score of its own): dotted, never "uncertain".
    expect(await page.locator('#detail .word.estimated', { hasText: '2016' }).count()).toBe(1)
    expect(await page.locator('#detail .uncertain-button').innerText()).toBe('3 uncertain words ▸')
    const t = await transcript()
    const weasels = t.segments.flatMap((s) => s.words).find((w) => w.text === 'Weasels')!
    expect(weasels.score).toBeLessThan(0.5)

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('F8')
    await expect.poll(() => page.locator('#detail .word.checking').innerText()).toBe('joining')
    await page.keyboard.press('F8')
    await expect.poll(() => page.locator('#detail .word.checking').innerText()).toBe('Weasels')
    const at = await page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).currentTime)
    expect(at).toBeCloseTo(weasels.start, 1)
    expect(await status()).toContain('Uncertain word 2 of 3: “Weasels”')
    await page.keyboard.press('Shift+F8')
    await expect.poll(() => page.locator('#detail .word.checking').innerText()).toBe('joining')
    // The segment of the word has the keyboard: Enter edits it.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-segment-id'))).toBe('s1')
    expect(errors).toEqual([])
  })

  it('finds and replaces across the transcript in one undoable step, keeping word times, and says how many', async () => {
    const before = await transcript()
    const phones = before.segments.flatMap((s) => s.words).filter((w) => w.text === 'phone')
    expect(phones).toHaveLength(2)
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('Control+Shift+KeyF')
    const bar = page.locator('#detail .replace-bar')
    await bar.waitFor()
    await bar.locator('input[name=find]').fill('PHONE')
    await bar.locator('input[name=replace]').fill('telephone')
    await shoot('1-replace-bar', '#detail .replace-bar')
    await bar.locator('button[type=submit]').click()
    await expect.poll(status).toBe('Replaced 2 × “PHONE” with “telephone”. Undo takes all of them back.')
    const after = await transcript()
    const telephones = after.segments.flatMap((s) => s.words).filter((w) => w.text === 'telephone')
    expect(telephones.map((w) => [w.start, w.end])).toEqual(phones.map((w) => [w.start, w.end]))
    expect(after.segments.find((s) => s.id === 's2')!.text).toBe('Weasels have eaten our telephone system')
    expect(await page.locator('#detail .segment[data-segment-id=s2]').innerText()).toBe('Weasels have eaten our telephone system')

    // Nothing to find: the server's reason is shown, nothing changes.
    await bar.locator('input[name=find]').fill('giraffe')
    await bar.locator('button[type=submit]').click()
    await expect.poll(status).toContain('“giraffe” is not in the transcript')

    // One Undo takes back both replacements.
    await page.click('#detail .undo-button')
    await expect.poll(async () => (await transcript()).segments.filter((s) => s.text.includes('telephone')).length).toBe(0)
    // The page shows it too (the next test copies from the page; under load the redraw can trail the server).
    await expect.poll(() => page.locator('#detail .segment[data-segment-id=s2]').innerText()).toBe('Weasels have eaten our phone system')
    expect(errors).toEqual([])
  })

  it('copies a selected passage with each speaker and time', async () => {
    const copied = await page.evaluate(() => {
      // Select from inside "have" (s2, Speaker 2) to inside "where" (s3, Speaker 1), then copy.
      const word = (seg: string, text: string) =>
        [...document.querySelectorAll(`#detail .segment[data-segment-id="${seg}"] .word`)].find((w) => w.textContent === text)!.firstChild!
      const range = document.createRange()
      range.setStart(word('s2', 'have'), 1)
      range.setEnd(word('s3', 'where'), 2)
      const sel = window.getSelection()!
      sel.removeAllRanges()
      sel.addRange(range)
      const data = new DataTransfer()
      document.querySelector('#detail .transcript')!.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }))
      return data.getData('text/plain')
    })
    // The time is the first selected word's ("have" at 9.x s), not the turn's.
    expect(copied).toBe('[0:09] Speaker 2: have eaten our phone system\n[0:11] Speaker 1: Wow. And where')
    expect(await status()).toContain('Copied with speaker and time')
    expect(errors).toEqual([])
  })

  it('offers timestamps for the exports and an editable "Recorded on" date that the md header shows', async () => {
    const options = page.locator('#detail .export-options')
    expect(await options.locator('input.recorded-on').inputValue()).toBe('') // the fixture has no date in its metadata
    await options.locator('input.recorded-on').fill('2026-11-20')
    await options.locator('input.recorded-on').dispatchEvent('change')
    await expect.poll(status).toContain('Recorded on 2026-11-20')
    expect(((await (await fetch(`${stack.url}/api/recordings/${id}`)).json()) as { recordedAt: string }).recordedAt).toBe('2026-11-20')

    await options.locator('select.timestamps').selectOption('none')
    const href = await page.locator('#detail .exports a[data-format=md]').getAttribute('href')
    expect(href).toBe(`/api/recordings/${id}/export/md?timestamps=none`)
    expect(await page.locator('#detail .exports a[data-format=srt]').getAttribute('href')).toBe(`/api/recordings/${id}/export/srt`)
    const md = await (await fetch(stack.url + href!)).text()
    expect(md.startsWith('# interview\n\n- Recorded on: 20 November 2026\n')).toBe(true)
    expect(md).toContain('**Speaker 1:** Good morning')
    await shoot('2-export-options', '#detail .export-options')
    // The choice is remembered for the next recording opened.
    await page.reload()
    await page.click(`#library li[data-id="${id}"]`)
    await page.waitForSelector('#detail .turn')
    expect(await page.locator('#detail select.timestamps').inputValue()).toBe('none')
    expect(await page.locator('#detail input.recorded-on').inputValue()).toBe('2026-11-20')
    expect(errors).toEqual([])
  })
})
