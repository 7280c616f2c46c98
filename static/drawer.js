// @ts-check
// Below about 900 px the library is a drawer: the ☰ Library button in the top bar opens it, choosing a
// recording, Esc or a click beside it closes it. Wider windows show it as a column and ignore all this.
import { $ } from './dom.js'

const NARROW = window.matchMedia('(max-width: 900px)')

/** True while the library is a drawer rather than a column. */
export const isNarrow = () => NARROW.matches

/**
 * Wires the drawer. Returns `{open, close}`; `close` is a no-op on wide windows.
 * @param {{ startOpen: () => boolean }} opts startOpen: whether a narrow page should show the library first (nothing is open yet)
 */
export function setupDrawer({ startOpen }) {
  const button = /** @type {HTMLButtonElement} */ ($('#drawer-button'))
  const backdrop = /** @type {HTMLElement} */ ($('#drawer-backdrop'))
  const sidebar = /** @type {HTMLElement} */ ($('#sidebar'))
  const set = (/** @type {boolean} */ open) => {
    const on = open && NARROW.matches
    document.body.classList.toggle('drawer-open', on)
    backdrop.hidden = !on
    button.setAttribute('aria-expanded', String(on))
    button.title = on ? 'Hide the library' : 'Show the library'
    // A closed drawer is out of the tab order and hidden from screen readers (CSS hides it with visibility too).
    if (NARROW.matches) sidebar.toggleAttribute('inert', !on)
    else sidebar.removeAttribute('inert')
  }
  button.addEventListener('click', () => {
    const open = !document.body.classList.contains('drawer-open')
    set(open)
    // Keyboard users land in the drawer they opened.
    if (open) $('#drawer-close')?.focus()
  })
  backdrop.addEventListener('click', () => set(false))
  $('#drawer-close')?.addEventListener('click', () => {
    set(false)
    button.focus()
  })
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.body.classList.contains('drawer-open')) {
      e.stopPropagation()
      set(false)
      button.focus()
    }
  }, true)
  NARROW.addEventListener('change', () => set(NARROW.matches && startOpen()))
  set(startOpen())
  return { open: () => set(true), close: () => set(false) }
}
