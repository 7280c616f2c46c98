/**
 * Local-server protections:
 * - Host must name this machine (127.0.0.1, localhost, [::1] or the configured HOST): a page on
 *   another domain that rebinds its DNS to 127.0.0.1 sends its own Host and is refused.
 * - State-changing requests (anything but GET/HEAD/OPTIONS) from a browser must come from the panel's
 *   own origin: a cross-site form or fetch is refused (CSRF). Scripts without Origin are allowed.
 */
import type { MiddlewareHandler } from 'hono'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Host name without port and brackets, lower case. */
function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'))
  return h.replace(/:\d+$/, '')
}

/**
 * @param allowedHosts - host names (no port) the panel answers to; loopback names are always allowed.
 */
export function localOnly(allowedHosts: readonly string[]): MiddlewareHandler {
  const allowed = new Set(['127.0.0.1', 'localhost', '::1', ...allowedHosts.map((h) => hostname(h)).filter((h) => h && h !== '0.0.0.0' && h !== '::')])
  const refuse = (message: string) =>
    new Response(JSON.stringify({ error: { code: 'forbidden', message } }), { status: 403, headers: { 'content-type': 'application/json' } })
  return async (c, next) => {
    const host = c.req.header('host')
    if (!host || !allowed.has(hostname(host))) {
      return refuse('This panel only answers requests addressed to this computer (Host must be localhost or 127.0.0.1).')
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin')
      const site = c.req.header('sec-fetch-site')
      if (site === 'cross-site') return refuse('Cross-site requests are not allowed.')
      if (origin !== undefined) {
        let originHost: string
        try {
          originHost = new URL(origin).host.toLowerCase()
        } catch {
          return refuse('Requests from other pages are not allowed.')
        }
        if (originHost !== host.trim().toLowerCase()) return refuse('Requests from other pages are not allowed.')
      }
    }
    await next()
  }
}
