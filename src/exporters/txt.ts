/**
 * Plain-text export: one paragraph per speaker turn, `[HH:MM:SS] Speaker: text`, a blank line between turns.
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import { speakerName } from '../domain/transcript.ts'
import { cleanText } from './common.ts'
import { stampedTurns } from './stamps.ts'
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
 * With doc.timestamps `none` the `[HH:MM:SS] ` goes; every N minutes, it stays only where an N-minute stretch
 * begins (also inside a turn). The timestamp is the turn's start (HH:MM:SS, cut to the second); the text is the turn's segments joined with a
 * space, written as is (plain text needs no escaping). LF line endings, one trailing newline; an empty string when
 * nothing was kept.
 */
export function renderText(doc: ExportDocument): string {
  const t = doc.transcript
  const paragraphs = stampedTurns(t, doc.timestamps ?? { every: 'turn' }).map(({ turn, stamp, parts }) => {
    const body = parts.map((p) => `${p.stamp === null ? '' : `[${formatTimestamp(p.stamp)}] `}${p.text}`).join(' ')
    return `${stamp === null ? '' : `[${formatTimestamp(stamp)}] `}${cleanText(speakerName(t, turn.speaker))}: ${body}`.trimEnd()
  })
  return paragraphs.length > 0 ? paragraphs.join('\n\n') + '\n' : ''
}

/** The `txt` exporter: text/plain, UTF-8. */
export const textExporter: Exporter = {
  format: 'txt',
  label: 'txt',
  timestamps: true,
  extension: 'txt',
  contentType: 'text/plain; charset=utf-8',
  render: async (doc) => renderText(doc),
}
