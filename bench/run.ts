/**
 * `npm run bench`: performance benchmarks of the panel on the local stand-ins (the S3 server and the
 * RunPod emulator). Prints machine information, then one table of measured values next to their
 * targets. It reports and never gates: the exit code is 0 even when a target is missed (non-zero
 * only when the bench itself cannot run). `npm run bench -- upload jobs` runs a subset; names:
 * upload, jobs, transcript, review, inflight, speech, drop, notes, copy.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { benchCopy } from './copy.ts'
import { benchDrop } from './drop.ts'
import { benchInflight } from './inflight.ts'
import { benchJobs } from './jobs.ts'
import { benchNotes } from './notes.ts'
import { benchReview } from './review.ts'
import { benchSpeech } from './speech.ts'
import { benchTranscript } from './transcript.ts'
import { benchUpload } from './upload.ts'
import { errorRow, formatTable, loadLine, machineInfo, ms, type ResultRow } from './lib/report.ts'
import { ROOT } from './lib/stand-ins.ts'

type Bench = (log: (line: string) => void) => Promise<ResultRow[]>

const BENCHMARKS: [string, string, Bench][] = [
  ['upload', '1. Upload through the panel vs direct (issues 5 and 2)', benchUpload],
  ['jobs', '2. Job completion detection', benchJobs],
  ['transcript', '3. Parse + filter + exports of a 3-hour transcript', benchTranscript],
  ['review', '4. Review page and waveform peaks', benchReview],
  ['inflight', '5. 1,000 jobs in flight', benchInflight],
  ['speech', '6. Speech map (voice activity) of a one-hour recording', benchSpeech],
  ['drop', '7. Drop → transcript on a 20 Mbit/s uplink, and a resumed 1 GB upload', benchDrop],
  ['notes', '8. Notes: split a 3-hour transcript by turns, check 30 quotations', benchNotes],
  ['copy', "9. The compact copy against the original, in Whisper's input features", benchCopy],
]

const log = (line: string) => process.stdout.write(`${line}\n`)
// Ctrl-C: exit through process.exit so the exit handlers kill the panel children and remove temp files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130))
const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !BENCHMARKS.some(([name]) => name === w))
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.map(([n]) => n).join(', ')}\n`)
  process.exit(2)
}

log('Scribe Panel benchmarks')
for (const line of machineInfo()) log(`  ${line}`)
if (existsSync(path.join(ROOT, '.env'))) log('  Note: .env exists; the panel children take from it every setting the bench does not set itself.')
log('')

const rows: ResultRow[] = []
const started = Date.now()
for (const [name, title, bench] of BENCHMARKS) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  log(`== ${title}`)
  const t0 = Date.now()
  try {
    rows.push(...(await bench(log)))
  } catch (err) {
    log(`  failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    rows.push(errorRow(name, err))
  }
  log(`  (${ms(Date.now() - t0)}; ${loadLine().toLowerCase()})`)
  log('')
}

log(`Results (${ms(Date.now() - started)} in all)`)
log(formatTable(rows))
const failed = rows.filter((r) => r.pass === false).length
const passed = rows.filter((r) => r.pass === true).length
log('')
log(`${passed} targets met, ${failed} missed. (The bench reports; it does not gate: exit code 0.)`)
process.exit(0)
