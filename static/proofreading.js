// @ts-check
// Proofreading tools: going from one uncertain word to the next (F8, or the "N uncertain words ▸" button), and
// find and replace across the transcript (one step to undo).
import { $ } from './dom.js'
import { UNCERTAIN_SCORE } from './review-common.js'
import { Subscriptions } from './subscriptions.js'

/** @typedef {import('./transcript-view.js').TranscriptView} TranscriptView */
/** @typedef {import('./segment-editor.js').SegmentEditor} SegmentEditor */
/** @typedef {import('./edit-queue.js').EditQueue} EditQueue */
/** @typedef {import('./edit-queue.js').Say} Say */
/** @typedef {import('./player.js').Player} Player */

export class Proofreading {
  /**
   * @param {object} deps
   * @param {HTMLElement} deps.root the detail view (holds .uncertain-button, .replace-button, .replace-bar)
   * @param {TranscriptView} deps.view
   * @param {SegmentEditor} deps.editor
   * @param {EditQueue} deps.edits
   * @param {Player} deps.player
   * @param {Say} deps.say
   */
  constructor(deps) {
    this.deps = deps
    const { root, view, edits } = deps
    /** The uncertain word F8 went to last (index in view.uncertain), or -1. */
    this.at = -1
    this.button = /** @type {HTMLButtonElement} */ ($('.uncertain-button', root))
    this.form = /** @type {HTMLFormElement} */ ($('.replace-bar', root))
    const subs = (this.subscriptions = new Subscriptions())
    subs.listen(this.button, 'click', () => this.jumpUncertain(1))
    subs.listen(/** @type {HTMLElement} */ ($('.replace-button', root)), 'click', () => this.openReplace())
    subs.listen(this.form, 'submit', (e) => {
      e.preventDefault()
      const data = new FormData(this.form)
      const find = String(data.get('find') || '').trim()
      const replace = String(data.get('replace') || '').trim()
      if (!find) return
      void edits.apply(
        [{ op: 'replaceText', find, replace, matchCase: data.get('matchCase') === 'on', wholeWords: data.get('wholeWords') === 'on' }],
        (t) => `Replaced ${t.replaced} × “${find}” with “${replace}”. Undo takes all of them back.`,
      )
    })
    subs.listen(/** @type {HTMLElement} */ ($('.close', this.form)), 'click', () => (this.form.hidden = true))
    subs.listen(this.form, 'keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        this.form.hidden = true
      }
    })
    subs.add(view.on('rendered', () => this.update()))
  }

  /** After a render: the count on the button, and F8 starts again from the playing position. */
  update() {
    const n = this.deps.view.uncertain.length
    this.at = -1
    this.button.hidden = n === 0
    this.button.textContent = `${n} uncertain word${n === 1 ? '' : 's'} ▸`
  }

  /**
   * Goes to the next (`dir` 1) or previous (-1) uncertain word after the last one visited, or after the playing
   * position on the first press: scrolls it into view, puts the player there (paused) and marks the word.
   * @param {1 | -1} dir
   */
  jumpUncertain(dir) {
    const list = this.deps.view.uncertain
    if (this.deps.editor.active) return
    if (!list.length) {
      this.deps.say('No uncertain words: the aligner scored every word at least ' + UNCERTAIN_SCORE + '.')
      return
    }
    let i = this.at
    if (i < 0) {
      const now = this.deps.player.audio.currentTime
      i = dir > 0 ? list.findIndex((w) => w.start > now + 0.01) : list.findLastIndex((w) => w.start < now - 0.01)
      if (i < 0) i = dir > 0 ? 0 : list.length - 1
    } else i = (i + dir + list.length) % list.length
    const w = list[i]
    const entry = w && this.deps.view.segs[w.index]
    if (!w || !entry) return
    this.at = i
    this.deps.root.querySelector('.word.checking')?.classList.remove('checking')
    w.el.classList.add('checking')
    w.el.scrollIntoView({ block: 'center' })
    this.deps.player.seek(w.start, false)
    this.deps.view.takeFocus(entry.el)
    entry.el.focus({ preventScroll: true })
    this.deps.say(`Uncertain word ${i + 1} of ${list.length}: “${w.text}” (score ${w.score.toFixed(2)}). Enter edits the segment; F8 goes on.`)
  }

  /** Shows the find and replace bar, with the selected words (if any) as what to find. */
  openReplace() {
    this.form.hidden = false
    const selection = window.getSelection()
    const selected = selection?.toString().replace(/\s+/g, ' ').trim()
    const find = /** @type {HTMLInputElement} */ ($('input[name=find]', this.form))
    if (selected && selected.length <= 200 && this.deps.view.container.contains(selection?.anchorNode ?? null)) find.value = selected
    find.focus()
    find.select()
  }

  destroy() {
    this.subscriptions.drain()
  }
}
