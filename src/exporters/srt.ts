/**
 * SubRip (SRT) export: one numbered cue per kept segment (long segments split, see cues.ts), the speaker's name in
 * brackets before the text.
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import { subtitleCues } from './cues.ts'
import { formatSrtTime } from './timecode.ts'

/**
 * Renders the kept transcript as SRT:
 *
 * ```
 * 1
 * 00:00:00,520 --> 00:00:04,800
 * [Interviewer] Good morning, Anna.
 *
 * 2
 * …
 * ```
 *
 * Cues numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, one text line, a blank line between cues. The speaker is
 * written as `[Name] ` rather than `Name: ` so it cannot be mistaken for text that itself starts with `Word:`.
 * LF line endings (SRT readers accept LF and CRLF; LF matches our other text exports), UTF-8 without a byte-order
 * mark, one trailing newline; an empty string when nothing was kept.
 * SRT has no escaping: text is written as is, so a player that reads SRT's informal tags (`<i>`, `<b>`, `{\an8}`)
 * may style text that contains them literally; the WebVTT export escapes them.
 */
export function renderSrt(doc: ExportDocument): string {
  const cues = subtitleCues(doc.transcript).map(
    (c, i) => `${i + 1}\n${formatSrtTime(c.start)} --> ${formatSrtTime(c.end)}\n[${c.speaker}] ${c.text}\n`,
  )
  return cues.join('\n')
}

/** The `srt` exporter: `application/x-subrip` (SRT has no registered media type; this is the common one), UTF-8. */
export const srtExporter: Exporter = {
  format: 'srt',
  label: 'srt',
  timestamps: false,
  extension: 'srt',
  contentType: 'application/x-subrip; charset=utf-8',
  render: async (doc) => renderSrt(doc),
}
