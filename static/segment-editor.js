// @ts-check
// Editing one segment's text in place: a double-click (or Enter) makes the segment a plain-text field with the
// clicked word selected; Enter or leaving it saves, Esc cancels. Until the server answers, the typed text shows.
import { closeMenu } from './menu.js'
import { normalize } from './review-common.js'
import { EventEmitter } from './subscriptions.js'

/** @typedef {import('./types.js').Segment} Segment */
/** @typedef {import('./edit-queue.js').EditQueue} EditQueue */
/** @typedef {import('./edit-queue.js').Say} Say */

/**
 * A rendered segment: the transcript view's record of it.
 * @typedef {object} SegmentEntry
 * @property {Segment} seg
 * @property {HTMLElement} el
 * @property {number} start seconds
 * @property {number} end seconds
 * @property {{ start: number, end: number, el: HTMLElement, text: string, uncertain: boolean }[]} words
 */

/**
 * @typedef {object} SegmentEditorEvents
 * @property {[SegmentEntry]} start editing of this segment begins (its word spans are about to go)
 * @property {[changed: boolean]} end editing ended: with a change on its way to the server, or without one (then a
 *   transcript that arrived meanwhile can show)
 */

/** @extends {EventEmitter<SegmentEditorEvents>} */
export class SegmentEditor extends EventEmitter {
  /**
   * @param {object} deps
   * @param {EditQueue} deps.edits
   * @param {Say} deps.say
   * @param {(entry: SegmentEntry, seg?: Segment) => void} deps.fill draws a segment's words again
   */
  constructor(deps) {
    super()
    this.deps = deps
    const { edits } = deps
    /** The segment being edited, and how to end the edit. @type {{ entry: SegmentEntry, finish: (save: boolean) => void } | null} */
    this.active = null
    // An undo, redo or restore replaces the transcript: the edit gives way, unsaved.
    this.unsubscribe = edits.on('history', () => this.active?.finish(false))
  }

  /**
   * Makes the segment editable, with the selection on word `wordIndex` (or at the end).
   * @param {SegmentEntry} entry
   * @param {number} [wordIndex]
   */
  start(entry, wordIndex = -1) {
    if (this.active) return
    closeMenu()
    const { seg, el: segEl } = entry
    this.emit('start', entry)
    const text = document.createTextNode(seg.text)
    segEl.replaceChildren(text)
    segEl.classList.add('editing')
    try {
      segEl.contentEditable = 'plaintext-only'
    } catch {
      segEl.contentEditable = 'true'
    }
    segEl.spellcheck = true
    segEl.setAttribute('role', 'textbox')
    segEl.setAttribute('aria-label', 'Segment text: Enter saves, Esc cancels')
    segEl.focus()
    selectWord(text, seg, wordIndex)
    this.deps.say('Editing: Enter saves, Esc cancels. Ctrl/⌘ Space plays and pauses while you type.', 'busy')

    let finished = false
    /** @param {boolean} save */
    const finish = (save) => {
      if (finished) return
      finished = true
      segEl.removeEventListener('keydown', onKey)
      segEl.removeEventListener('blur', onBlur)
      const typed = normalize(segEl.textContent ?? '')
      segEl.removeAttribute('contenteditable')
      segEl.removeAttribute('role')
      segEl.removeAttribute('aria-label')
      segEl.classList.remove('editing')
      this.active = null
      const changed = save && typed && typed !== normalize(seg.text)
      // Until the server answers, show the typed text (its words have no times yet).
      this.deps.fill(entry, changed ? { ...seg, text: typed, words: [] } : seg)
      if (changed) {
        this.emit('end', true)
        void this.deps.edits.apply([{ op: 'editText', segmentId: seg.id, text: typed }], 'Text saved. Unchanged words keep their times.')
      } else {
        if (save && !typed)
          this.deps.say('A segment cannot be empty, so its text was kept. To drop it, choose “Hide this segment” in its menu.', 'error')
        else this.deps.say(save ? 'No change.' : 'Edit cancelled.')
        this.emit('end', false)
      }
    }
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        e.stopPropagation() // the segment's own Enter (start editing) must not see it
        finish(true)
        segEl.blur()
      } else if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        finish(false)
        segEl.blur()
      }
    }
    const onBlur = () => finish(true)
    segEl.addEventListener('keydown', onKey)
    segEl.addEventListener('blur', onBlur)
    this.active = { entry, finish }
  }

  /** The segment being edited, or null. */
  get entry() {
    return this.active?.entry ?? null
  }

  destroy() {
    this.unsubscribe()
    this.unAll()
  }
}

/**
 * Puts the selection on the double-clicked word, the way a double-click selects a word anywhere else.
 * @param {Text} textNode
 * @param {Segment} seg
 * @param {number} wordIndex
 */
function selectWord(textNode, seg, wordIndex) {
  const range = document.createRange()
  const words = seg.words.map((w) => w.text)
  const word = words[wordIndex]
  if (word !== undefined && words.join(' ') === seg.text) {
    const from = words.slice(0, wordIndex).join(' ').length + (wordIndex ? 1 : 0)
    range.setStart(textNode, from)
    range.setEnd(textNode, from + word.length)
  } else {
    range.selectNodeContents(textNode)
    range.collapse(false)
  }
  const sel = window.getSelection()
  sel?.removeAllRanges()
  sel?.addRange(range)
}
