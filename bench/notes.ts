/**
 * Benchmark 8: the pure parts of a note on a 3-hour, 3,000-segment transcript, in this process: the prompt lines
 * and their split by speaker turns for an 8,000-token context (what `NotesService` does before the first request),
 * and the check of a note with 30 quotations (20 taken from the transcript with small changes, 10 invented)
 * against it. Median of 5 runs after one warm-up run.
 */
import { performance } from 'node:perf_hooks'
import { estimateMessagesTokens, noteMessages, promptLines, splitByTurns, tokenBudget } from '../src/domain/note-prompt.ts'
import { checkQuotes, formatCitation } from '../src/domain/quotes.ts'
import { keptSegments } from '../src/domain/transcript.ts'
import { longTranscript } from './transcript.ts'
import { median, ms, row, type ResultRow } from './lib/report.ts'

/** Runs benchmark 8 and returns its rows. */
export async function benchNotes(log: (line: string) => void): Promise<ResultRow[]> {
  const t = longTranscript()
  const kept = keptSegments(t)
  const instruction = { title: 'Key points with quotes', text: 'List the key points, each with a quotation.' }
  // 20 real quotes (every 150th kept segment, lower-cased, punctuation dropped) and 10 invented ones.
  const real = kept.filter((_, i) => i % 150 === 75).slice(0, 20)
  const note = [
    ...real.map((s) => `- A point: "${s.text.toLowerCase().replace(/[.,!?]/g, '')}" ${formatCitation(s.start)}`),
    ...Array.from({ length: 10 }, (_, i) => `- Invented: "the committee never once discussed budget item number ${i} with the staff" [10:00]`),
  ].join('\n')
  const splitTimes: number[] = []
  const checkTimes: number[] = []
  let parts = 0
  let verified = 0
  for (let run = 0; run < 6; run++) {
    const t0 = performance.now()
    const lines = promptLines(t)
    const budget = tokenBudget(8000)
    parts = splitByTurns(lines, budget.contextTokens - budget.answerTokens, estimateMessagesTokens(noteMessages(instruction, lines.slice(0, 1), 1, 2))).length
    const t1 = performance.now()
    verified = checkQuotes(note, kept).filter((q) => q.verified).length
    const t2 = performance.now()
    if (run === 0) continue
    splitTimes.push(t1 - t0)
    checkTimes.push(t2 - t1)
  }
  log(`  ${kept.length} kept segments → ${parts} parts for an 8,000-token context; ${verified} of 30 quotations verified (20 real, 10 invented)`)
  return [
    row('notes: prompt lines + split by turns (3 h)', ms(median(splitTimes)), '< 100 ms', median(splitTimes) < 100),
    row('notes: check 30 quotations (3 h)', ms(median(checkTimes)), '< 1 s', median(checkTimes) < 1000 && verified === 20),
  ]
}
