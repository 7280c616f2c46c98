import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import { docxExporter, DOCX_FONT } from '../../src/exporters/docx.ts'
import { FILTERED_HEADING } from '../../src/exporters/common.ts'
import { CYRILLIC_SENTENCE, FILTERED_REASON, FILTERED_TEXT, sampleDocument } from '../fixtures/exports/sample.ts'

async function documentXml(doc = sampleDocument()): Promise<{ zip: JSZip; xml: string }> {
  const bytes = await docxExporter.render(doc)
  expect(bytes).toBeInstanceOf(Uint8Array)
  const zip = await JSZip.loadAsync(bytes as Uint8Array)
  const xml = await zip.file('word/document.xml')!.async('string')
  return { zip, xml }
}

/** The text of every `w:t` element, in document order, XML entities decoded. */
function texts(xml: string): string[] {
  const decode = (s: string) =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
  return [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => decode(m[1]!))
}

describe('docx export', () => {
  it('is a Word package with the main document part', async () => {
    const { zip } = await documentXml()
    expect(zip.file('[Content_Types].xml')).not.toBeNull()
    expect(zip.file('word/styles.xml')).not.toBeNull()
    const core = await zip.file('docProps/core.xml')!.async('string')
    expect(core).toContain('<dc:title>Интервью 1</dc:title>')
  })

  it('holds the title, metadata, renamed speakers, a timestamp and the Cyrillic text', async () => {
    const all = texts((await documentXml()).xml).join('')
    expect(all).toContain('Интервью 1Recorded on: 21 November 2026')
    expect(all).toContain('1:02:25')
    expect(all).toContain('Russian (ru)')
    expect(all).toContain('Interviewer')
    expect(all).toContain('Анна Петрова')
    expect(all).toContain('[01:02:03]')
    expect(all).toContain(CYRILLIC_SENTENCE)
    expect(all).toContain('So the file said <b>&"urgent"</b>')
  })

  it('lists the filtered segment only in the appendix', async () => {
    const all = texts((await documentXml()).xml).join('\n')
    const appendix = all.indexOf(FILTERED_HEADING)
    expect(appendix).toBeGreaterThan(all.indexOf(CYRILLIC_SENTENCE))
    expect(all.indexOf(FILTERED_TEXT)).toBeGreaterThan(appendix)
    expect(all.indexOf(FILTERED_TEXT)).toBe(all.lastIndexOf(FILTERED_TEXT))
    expect(all.slice(appendix)).toContain(FILTERED_REASON)
    expect(all.slice(appendix)).toContain('[00:12:05]')
  })

  it('uses the Title style and a Cyrillic-capable default font', async () => {
    const { zip, xml } = await documentXml()
    expect(xml).toContain('<w:pStyle w:val="Title"/>')
    const styles = await zip.file('word/styles.xml')!.async('string')
    expect(styles).toMatch(new RegExp(`<w:rFonts[^>]*w:hAnsi="${DOCX_FONT}"`))
  })

  it('leaves timestamps out, or keeps them only where each N-minute stretch begins', async () => {
    const stamps = async (timestamps: NonNullable<ReturnType<typeof sampleDocument>['timestamps']>) =>
      texts((await documentXml({ ...sampleDocument(), timestamps })).xml)
        .join('')
        .split(FILTERED_HEADING)[0]!
        .match(/\[\d\d:\d\d:\d\d\]/g) ?? []
    expect(await stamps({ every: 'none' })).toEqual([])
    const turn = await stamps({ every: 'turn' })
    const hourly = await stamps({ every: 'minutes', minutes: 60 })
    expect(hourly.length).toBeGreaterThan(0)
    expect(hourly.length).toBeLessThan(turn.length)
    expect(hourly[0]).toBe('[00:00:00]')
  })
})
