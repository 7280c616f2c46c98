/**
 * The panel's one logger: one line per event on stderr, `time level msg {fields}`.
 * Field values that look like URLs lose their query string, so a presigned URL (whose query is
 * the credential) is never written out.
 */
import type { Logger } from './domain/ports.ts'

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const
export type LogLevel = keyof typeof LEVELS

/** Removes the query string of every http(s) URL in `text` (presigned URLs carry their signature there). */
export function redactUrls(text: string): string {
  return text.replace(/(https?:\/\/[^\s"'?#]+)\?[^\s"'#]*/g, '$1?…')
}

/**
 * Creates a logger writing to `write` (default: stderr) at `level` and above.
 * Errors in fields are reduced to their name and message.
 */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LEVELS[level]
  const log = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return
    let extra = ''
    if (fields && Object.keys(fields).length > 0) {
      extra = ' ' + JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v))
    }
    write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${redactUrls(msg + extra)}\n`)
  }
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  }
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
