/**
 * The "Notes" section of the md and docx exports (`?notes=1`): each note's title, who wrote it (model, date,
 * emulated), its text as blocks (headings, bullets, paragraphs) and the list of its quotations with the result of
 * the check against the transcript. Pure; times are seconds.
 */
import type { NoteStatus } from '../domain/notes.ts'
import { cleanText, formatDate } from './common.ts'
import { formatTimestamp } from './timecode.ts'

/** A note as the exports show it. */
export interface ExportNote {
  title: string
  model: string
  /** ISO 8601. */
  createdAt: string
  status: NoteStatus
  emulated: boolean
  text: string
  quotes: { text: string; verified: boolean; start: number | null }[]
}

export const NOTES_HEADING = 'Notes'
export const QUOTES_HEADING = 'Quotations checked against the transcript'

/** "Written by gpt-4o-mini on 29 November 2026", with "(emulated)" and an unfinished note's status. */
export function noteByline(n: ExportNote, timeZone?: string): string {
  const status = n.status === 'stopped' ? ' (stopped before the end)' : n.status === 'failed' ? ' (failed before the end; the text is what was written)' : ''
  return `Written by ${n.model}${n.emulated ? ' (emulated: a local stand-in, not a language model)' : ''} on ${formatDate(n.createdAt, timeZone)}${status}`
}

/** One block of a note's text. `**bold**` markers and heading/bullet marks are taken off the text. */
export interface NoteBlock {
  kind: 'heading' | 'bullet' | 'paragraph'
  text: string
}

/** Splits a model's Markdown-ish text into blocks: `#` headings, `-`/`*`/`1.` bullets, other lines as paragraphs. */
export function noteBlocks(text: string): NoteBlock[] {
  const blocks: NoteBlock[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    const plain = (s: string) => cleanText(s.replace(/\*\*(.+?)\*\*/g, '$1'))
    const heading = /^#{1,6}\s+(.*)$/.exec(line)
    const bullet = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line)
    if (heading) blocks.push({ kind: 'heading', text: plain(heading[1]!) })
    else if (bullet) blocks.push({ kind: 'bullet', text: plain(bullet[1]!) })
    else blocks.push({ kind: 'paragraph', text: plain(line) })
  }
  return blocks
}

/** One line per quotation: `✓ [00:12:03] "text"` when found, `✗ not found in the transcript: "text"` when not. */
export function quoteLine(q: ExportNote['quotes'][number]): string {
  return q.verified && q.start !== null ? `✓ [${formatTimestamp(q.start)}] "${cleanText(q.text)}"` : `✗ not found in the transcript: "${cleanText(q.text)}"`
}
