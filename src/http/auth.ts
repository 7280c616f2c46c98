/**
 * PANEL_PASSWORD: when set (it must be, beyond loopback), every request needs either the session cookie
 * the page gets by entering the password once (HttpOnly, SameSite=Strict) or `Authorization: Bearer
 * <password>` (scripts). Everything else gets 401: API calls as JSON, pages as the password form.
 * A wrong password is answered slowly, longer after each recent failure, to make guessing expensive.
 * Sessions live in memory: after a restart the page asks again.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'

const COOKIE = 'scribe_session'
/** Sessions expire after this long without a request (ms). */
const SESSION_IDLE_MS = 12 * 3600 * 1000

/** Same length inputs for `timingSafeEqual`: the SHA-256 of each side. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}

function loginPage(message: string | null): string {
  const note = message ? `<p class="login-error" role="alert">${message}</p>` : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scribe Panel: password</title><link rel="stylesheet" href="/login.css"></head>
<body><main class="login"><h1>Scribe Panel</h1>
<p>This panel is reachable from other computers, so it asks for its password (PANEL_PASSWORD in its .env).</p>
${note}<form method="post" action="/api/login"><label>Password <input type="password" name="password" autocomplete="current-password" required autofocus></label>
<button type="submit">Open the panel</button></form></main></body></html>`
}

export interface PasswordGate {
  /** The middleware: lets authenticated requests through, answers 401 otherwise. */
  middleware: MiddlewareHandler
}

/**
 * @param password - PANEL_PASSWORD; undefined turns the gate off (loopback without a password).
 * @param options.failureDelayMs - wait after a wrong password, times the recent failures (max 5×). Default 1000.
 */
export function passwordGate(password: string | undefined, options: { failureDelayMs?: number } = {}): PasswordGate {
  if (!password) return { middleware: async (_c, next) => next() }
  const sessions = new Map<string, number>()
  const failureDelay = options.failureDelayMs ?? 1000
  let recentFailures: number[] = []

  const authenticated = (c: Context): boolean => {
    const auth = c.req.header('authorization')
    if (auth && /^Bearer\s+/i.test(auth)) return sameSecret(auth.replace(/^Bearer\s+/i, ''), password)
    const token = getCookie(c, COOKIE)
    if (!token) return false
    const seen = sessions.get(token)
    if (seen === undefined || Date.now() - seen > SESSION_IDLE_MS) {
      sessions.delete(token)
      return false
    }
    sessions.set(token, Date.now())
    return true
  }

  const login = async (c: Context) => {
    const type = c.req.header('content-type') ?? ''
    let given = ''
    if (type.includes('application/json')) {
      const body = (await c.req.json().catch(() => ({}))) as { password?: unknown }
      given = typeof body.password === 'string' ? body.password : ''
    } else {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
      given = typeof form.password === 'string' ? form.password : ''
    }
    const form = !type.includes('application/json')
    if (!sameSecret(given, password)) {
      const now = Date.now()
      recentFailures = [...recentFailures.filter((t) => t > now - 60_000), now]
      await new Promise((r) => setTimeout(r, failureDelay * Math.min(5, recentFailures.length)))
      return form ? c.html(loginPage('Wrong password. Try again.'), 401) : c.json({ error: { code: 'unauthorized', message: 'Wrong password.' } }, 401)
    }
    const token = randomBytes(32).toString('base64url')
    sessions.set(token, Date.now())
    setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' })
    return form ? c.redirect('/', 303) : c.json({ ok: true })
  }

  return {
    middleware: async (c, next) => {
      if (c.req.path === '/api/login' && c.req.method === 'POST') return login(c)
      if (c.req.path === '/login.css' && c.req.method === 'GET') return next()
      if (authenticated(c)) return next()
      c.header('www-authenticate', 'Bearer realm="Scribe Panel"')
      if (c.req.path.startsWith('/api/')) {
        return c.json({ error: { code: 'unauthorized', message: 'This panel needs its password: open it in the browser and enter it, or send "Authorization: Bearer <PANEL_PASSWORD>".' } }, 401)
      }
      return c.html(loginPage(null), 401)
    },
  }
}
