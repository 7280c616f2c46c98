import { describe, expect, it } from 'vitest'
import { EXPORTERS, exportFileName, getExporter } from './index.ts'
import { parseTimestampMode, TIMESTAMP_CHOICES } from './stamps.ts'

const md = getExporter('md')!
const maxqda = getExporter('maxqda')!

describe('EXPORTERS', () => {
  it('has every format once, keyed by its own format', () => {
    expect([...EXPORTERS.keys()]).toEqual(['docx', 'md', 'json', 'txt', 'srt', 'vtt', 'maxqda'])
    for (const [key, e] of EXPORTERS) {
      expect(e.format).toBe(key)
      expect(e.contentType).not.toBe('')
    }
    expect(getExporter('pdf')).toBeUndefined()
    expect(getExporter('MD')).toBeUndefined()
  })

  it('offers only timestamp choices the export route accepts, "turn" (the default) first', () => {
    expect(TIMESTAMP_CHOICES[0]?.value).toBe('turn')
    for (const choice of TIMESTAMP_CHOICES) expect(() => parseTimestampMode(choice.value)).not.toThrow()
  })

  it('gives text formats a UTF-8 charset', () => {
    for (const f of ['json', 'md', 'srt', 'vtt', 'txt', 'maxqda']) {
      expect(getExporter(f)!.contentType).toMatch(/charset=utf-8$/)
    }
  })
})

describe('exportFileName', () => {
  it('replaces the audio extension and keeps Cyrillic', () => {
    expect(exportFileName('Интервью 1.m4a', md)).toBe('Интервью 1.md')
    expect(exportFileName('Интервью 1.m4a', maxqda)).toBe('Интервью 1_maxqda.txt')
    expect(exportFileName('talk.MP3', getExporter('docx')!)).toBe('talk.docx')
  })

  it('cannot escape the download folder or hide the file', () => {
    expect(exportFileName('../evil.m4a', md)).toBe('_evil.md')
    expect(exportFileName('..\\..\\evil.m4a', md)).toBe('_.._evil.md')
    expect(exportFileName('/etc/passwd', md)).toBe('_etc_passwd.md')
    expect(exportFileName('.hidden.wav', md)).toBe('hidden.md')
  })

  it('handles names without an extension or with other dots', () => {
    expect(exportFileName('Interview', md)).toBe('Interview.md')
    expect(exportFileName('Meeting 2024.01.05', md)).toBe('Meeting 2024.01.05.md')
    expect(exportFileName('notes.final.m4a', md)).toBe('notes.final.md')
  })

  it('replaces control and Windows-forbidden characters', () => {
    expect(exportFileName('a\u0000b\nc\u0085d.wav', md)).toBe('a_b_c_d.md')
    expect(exportFileName('Q: "why?" <a|b>*.ogg', md)).toBe('Q_ _why__ _a_b__.md')
    expect(exportFileName('CON.m4a', md)).toBe('_CON.md')
  })

  it('falls back to a name when nothing is left, and stays short', () => {
    expect(exportFileName('', md)).toBe('transcript.md')
    expect(exportFileName('...', md)).toBe('transcript.md')
    expect(exportFileName('.m4a', md)).toBe('m4a.md')
    const long = exportFileName(`${'Я'.repeat(300)}.m4a`, md)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255)
    expect(long).toBe(`${'Я'.repeat(100)}.md`)
  })

  it('normalizes decomposed Unicode (macOS file names) to NFC', () => {
    expect(exportFileName('Йошкар-Ола.m4a'.normalize('NFD'), md)).toBe('Йошкар-Ола.md')
  })
})
