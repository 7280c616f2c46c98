/**
 * Word (.docx) export, built with the `docx` library (never hand-written XML): title, metadata lines, one block per
 * speaker turn, and an appendix listing what the hallucination filter removed.
 */
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx'
import type { Exporter, ExportDocument } from './exporter.ts'
import { speakerName } from '../domain/transcript.ts'
import { cleanText, FILTERED_HEADING, filteredSegments, formatDate, languageLabel, speakerNamesInUse } from './common.ts'
import { noteBlocks, noteByline, NOTES_HEADING, QUOTES_HEADING, quoteLine } from './notes-section.ts'
import { recordedOnText, stampedTurns } from './stamps.ts'
import { formatDuration, formatTimestamp } from './timecode.ts'

/**
 * Body font. Calibri has Cyrillic and Latin glyphs; LibreOffice substitutes the metric-compatible Carlito, which has
 * them too. Set on the document defaults so every run (Latin and Cyrillic alike, `w:ascii` and `w:hAnsi`) uses it.
 */
export const DOCX_FONT = 'Calibri'

/** Grey of the timestamps (hex RGB, as `w:color` takes it). */
const GREY = '7F7F7F'

/**
 * Renders the document as a .docx file:
 * - Title (Word's "Title" style): the recording's file name;
 * - metadata lines with bold labels: Recorded on (recordedAt, else "unknown (added …)"), Transcribed (en-GB dates in doc.timeZone), Duration (H:MM:SS), Language,
 *   Speakers;
 * - per speaker turn: a line with the speaker's name in bold and the turn's start `[HH:MM:SS]` in grey (kept with the
 *   next paragraph so it is never alone at a page end), then the turn's text as a paragraph; doc.timestamps `none`
 *   leaves the stamp out, every N minutes keeps it only where an N-minute stretch begins (grey, inside the text too);
 * - when segments were filtered, a "Removed by the hallucination filter" heading (Heading 1) and one line per segment:
 *   grey `[HH:MM:SS]`, the text in quotes and the reason in italics (as in the Markdown export).
 * Text is cleaned (cleanText: no control characters, which XML rejects) and escaped by the library.
 * Core properties: title = the file name, creator = "Scribe Panel". Returns the zip bytes (`Packer.toBuffer`).
 */
export async function renderDocx(doc: ExportDocument): Promise<Uint8Array> {
  const t = doc.transcript
  const speakers = speakerNamesInUse(t)
  const children: Paragraph[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(cleanText(doc.title))] }),
    metadataLine('Recorded on', recordedOnText(doc.recordedAt, doc.createdAt, doc.timeZone)),
    metadataLine('Transcribed', formatDate(doc.transcribedAt, doc.timeZone)),
    metadataLine('Duration', formatDuration(t.duration)),
    metadataLine('Language', languageLabel(t.language)),
    metadataLine('Speakers', speakers.length > 0 ? speakers.map(cleanText).join(', ') : 'none'),
  ]
  for (const { turn, stamp, parts } of stampedTurns(t, doc.timestamps ?? { every: 'turn' })) {
    const head = [new TextRun({ text: cleanText(speakerName(t, turn.speaker)), bold: true })]
    if (stamp !== null) head.push(new TextRun({ text: `  [${formatTimestamp(stamp)}]`, color: GREY }))
    const body = parts.flatMap((p, i) => [
      ...(p.stamp === null ? [] : [new TextRun({ text: `${i ? ' ' : ''}[${formatTimestamp(p.stamp)}] `, color: GREY })]),
      new TextRun(`${i && p.stamp === null ? ' ' : ''}${p.text}`),
    ])
    children.push(new Paragraph({ keepNext: true, spacing: { before: 240 }, children: head }), new Paragraph({ children: body }))
  }
  const filtered = filteredSegments(t)
  if (filtered.length > 0) {
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, spacing: { before: 480, after: 120 }, children: [new TextRun(FILTERED_HEADING)] }))
    for (const s of filtered) {
      children.push(
        new Paragraph({
          children: [
            new TextRun({ text: `[${formatTimestamp(s.start)}] `, color: GREY }),
            new TextRun(`"${cleanText(s.text)}" — `),
            new TextRun({ text: cleanText(s.filtered.reason), italics: true }),
          ],
        }),
      )
    }
  }
  for (const [i, n] of (doc.notes ?? []).entries()) {
    if (i === 0) children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, spacing: { before: 480, after: 120 }, children: [new TextRun(NOTES_HEADING)] }))
    children.push(
      new Paragraph({ heading: HeadingLevel.HEADING_2, spacing: { before: 240 }, children: [new TextRun(cleanText(n.title))] }),
      new Paragraph({ children: [new TextRun({ text: noteByline(n, doc.timeZone), italics: true, color: GREY })] }),
    )
    for (const b of noteBlocks(n.text)) {
      if (b.kind === 'heading') children.push(new Paragraph({ spacing: { before: 160 }, children: [new TextRun({ text: b.text, bold: true })] }))
      else if (b.kind === 'bullet') children.push(new Paragraph({ bullet: { level: 0 }, children: [new TextRun(b.text)] }))
      else children.push(new Paragraph({ children: [new TextRun(b.text)] }))
    }
    if (n.quotes.length > 0) {
      children.push(new Paragraph({ spacing: { before: 160 }, children: [new TextRun({ text: `${QUOTES_HEADING}:`, bold: true })] }))
      for (const q of n.quotes) children.push(new Paragraph({ children: [new TextRun({ text: quoteLine(q), ...(q.verified ? {} : { color: 'B42318' }) })] }))
    }
  }
  const document = new Document({
    title: cleanText(doc.title),
    creator: 'Scribe Panel',
    description: 'Interview transcript exported from Scribe Panel',
    styles: { default: { document: { run: { font: DOCX_FONT, size: 22 } } } }, // size in half-points: 11 pt
    sections: [{ children }],
  })
  const bytes = await Packer.toBuffer(document)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function metadataLine(label: string, value: string): Paragraph {
  return new Paragraph({ children: [new TextRun({ text: `${label}: `, bold: true }), new TextRun(value)] })
}

/** The `docx` exporter: the WordprocessingML media type (ECMA-376 / IANA). */
export const docxExporter: Exporter = {
  format: 'docx',
  label: 'docx',
  timestamps: true,
  extension: 'docx',
  contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  render: (doc) => renderDocx(doc),
}
