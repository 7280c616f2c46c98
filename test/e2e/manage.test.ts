/**
 * Managing the library and running batches in headless Chromium, on the real fixtures: rename a recording
 * (the file name stays), delete one after a question, filter and sort by status, select several to
 * transcribe or delete, "Transcribe all new" with the batch options, auto-start of dropped files (remembered
 * after a reload), a page that follows changes made elsewhere (titles, speaker names, cost) without a reload,
 * and the Language picker with Whisper's whole list showing the language the job used.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { dropFiles, layoutProblems, SHOTS, WIDTHS } from '../support/page.ts'
import { FIXTURES, waitForRecording, type Stack } from '../support/stack.ts'
import { browserSuite } from '../support/suite.ts'

interface ApiRec {
  id: string
  filename: string
  title: string | null
  status: string
  speakers: string[]
  job: { id: string } | null
}

describe('managing the library in Chromium', () => {
  let stack: Stack
  let page: Page
  const errors: string[] = []
  browserSuite({ stack: { env: { SCRIBE_DEMO: '1', GPU_PRICE_PER_SECOND: '0.0005' } }, errors }, (s) => ({ stack, page } = s))
  const list = async () => ((await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: ApiRec[] }).recordings
  const put = async (file: string, name = file) => {
    const res = await fetch(`${stack.url}/api/recordings?filename=${encodeURIComponent(name)}`, { method: 'PUT', body: new Blob([new Uint8Array(readFileSync(path.join(FIXTURES, file)))]) })
    expect(res.status).toBe(201)
    const r = (await res.json()) as ApiRec
    await waitForRecording(stack.url, r.id, (x) => x.status === 'uploaded')
    return r
  }
  const jobInput = async (id: string) => {
    const r = await waitForRecording(stack.url, id, (x) => x.job !== null)
    return stack.emulator.jobs.get((r.job as { id: string }).id)!.input
  }
  const shownIds = () => page.$$eval('#library li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id))

  it('renames a recording in place (the file name stays) and deletes one after asking', async () => {
    const r = await put('interview.m4a', 'REC_0042.m4a')
    await page.goto(stack.url)
    await page.click(`#library li[data-id="${r.id}"]`)
    await page.click('#detail .rename-button')
    await page.fill('#detail .title-input', 'Interview with Anna')
    await page.press('#detail .title-input', 'Enter')
    await page.locator('#detail .title', { hasText: 'Interview with Anna' }).waitFor()
    await page.locator(`#library li[data-id="${r.id}"] .name`, { hasText: 'Interview with Anna' }).waitFor()
    expect(await page.locator(`#library li[data-id="${r.id}"] .file`).textContent()).toBe('REC_0042.m4a')
    expect(await page.locator('#detail .meta').textContent()).toContain('file REC_0042.m4a')
    expect((await list()).find((x) => x.id === r.id)).toMatchObject({ title: 'Interview with Anna', filename: 'REC_0042.m4a' })
    await page.fill('#search', 'anna')
    await page.waitForFunction((id) => document.querySelectorAll('#library li').length === 1 && document.querySelector(`#library li[data-id="${id}"]`), r.id)
    await page.fill('#search', '')
    await page.screenshot({ path: path.join(SHOTS, 'manage-1-renamed.png') })

    // Delete asks first: "no" keeps everything.
    const questions: string[] = []
    page.once('dialog', (d) => (questions.push(d.message()), void d.dismiss()))
    await page.click('#detail .delete-button')
    expect(questions[0]).toMatch(/^Delete “Interview with Anna”\?/)
    expect(questions[0]).toMatch(/network volume.*transcript/)
    expect((await list()).some((x) => x.id === r.id)).toBe(true)
    page.once('dialog', (d) => void d.accept())
    await page.click('#detail .delete-button')
    await page.waitForSelector(`#library li[data-id="${r.id}"]`, { state: 'detached' })
    await page.waitForSelector('#detail .empty-hint')
    expect((await list()).some((x) => x.id === r.id)).toBe(false)
  })

  it('transcribes all new recordings with the batch options, then filters and sorts by status', async () => {
    const a = await put('ru-dialogue.m4a', 'Б-разговор.m4a')
    const b = await put('interview.m4a', 'А-интервью.m4a')
    await page.goto(stack.url)
    await page.locator('#transcribe-new', { hasText: 'Transcribe all new (2)' }).waitFor()
    await page.click('#batch summary')
    await page.selectOption('#batch-form select[name=language]', 'ru')
    await page.fill('#batch-form input[name=maxSpeakers]', '2')
    await page.screenshot({ path: path.join(SHOTS, 'manage-2-batch-options.png') })
    await page.click('#transcribe-new')
    await page.locator('#batch-status', { hasText: '2 transcriptions started' }).waitFor()
    for (const r of [a, b]) expect(await jobInput(r.id)).toMatchObject({ language: 'ru' })
    for (const r of [a, b]) await waitForRecording(stack.url, r.id, (x) => x.status === 'done', 30_000)
    const c = await put('tone.wav', 'В-тон.wav')
    await page.locator('#transcribe-new', { hasText: 'Transcribe all new (1)' }).waitFor()

    await page.selectOption('#library-filter', 'done')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 2)
    expect(new Set(await shownIds())).toEqual(new Set([a.id, b.id]))
    expect(await page.locator('#library-totals').textContent()).toMatch(/^2 of 3 shown/)
    await page.selectOption('#library-filter', 'new')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 1)
    expect(await shownIds()).toEqual([c.id])
    await page.selectOption('#library-filter', 'all')
    await page.selectOption('#library-sort', 'title')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 3)
    expect(await shownIds()).toEqual([b.id, a.id, c.id]) // А, Б, В
    await page.selectOption('#library-sort', 'oldest')
    expect(await shownIds()).toEqual([a.id, b.id, c.id])
    // The choices are remembered.
    await page.reload()
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 3)
    expect(await page.inputValue('#library-sort')).toBe('oldest')
    expect(await shownIds()).toEqual([a.id, b.id, c.id])
    // By status, in the server's order (what needs the user first, done last; newest first within a status),
    // each chip in the server's words.
    await page.selectOption('#library-sort', 'status')
    await page.locator(`#library li[data-id="${c.id}"] .chip`, { hasText: /^ready$/ }).waitFor()
    expect(await shownIds()).toEqual([c.id, b.id, a.id])
    expect(await page.locator(`#library li[data-id="${a.id}"] .chip`).textContent()).toBe('done')
  })

  it('selects several recordings to transcribe or delete at once', async () => {
    const recs = await list()
    const fresh = recs.find((r) => r.status === 'uploaded')!
    const done = recs.find((r) => r.status === 'done')!
    await page.check(`#library li[data-id="${fresh.id}"] .pick`)
    await page.check(`#library li[data-id="${done.id}"] .pick`)
    await page.locator('#selection-count', { hasText: '2 selected' }).waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'manage-3-selection.png') })
    // One of them has a transcript: the page asks once before a new job replaces it as current.
    const asked: string[] = []
    page.once('dialog', (d) => (asked.push(d.message()), void d.accept()))
    await page.click('#selection-transcribe')
    await page.locator('#batch-status', { hasText: '2 transcriptions started' }).waitFor()
    expect(asked[0]).toMatch(/^1 selected recording has a transcript already\. .*restorable/)
    expect(await page.isVisible('#selection-bar')).toBe(false)
    await waitForRecording(stack.url, fresh.id, (x) => x.status === 'done', 30_000)
    await waitForRecording(stack.url, done.id, (x) => x.status === 'done' && (x.job as { id: string }).id !== done.job!.id, 30_000)

    // Select all shown, then delete two of them after one question.
    await page.check('#select-all')
    await page.locator('#selection-count', { hasText: '3 selected' }).waitFor()
    await page.uncheck(`#library li[data-id="${done.id}"] .pick`)
    expect(await page.evaluate(() => (document.querySelector('#select-all') as HTMLInputElement).indeterminate)).toBe(true)
    const questions: string[] = []
    page.once('dialog', (d) => (questions.push(d.message()), void d.accept()))
    await page.click('#selection-delete')
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 1)
    expect(questions).toHaveLength(1)
    expect(questions[0]).toMatch(/^Delete 2 recordings\?/)
    expect((await list()).map((r) => r.id)).toEqual([done.id])
  })

  it('starts a dropped file by itself when auto-start is on, and remembers that', async () => {
    await page.click('#batch summary')
    await page.selectOption('#batch-form select[name=language]', 'en')
    await page.check('#auto-start')
    await page.reload()
    expect(await page.isChecked('#auto-start')).toBe(true)
    expect(await page.inputValue('#batch-form select[name=language]')).toBe('en')
    await dropFiles(page, [{ file: path.join(FIXTURES, 'interview.m4a'), mime: 'audio/mp4' }])
    await page.waitForFunction(() => document.querySelectorAll('#library li').length === 2)
    const dropped = (await list()).find((r) => r.filename === 'interview.m4a' && r.title === null && r.status !== 'done')!
    expect(await jobInput(dropped.id)).toMatchObject({ language: 'en', diarize: true })
    await page.locator('#detail .status-text', { hasText: 'Done ✓' }).waitFor({ timeout: 30_000 })
    await page.uncheck('#auto-start')
  })

  it('follows changes made elsewhere: titles, speaker names and cost, without a reload', async () => {
    const r = (await list()).find((x) => x.status === 'done')!
    await page.click(`#library li[data-id="${r.id}"]`)
    await page.waitForSelector('#detail .turn')
    // Another tab (here: the API) renames the recording and a speaker.
    await fetch(`${stack.url}/api/recordings/${r.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Renamed elsewhere' }) })
    await page.locator(`#library li[data-id="${r.id}"] .name`, { hasText: 'Renamed elsewhere' }).waitFor()
    await page.locator('#detail .title', { hasText: 'Renamed elsewhere' }).waitFor()
    await fetch(`${stack.url}/api/recordings/${r.id}/transcript`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ops: [{ op: 'renameSpeaker', speaker: 'SPEAKER_00', name: 'Anna' }] }) })
    await page.locator(`#library li[data-id="${r.id}"] .facts`, { hasText: 'Anna' }).waitFor()
    await page.locator('#detail .turn .speaker-name', { hasText: 'Anna' }).first().waitFor()
    // Renamed in this page: the library line follows too.
    await page.fill('#detail .speakers input[data-speaker=SPEAKER_01]', 'Boris')
    await page.press('#detail .speakers input[data-speaker=SPEAKER_01]', 'Enter')
    await page.locator(`#library li[data-id="${r.id}"] .facts`, { hasText: 'Anna, Boris' }).waitFor()

    // Cost: a new job's GPU time shows on the open recording's line when it ends.
    const before = await page.locator('#detail .meta').textContent()
    const gpu = (text: string | null) => Number(/GPU ([\d.]+) s/.exec(text ?? '')![1])
    await page.click('#detail .start-button')
    await page.click('#detail .rerun-confirm .confirm') // asked first: the edited transcript stays restorable
    await page.waitForFunction((n) => {
      const m = /GPU ([\d.]+) s/.exec(document.querySelector('#detail .meta')?.textContent ?? '')
      return m && Number(m[1]) > n
    }, gpu(before), { timeout: 30_000 })
  })

  it("offers Whisper's whole language list, shows the language the job used, and says Whisper picks one", async () => {
    const ru = await put('ru-dialogue.m4a', 'ru.m4a')
    await fetch(`${stack.url}/api/recordings/${ru.id}/transcribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) })
    await waitForRecording(stack.url, ru.id, (x) => x.status === 'done', 30_000)
    await page.goto(stack.url)
    await page.click(`#library li[data-id="${ru.id}"]`)
    await page.waitForSelector('#detail .turn')
    const options = await page.$$eval('#detail select[name=language] option', (os) => os.map((o) => (o as HTMLOptionElement).value))
    expect(options[0]).toBe('auto')
    expect(options.length).toBeGreaterThanOrEqual(100)
    for (const code of ['ru', 'en', 'uk', 'yue', 'haw', 'jw']) expect(options).toContain(code)
    expect(await page.inputValue('#detail select[name=language]')).toBe('ru')
    await page.locator('#detail .language-used', { hasText: /used Russian \(detected\)/ }).waitFor()
    expect(await page.locator('#detail .language-note').textContent()).toMatch(/one language per recording/)
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 })
      if (width <= 900) {
        await page.click('#drawer-button')
        await page.waitForTimeout(300)
        expect(await layoutProblems(page, ['.library-tools', '.batch-actions', '#library .name'], 120), `drawer at ${width}`).toEqual([])
        await page.screenshot({ path: path.join(SHOTS, `manage-library-${width}.png`) })
        await page.keyboard.press('Escape')
      } else await page.screenshot({ path: path.join(SHOTS, `manage-library-${width}.png`) })
      expect(await layoutProblems(page, ['#detail .language-note', '#detail .title-row']), `${width} px`).toEqual([])
      await page.screenshot({ path: path.join(SHOTS, `manage-language-${width}.png`) })
    }
    expect(errors).toEqual([])
  })
})
