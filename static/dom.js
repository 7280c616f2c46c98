// @ts-check
// Small DOM and formatting helpers shared by the page's modules.
// `el` never parses HTML: text goes in through `text` (textContent), so user data stays text.

/**
 * The first element matching `sel` under `root`, or null.
 * @param {string} sel
 * @param {ParentNode} [root]
 * @returns {HTMLElement | null}
 */
export const $ = (sel, root = document) => root.querySelector(sel)

/**
 * The element matching `sel` under `root`, which the page's markup always has, as a `type` (HTMLInputElement, …).
 * @template {Element} T
 * @param {string} sel
 * @param {{ new (): T, prototype: T }} type
 * @param {ParentNode} [root]
 * @returns {T}
 * @throws Error naming the selector when there is no such element (a page out of step with its markup)
 */
export function find(sel, type, root = document) {
  const node = root.querySelector(sel)
  if (!(node instanceof type)) throw new Error(`The page has no ${type.name} matching ${sel}.`)
  return node
}

/**
 * Props of `el`: `class`, `text` (textContent), `dataset`, `on<event>` listeners; anything else is an attribute.
 * Null and undefined values are left out.
 * @typedef {{ class?: string, text?: string, dataset?: Record<string, string>, [name: string]: unknown }} ElProps
 */

/**
 * A new element with props and children (nodes or text; null, undefined and false are skipped).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {ElProps} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue
    if (k === 'class') node.className = String(v)
    else if (k === 'text') node.textContent = String(v)
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), /** @type {EventListener} */ (v))
    else if (k === 'dataset') Object.assign(node.dataset, v)
    else node.setAttribute(k, String(v))
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c)
  return node
}

/** A moment as the page shows it: the browser's medium date and short time ("Nov 29, 2026, 4:13 PM"). */
export const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * Seconds → "M:SS" or "H:MM:SS".
 * @param {number | null | undefined} seconds
 */
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
 * @param {unknown} input
 * @returns {number | null}
 */
export function parseTime(input) {
  const s = String(input).trim()
  if (!/^\d+(:\d{1,2}){0,2}(\.\d+)?$/.test(s)) return null
  const parts = s.split(':').map(Number)
  if (parts.slice(1).some((p) => p >= 60)) return null
  return parts.reduce((acc, p) => acc * 60 + p, 0)
}

/**
 * True when keys typed now go into text: shortcuts without a modifier must leave them alone.
 * @param {EventTarget | null} target
 */
export function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable || target.tagName === 'TEXTAREA') return true
  if (!(target instanceof HTMLInputElement)) return false
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type)
}

/**
 * Index of the last item whose `start` is ≤ t in a list sorted by start, or -1 (binary search: O(log n) per frame).
 * @param {readonly { start: number }[]} items
 * @param {number} t seconds
 */
export function lastStartingBefore(items, t) {
  let lo = 0
  let hi = items.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (/** @type {{ start: number }} */ (items[mid]).start <= t) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

// Preferences survive reloads; storage can be off (private windows), so failures are ignored.
export const prefs = {
  /**
   * The value stored under `key`, or `fallback` (also when storage is off or holds something unreadable).
   * @template T
   * @param {string} key
   * @param {T} fallback
   * @returns {T}
   */
  get(key, fallback) {
    try {
      const raw = localStorage.getItem(`scribe.${key}`)
      return raw === null ? fallback : JSON.parse(raw)
    } catch {
      return fallback
    }
  },
  /**
   * @param {string} key
   * @param {unknown} value any JSON value
   */
  set(key, value) {
    try {
      localStorage.setItem(`scribe.${key}`, JSON.stringify(value))
    } catch {
      // Not remembered; the setting still applies for this page.
    }
  },
}

/**
 * "1 segment", "3 segments": English plural by count (`many` defaults to `one` + "s").
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * Kept on this computer because the volume or RunPod is not set up (the server's `local` group): the page must not
 * call that a failure.
 * @param {{ groups: readonly string[] }} r
 */
export const isLocalOnly = (r) => r.groups.includes('local')

/**
 * Scrolls the window so `node` sits a third of the way down the part of the window below `coveredPx`
 * (the height of a sticky bar at the top, in CSS pixels), and checks again two frames later: off-screen
 * parts of a long transcript (content-visibility) get their real height only once drawn, which moves the node.
 * @param {Element} node
 * @param {number} coveredPx
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
