/**
 * WebVTT export: one cue per kept segment (long segments split, see cues.ts), the speaker as a voice span.
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import { subtitleCues } from './cues.ts'
import { formatVttTime } from './timecode.ts'

/**
 * Escapes text for WebVTT cue text and for a voice span's annotation: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`
 * (W3C WebVTT, "WebVTT cue text span", "WebVTT cue span start tag annotation text" and the character references
 * they allow). This also turns a `-->` inside the text into `--&gt;`, which a cue's text may not contain.
 */
export function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Renders the kept transcript as WebVTT:
 *
 * ```
 * WEBVTT
 *
 * 00:00:00.520 --> 00:00:04.800
 * <v Interviewer>Good morning, Anna.
 *
 * …
 * ```
 *
 * The `WEBVTT` signature line, then cues without identifiers, `HH:MM:SS.mmm --> HH:MM:SS.mmm`, the text in a voice
 * span `<v Name>` (the closing `</v>` is optional at the end of a cue and left out), names and text escaped with
 * escapeVtt. LF line endings, UTF-8 (the only encoding WebVTT allows), one trailing newline.
 */
export function renderVtt(doc: ExportDocument): string {
  const cues = subtitleCues(doc.transcript).map((c) => {
    const timing = `${formatVttTime(c.start)} --> ${formatVttTime(c.end)}`
    return `${timing}\n<v ${escapeVtt(c.speaker)}>${escapeVtt(c.text)}\n`
  })
  return ['WEBVTT\n', ...cues].join('\n')
}

/** The `vtt` exporter: text/vtt (the media type the WebVTT specification registers), UTF-8. */
export const vttExporter: Exporter = {
  format: 'vtt',
  label: 'vtt',
  timestamps: false,
  extension: 'vtt',
  contentType: 'text/vtt; charset=utf-8',
  render: async (doc) => renderVtt(doc),
}
