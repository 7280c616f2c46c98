// @ts-check
// Keyboard shortcuts after oTranscribe's defaults (https://github.com/oTranscribe/oTranscribe, `defaults.json`), the "go to time" box and the help
// overlay that lists them. The overlay is built from the same table the key handler reads, so they cannot drift.
// Shortcuts with Ctrl/⌘ or an F-key work everywhere, also while typing in a segment (type while listening);
// plain keys (Esc, ?), Ctrl/⌘+Z and Ctrl/⌘+Shift+Z or Ctrl+Y (transcript undo and redo) only when no text field has focus, so typing stays typing.
import { clock, el, find, isTyping, parseTime } from './dom.js'
import { isMenuOpen } from './menu.js'
import { NUDGE_SECONDS, RATE_MAX, RATE_MIN, RATE_STEP, REWIND_ON_RESUME } from './player.js'

export const SHORTCUTS = [
  {
    action: 'toggle',
    keys: ['Esc', 'Ctrl/⌘ Space'],
    what: `Play / pause. Resuming goes back ${REWIND_ON_RESUME} s first, to catch the last words again.`,
  },
  { action: 'back', keys: ['F1', 'Ctrl/⌘ 1'], what: `Back ${NUDGE_SECONDS} s` },
  { action: 'forward', keys: ['F2', 'Ctrl/⌘ 2'], what: `Forward ${NUDGE_SECONDS} s` },
  { action: 'slower', keys: ['F3', 'Ctrl/⌘ 3'], what: `Slower (−${RATE_STEP}×, down to ${RATE_MIN}×)` },
  { action: 'faster', keys: ['F4', 'Ctrl/⌘ 4'], what: `Faster (+${RATE_STEP}×, up to ${RATE_MAX}×)` },
  { action: 'goto', keys: ['Ctrl/⌘ K'], what: 'Go to a time: type 1:23 or 83, then Enter' },
  { action: 'undo', keys: ['Ctrl/⌘ Z'], what: 'Undo the last change to the transcript (outside text fields)' },
  { action: 'redo', keys: ['Ctrl/⌘ Shift Z', 'Ctrl Y'], what: 'Redo what undo took back (outside text fields)' },
  { action: 'nextUncertain', keys: ['F8'], what: 'Next uncertain word (the aligner scored it low): go there to check it' },
  { action: 'previousUncertain', keys: ['Shift F8'], what: 'Previous uncertain word' },
  { action: 'replace', keys: ['Ctrl/⌘ Shift F'], what: 'Find and replace across the transcript (one step to undo)' },
  { action: 'help', keys: ['?'], what: 'Show this list' },
]

export const MOUSE = [
  ['Click a word', 'Go to it'],
  ['Click a time', 'Play that turn'],
  ['Double-click a segment', 'Edit its text: Enter saves, Esc cancels. Unchanged words keep their times.'],
  ['Right-click a segment, or its ⋯', 'Change the speaker of this segment only; split; edit; hide'],
  ['Alt+click a word', 'Split the segment before that word, then pick the new part’s speaker'],
  ['Speakers list', 'Rename; ▶ hear 4 s of that speaker; merge into another speaker'],
  ['Select text, then Ctrl/⌘ C', 'Copies it with speaker and time, one line per speaker: [12:03] Anna: …'],
  ['Wavy underline', 'A word the aligner scored low: check it (F8 goes from one to the next)'],
  [
    'Tab into the text, then ↑ ↓',
    'Move between segments; Enter edits; the menu key or Shift+F10 opens the segment’s menu',
  ],
]

/** @typedef {import('./player.js').Player} Player */
/** @typedef {import('./review.js').Review} Review */
/** @typedef {{ player: Player, review: Review, root: HTMLElement }} ShortcutContext */

/** @type {Record<string, string>} */
const MOD_CODES = {
  Space: 'toggle',
  Digit1: 'back',
  Digit2: 'forward',
  Digit3: 'slower',
  Digit4: 'faster',
  KeyK: 'goto',
  KeyZ: 'undo',
}
/** @type {Record<string, string>} */
const F_KEYS = { F1: 'back', F2: 'forward', F3: 'slower', F4: 'faster' }

/**
 * The action a keydown asks for, or null. `plain` marks keys that would be typing inside a text field.
 * @param {Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'key' | 'code'>} e
 * @returns {{ action: string, plain: boolean } | null}
 */
export function actionFor(e) {
  if (e.altKey) return null
  const mod = e.ctrlKey || e.metaKey
  const fKey = F_KEYS[e.key]
  if (fKey && !mod && !e.shiftKey) return { action: fKey, plain: false }
  if (e.key === 'F8' && !mod) return { action: e.shiftKey ? 'previousUncertain' : 'nextUncertain', plain: false }
  if (mod && e.shiftKey && e.code === 'KeyF') return { action: 'replace', plain: false }
  const modCode = MOD_CODES[e.code]
  if (mod && !e.shiftKey && modCode) return { action: modCode, plain: e.code === 'KeyZ' }
  // Redo: Ctrl/⌘+Shift+Z everywhere, Ctrl+Y as on Windows. Plain: inside a text field they redo typing.
  if (mod && ((e.shiftKey && e.code === 'KeyZ') || (!e.shiftKey && e.code === 'KeyY'))) return { action: 'redo', plain: true }
  if (!mod && e.key === 'Escape') return { action: 'toggle', plain: true }
  if (!mod && e.key === '?') return { action: 'help', plain: true }
  return null
}

/**
 * Listens for the shortcuts on the whole page.
 * @param {() => ShortcutContext | null} getContext the open recording's player, review and detail view, or null
 */
export function installShortcuts(getContext) {
  const help = find('#help', HTMLDialogElement)
  fillHelp(help)
  help.addEventListener('click', (e) => e.target === help && help.close()) // a click on the backdrop
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing || help.open || isMenuOpen()) return
    const hit = actionFor(e)
    if (!hit || (hit.plain && isTyping(e.target))) return
    if (hit.action === 'help') {
      e.preventDefault()
      return openHelp()
    }
    const ctx = getContext()
    if (!ctx) return
    e.preventDefault()
    run(ctx, hit.action)
  })
}

/**
 * @param {ShortcutContext} context
 * @param {string} action
 */
function run({ player, review, root }, action) {
  if (action === 'toggle') player.toggle()
  else if (action === 'back') player.nudge(-NUDGE_SECONDS)
  else if (action === 'forward') player.nudge(NUDGE_SECONDS)
  else if (action === 'slower') player.stepRate(-1)
  else if (action === 'faster') player.stepRate(1)
  else if (action === 'goto') openGoto(root, player)
  else if (action === 'undo' && review.loaded) review.undo()
  else if (action === 'redo' && review.loaded) review.redo()
  else if (action === 'nextUncertain' && review.loaded) review.jumpUncertain(1)
  else if (action === 'previousUncertain' && review.loaded) review.jumpUncertain(-1)
  else if (action === 'replace' && review.loaded) review.openReplace()
}

/** Shows the shortcuts overlay. */
export function openHelp() {
  const help = find('#help', HTMLDialogElement)
  if (!help.open) help.showModal()
}

/** @param {HTMLElement} help */
function fillHelp(help) {
  /** @param {{ keys: string[], what: string }} shortcut */
  const keyRow = ({ keys, what }) =>
    el(
      'tr',
      {},
      el('th', {}, ...keys.flatMap((k, i) => [i ? ' or ' : null, el('kbd', { text: k })])),
      el('td', { text: what }),
    )
  find('.help-keys tbody', HTMLTableSectionElement, help).replaceChildren(...SHORTCUTS.map(keyRow))
  find('.help-mouse tbody', HTMLTableSectionElement, help).replaceChildren(
    ...MOUSE.map(([how, what]) => el('tr', {}, el('th', { text: how }), el('td', { text: what }))),
  )
}

/**
 * Shows the small "go to time" box in the player; Enter jumps, Esc or leaving it closes it.
 * @param {HTMLElement} root the detail view
 * @param {Player} player
 */
export function openGoto(root, player) {
  const form = find('.goto', HTMLFormElement, root)
  const input = find('.goto-input', HTMLInputElement, form)
  const before = document.activeElement
  if (!form.hidden) return input.focus()
  form.hidden = false
  input.value = clock(player.audio.currentTime)
  input.removeAttribute('aria-invalid')
  input.focus()
  input.select()
  /** @param {boolean} refocus */
  const close = (refocus) => {
    form.hidden = true
    form.removeEventListener('submit', onSubmit)
    input.removeEventListener('keydown', onKey)
    input.removeEventListener('blur', onBlur)
    if (refocus && before instanceof HTMLElement && before.isConnected) before.focus()
  }
  /** @param {SubmitEvent} e */
  const onSubmit = (e) => {
    e.preventDefault()
    const t = parseTime(input.value)
    if (t === null) {
      input.setAttribute('aria-invalid', 'true')
      return
    }
    close(true)
    player.seek(t, player.playing)
  }
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key !== 'Escape') return
    e.preventDefault()
    e.stopPropagation()
    close(true)
  }
  const onBlur = () => close(false)
  form.addEventListener('submit', onSubmit)
  input.addEventListener('keydown', onKey)
  input.addEventListener('blur', onBlur)
}
