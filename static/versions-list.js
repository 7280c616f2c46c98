// @ts-check
// The list of transcript versions: every worker result this recording had, with its edits; any can be made
// current again (an undoable step).
import { api } from './api.js'
import { $, dateTime, el } from './dom.js'

/** @typedef {import('./types.js').VersionView} VersionView */
/** @typedef {import('./edit-queue.js').EditQueue} EditQueue */

export class VersionsList {
  /**
   * @param {object} deps
   * @param {HTMLElement} deps.root the detail view (holds .versions)
   * @param {string} deps.id the recording
   * @param {EditQueue} deps.edits restores go through it, after any change on its way
   */
  constructor(deps) {
    this.deps = deps
    const { root } = deps
    this.list = /** @type {HTMLElement} */ ($('.versions', root))
    this.destroyed = false
  }

  /** Loads the list again (after every change: edits are counted per version). */
  async load() {
    /** @type {VersionView[]} */
    let versions
    try {
      versions = await api.versions(this.deps.id)
    } catch {
      return // the transcript itself is shown; the list comes with the next change
    }
    if (this.destroyed) return
    this.list.replaceChildren(...versions.map((v) => this.item(v)))
  }

  /** @param {VersionView} v */
  item(v) {
    const when = dateTime.format(new Date(v.createdAt))
    const edits = v.edits === 1 ? '1 edit' : `${v.edits} edits`
    const names = v.renamedSpeakers ? ` · ${v.renamedSpeakers === 1 ? '1 name' : `${v.renamedSpeakers} names`}` : ''
    const item = el(
      'li',
      { class: v.current ? 'version current' : 'version', dataset: { version: String(v.version) } },
      // A microphone recording's live text is kept as a version of its own (provisional: no speakers, no word times).
      el('span', { class: 'version-name', text: v.jobId.startsWith('live-') ? `Version ${v.version} · live text` : `Version ${v.version}` }),
      el('span', { class: 'version-facts', text: `${when} · ${edits}${names}`, title: `Job ${v.jobId}` }),
    )
    if (v.current) item.append(el('span', { class: 'version-current', text: 'shown' }))
    else
      item.append(
        el('button', {
          type: 'button',
          class: 'restore',
          text: 'Restore',
          title: `Show version ${v.version} again (the one shown now stays restorable; Undo goes back)`,
          onclick: () => this.deps.edits.restore(v.version),
        }),
      )
    return item
  }

  destroy() {
    this.destroyed = true
  }
}
