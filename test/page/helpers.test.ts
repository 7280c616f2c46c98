/**
 * The page's pure helpers, run in Node (no browser): time parsing for "go to time", the shortcut table, speaker
 * colours and the uncertain-word rule. The browser tests (test/e2e) cover everything that needs a DOM.
 */
import { describe, expect, it } from 'vitest'
import { clock, lastStartingBefore, parseTime, plural } from '../../static/dom.js'
import { isUncertain, speakerColor, UNCERTAIN_SCORE } from '../../static/review-common.js'
import { actionFor, SHORTCUTS } from '../../static/shortcuts.js'

const key = (k: Partial<Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'key' | 'code'>>) => ({ altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, key: '', code: '', ...k })

describe('page helpers', () => {
  it('reads the times a person types to go somewhere, and nothing else', () => {
    expect(parseTime('83')).toBe(83)
    expect(parseTime(' 1:23.5 ')).toBe(83.5)
    expect(parseTime('1:02:03')).toBe(3723)
    for (const bad of ['', '1:60', '1:2:3:4', 'abc', '-5', '1::2']) expect(parseTime(bad), bad).toBeNull()
    expect(clock(3723.9)).toBe('1:02:03')
    expect(clock(null)).toBe('0:00')
  })

  it('finds the last item starting at or before a time', () => {
    const items = [{ start: 0 }, { start: 2 }, { start: 5 }]
    expect([-1, 0, 1.9, 2, 4.99, 5, 99].map((t) => lastStartingBefore(items, t))).toEqual([-1, 0, 0, 1, 1, 2, 2])
    expect(lastStartingBefore([], 3)).toBe(-1)
    expect(plural(1, 'segment')).toBe('1 segment')
    expect(plural(3, 'entry', 'entries')).toBe('3 entries')
  })

  it('maps keys to the actions the help lists, leaving typing alone', () => {
    expect(actionFor(key({ key: 'F2' }))).toEqual({ action: 'forward', plain: false })
    expect(actionFor(key({ ctrlKey: true, code: 'Space', key: ' ' }))).toEqual({ action: 'toggle', plain: false })
    expect(actionFor(key({ metaKey: true, shiftKey: true, code: 'KeyZ', key: 'Z' }))).toEqual({ action: 'redo', plain: true })
    expect(actionFor(key({ ctrlKey: true, code: 'KeyY', key: 'y' }))).toEqual({ action: 'redo', plain: true })
    expect(actionFor(key({ shiftKey: true, key: 'F8' }))).toEqual({ action: 'previousUncertain', plain: false })
    expect(actionFor(key({ key: 'a', code: 'KeyA' }))).toBeNull()
    expect(actionFor(key({ altKey: true, key: 'F2' }))).toBeNull()
    // Every action a key can ask for is in the help table.
    const listed = new Set(SHORTCUTS.map((s) => s.action))
    const asked = [key({ key: 'F1' }), key({ key: 'F3' }), key({ key: 'F4' }), key({ key: 'F8' }), key({ key: 'Escape' }), key({ key: '?' }), key({ ctrlKey: true, code: 'KeyK' }), key({ ctrlKey: true, code: 'KeyZ' }), key({ ctrlKey: true, shiftKey: true, code: 'KeyF' })]
    for (const e of asked) expect(listed, JSON.stringify(e)).toContain(actionFor(e)?.action)
  })

  it('colours a speaker by its id, so a merge does not repaint the others', () => {
    expect(speakerColor('SPEAKER_01')).toBe(speakerColor('SPEAKER_09'))
    expect(speakerColor('SPEAKER_00')).not.toBe(speakerColor('SPEAKER_01'))
    expect(speakerColor(null)).toBe(speakerColor(undefined))
    expect(speakerColor('Anna')).toMatch(/^#[0-9a-f]{6}$/)
  })

  it('marks words the aligner scored below the threshold, never estimated ones', () => {
    expect(isUncertain({ score: UNCERTAIN_SCORE - 0.01, estimated: false })).toBe(true)
    expect(isUncertain({ score: UNCERTAIN_SCORE, estimated: false })).toBe(false)
    expect(isUncertain({ score: 0.1, estimated: true })).toBe(false)
    expect(isUncertain({ score: null, estimated: false })).toBe(false)
  })
})
