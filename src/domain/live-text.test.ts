import { describe, expect, it } from 'vitest'
import { findOverlap, mergeWindowText, type LiveSegment } from './live-text.ts'

const w = (s: string) => s.split(' ')

describe('findOverlap', () => {
  it('finds the words that end the old text and begin the new', () => {
    expect(findOverlap(w('we went to the market on'), w('the market on Sunday morning'))).toEqual({ dropTail: 0, dropHead: 3 })
  })
  it('ignores case and punctuation', () => {
    expect(findOverlap(w('It was, Anna said, late.'), w('Said late and cold'))).toEqual({ dropTail: 0, dropHead: 2 })
  })
  it('replaces a half-heard word at the edge with the new reading', () => {
    // "mark" was the end of "market", cut by the window's edge.
    expect(findOverlap(w('we went to the mark'), w('to the market on Sunday'))).toEqual({ dropTail: 1, dropHead: 2 })
  })
  it('drops a half-heard word at the start of the new window', () => {
    expect(findOverlap(w('we went to the market'), w('ket the market on Sunday'))).toEqual({ dropTail: 0, dropHead: 3 })
  })
  it('finds nothing when the texts do not overlap, and does not take one word with leftovers', () => {
    expect(findOverlap(w('we went home'), w('Sunday was cold'))).toBeNull()
    expect(findOverlap(w('and then a cat'), w('dog a big house'))).toBeNull()
  })
  it('works for Cyrillic', () => {
    expect(findOverlap(w('Мы записали 12 интервью'), w('12 интервью за неделю.'))).toEqual({ dropTail: 0, dropHead: 2 })
  })
})

describe('mergeWindowText', () => {
  const first: LiveSegment[] = [{ start: 0.3, end: 7.9, text: 'Good morning, and thanks for joining us.', window: 0 }]

  it('adds a window after a clean cut as it is, times made absolute', () => {
    const r = mergeWindowText(first, { index: 1, start: 7.7, overlapEnd: 8.2 }, [{ start: 0.9, end: 3.6, text: ' Weasels have eaten our phone system' }])
    expect(r.from).toBe(1)
    expect(r.segments).toEqual([...first, { start: 8.6, end: 11.3, text: 'Weasels have eaten our phone system', window: 1 }])
  })

  it('removes the words the overlap repeats', () => {
    const r = mergeWindowText(first, { index: 1, start: 7.4, overlapEnd: 7.9 }, [
      { start: 0, end: 0.5, text: 'joining us.' },
      { start: 1.2, end: 3.9, text: 'Weasels have eaten our phone system' },
    ])
    expect(r.segments.map((s) => s.text)).toEqual(['Good morning, and thanks for joining us.', 'Weasels have eaten our phone system'])
    expect(r.from).toBe(1)
  })

  it('corrects a word cut at the edge, and tells where the text changed', () => {
    const cut: LiveSegment[] = [{ start: 0, end: 10, text: 'They have been carried away by mon', window: 0 }]
    const r = mergeWindowText(cut, { index: 1, start: 9.5, overlapEnd: 10 }, [{ start: 0, end: 1.5, text: 'away by monkeys. Thank you.' }])
    expect(r.segments.map((s) => s.text)).toEqual(['They have been carried away by', 'monkeys. Thank you.'])
    expect(r.from).toBe(0)
  })

  it('keeps everything when a window repeats nothing', () => {
    const r = mergeWindowText(first, { index: 1, start: 7.5, overlapEnd: 8 }, [{ start: 1, end: 2, text: 'Wow.' }])
    expect(r.segments.map((s) => s.text)).toEqual(['Good morning, and thanks for joining us.', 'Wow.'])
  })

  it('drops a segment heard wholly inside the overlap that repeats the last words, even beside other text', () => {
    const thanks: LiveSegment[] = [{ start: 18.7, end: 19.3, text: 'Thank you.', window: 1 }]
    const r = mergeWindowText(thanks, { index: 2, start: 19.1, overlapEnd: 19.6 }, [
      { start: 0, end: 0.5, text: '[window:5.532s]' },
      { start: 0, end: 0.2, text: 'you.' },
      { start: 0.8, end: 5, text: 'All representatives of the household' },
    ])
    expect(r.segments.map((s) => s.text)).toEqual(['Thank you.', '[window:5.532s]', 'All representatives of the household'])
  })

  it('a window whose text is all repeat adds nothing', () => {
    const r = mergeWindowText(first, { index: 1, start: 7.4, overlapEnd: 7.9 }, [{ start: 0, end: 0.5, text: 'joining us.' }])
    expect(r.segments).toEqual(first)
    expect(r.from).toBe(1)
  })
})
