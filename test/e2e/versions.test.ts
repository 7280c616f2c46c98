/**
 * The data-loss path a new user hit, end to end in headless Chromium: rename both speakers, fix a line,
 * transcribe again (the page asks first and says what the new job replaces), see the names carried over to the
 * new transcript, restore the earlier version from the versions list, undo the restore, redo it with the keyboard.
 * Every step is checked against the server, not only the page. Screenshots go to test-results/ at 1280, 800
 * and 390 px for a person to look at.
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { SHOTS } from '../support/page.ts'
import { fetchTranscript, waitForTranscript as waitForSaved, type TranscriptAnswer } from '../support/review-page.ts'
import type { Stack } from '../support/stack.ts'
import { reviewSuite } from '../support/suite.ts'

interface VersionInfo {
  version: number
  jobId: string
  current: boolean
  edits: number
  renamedSpeakers: number
}

describe('transcript versions in Chromium: nothing is lost when transcribing again', () => {
  let stack: Stack
  let page: Page
  let id: string
  const errors: string[] = []
  reviewSuite({ errors }, (s) => ({ stack, page, id } = s))

  const transcript = () => fetchTranscript(stack, id)
  const versions = async (): Promise<VersionInfo[]> =>
    (await (await fetch(`${stack.url}/api/recordings/${id}/versions`)).json()) as VersionInfo[]
  const waitForTranscript = (predicate: (t: TranscriptAnswer) => boolean) => waitForSaved(stack, id, predicate, 8000)
  const speakerInput = (speaker: string) => page.locator(`#detail .speakers input[data-speaker=${speaker}]`)
  const segmentText = (segmentId: string) => page.locator(`#detail .segment[data-segment-id="${segmentId}"]`).innerText()
  const shoot = async (name: string) => {
    for (const width of [1280, 800, 390]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({ path: path.join(SHOTS, `versions-${name}-${width}.png`), fullPage: width !== 1280 })
    }
    await page.setViewportSize({ width: 1280, height: 900 })
  }

  it('renames, edits, transcribes again after asking, carries names over, restores, undoes and redoes the restore', { timeout: 60_000 }, async () => {
    // A finished recording's primary action is reviewing: "Transcribe again…" is a secondary button.
    const again = page.locator('#detail .start-button')
    await expect.poll(() => again.textContent()).toBe('Transcribe again…')
    expect(await again.evaluate((b) => b.classList.contains('primary'))).toBe(false)

    // Rename both speakers and fix a line.
    await speakerInput('SPEAKER_00').fill('Anna')
    await speakerInput('SPEAKER_00').press('Enter')
    await waitForTranscript((t) => t.speakers[0]!.name === 'Anna')
    await speakerInput('SPEAKER_01').fill('Boris')
    await speakerInput('SPEAKER_01').press('Enter')
    await waitForTranscript((t) => t.speakers[1]!.name === 'Boris')
    await page.locator('#detail .segment[data-segment-id=s2]').dblclick()
    await page.keyboard.press('End')
    await page.keyboard.type(' in 2016!')
    await page.keyboard.press('Enter')
    const edited = await waitForTranscript((t) => t.segments.find((s) => s.id === 's2')!.text.endsWith('in 2016!'))
    expect(edited.transcriptVersion).toBe(1)
    expect(await versions()).toMatchObject([{ version: 1, current: true, edits: 3, renamedSpeakers: 2 }])

    // "Transcribe again…" asks first, in the page, and says what the new job replaces. Cancel changes nothing.
    await again.click()
    const confirmBox = page.locator('#detail .rerun-confirm')
    await confirmBox.waitFor()
    expect(await confirmBox.innerText()).toContain('replaces 3 edits and 2 speaker names; the current version stays restorable')
    await shoot('1-confirm')
    await confirmBox.locator('button.cancel').click()
    await confirmBox.waitFor({ state: 'hidden' })
    expect(await versions()).toHaveLength(1)

    // A second click while the question is open asks nothing more and starts nothing.
    let submissions = 0
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/transcribe') && submissions++)
    await again.click()
    await confirmBox.waitFor()
    await again.click()
    await confirmBox.locator('button.confirm').click()
    // The new result arrives as version 2 with the speakers' names carried over (the speakers match in time).
    const rerun = await waitForTranscript((t) => t.transcriptVersion === 2)
    expect(rerun.speakers.map((s) => s.name)).toEqual(['Anna', 'Boris'])
    expect(rerun.segments.find((s) => s.id === 's2')!.text).toBe('Weasels have eaten our phone system')
    await expect.poll(() => speakerInput('SPEAKER_00').inputValue()).toBe('Anna')
    expect(await speakerInput('SPEAKER_01').inputValue()).toBe('Boris')
    await expect.poll(() => segmentText('s2')).toBe('Weasels have eaten our phone system')
    expect(await page.locator('#detail .save-status').innerText()).toBe(
      'Version 2 arrived; the one before stays under Versions (Undo goes back to it). Names carried over: Anna, Boris.',
    )
    await page.waitForSelector('#detail .versions li[data-version="2"].current')
    expect(await page.locator('#detail .versions li').count()).toBe(2)
    const listed = await versions()
    expect(listed.map((v) => [v.version, v.current, v.edits])).toEqual([
      [2, true, 0],
      [1, false, 3],
    ])
    expect(listed[0]!.jobId).not.toBe(listed[1]!.jobId)
    expect(submissions).toBe(1) // the double click started one job
    await shoot('2-rerun-done')

    // Restore version 1 from the list: the fixed line comes back.
    await page.click('#detail .versions li[data-version="1"] button.restore')
    await expect.poll(() => segmentText('s2')).toBe('Weasels have eaten our phone system in 2016!')
    expect((await transcript()).transcriptVersion).toBe(1)
    await page.waitForSelector('#detail .versions li[data-version="1"].current')
    await shoot('3-restored')

    // Undo the restore (the button): version 2 is current again.
    await page.click('#detail .undo-button')
    await expect.poll(() => segmentText('s2')).toBe('Weasels have eaten our phone system')
    expect((await transcript()).transcriptVersion).toBe(2)

    // Redo with the keyboard (Ctrl+Shift+Z, outside text fields): version 1 again, with its edit and names.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('Control+Shift+KeyZ')
    await expect.poll(() => segmentText('s2')).toBe('Weasels have eaten our phone system in 2016!')
    const redone = await transcript()
    expect(redone.transcriptVersion).toBe(1)
    expect(redone.speakers.map((s) => s.name)).toEqual(['Anna', 'Boris'])
    // The Redo button sits beside Undo and has nothing more to redo now.
    expect(await page.locator('#detail .redo-button').isDisabled()).toBe(true)
    await shoot('4-redone')
    expect(errors).toEqual([])
  })
})
