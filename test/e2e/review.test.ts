/**
 * End to end in headless Chromium on the real two-speaker interview: drop the file on the page,
 * start transcription, wait for Done, rename a speaker in place, click a timestamp (the audio's
 * currentTime moves), download the docx and find the new name in it. Screenshots go to
 * test-results/ for a person to look at. The transcript comes from the worker's real code: the RunPod emulator
 * runs worker/handler.py under RunPod's Python SDK (with the WhisperX stand-in).
 */
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import JSZip from 'jszip'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pythonWorkerOrExplain } from '../../standins/runpod/python-worker.ts'
import { launchBrowser } from '../support/browser.ts'
import { FIXTURES, startStack, type Stack } from '../support/stack.ts'

const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results')

/** Drops a file on the page the way a user's drag-and-drop does (a DataTransfer with a File). */
async function dropFile(page: Page, selector: string, file: string, mime: string): Promise<void> {
  const b64 = readFileSync(file).toString('base64')
  const name = path.basename(file)
  const dataTransfer = await page.evaluateHandle(
    ({ b64, name, mime }) => {
      const bin = atob(b64)
      const bytes = new Uint8Array(bin.length)
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
      const dt = new DataTransfer()
      dt.items.add(new File([bytes], name, { type: mime }))
      return dt
    },
    { b64, name, mime },
  )
  await page.dispatchEvent(selector, 'dragover', { dataTransfer })
  await page.dispatchEvent(selector, 'drop', { dataTransfer })
}

const pythonWorker = await pythonWorkerOrExplain("the browser test of the main flow through worker/handler.py")

describe.skipIf(pythonWorker === null)('review page in Chromium, transcribed by worker/handler.py', () => {
  let stack: Stack
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  let page: Page

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    stack = await startStack({ env: { SCRIBE_DEMO: '1' }, emulator: { pythonWorker: { setup: pythonWorker! } } })
    browser = await launchBrowser()
    page = await browser.context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('drops an m4a, transcribes it, renames a speaker, seeks, and downloads a docx with the new name', async () => {
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(stack.url)
    await page.waitForSelector('#demo-banner:not([hidden])')

    await dropFile(page, '#dropzone', path.join(FIXTURES, 'interview.m4a'), 'audio/mp4')
    await page.waitForSelector('#detail .title:has-text("interview.m4a")')
    await page.waitForFunction(() => document.querySelector('#detail .waveform')?.children.length, undefined, { timeout: 15_000 })
    await page.locator('#detail .status-text').filter({ hasText: /Uploaded to the network volume|Ready/ }).waitFor({ timeout: 20_000 })
    await page.screenshot({ path: path.join(SHOTS, 'e2e-1-uploaded.png') })

    await page.selectOption('#detail select[name=language]', 'en')
    await page.click('#detail .start-button')
    await page.locator('#detail .status-text').filter({ hasText: /Queued|Transcribing|Processing|Done/ }).waitFor()
    await page.locator('#detail .status-text', { hasText: 'Done ✓' }).waitFor({ timeout: 30_000 })
    await page.waitForSelector('#detail .turn')
    await page.screenshot({ path: path.join(SHOTS, 'e2e-2-done.png'), fullPage: true })

    // Filtered hallucinations are visible with their reason, not silently gone.
    // The speech map's judgement may complete the transcript just after Done (it does not hold the transcript back):
    // the page reloads it by itself when it arrives.
    await page.locator('#detail .filtered', { hasText: /Evidence: no speech under this line/ }).first().waitFor({ timeout: 60_000 })
    const filteredText = await page.locator('#detail .filtered').allTextContents()
    expect(filteredText.join('\n')).toContain('Продолжение следует...')
    expect(filteredText.join('\n')).toContain('Thanks for watching!')
    // …with the audio evidence: the speech map found no voice under the hallucinated tail.
    expect(filteredText.join('\n')).toMatch(/Evidence: no speech under this line/)

    // Rename SPEAKER_00 in place, in the first turn's header.
    const firstName = page.locator('#detail .turn .speaker-name').first()
    expect(await firstName.textContent()).toBe('Speaker 1')
    await firstName.click()
    await page.fill('#detail .speaker-input', 'Interviewer')
    await page.press('#detail .speaker-input', 'Enter')
    await page.waitForFunction(() => [...document.querySelectorAll('#detail .turn .speaker-name')].filter((b) => b.textContent === 'Interviewer').length >= 3)
    expect(await page.inputValue('#detail .speakers input[data-speaker=SPEAKER_00]')).toBe('Interviewer')

    // Click the timestamp of the third turn: the audio jumps there and plays.
    const stamp = page.locator('#detail .turn .timestamp').nth(2)
    const target = Number(await stamp.getAttribute('data-start'))
    expect(target).toBeGreaterThan(5)
    await stamp.click()
    await page.waitForFunction((t) => {
      const a = document.querySelector('#detail audio') as HTMLAudioElement
      return a.currentTime >= t - 0.05 && a.currentTime < t + 3
    }, target)
    await page.waitForFunction(() => document.querySelector('#detail .segment.playing') !== null)
    const playing = await page.locator('#detail .segment.playing').getAttribute('data-start')
    expect(Number(playing)).toBeCloseTo(target, 1)
    await page.screenshot({ path: path.join(SHOTS, 'e2e-3-playing.png'), fullPage: true })
    await page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).pause())

    // Download the docx from the page.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#detail .exports a[data-format=docx]')])
    expect(download.suggestedFilename()).toBe('interview.docx')
    const file = await download.path()
    const xml = await (await JSZip.loadAsync(readFileSync(file))).file('word/document.xml')!.async('string')
    expect(xml).toContain('Interviewer')
    expect(xml).toContain('Weasels have eaten our phone system')
    expect(errors).toEqual([])
  })

  it('adds a speaker diarization missed and gives them one segment', async () => {
    const list = (await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: { id: string }[] }
    const id = list.recordings[0]!.id
    const seg = page.locator('#detail .segment').nth(3)
    const segmentId = await seg.getAttribute('data-segment-id')
    page.once('dialog', (d) => void d.accept('Translator'))
    await seg.click({ button: 'right' })
    await page.click('[data-action=new-speaker]')
    await page.locator('#detail .speakers input').nth(2).waitFor()
    const t = (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as {
      speakers: { id: string; name: string }[]
      segments: { id: string; speaker: string | null }[]
    }
    const added = t.speakers.find((s) => s.name === 'Translator')!
    expect(added.id).toBe('SPEAKER_02')
    expect(t.segments.filter((s) => s.speaker === added.id).map((s) => s.id)).toEqual([segmentId])
  })

  it('renders transcript text and speaker names as text, never as HTML', async () => {
    const list = (await (await fetch(`${stack.url}/api/recordings`)).json()) as { recordings: { id: string }[] }
    const id = list.recordings[0]!.id
    const t = (await (await fetch(`${stack.url}/api/recordings/${id}/transcript`)).json()) as { segments: { id: string }[] }
    const res = await fetch(`${stack.url}/api/recordings/${id}/transcript`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ops: [
          { op: 'editText', segmentId: t.segments[0]!.id, text: '<img src=x onerror="window.__xss=1"> hello' },
          { op: 'renameSpeaker', speaker: 'SPEAKER_01', name: '<b onmouseover=alert(1)>Anna</b>' },
        ],
      }),
    })
    expect(res.status).toBe(200)
    await page.reload()
    await page.click(`#library li[data-id="${id}"]`)
    await page.waitForSelector('#detail .turn')
    expect(await page.locator('#detail .transcript img').count()).toBe(0)
    expect(await page.locator('#detail .transcript b').count()).toBe(0)
    expect(await page.locator('#detail .transcript').textContent()).toContain('<img src=x onerror="window.__xss=1">')
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
  })
})
