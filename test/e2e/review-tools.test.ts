/**
 * The review tools, end to end in headless Chromium on the real two-speaker interview (the emulated GPU
 * returns its WhisperX-shaped transcript): speaker tools (reassign one segment, split at a word, merge, sample,
 * colours), editing in place with undo, and playback (word highlight, auto-scroll, speed, oTranscribe's
 * shortcuts, rewind on resume, go to time, help overlay). Every change is checked against the server's
 * transcript, not only the page. Screenshots go to test-results/ for a person to look at.
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { givenSpeakerNames } from '../../src/domain/speaker-carry.ts'
import { nextSpeakerId, speakerNames, UNKNOWN_SPEAKER_NAME, type Segment, type Transcript } from '../../src/domain/transcript.ts'
import type { TranscriptResponse } from '../../src/domain/api.ts'
import { SHOTS } from '../support/page.ts'
import { fetchTranscript, transcribedRecording, waitForTranscript as waitForSaved } from '../support/review-page.ts'
import type { Stack } from '../support/stack.ts'
import { browserSuite } from '../support/suite.ts'
import { testSegment, testTranscript } from '../../src/domain/test-transcripts.ts'

describe('review tools in Chromium', () => {
  let stack: Stack
  let page: Page
  let id: string
  const errors: string[] = []
  browserSuite({ stack: { env: { SCRIBE_DEMO: '1' } }, errors }, (s) => ({ stack, page } = s))

  const transcript = () => fetchTranscript(stack, id)
  const segment = async (segmentId: string): Promise<Segment> => (await transcript()).segments.find((s) => s.id === segmentId)!
  const waitForTranscript = (predicate: (t: Transcript) => boolean) => waitForSaved(stack, id, predicate)
  const audioTime = () => page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).currentTime)
  const audioPaused = () => page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).paused)
  const pause = () => page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).pause())
  /** Plain-key shortcuts act only when no text field has focus. */
  const blur = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  const word = (segmentId: string, text: string) =>
    page.locator(`#detail .segment[data-segment-id="${segmentId}"] .word`, { hasText: new RegExp(`^${text}$`) })
  /** Smooth scrolling goes on for a few frames; wait until two checks 200 ms apart agree. */
  const waitForScrollToSettle = async () => {
    let last = -1
    for (let y = await page.evaluate(() => window.scrollY); y !== last; y = await page.evaluate(() => window.scrollY)) {
      last = y
      await page.waitForTimeout(200)
    }
  }
  const openRecording = async () => {
    await page.goto(stack.url)
    await page.click(`#library li[data-id="${id}"]`)
    await page.waitForSelector('#detail .turn')
    await page.waitForFunction(() => document.querySelector('#detail .waveform')?.children.length)
  }

  beforeAll(async () => {
    id = await transcribedRecording(stack, 'interview.m4a', undefined, { language: 'en', diarize: true })
    await openRecording()
  })

  it('reassigns one segment only, splits at a word and reassigns the new part, plays a speaker sample, merges speakers', async () => {
    const before = await transcript()
    expect(before.segments.find((s) => s.id === 's5')).toMatchObject({ text: 'Thank you.', speaker: null })

    // Right-click "Thank you." (no speaker) → its menu → Speaker 1. Only that segment changes (transcribee #511).
    await word('s5', 'Thank').click({ button: 'right' })
    await page.waitForSelector('.segment-menu')
    await page.click('.segment-menu [role=menuitemradio][data-speaker=SPEAKER_00]')
    const afterReassign = await waitForTranscript(
      (t) => t.segments.find((s) => s.id === 's5')!.speaker === 'SPEAKER_00',
    )
    for (const s of afterReassign.segments)
      if (s.id !== 's5') expect(s.speaker, s.id).toBe(before.segments.find((b) => b.id === s.id)!.speaker)
    await page.waitForSelector('#detail .turn[data-speaker=SPEAKER_00] .segment[data-segment-id=s5]')

    // One colour per speaker everywhere: list swatch, turn name, turn border, the strip under the waveform.
    const colours = await page.evaluate(() => {
      const swatch = getComputedStyle(
        document.querySelector('#detail .speakers li[data-speaker=SPEAKER_00] .swatch')!,
      ).backgroundColor
      const turn = document.querySelector('#detail .segment[data-segment-id=s5]')!.closest('.turn')!
      const strip = document.querySelector('#detail .speaker-strip') as HTMLCanvasElement
      // s5 is 18.695–19.286 s of 40.456 s: sample the strip in its middle.
      const x = Math.round((19 / 40.456) * strip.width)
      const [r, g, b] = strip.getContext('2d')!.getImageData(x, 1, 1, 1).data
      return {
        swatch,
        name: getComputedStyle(turn.querySelector('.speaker-name')!).color,
        border: getComputedStyle(turn).borderLeftColor,
        strip: `rgb(${r}, ${g}, ${b})`,
      }
    })
    expect(colours.name).toBe(colours.swatch)
    expect(colours.border).toBe(colours.swatch)
    expect(colours.strip).toBe(colours.swatch)

    // Alt+click "Please" in s6: split before it (word index 10); the new part's menu opens; give it to Speaker 1.
    const s6 = before.segments.find((s) => s.id === 's6')!
    expect(s6.words[10]!.text).toBe('Please')
    await word('s6', 'Please').click({ modifiers: ['Alt'] })
    await page.waitForSelector('#detail .segment[data-segment-id="s6.2"]')
    await page.waitForSelector('.segment-menu')
    await page.screenshot({ path: path.join(SHOTS, 'tools-1-split-menu.png') })
    await page.click('.segment-menu [role=menuitemradio][data-speaker=SPEAKER_00]')
    const afterSplit = await waitForTranscript((t) => t.segments.find((s) => s.id === 's6.2')?.speaker === 'SPEAKER_00')
    const head = afterSplit.segments.find((s) => s.id === 's6')!
    const tail = afterSplit.segments.find((s) => s.id === 's6.2')!
    expect(head).toMatchObject({
      speaker: 'SPEAKER_01',
      text: s6.words
        .slice(0, 10)
        .map((w) => w.text)
        .join(' '),
    })
    expect(tail.text.startsWith('Please hold')).toBe(true)
    expect(tail.start).toBe(s6.words[10]!.start)
    expect(await page.locator('#detail .turn[data-speaker=SPEAKER_00] .segment[data-segment-id="s6.2"]').count()).toBe(
      1,
    )

    // ▶ for Speaker 2 plays ~4 s of their longest kept segment (now s6: 19.936–24.441), pauses, and returns.
    await page.evaluate(() => {
      const a = document.querySelector('#detail audio') as HTMLAudioElement
      a.currentTime = 2
      const seen: number[] = []
      ;(window as unknown as { __seen: number[] }).__seen = seen
      a.addEventListener('timeupdate', () => !a.paused && seen.push(a.currentTime))
    })
    await page.click('#detail .speakers .sample[data-speaker=SPEAKER_01]')
    await page.waitForFunction(() =>
      document.querySelector('#detail .speakers .sample[data-speaker=SPEAKER_01]')!.classList.contains('on'),
    )
    await page.waitForFunction(() => (window as unknown as { __seen: number[] }).__seen.length > 2)
    await page.waitForFunction(() => !document.querySelector('#detail .speakers .sample.on'), undefined, {
      timeout: 8000,
    })
    const seen = await page.evaluate(() => (window as unknown as { __seen: number[] }).__seen)
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(head.start - 0.05)
    expect(Math.max(...seen)).toBeLessThanOrEqual(head.start + 4.3)
    expect(Math.max(...seen) - Math.min(...seen)).toBeGreaterThan(3)
    expect(await audioPaused()).toBe(true)
    expect(await audioTime()).toBeCloseTo(2, 1)

    // Merge Speaker 2 into Speaker 1 from the speakers list.
    await page.selectOption('#detail .speakers select.merge[data-speaker=SPEAKER_01]', 'SPEAKER_00')
    await page.waitForFunction(() => document.querySelectorAll('#detail .speakers li').length === 1)
    const merged = await waitForTranscript((t) => t.speakers.length === 1)
    expect(merged.speakers[0]!.id).toBe('SPEAKER_00')
    expect(merged.segments.filter((s) => !s.filtered).every((s) => s.speaker === 'SPEAKER_00')).toBe(true)
    expect(await page.locator('#detail .turn').count()).toBe(1)
    await page.screenshot({ path: path.join(SHOTS, 'tools-2-merged.png'), fullPage: true })

    // The Undo button brings Speaker 2 back, with the same colour as before.
    await page.click('#detail .undo-button')
    await page.waitForFunction(() => document.querySelectorAll('#detail .speakers li').length === 2)
    expect((await transcript()).speakers.map((s) => s.id)).toEqual(['SPEAKER_00', 'SPEAKER_01'])
    const swatch2 = await page.evaluate(
      () =>
        getComputedStyle(document.querySelector('#detail .speakers li[data-speaker=SPEAKER_01] .swatch')!)
          .backgroundColor,
    )
    expect(swatch2).toBe('rgb(194, 65, 12)')
    expect(errors).toEqual([])
  })

  it('edits a segment in place (Esc cancels, Enter saves), keeps unchanged word times, undoes, and a reload shows the edit', async () => {
    const original = await segment('s2')
    expect(original.text).toBe('Weasels have eaten our phone system')

    // Double-click a word: the segment becomes editable with that word selected; Esc puts everything back.
    await word('s2', 'eaten').dblclick()
    await page.waitForSelector('#detail .segment.editing[data-segment-id=s2]')
    expect(await page.evaluate(() => window.getSelection()!.toString())).toBe('eaten')
    await page.keyboard.type('devoured')
    await page.keyboard.press('Escape')
    await page.waitForSelector('#detail .segment.editing', { state: 'detached' })
    expect(await page.locator('#detail .segment[data-segment-id=s2]').textContent()).toContain('eaten')
    expect((await segment('s2')).text).toBe(original.text)
    expect(await audioPaused()).toBe(true) // Esc cancelled the edit; it did not start playback

    // Again, and save with Enter.
    await word('s2', 'eaten').dblclick()
    await page.waitForSelector('#detail .segment.editing[data-segment-id=s2]')
    await page.keyboard.type('devoured')
    await page.screenshot({ path: path.join(SHOTS, 'tools-3-editing.png') })
    await page.keyboard.press('Enter')
    const edited = (
      await waitForTranscript((t) => t.segments.find((s) => s.id === 's2')!.text.includes('devoured'))
    ).segments.find((s) => s.id === 's2')!
    expect(edited.text).toBe('Weasels have devoured our phone system')
    // The server keeps the times of unchanged words; the new word gets estimated times inside the gap.
    const at = (seg: Segment, text: string) => seg.words.find((w) => w.text === text)!
    for (const w of ['Weasels', 'have', 'our', 'phone', 'system'])
      expect(at(edited, w).start, w).toBe(at(original, w).start)
    expect(at(edited, 'devoured').estimated).toBe(true)
    await page.locator('#detail .save-status.saved').waitFor()
    await page.waitForSelector('#detail .segment[data-segment-id=s2] .word:text-is("devoured")')

    // Saved on the server: a reload shows it.
    await openRecording()
    expect(await page.locator('#detail .segment[data-segment-id=s2]').textContent()).toContain(
      'Weasels have devoured our phone system',
    )

    // Ctrl+Z outside text fields undoes it.
    await blur()
    await page.keyboard.press('Control+z')
    await waitForTranscript((t) => t.segments.find((s) => s.id === 's2')!.text === original.text)
    await page.waitForSelector('#detail .segment[data-segment-id=s2] .word:text-is("eaten")')

    // Ctrl+Z inside a text field is the field's own undo, not the transcript's.
    const nameInput = page.locator('#detail .speakers input[data-speaker=SPEAKER_00]')
    const speakersBefore = JSON.stringify((await transcript()).speakers)
    await nameInput.focus()
    await page.keyboard.press('Control+z')
    await page.waitForTimeout(300)
    expect(JSON.stringify((await transcript()).speakers)).toBe(speakersBefore)

    // Without a mouse: the transcript is one tab stop; ↑/↓ move between segments, Shift+F10 opens the menu, Enter edits.
    await page.focus('#detail .segment[tabindex="0"]')
    await page.keyboard.press('Home')
    await page.keyboard.press('ArrowDown')
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.segmentId)).toBe('s2')
    await page.keyboard.press('Shift+F10')
    await page.waitForSelector('.segment-menu [role=menuitemradio][aria-checked=true][data-speaker=SPEAKER_01]:focus')
    await page.keyboard.press('Escape')
    await page.waitForSelector('.segment-menu', { state: 'detached' })
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.segmentId)).toBe('s2')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#detail .segment.editing[data-segment-id=s2]:focus')
    await page.keyboard.press('Escape')
    await page.waitForSelector('#detail .segment.editing', { state: 'detached' })
    expect(await audioPaused()).toBe(true)

    // Undo until there is nothing left: the page says so instead of failing.
    await blur()
    const statusText = async () => (await page.locator('#detail .save-status').textContent()) ?? ''
    for (let i = 0; i < 10 && !/nothing to undo/i.test(await statusText()); i++) {
      await page.click('#detail .undo-button')
      await page.waitForFunction(() => !document.querySelector('#detail .save-status.busy'))
    }
    expect(await statusText()).toMatch(/nothing to undo/i)
    expect((await transcript()).segments.find((s) => s.id === 's5')!.speaker).toBeNull() // back to the worker's transcript
    expect(errors).toEqual([])
  })

  it('highlights the spoken word, follows playback (switchable, remembered), and has oTranscribe shortcuts with a help overlay', async () => {
    const t = await transcript()
    await page.setViewportSize({ width: 1200, height: 640 }) // short, so following has to scroll
    await openRecording()
    await blur()

    // Go to time (Ctrl+K): "21.6" lands inside "household" in s6; the word and its segment are highlighted.
    await page.keyboard.press('Control+k')
    await page.waitForSelector('#detail .goto:not([hidden]) .goto-input:focus')
    await page.fill('#detail .goto-input', 'abc')
    await page.press('#detail .goto-input', 'Enter')
    expect(await page.getAttribute('#detail .goto-input', 'aria-invalid')).toBe('true')
    await page.fill('#detail .goto-input', '21.6')
    await page.press('#detail .goto-input', 'Enter')
    await page.waitForSelector('#detail .goto', { state: 'hidden' })
    expect(await audioTime()).toBeCloseTo(21.6, 2)
    await page.waitForSelector('#detail .segment.playing[data-segment-id=s6] .word.current:text-is("household")')
    await page.keyboard.press('Control+k')
    await page.fill('#detail .goto-input', '0:30')
    await page.press('#detail .goto-input', 'Enter')
    expect(await audioTime()).toBeCloseTo(30, 2)
    await page.waitForSelector('#detail .segment.playing[data-segment-id=s7] .word.current:text-is("you")')

    // While playing, the highlight moves word by word, in order.
    await page.click('#detail .turn .timestamp >> nth=0')
    await page.waitForSelector('#detail .segment.playing[data-segment-id=s1] .word.current')
    const spoken = await page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const seen: string[] = []
          const until = performance.now() + 1600
          const step = () => {
            const w = document.querySelector('#detail .word.current')?.textContent
            if (w && seen.at(-1) !== w) seen.push(w)
            if (performance.now() < until) requestAnimationFrame(step)
            else resolve(seen)
          }
          step()
        }),
    )
    const firstWords = t.segments[0]!.words.map((w) => w.text)
    expect(spoken.length).toBeGreaterThanOrEqual(3)
    expect(firstWords.slice(0, spoken.length)).toEqual(spoken)

    // Esc pauses; Esc again resumes 1.5 s earlier (oTranscribe's rewind on resume).
    await blur()
    await page.keyboard.press('Escape')
    expect(await audioPaused()).toBe(true)
    const pausedAt = await audioTime()
    const resumedAt = page.evaluate(
      () =>
        new Promise<number>((r) =>
          document
            .querySelector('#detail audio')!
            .addEventListener('play', (e) => r((e.target as HTMLAudioElement).currentTime), { once: true }),
        ),
    )
    await page.keyboard.press('Escape')
    expect(await resumedAt).toBeCloseTo(Math.max(0, pausedAt - 1.5), 1)
    expect(await audioPaused()).toBe(false)
    await page.keyboard.press('Control+Space')
    expect(await audioPaused()).toBe(true)

    // Back/forward 1.5 s: F1/F2 and Ctrl+1/2.
    await page.keyboard.press('Control+k')
    await page.fill('#detail .goto-input', '10')
    await page.press('#detail .goto-input', 'Enter')
    await page.keyboard.press('F1')
    expect(await audioTime()).toBeCloseTo(8.5, 2)
    await page.keyboard.press('F2')
    await page.keyboard.press('Control+2')
    expect(await audioTime()).toBeCloseTo(11.5, 2)
    await page.keyboard.press('Control+1')
    expect(await audioTime()).toBeCloseTo(10, 2)

    // Speed: F3/F4 and Ctrl+3/4 in 0.125 steps, within 0.5–2×, shown in the select.
    const rate = () => page.evaluate(() => (document.querySelector('#detail audio') as HTMLAudioElement).playbackRate)
    await page.keyboard.press('F4')
    await page.keyboard.press('Control+4')
    expect(await rate()).toBe(1.25)
    expect(await page.inputValue('#detail select.speed')).toBe('1.25')
    for (let i = 0; i < 20; i++) await page.keyboard.press('F3')
    expect(await rate()).toBe(0.5)
    for (let i = 0; i < 20; i++) await page.keyboard.press('Control+4')
    expect(await rate()).toBe(2)
    await page.selectOption('#detail select.speed', '1.5')
    expect(await rate()).toBe(1.5)
    await page.keyboard.press('Control+3')
    expect(await rate()).toBe(1.375)

    // Shortcuts without a modifier leave typing alone: "?" and Esc in a name field do not open help or play.
    const nameInput = page.locator('#detail .speakers input[data-speaker=SPEAKER_01]')
    await nameInput.focus()
    await page.keyboard.press('End')
    await page.keyboard.type('?')
    expect(await nameInput.inputValue()).toBe('Speaker 2?')
    expect(await page.evaluate(() => (document.getElementById('help') as HTMLDialogElement).open)).toBe(false)
    await page.keyboard.press('Escape') // reverts the field
    expect(await nameInput.inputValue()).toBe('Speaker 2')
    expect(await audioPaused()).toBe(true)

    // Auto-scroll follows playback near the end of the transcript…
    await page.evaluate(() => window.scrollTo(0, 0))
    await blur()
    await page.keyboard.press('Control+k')
    await page.fill('#detail .goto-input', '33')
    await page.press('#detail .goto-input', 'Enter')
    await page.keyboard.press('Control+Space')
    await page.waitForFunction(() => {
      const r = document.querySelector('#detail .segment.playing .word.current')?.getBoundingClientRect()
      return window.scrollY > 100 && r !== undefined && r.top > 0 && r.bottom < window.innerHeight
    })
    await pause()
    // …and stays put when switched off; the choice and the speed survive a reload.
    await page.uncheck('#detail .autoscroll')
    await waitForScrollToSettle()
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.evaluate(() => ((document.querySelector('#detail audio') as HTMLAudioElement).currentTime = 34))
    await page.waitForSelector('#detail .segment.playing[data-segment-id=s8]')
    await page.waitForTimeout(500)
    expect(await page.evaluate(() => window.scrollY)).toBe(0)
    await openRecording()
    expect(await page.isChecked('#detail .autoscroll')).toBe(false)
    expect(await page.inputValue('#detail select.speed')).toBe('1.375')
    expect(await rate()).toBe(1.375)
    await page.check('#detail .autoscroll')

    // Help overlay: "?" opens it, Esc closes it; the button opens it, a click outside closes it.
    await blur()
    await page.keyboard.press('?')
    await page.waitForSelector('#help[open]')
    const helpText = await page.locator('#help').textContent()
    for (const k of ['Esc', 'Ctrl/⌘ Space', 'F1', 'F2', 'F3', 'F4', 'Ctrl/⌘ K', 'Ctrl/⌘ Z', 'Alt+click'])
      expect(helpText).toContain(k)
    await page.screenshot({ path: path.join(SHOTS, 'tools-4-help.png') })
    await page.keyboard.press('Escape')
    await page.waitForSelector('#help', { state: 'hidden' })
    expect(await audioPaused()).toBe(true) // the Esc that closed help did not also start playback
    await page.click('#detail .help-button')
    await page.waitForSelector('#help[open]')
    await page.mouse.click(10, 10)
    await page.waitForSelector('#help', { state: 'hidden' })
    await page.setViewportSize({ width: 1400, height: 1000 })
    expect(errors).toEqual([])
  })

  it('renders a 3,000-segment transcript and follows playback in it (timing is measured by npm run bench)', async () => {
    // A long interview's transcript, served in place of the real one (the audio stays the real 40 s file).
    const long = testTranscript(
      [['SPEAKER_00', 'Interviewer'], ['SPEAKER_01', 'Guest']],
      Array.from({ length: 3000 }, (_, i) => {
        const start = i * 2
        const words = Array.from({ length: 12 }, (_, k) => ({ text: `w${i}_${k}`, start: start + k * 0.15, end: start + k * 0.15 + 0.12, score: 0.9, estimated: false }))
        return testSegment(`s${i + 1}`, start, start + 1.8, i % 3 ? 'SPEAKER_01' : 'SPEAKER_00', words.map((w) => w.text).join(' '), { words })
      }),
      { duration: 6000 },
    )
    // Served as the server answers it: the transcript beside its revision and the speaker names.
    const answer: TranscriptResponse = { ...long, version: 1, transcriptVersion: 1, undoable: 0, redoable: 0, speakerNames: speakerNames(long), givenNames: givenSpeakerNames(long.speakers), unknownSpeakerName: UNKNOWN_SPEAKER_NAME, newSpeakerId: nextSpeakerId(long) }
    await page.route(`**/api/recordings/${id}/transcript`, (route) =>
      route.request().method() === 'GET' ? route.fulfill({ json: answer }) : route.fallback(),
    )
    await page.goto(stack.url)
    await page.click(`#library li[data-id="${id}"]`)
    await page.waitForFunction(() => document.querySelectorAll('#detail .segment').length === 3000)
    // Speed is a benchmark's business (bench/ measures render time and long tasks); here: behaviour.
    await page.evaluate(async () => {
      const a = document.querySelector('#detail audio') as HTMLAudioElement
      a.currentTime = 10
      await a.play()
      await new Promise((r) => setTimeout(r, 1000))
      a.pause()
    })
    expect(await page.locator('#detail .segment.playing .word.current').count()).toBe(1)
    await page.unroute(`**/api/recordings/${id}/transcript`)
    expect(errors).toEqual([])
  })
})
