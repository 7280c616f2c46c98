import { describe, expect, it } from 'vitest'
import { createLogger, redactUrls } from './logger.ts'

describe('logger', () => {
  it('never writes the query of a presigned URL', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    const url = 'http://127.0.0.1:9000/vol/a.m4a?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=user%2F20261121&X-Amz-Signature=deadbeef'
    log.info(`submitting ${url}`, { audio: url })
    expect(lines.join('')).not.toMatch(/X-Amz-Signature|deadbeef|X-Amz-Credential/)
    expect(lines.join('')).toContain('http://127.0.0.1:9000/vol/a.m4a?…')
  })

  it('filters by level', () => {
    const lines: string[] = []
    const log = createLogger('warn', (l) => lines.push(l))
    log.info('quiet')
    log.warn('loud')
    expect(lines).toHaveLength(1)
    expect(redactUrls('no urls here')).toBe('no urls here')
  })
})
