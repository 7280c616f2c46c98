/** SQLite FTS5 helpers shared by the transcript and note indexes. */

/**
 * FTS5 query for what a user typed: every word must occur, as a word prefix ("интерв" finds
 * "интервью"). Words are quoted, so FTS5 operators in the input are taken literally.
 */
export function ftsQuery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}]+/gu)
  if (!words || words.length === 0) return null
  return words.slice(0, 12).map((w) => `"${w}"*`).join(' ')
}

/** Splits FTS5 highlight() output (matches between \x01 and \x02) into parts. */
export function splitMarked(marked: string): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = []
  for (const piece of marked.split('\u0001')) {
    const end = piece.indexOf('\u0002')
    if (end === -1) {
      if (piece) parts.push({ text: piece, match: false })
      continue
    }
    parts.push({ text: piece.slice(0, end), match: true })
    if (end + 1 < piece.length) parts.push({ text: piece.slice(end + 1), match: false })
  }
  return parts
}
