/**
 * PANEL_PASSWORD: beyond loopback the panel refuses to start without it; with it, the page asks once (an
 * HttpOnly, SameSite=Strict session cookie), scripts send it as a Bearer token, a wrong password is slowed
 * down, and every other request gets 401. The Host check accepts the address the panel is bound to.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boundHosts } from '../../src/app.ts'
import { localOnly } from '../../src/http/security.ts'
import { startStack, type Stack } from '../support/stack.ts'

const PASSWORD = 'correct horse battery'

describe('PANEL_PASSWORD', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ env: { PANEL_PASSWORD: PASSWORD } })
  })
  afterAll(async () => stack?.close())

  it('answers 401 to everything without the password: API as JSON, pages as the password form', async () => {
    const api = await fetch(`${stack.url}/api/recordings`)
    expect(api.status).toBe(401)
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
    const page = await fetch(`${stack.url}/`)
    expect(page.status).toBe(401)
    expect(await page.text()).toMatch(/<form method="post" action="\/api\/login">/)
    for (const p of ['/app.js', '/style.css', '/api/setup', '/api/events']) expect((await fetch(`${stack.url}${p}`)).status, p).toBe(401)
    expect((await fetch(`${stack.url}/api/recordings`, { headers: { authorization: 'Bearer wrong password' } })).status).toBe(401)
  })

  it('scripts send Authorization: Bearer <password>', async () => {
    const res = await fetch(`${stack.url}/api/recordings`, { headers: { authorization: `Bearer ${PASSWORD}` } })
    expect(res.status).toBe(200)
  })

  it('a wrong password is answered slowly; the right one gives an HttpOnly, SameSite=Strict session cookie', async () => {
    const t0 = Date.now()
    const wrong = await fetch(`${stack.url}/api/login`, { method: 'POST', body: new URLSearchParams({ password: 'guess' }), redirect: 'manual' })
    expect(wrong.status).toBe(401)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
    expect(await wrong.text()).toMatch(/Wrong password/)
    const right = await fetch(`${stack.url}/api/login`, { method: 'POST', body: new URLSearchParams({ password: PASSWORD }), redirect: 'manual' })
    expect(right.status).toBe(303)
    expect(right.headers.get('location')).toBe('/')
    const cookie = right.headers.get('set-cookie')!
    expect(cookie).toMatch(/^scribe_session=[\w-]{40,};/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const session = cookie.split(';')[0]!
    const page = await fetch(`${stack.url}/`, { headers: { cookie: session } })
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/id="setup-view"/)
    expect((await fetch(`${stack.url}/api/recordings`, { headers: { cookie: session } })).status).toBe(200)
    expect((await fetch(`${stack.url}/api/recordings`, { headers: { cookie: 'scribe_session=forged' } })).status).toBe(401)
  })
})

describe('binding beyond loopback', () => {
  it('refuses to start without PANEL_PASSWORD (exit code 2, says what to set)', async () => {
    const root = path.resolve(import.meta.dirname, '..', '..')
    const r = await promisify(execFile)(process.execPath, ['--experimental-strip-types', 'src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', HOST: '0.0.0.0', PORT: '0' }, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/HOST: 0\.0\.0\.0 makes the panel reachable from other computers; set PANEL_PASSWORD/)
  })

  it('the Host check accepts the address the panel is bound to', async () => {
    const app = new Hono()
    app.use('*', localOnly(boundHosts('192.168.1.20')))
    app.get('/x', (c) => c.text('ok'))
    expect((await app.request('http://192.168.1.20:8000/x', { headers: { host: '192.168.1.20:8000' } })).status).toBe(200)
    expect((await app.request('http://192.168.1.20:8000/x', { headers: { host: 'evil.example:8000' } })).status).toBe(403)
    expect(boundHosts('0.0.0.0')).toContain('127.0.0.1')
  })
})
