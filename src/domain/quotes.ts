/**
 * Quote checking for LLM notes: find each quotation a model wrote in the transcript it was given, tolerating
 * case, punctuation and small differences (a changed letter, a dropped or added word), and link it to the
 * segment it comes from. Pure: no I/O. Times are seconds from the start of the recording.
 *
 * How a quote is matched: both texts are cut into normalized words (NFKC, lower case, ё → е, everything that is
 * not a letter or digit is a separator). Places in the transcript that share words with the quote are voted for;
 * at the best places the quote is aligned word by word against the transcript (a semi-global edit distance where
 * a word replaced by a similar word costs less than 1). Similarity = 1 − cost / number of quoted words.
 */

/** A kept segment, as quotes are matched against it. */
export interface QuoteSource {
  id: string
  /** Seconds. */
  start: number
  text: string
}

/** A quotation found in a note, before it is checked. */
export interface ExtractedQuote {
  /** The quoted words as the model wrote them, without the quotation marks. */
  text: string
  /** The time the model cited next to it (`[12:34]` or `[1:02:03]`, seconds), or null when it cited none. */
  cited: number | null
}

/** A quotation after the check. */
export interface CheckedQuote extends ExtractedQuote {
  /** True when the words were found in the transcript (similarity ≥ QUOTE_MIN_SIMILARITY). */
  verified: boolean
  /** The segment where the best match starts (also given for an unverified quote's nearest miss: null then). */
  segmentId: string | null
  /** That segment's start, seconds; null when unverified. */
  start: number | null
  /** Similarity of the best place found, in [0, 1]. */
  similarity: number
}

/** A quote counts as found from this similarity on: one changed word in ten, or a few changed letters. */
export const QUOTE_MIN_SIMILARITY = 0.8

/** Quoted texts with fewer normalized words are treated as terms ("so-called"), not as quotations to check. */
export const QUOTE_MIN_WORDS = 2

/** Normalized words of a text: NFKC, lower case, ё → е, apostrophes dropped, any other non-letter/digit separates. */
export function matchWords(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/ё/g, 'е')
      .replace(/['’ʼ`]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  )
}

const CITATION = /\[(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\]/g

/** Seconds of a `[mm:ss]` or `[h:mm:ss]` citation, or null when the text is not one. */
export function parseCitation(text: string): number | null {
  const m = /^\[(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\]$/.exec(text.trim())
  return m ? citationSeconds(m) : null
}

function citationSeconds(m: RegExpExecArray): number {
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3])
}

/** `[mm:ss]`, or `[h:mm:ss]` from one hour on: how prompts show times and how models are asked to cite them. */
export function formatCitation(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0')
  const ss = String(s % 60).padStart(2, '0')
  return s >= 3600 ? `[${Math.floor(s / 3600)}:${mm}:${ss}]` : `[${mm}:${ss}]`
}

// Pairs of quotation marks: “English”, „German/Russian“, «Russian», "straight". Single quotes are left out: they
// are also apostrophes.
const QUOTED = /“([^”\n]+)”|„([^“”\n]+)[“”]|«([^»\n]+)»|"([^"\n]+)"/g

/**
 * Finds the quotations in a note: text between quotation marks on one line, and Markdown block quotes (`> …`).
 * The cited time is the first `[mm:ss]` after the closing mark on the same line, else the last one before it.
 * Quotes of fewer than QUOTE_MIN_WORDS words are left out.
 */
export function extractQuotes(note: string): ExtractedQuote[] {
  const quotes: ExtractedQuote[] = []
  for (const line of note.split('\n')) {
    const found: { text: string; from: number; to: number }[] = []
    const block = /^\s*>\s?(.*)$/.exec(line)
    if (block && !/["“„«]/.test(block[1]!)) {
      const body = block[1]!.replace(CITATION, '').trim()
      found.push({ text: body, from: line.length, to: line.length }) // its citation is on the same line
    } else {
      for (const m of line.matchAll(QUOTED)) found.push({ text: (m[1] ?? m[2] ?? m[3] ?? m[4])!, from: m.index, to: m.index + m[0].length })
    }
    const citations = [...line.matchAll(CITATION)].map((m) => ({ at: m.index, seconds: citationSeconds(m) }))
    for (const q of found) {
      const text = q.text.trim()
      if (matchWords(text).length < QUOTE_MIN_WORDS) continue
      const after = citations.find((c) => c.at >= q.to)
      const before = citations.filter((c) => c.at < q.from).at(-1)
      quotes.push({ text, cited: (after ?? before)?.seconds ?? null })
    }
  }
  return quotes
}

/** The transcript prepared for matching many quotes (build once per note). */
export interface QuoteIndex {
  words: string[]
  /** Index into `segments` of each word. */
  segmentOf: number[]
  segments: QuoteSource[]
  positions: Map<string, number[]>
}

/** Prepares kept segments (in time order) for matching. */
export function buildQuoteIndex(segments: readonly QuoteSource[]): QuoteIndex {
  const words: string[] = []
  const segmentOf: number[] = []
  const positions = new Map<string, number[]>()
  segments.forEach((s, i) => {
    for (const w of matchWords(s.text)) {
      const list = positions.get(w)
      if (list) list.push(words.length)
      else positions.set(w, [words.length])
      words.push(w)
      segmentOf.push(i)
    }
  })
  return { words, segmentOf, segments: [...segments], positions }
}

/** Levenshtein distance of two short strings. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1), prev[j]! + 1, row[j - 1]! + 1))
    prev = row
  }
  return prev[b.length]!
}

/** Cost of writing `a` where the transcript has `b`: 0 for the same word, < 1 for a close spelling, else 1. */
function wordCost(a: string, b: string): number {
  if (a === b) return 0
  const longest = Math.max(a.length, b.length)
  if (longest < 4) return 1
  const d = editDistance(a, b) / longest
  return d <= 0.34 ? d : 1
}

/** Best alignment of all of `quote` to some run of `words[from..to)`: cost and the first transcript word used. */
function align(quote: string[], words: string[], from: number, to: number): { cost: number; start: number } {
  const n = to - from
  // cost[j] / start[j]: best cost of aligning the quote's first i words ending just before transcript word from+j.
  let cost = new Array<number>(n + 1).fill(0)
  let start = Array.from({ length: n + 1 }, (_, j) => from + j)
  for (let i = 1; i <= quote.length; i++) {
    const nextCost = [i]
    const nextStart = [from]
    for (let j = 1; j <= n; j++) {
      const substitution = wordCost(quote[i - 1]!, words[from + j - 1]!)
      const diag = cost[j - 1]! + substitution
      const skipQuote = cost[j]! + 1
      const skipText = nextCost[j - 1]! + 1
      // On a tie, a wholly different word is a quoted word missing, so the match does not start a word early.
      if (diag < skipQuote ? diag <= skipText : diag === skipQuote && substitution < 1 && diag <= skipText) (nextCost.push(diag), nextStart.push(start[j - 1]!))
      else if (skipQuote <= skipText) (nextCost.push(skipQuote), nextStart.push(start[j]!))
      else (nextCost.push(skipText), nextStart.push(nextStart[j - 1]!))
    }
    cost = nextCost
    start = nextStart
  }
  let best = { cost: Infinity, start: from }
  for (let j = 0; j <= n; j++) if (cost[j]! < best.cost) best = { cost: cost[j]!, start: start[j]! }
  return best
}

/**
 * Finds `quote` (a piece without ellipsis) in the transcript.
 * @param near - a word position to prefer among equally good places (from the cited time), or null.
 * @returns the best place: similarity in [0, 1] and the position of its first word, or null when no word is shared.
 */
function findWords(quote: string[], index: QuoteIndex, near: number | null): { similarity: number; position: number } | null {
  const m = quote.length
  const votes = new Map<number, number>()
  quote.forEach((w, offset) => {
    for (const p of index.positions.get(w) ?? []) votes.set(p - offset, (votes.get(p - offset) ?? 0) + 1)
  })
  if (votes.size === 0) return null
  const distance = (p: number) => (near === null ? 0 : Math.abs(p - near))
  const candidates = [...votes.entries()].sort((a, b) => b[1] - a[1] || distance(a[0]) - distance(b[0])).slice(0, 16)
  let best: { similarity: number; position: number } | null = null
  const slack = Math.max(2, Math.ceil(m * 0.25))
  for (const [s] of candidates) {
    const from = Math.max(0, s - slack)
    const to = Math.min(index.words.length, s + m + slack)
    if (to <= from) continue
    const { cost, start } = align(quote, index.words, from, to)
    const similarity = Math.max(0, 1 - cost / m)
    if (!best || similarity > best.similarity + 1e-9 || (Math.abs(similarity - best.similarity) <= 1e-9 && distance(start) < distance(best.position))) {
      best = { similarity, position: start }
    }
  }
  return best
}

/** The first word position at or after `seconds`, for preferring the place a model cited. */
function positionAt(index: QuoteIndex, seconds: number | null): number | null {
  if (seconds === null) return null
  const p = index.segmentOf.findIndex((s) => index.segments[s]!.start >= seconds - 1)
  return p === -1 ? index.words.length - 1 : p
}

/**
 * Checks one quotation against the transcript. A quote with an ellipsis (`...` or `…`) is checked piece by piece;
 * it is verified when every piece is found, in order, within about 300 words.
 */
export function checkQuote(quote: ExtractedQuote, index: QuoteIndex): CheckedQuote {
  const pieces = quote.text
    .split(/\.\.\.|…|\[\s*\.\.\.\s*\]/)
    .map(matchWords)
    .filter((p) => p.length > 0)
  const missing: CheckedQuote = { ...quote, verified: false, segmentId: null, start: null, similarity: 0 }
  if (pieces.length === 0) return missing
  let near = positionAt(index, quote.cited)
  let first: { similarity: number; position: number } | null = null
  let worst = 1
  let last = -1
  for (const piece of pieces) {
    const found = findWords(piece, index, near ?? (last >= 0 ? last : null))
    if (!found) return missing
    worst = Math.min(worst, found.similarity)
    if (last >= 0 && (found.position < last || found.position - last > 300)) worst = Math.min(worst, QUOTE_MIN_SIMILARITY - 0.01)
    first ??= found
    last = found.position
    near = found.position + piece.length
  }
  const segment = index.segments[index.segmentOf[first!.position]!]!
  const verified = worst >= QUOTE_MIN_SIMILARITY
  return { ...quote, verified, similarity: Math.round(worst * 1000) / 1000, segmentId: verified ? segment.id : null, start: verified ? segment.start : null }
}

/** Extracts every quotation from a note and checks each against the kept segments (in time order). */
export function checkQuotes(note: string, segments: readonly QuoteSource[]): CheckedQuote[] {
  const index = buildQuoteIndex(segments)
  return extractQuotes(note).map((q) => checkQuote(q, index))
}
