// @ts-check
// Sending the review's changes: every change is one PATCH (or an undo, redo or restore POST), sent one after
// another in the order they were made, and the page re-renders what the server answers, so a reload shows the same.
import { api, messageOf, statusOf } from './api.js'
import { EventEmitter } from './subscriptions.js'

/** @typedef {import('./types.js').TranscriptResponse} TranscriptResponse */
/** @typedef {import('./types.js').EditOp} EditOp */
/** @typedef {'info' | 'busy' | 'saved' | 'error'} StatusKind */
/** @typedef {(text: string, kind?: StatusKind) => void} Say */

/**
 * @typedef {object} EditQueueEvents
 * @property {[TranscriptResponse]} transcript the server's answer to show (also the shown one again after a failure)
 * @property {[]} history an undo, redo or restore is about to be sent (an edit in progress gives way)
 */

/**
 * The queue of one recording's changes.
 * @extends {EventEmitter<EditQueueEvents>}
 */
export class EditQueue extends EventEmitter {
  /**
   * @param {object} deps
   * @param {string} deps.id the recording
   * @param {Say} deps.say the review's status line
   * @param {() => TranscriptResponse | null} deps.shown the transcript on screen: its revision goes with each PATCH
   */
  constructor(deps) {
    super()
    this.deps = deps
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve()
    this.destroyed = false
  }

  /**
   * Sends `ops` after any change still on its way; shows the answer. Resolves to the new transcript, or null.
   * @param {EditOp[]} ops
   * @param {string | ((t: TranscriptResponse) => string)} savedText the message once saved, or a function of the answer
   * @returns {Promise<TranscriptResponse | null>}
   */
  apply(ops, savedText) {
    this.deps.say('Saving…', 'busy')
    const next = this.queue.then(async () => {
      try {
        const t = await api.edit(this.deps.id, ops, this.deps.shown()?.version)
        this.show(t)
        this.deps.say(typeof savedText === 'function' ? savedText(t) : savedText, 'saved')
        return t
      } catch (err) {
        if (this.destroyed) return null
        if (statusOf(err) === 409) {
          // Changed in another tab: show the latest version instead of overwriting it.
          this.show(await api.transcript(this.deps.id))
          this.deps.say(`Not saved: ${messageOf(err)}`, 'error')
        } else {
          this.deps.say(`Not saved: ${messageOf(err)}`, 'error')
          // Put back what the failed change may have left half-done (e.g. a rename field).
          const shown = this.deps.shown()
          if (shown) this.show(shown)
        }
        return null
      }
    })
    this.queue = next
    return next
  }

  /**
   * Runs a history call (undo, redo, restore) after any change on its way, and shows its answer.
   * @param {string} busy what the status line says meanwhile
   * @param {() => Promise<TranscriptResponse>} call
   * @param {(t: TranscriptResponse) => string} done the message once it is shown
   */
  history(busy, call, done) {
    if (!this.deps.shown()) return this.queue
    this.emit('history')
    this.deps.say(busy, 'busy')
    this.queue = this.queue.then(async () => {
      try {
        const t = await call()
        this.show(t)
        this.deps.say(done(t), 'saved')
      } catch (err) {
        // 409: nothing left to undo or redo; the server says so in plain words.
        if (!this.destroyed) this.deps.say(messageOf(err), statusOf(err) === 409 ? 'info' : 'error')
      }
    })
    return this.queue
  }

  undo() {
    return this.history('Undoing…', () => api.undo(this.deps.id), (t) => `Undone (${t.step}).`)
  }

  redo() {
    return this.history('Redoing…', () => api.redo(this.deps.id), (t) => `Redone (${t.step}).`)
  }

  /** @param {number} version the transcript version to make current again */
  restore(version) {
    return this.history(`Restoring version ${version}…`, () => api.restore(this.deps.id, version), () => `Version ${version} is current again. Undo goes back.`)
  }

  /**
   * @private
   * @param {TranscriptResponse} t
   */
  show(t) {
    if (!this.destroyed) this.emit('transcript', t)
  }

  /** Answers still on their way are dropped; listeners are removed. */
  destroy() {
    this.destroyed = true
    this.unAll()
  }
}
