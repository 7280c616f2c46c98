import { describe, expect, it } from 'vitest'
import { parseJsonLenient, rewriteNonFiniteTokens } from './python-json.ts'

describe('parseJsonLenient', () => {
  it('reads the bare NaN / Infinity / -Infinity tokens Python writes as null', () => {
    const text = '{"segments": [{"start": NaN, "end": Infinity, "words": [{"word": "x", "score": -Infinity}]}], "n": -1.5e3}'
    expect(parseJsonLenient(text)).toEqual({ segments: [{ start: null, end: null, words: [{ word: 'x', score: null }] }], n: -1500 })
  })
  it('leaves the same words inside strings alone, escapes included', () => {
    const text = '{"text": "NaN \\"Infinity\\" -Infinity", "v": NaN}'
    expect(parseJsonLenient(text)).toEqual({ text: 'NaN "Infinity" -Infinity', v: null })
  })
  it('still refuses text that is not JSON', () => {
    expect(() => parseJsonLenient('{"a": nan}')).toThrow(SyntaxError)
    expect(() => parseJsonLenient('<html>')).toThrow(SyntaxError)
  })
  it('rewrites tokens with any replacement (the emulator keeps them as markers)', () => {
    expect(rewriteNonFiniteTokens('[NaN,-Infinity,"NaN",1]', (t) => `"<${t}>"`)).toBe('["<NaN>","<-Infinity>","NaN",1]')
  })
})
