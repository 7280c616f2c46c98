/**
 * The export registry (`GET /api/recordings/:id/export/:format`) and the download file name.
 */
import type { Exporter } from './exporter.ts'
import { docxExporter } from './docx.ts'
import { jsonExporter } from './json.ts'
import { maxqdaExporter } from './maxqda.ts'
import { markdownExporter } from './md.ts'
import { srtExporter } from './srt.ts'
import { textExporter } from './txt.ts'
import { vttExporter } from './vtt.ts'

export type { Exporter, ExportDocument } from './exporter.ts'

/**
 * Every exporter keyed by its format, in the order the page offers them (the documents people ask for most first):
 * `docx`, `md`, `json`, `txt`, `srt`, `vtt`, `maxqda`.
 */
export const EXPORTERS: ReadonlyMap<string, Exporter> = new Map(
  [docxExporter, markdownExporter, jsonExporter, textExporter, srtExporter, vttExporter, maxqdaExporter].map(
    (e) => [e.format, e] as const,
  ),
)

/** The exporter for a format (exact, case-sensitive key as in EXPORTERS), or undefined when there is none. */
export function getExporter(format: string): Exporter | undefined {
  return EXPORTERS.get(format)
}

/** Extensions of audio and video files the panel accepts; only these are stripped from a recording's name. */
// prettier-ignore
const MEDIA_EXTENSIONS = new Set([
  '3gp', 'aac', 'aif', 'aifc', 'aiff', 'amr', 'avi', 'caf', 'flac', 'm4a', 'm4b', 'm4v', 'mka', 'mkv', 'mov', 'mp2',
  'mp3', 'mp4', 'mpeg', 'mpg', 'mpga', 'oga', 'ogg', 'opus', 'wav', 'weba', 'webm', 'wma', 'wmv',
])

// Path separators, C0/C1 control characters and the characters Windows forbids in file names.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[/\\\u0000-\u001F\u007F-\u009F<>:"|?*]/g

// Names Windows reserves for devices, also when an extension follows (`NUL.txt`).
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i

/** Longest base name in UTF-8 bytes: leaves room for a suffix and extension within the usual 255-byte limit. */
const MAX_BASE_BYTES = 200

/**
 * The download name of an export, from the recording's file name (`title`): Unicode NFC (macOS hands out decomposed
 * names), path separators, control characters and Windows-forbidden characters (`<>:"|?*`) replaced by `_`, a known
 * audio/video extension removed (`.m4a`, `.mp3`, … — any other dot stays: `Meeting 2024.01.05`), leading and
 * trailing dots and spaces trimmed (no hidden files, no `..`, nothing Windows would strip), Windows device names
 * (`CON`, `NUL`, …) given a leading `_`, cut to 200 UTF-8 bytes at a character boundary, `transcript` when nothing
 * is left; then the exporter's nameSuffix and extension. Letters of any script are kept.
 *
 * `Интервью 1.m4a` + md → `Интервью 1.md`; + maxqda → `Интервью 1_maxqda.txt`; `../evil.m4a` + md → `_evil.md`.
 * The result is a plain name, not yet a header value: the HTTP layer must still encode it for Content-Disposition
 * (`filename*=UTF-8''…`, RFC 6266 / RFC 8187).
 */
export function exportFileName(title: string, exporter: Pick<Exporter, 'extension' | 'nameSuffix'>): string {
  let base = trimName(withoutMediaExtension(title.normalize('NFC').replace(UNSAFE_CHARS, '_')))
  if (WINDOWS_DEVICE.test(base)) base = `_${base}`
  base = trimName(truncateUtf8(base, MAX_BASE_BYTES))
  if (base === '') base = 'transcript'
  return `${base}${exporter.nameSuffix ?? ''}.${exporter.extension}`
}

/**
 * A file name without a known audio/video extension (`Интервью 1.m4a` → `Интервью 1`); any other dot stays
 * (`Meeting 2024.01.05`). The exports' title when the user gave the recording none.
 */
export function withoutMediaExtension(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 && MEDIA_EXTENSIONS.has(name.slice(dot + 1).toLowerCase()) ? name.slice(0, dot) : name
}

function trimName(name: string): string {
  return name.replace(/^[\s.]+|[\s.]+$/g, '')
}

function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0
  let out = ''
  for (const ch of text) {
    bytes += Buffer.byteLength(ch, 'utf8')
    if (bytes > maxBytes) break
    out += ch
  }
  return out
}
