// Small DOM and formatting helpers shared by the page's modules.
// `el` never parses HTML: text goes in through `text` (textContent), so user data stays text.

export const $ = (sel, root = document) => root.querySelector(sel)

export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue
    if (k === 'class') node.className = v
    else if (k === 'text') node.textContent = v
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else if (k === 'dataset') Object.assign(node.dataset, v)
    else node.setAttribute(k, v)
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c)
  return node
}

/** Seconds → "M:SS" or "H:MM:SS". */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/**
 * What a person types to go to a moment → seconds, or null when it is not a time.
 * Accepts "83", "83.5", "1:23", "1:23.5", "1:02:03" (oTranscribe's "go to time" takes the same forms).
 */
export function parseTime(input) {
  const s = String(input).trim()
  if (!/^\d+(:\d{1,2}){0,2}(\.\d+)?$/.test(s)) return null
  const parts = s.split(':').map(Number)
  if (parts.slice(1).some((p) => p >= 60)) return null
  return parts.reduce((acc, p) => acc * 60 + p, 0)
}

/** True when keys typed now go into text: shortcuts without a modifier must leave them alone. */
export function isTyping(target) {
  if (!(target instanceof Element)) return false
  if (target.isContentEditable || target.tagName === 'TEXTAREA') return true
  if (target.tagName !== 'INPUT') return false
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type)
}

/** Index of the last item whose `start` is ≤ t in a list sorted by start, or -1 (binary search: O(log n) per frame). */
export function lastStartingBefore(items, t) {
  let lo = 0
  let hi = items.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (items[mid].start <= t) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

// Preferences survive reloads; storage can be off (private windows), so failures are ignored.
export const prefs = {
  get(key, fallback) {
    try {
      const raw = localStorage.getItem(`scribe.${key}`)
      return raw === null ? fallback : JSON.parse(raw)
    } catch {
      return fallback
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(`scribe.${key}`, JSON.stringify(value))
    } catch {
      // Not remembered; the setting still applies for this page.
    }
  },
}

/** "1 segment", "3 segments": English plural by count (`many` defaults to `one` + "s"). */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * True for a recording kept only on this computer because RunPod (the network volume) is not set up:
 * the server marks it failed with code `not_configured`; the page must not call that a failure.
 */
/** Kept on this computer because the volume or RunPod is not set up (the server's `local` group). */
export const isLocalOnly = (r) => r.groups.includes('local')

/**
 * Scrolls the window so `node` sits a third of the way down the part of the window below `coveredPx`
 * (the height of a sticky bar at the top, in CSS pixels), and checks again two frames later: off-screen
 * parts of a long transcript (content-visibility) get their real height only once drawn, which moves the node.
 */
export function revealBelow(node, coveredPx) {
  const place = () => {
    if (!node.isConnected) return
    const r = node.getBoundingClientRect()
    const free = window.innerHeight - coveredPx
    const want = coveredPx + Math.max(8, Math.min(free / 3, free - r.height - 8))
    const dy = r.top - want
    if (Math.abs(dy) > 2) window.scrollBy({ top: dy, behavior: 'instant' })
  }
  place()
  requestAnimationFrame(() => requestAnimationFrame(place))
}
