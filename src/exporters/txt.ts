/**
 * Plain-text export: one paragraph per speaker turn, `[HH:MM:SS] Speaker: text`, a blank line between turns.
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import { speakerName, speakerTurns } from '../domain/transcript.ts'
import { cleanText, turnText } from './common.ts'
import { formatTimestamp } from './timecode.ts'

/**
 * Renders the kept transcript as plain text, no header:
 *
 * ```
 * [00:00:00] Interviewer: Good morning, Anna.
 *
 * [00:00:10] Анна Петрова: Да, конечно.
 * ```
 *
 * The timestamp is the turn's start (HH:MM:SS, cut to the second); the text is the turn's segments joined with a
 * space, written as is (plain text needs no escaping). LF line endings, one trailing newline; an empty string when
 * nothing was kept.
 */
export function renderText(doc: ExportDocument): string {
  const t = doc.transcript
  const paragraphs = speakerTurns(t).map((turn) =>
    `[${formatTimestamp(turn.start)}] ${cleanText(speakerName(t, turn.speaker))}: ${turnText(turn)}`.trimEnd(),
  )
  return paragraphs.length > 0 ? paragraphs.join('\n\n') + '\n' : ''
}

/** The `txt` exporter: text/plain, UTF-8. */
export const textExporter: Exporter = {
  format: 'txt',
  extension: 'txt',
  contentType: 'text/plain; charset=utf-8',
  render: async (doc) => renderText(doc),
}
