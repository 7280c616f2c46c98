import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { localOnly } from './security.ts'

const app = new Hono()
app.use('*', localOnly(['127.0.0.1']))
app.get('/x', (c) => c.text('ok'))
app.post('/x', (c) => c.text('ok'))

const req = (method: string, headers: Record<string, string>) => app.request('http://127.0.0.1:8000/x', { method, headers })

describe('localOnly', () => {
  it('answers requests addressed to this computer', async () => {
    expect((await req('GET', { host: '127.0.0.1:8000' })).status).toBe(200)
    expect((await req('GET', { host: 'localhost:8000' })).status).toBe(200)
    expect((await req('GET', { host: '[::1]:8000' })).status).toBe(200)
  })

  it('refuses a rebound DNS name in Host', async () => {
    const res = await req('GET', { host: 'evil.example:8000' })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden')
  })

  it('refuses state changes from another origin, allows the own origin and scripts', async () => {
    expect((await req('POST', { host: '127.0.0.1:8000', origin: 'https://evil.example' })).status).toBe(403)
    expect((await req('POST', { host: '127.0.0.1:8000', origin: 'http://127.0.0.1:9999' })).status).toBe(403)
    expect((await req('POST', { host: '127.0.0.1:8000', 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await req('POST', { host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000' })).status).toBe(200)
    expect((await req('POST', { host: '127.0.0.1:8000' })).status).toBe(200)
  })
})
