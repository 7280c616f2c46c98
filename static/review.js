// @ts-check
// Transcript review of one recording, put together from parts that each own their listeners and clean up:
// the edit queue (edit-queue.js), the transcript as speaker turns (transcript-view.js), editing a segment's text
// (segment-editor.js), one segment's menu (segment-menu.js), the speakers panel (speakers-panel.js), the speaker
// strip under the waveform (speaker-strip.js), uncertain words and find and replace (proofreading.js), the
// versions list (versions-list.js) and the export links (export-options.js). This module holds the status line,
// undo and redo, and shows each transcript the server answers.
import { $, plural } from './dom.js'
import { EditQueue } from './edit-queue.js'
import { createExportOptions } from './export-options.js'
import { closeMenu, isMenuOpen } from './menu.js'
import { Proofreading } from './proofreading.js'
import { SegmentEditor } from './segment-editor.js'
import { SegmentMenu } from './segment-menu.js'
import { SpeakerStrip } from './speaker-strip.js'
import { SpeakersPanel } from './speakers-panel.js'
import { Subscriptions } from './subscriptions.js'
import { TranscriptView } from './transcript-view.js'
import { VersionsList } from './versions-list.js'

export { isUncertain, speakerColor, UNCERTAIN_SCORE } from './review-common.js'

/** @typedef {import('./types.js').TranscriptResponse} TranscriptResponse */
/** @typedef {import('./edit-queue.js').StatusKind} StatusKind */
/** @typedef {import('./player.js').Player} Player */
/** @typedef {ReturnType<typeof createReview>} Review */

/**
 * The review part of one recording's detail view.
 * @param {HTMLElement} root the #detail element holding the template's .review, .speaker-strip and .autoscroll
 * @param {{ id: string, player: Player }} options the recording, and the player of its audio
 */
export function createReview(root, { id, player }) {
  const status = /** @type {HTMLElement} */ ($('.save-status', root))
  /** @type {(text: string, kind?: StatusKind) => void} */
  const say = (text, kind = 'info') => {
    status.className = `save-status ${kind}`
    status.textContent = text
  }
  /** The transcript on screen, and one that arrived during a text edit (shown when the edit ends). */
  const shown = { t: /** @type {TranscriptResponse | null} */ (null), pending: /** @type {TranscriptResponse | null} */ (null), destroyed: false }

  const edits = new EditQueue({ id, say, shown: () => shown.t })
  const editor = new SegmentEditor({ edits, say, fill: (entry, seg) => view.fill(entry, seg) })
  const view = new TranscriptView({ root, player, edits, editor, say })
  const menu = new SegmentMenu({ view, editor, edits, player, say })
  const speakers = new SpeakersPanel({ root, edits, player })
  const strip = new SpeakerStrip({ root, view, player })
  const proofreading = new Proofreading({ root, view, editor, edits, player, say })
  const versions = new VersionsList({ root, id, edits })
  /** @type {{ links(): void } | null} */
  let exportOptions = null

  const subs = new Subscriptions()
  subs.listen(/** @type {HTMLElement} */ ($('.undo-button', root)), 'click', () => void edits.undo())
  subs.listen(/** @type {HTMLElement} */ ($('.redo-button', root)), 'click', () => void edits.redo())
  subs.add(
    edits.on('transcript', (t) => render(t)),
    editor.on('end', (changed) => {
      const p = shown.pending
      shown.pending = null
      if (p && !changed) render(p)
    }),
  )
  say('Double-click a segment to edit it; right-click it for its speaker or a split. Press ? for all shortcuts.')

  /**
   * Shows a transcript the server answered (an edit's answer, a new worker result, another tab's change).
   * @param {TranscriptResponse} t
   */
  function render(t) {
    const undoButton = /** @type {HTMLButtonElement | null} */ ($('.undo-button', root))
    if (undoButton) undoButton.title = t.undoable ? `Undo the last change (${t.undoable} can be undone)` : 'Nothing to undo yet'
    const redoButton = /** @type {HTMLButtonElement | null} */ ($('.redo-button', root))
    if (redoButton) {
      redoButton.disabled = !t.redoable
      redoButton.title = t.redoable ? `Redo what undo took back (${t.redoable} can be redone; Ctrl/⌘ Shift Z)` : 'Nothing to redo'
    }
    if (shown.destroyed) return
    void versions.load()
    // Re-rendering would drop what the user is typing: keep the newest answer until the edit ends.
    if (editor.active) {
      shown.pending = t
      return
    }
    // Keyboard users keep their place: the segment that had focus gets it back after the re-render.
    const hadFocus = view.container.contains(document.activeElement) || isMenuOpen()
    closeMenu()
    // A new worker result (not an undo, redo or restore, which say what they did themselves).
    const arrived = shown.t && t.transcriptVersion !== shown.t.transcriptVersion && t.step === undefined
    shown.t = t
    if (arrived) {
      const named = t.givenNames
      say(
        `Version ${t.transcriptVersion} arrived; the one before stays under Versions (Undo goes back to it).` +
          (named.length ? ` Names carried over: ${named.join(', ')}.` : ''),
        'saved',
      )
    }
    const review = /** @type {HTMLElement} */ ($('.review', root))
    review.hidden = false
    const follow = view.follow.closest('.follow')
    if (follow instanceof HTMLElement) follow.hidden = false
    speakers.render(t)
    exportOptions ??= createExportOptions(root, id, say)
    const filteredCount = t.segments.filter((s) => s.filtered).length
    const summary = /** @type {HTMLElement} */ ($('.filter-summary', root))
    summary.textContent = filteredCount
      ? `${plural(filteredCount, 'segment')} hidden as ${filteredCount === 1 ? 'a likely Whisper hallucination' : 'likely Whisper hallucinations'} (shown in orange; you can restore ${filteredCount === 1 ? 'it' : 'them'}).`
      : 'No hallucinations detected.'
    view.render(t, hadFocus)
  }

  return {
    render,
    undo: () => edits.undo(),
    redo: () => edits.redo(),
    /** @param {1 | -1} dir */
    jumpUncertain: (dir) => proofreading.jumpUncertain(dir),
    openReplace: () => proofreading.openReplace(),
    get loaded() {
      return shown.t !== null
    },
    /** Revision of the transcript shown (null before one is loaded). */
    get version() {
      return shown.t ? shown.t.version : null
    },
    get editing() {
      return editor.active !== null
    },
    /** Stops every part: listeners, observers, answers still on their way. */
    destroy() {
      shown.destroyed = true
      closeMenu()
      subs.drain()
      for (const part of [versions, proofreading, strip, speakers, menu, view, editor, edits]) part.destroy()
    },
  }
}
