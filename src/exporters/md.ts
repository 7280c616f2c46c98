/**
 * Markdown export: title, a metadata list, one paragraph per speaker turn, then the segments the hallucination filter
 * removed, so a reader can see what was left out.
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import { speakerName } from '../domain/transcript.ts'
import { cleanText, FILTERED_HEADING, filteredSegments, formatDate, languageLabel, speakerNamesInUse } from './common.ts'
import { noteByline, NOTES_HEADING, QUOTES_HEADING, quoteLine } from './notes-section.ts'
import { recordedOnText, stampedTurns } from './stamps.ts'
import { formatDuration, formatTimestamp } from './timecode.ts'

/**
 * Escapes user text (titles, speaker names, transcript text, filter reasons) so Markdown shows it literally:
 * a backslash before every ASCII punctuation character that can start markup inline — `\` `` ` `` `*` `_` `[` `]`
 * `<` `>` `&` `|` `~` `#` `$`. CommonMark (https://spec.commonmark.org, "Backslash escapes") lets any ASCII punctuation be escaped this way,
 * so `<script>` stays text (no raw HTML), `*bold*` stays unformatted and `&amp;` is not read as an entity. `$` covers
 * math in GitHub-flavoured renderers. Block markers (`-`, `+`, `1.`, `>` at a line start) need no escape here because
 * exported user text never starts a line and never contains a newline (see cleanText).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>&|~#$]/g, '\\$&')
}

/**
 * Renders the document as CommonMark:
 *
 * ```
 * # <title>
 *
 * - Recorded on: 20 November 2026   (recordedAt; else "unknown (added <createdAt>)"), en-GB, in doc.timeZone
 * - Transcribed: 21 November 2026   (transcribedAt)
 * - Duration: 1:02:25               (H:MM:SS)
 * - Language: Russian (ru)
 * - Speakers: Interviewer, Анна Петрова
 *
 * **[00:01:23] Interviewer:** text of the turn's kept segments, joined with a space
 *   (doc.timestamps: `turn` as here; `none` drops the stamp; every N minutes stamps the first segment of each
 *   N-minute stretch, in the head or as a plain [00:10:02] inside the turn)
 *
 * ## Removed by the hallucination filter      (only when something was filtered)
 *
 * - [00:12:01] "text" — reason
 * ```
 *
 * LF line endings, one trailing newline; all user text escaped with escapeMarkdown.
 */
export function renderMarkdown(doc: ExportDocument): string {
  const t = doc.transcript
  const e = (s: string) => escapeMarkdown(cleanText(s))
  const speakers = speakerNamesInUse(t)
  const blocks: string[] = [
    `# ${e(doc.title)}`,
    [
      `- Recorded on: ${recordedOnText(doc.recordedAt, doc.createdAt, doc.timeZone)}`,
      `- Transcribed: ${formatDate(doc.transcribedAt, doc.timeZone)}`,
      `- Duration: ${formatDuration(t.duration)}`,
      `- Language: ${languageLabel(t.language)}`,
      `- Speakers: ${speakers.length > 0 ? speakers.map(e).join(', ') : 'none'}`,
    ].join('\n'),
  ]
  for (const { turn, stamp, parts } of stampedTurns(t, doc.timestamps ?? { every: 'turn' })) {
    const head = `**${stamp === null ? '' : `[${formatTimestamp(stamp)}] `}${e(speakerName(t, turn.speaker))}:**`
    const body = parts.map((p) => `${p.stamp === null ? '' : `[${formatTimestamp(p.stamp)}] `}${escapeMarkdown(p.text)}`).join(' ')
    blocks.push(`${head} ${body}`.trimEnd())
  }
  const filtered = filteredSegments(t)
  if (filtered.length > 0) {
    blocks.push(`## ${FILTERED_HEADING}`)
    const items = filtered.map((s) => `- [${formatTimestamp(s.start)}] "${e(s.text)}" — ${e(s.filtered.reason)}`)
    blocks.push(items.join('\n'))
  }
  if (doc.notes && doc.notes.length > 0) {
    blocks.push(`## ${NOTES_HEADING}`)
    for (const n of doc.notes) {
      blocks.push(`### ${e(n.title)}`, `*${e(noteByline(n, doc.timeZone))}*`)
      // The model's Markdown stays Markdown, a level below the note's title, with no raw HTML.
      const text = n.text
        .replace(/[<>&]/g, '\\$&')
        .replace(/^(#{1,3})(\s)/gm, '###$1$2')
        .trim()
      if (text) blocks.push(text)
      if (n.quotes.length > 0) blocks.push(`**${QUOTES_HEADING}:**`, n.quotes.map((q) => `- ${e(quoteLine(q))}`).join('\n'))
    }
  }
  return blocks.join('\n\n') + '\n'
}

/** The `md` exporter: text/markdown (RFC 7763), UTF-8. */
export const markdownExporter: Exporter = {
  format: 'md',
  label: 'md',
  timestamps: true,
  extension: 'md',
  contentType: 'text/markdown; charset=utf-8',
  render: async (doc) => renderMarkdown(doc),
}
