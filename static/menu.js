// @ts-check
// One popup menu at a time (role=menu), placed at a point and kept inside the window.
// Arrow keys move between items, Esc or a click elsewhere closes it and gives focus back.
import { el } from './dom.js'

/** The menu shown now. @type {{ node: HTMLElement, returnFocus: Element | null, onClose: (() => void) | undefined } | null} */
let open = null

/**
 * Shows a menu. `items` are nodes made with `menuItem`/`menuLabel`/`menuSeparator`.
 * @param {Node[]} items
 * @param {{ x: number, y: number }} at in viewport pixels (a click, or an anchor's corner)
 * @param {{ className?: string, label?: string, returnFocus?: Element | null, onClose?: () => void }} [options]
 */
export function openMenu(
  items,
  at,
  { className = '', label = 'Actions', returnFocus = document.activeElement, onClose } = {},
) {
  closeMenu()
  const node = el('div', { class: `menu ${className}`, role: 'menu', 'aria-label': label, tabindex: '-1' }, ...items)
  node.addEventListener('keydown', onKey)
  document.body.append(node)
  // Keep it inside the viewport: below the point if it fits, else above it, else as low as it fits.
  const { width, height } = node.getBoundingClientRect()
  const x = Math.max(4, Math.min(at.x, window.innerWidth - width - 4))
  const below = at.y + height <= window.innerHeight - 4
  const y = below ? at.y : at.y - height - 24 >= 4 ? at.y - height - 24 : Math.max(4, window.innerHeight - height - 4)
  node.style.left = `${x}px`
  node.style.top = `${y}px`
  open = { node, returnFocus, onClose }
  /** @type {HTMLElement | null} */
  const first =
    node.querySelector('[aria-checked=true]:not([disabled])') || node.querySelector('[role^=menuitem]:not([disabled])')
  ;(first || node).focus()
  setTimeout(() => {
    document.addEventListener('pointerdown', onOutside, true)
    window.addEventListener('scroll', closeQuietly, { passive: true, once: true })
    window.addEventListener('resize', closeQuietly, { once: true })
  })
  return node
}

/** Closes the menu (if one is open); with `restoreFocus`, focus goes back to where it was. */
export function closeMenu(restoreFocus = false) {
  if (!open) return
  const { node, returnFocus, onClose } = open
  open = null
  node.remove()
  document.removeEventListener('pointerdown', onOutside, true)
  window.removeEventListener('scroll', closeQuietly)
  window.removeEventListener('resize', closeQuietly)
  if (restoreFocus && returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus()
  if (onClose) onClose()
}

// The page moved under the menu: its position is stale.
const closeQuietly = () => closeMenu()

export const isMenuOpen = () => open !== null

/**
 * A clickable item; `checked` (true/false) makes it a radio-style item. The menu closes before `onSelect` runs.
 * @param {Node | string | (Node | string)[]} content
 * @param {() => void} onSelect
 * @param {{ checked?: boolean, disabled?: boolean, dataset?: Record<string, string>, hint?: string }} [options]
 */
export function menuItem(content, onSelect, { checked, disabled = false, dataset, hint } = {}) {
  const role = checked === undefined ? 'menuitem' : 'menuitemradio'
  const item = el(
    'button',
    { type: 'button', class: 'menu-item', role, tabindex: '-1', dataset },
    ...(Array.isArray(content) ? content : [content]),
  )
  if (checked !== undefined) item.setAttribute('aria-checked', String(checked))
  if (hint) item.append(el('kbd', { class: 'menu-hint', text: hint }))
  item.disabled = disabled
  item.addEventListener('click', () => {
    closeMenu(true)
    onSelect()
  })
  return item
}

/** @param {string} text */
export const menuLabel = (text) => el('div', { class: 'menu-label', role: 'presentation', text })
export const menuSeparator = () => el('div', { class: 'menu-sep', role: 'separator' })

/** @param {Event} e */
function onOutside(e) {
  if (open && !(e.target instanceof Node && open.node.contains(e.target))) closeMenu()
}

/** @param {KeyboardEvent} e */
function onKey(e) {
  if (!open) return
  /** @type {HTMLElement[]} */
  const items = [...open.node.querySelectorAll('[role^=menuitem]:not([disabled])')].filter((n) => n instanceof HTMLElement)
  const i = items.findIndex((n) => n === document.activeElement)
  if (e.key === 'Escape') closeMenu(true)
  else if (e.key === 'ArrowDown') items[(i + 1) % items.length]?.focus()
  else if (e.key === 'ArrowUp') items[(i - 1 + items.length) % items.length]?.focus()
  else if (e.key === 'Home') items[0]?.focus()
  else if (e.key === 'End') items.at(-1)?.focus()
  else if (e.key === 'Tab') closeMenu(true)
  else return
  // The page's own shortcuts (Esc = play/pause) must not see keys the menu used.
  e.preventDefault()
  e.stopPropagation()
}
