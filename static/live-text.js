// @ts-check
// The live text panel: what the GPU heard so far while a microphone recording is made, shown as provisional
// (grey, with its time), with what it has cost and what the panel is doing ("waiting for a GPU to start").
// The server sends changes as `live-text` events (segments from index `from` on); a missed one (a reconnect)
// makes the panel load the whole text again. After Stop the panel stays until the full transcript is done.
import { api } from './api.js'
import { $, clock, el } from './dom.js'

/** @typedef {import('../src/domain/live-text.ts').LiveSegment} LiveSegment */
/** @typedef {import('../src/domain/live-text.ts').LiveStatus} LiveStatus */
/** @typedef {import('../src/domain/live-text.ts').LiveTextView} LiveTextView */
/** @typedef {{ sessionId: string, revision: number, from: number, segments: LiveSegment[], status: LiveStatus }} LiveTextEvent */

/** @type {Record<LiveStatus['activity'], string>} */
const ACTIVITY = {
  off: 'Live text is off',
  listening: 'Listening…',
  transcribing: 'Transcribing the newest speech…',
  'gpu-starting': 'Waiting for a GPU to start…',
  finished: 'Stopped.',
}

/** "≈ $0.0012 · 3 windows · 4.2 s of GPU": what live text cost so far (execution time only). */
function costText(/** @type {LiveStatus} */ s) {
  const usd = s.costUsd < 0.01 ? s.costUsd.toFixed(4) : s.costUsd.toFixed(2)
  return `≈ $${usd} so far · ${s.windowsSent} window${s.windowsSent === 1 ? '' : 's'} · ${s.gpuSeconds.toFixed(1)} s of GPU`
}

/**
 * Wires the panel in `#live-panel`.
 * @param {{ onStop: () => void, onShow: () => void }} opts onStop: the panel's Stop button (the recorder stops);
 *   onShow: the panel appears (a narrow page closes the library drawer so that it can be seen)
 */
export function setupLiveText({ onStop, onShow }) {
  const panel = /** @type {HTMLElement} */ ($('#live-panel'))
  const lines = /** @type {HTMLElement} */ (panel.querySelector('.live-lines'))
  const activity = /** @type {HTMLElement} */ (panel.querySelector('.live-activity'))
  const cost = /** @type {HTMLElement} */ (panel.querySelector('.live-cost'))
  const timer = /** @type {HTMLElement} */ (panel.querySelector('.live-timer'))
  const stop = /** @type {HTMLButtonElement} */ (panel.querySelector('.live-stop'))
  const close = /** @type {HTMLButtonElement} */ (panel.querySelector('.live-close'))
  const note = /** @type {HTMLElement} */ (panel.querySelector('.live-note'))
  /** @type {{ sessionId: string, revision: number, segments: LiveSegment[], recordingId: string | null } | null} */
  let current = null

  stop.addEventListener('click', () => onStop())
  close.addEventListener('click', () => hide())

  function hide() {
    current = null
    panel.hidden = true
    lines.replaceChildren()
  }

  /** Draws the lines from index `from` on (earlier ones are unchanged). */
  function draw(/** @type {number} */ from) {
    if (!current) return
    while (lines.children.length > from) lines.lastElementChild?.remove()
    const follow = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 8
    for (const seg of current.segments.slice(from)) {
      lines.append(el('p', { class: 'live-line', dataset: { start: String(seg.start) } }, el('span', { class: 'live-time', text: clock(seg.start) }), el('span', { class: 'live-words', text: seg.text })))
    }
    if (follow) lines.scrollTop = lines.scrollHeight
  }

  function showStatus(/** @type {LiveStatus} */ s) {
    panel.dataset.activity = s.activity
    activity.title = s.activity === 'gpu-starting' ? 'The endpoint has no warm worker: RunPod is starting one (a cold start, often one or two minutes). The audio waits and goes in one window when the GPU is up.' : ''
    activity.textContent = s.enabled || s.activity === 'finished' ? ACTIVITY[s.activity] : s.reason ?? ACTIVITY.off
    cost.textContent = s.windowsSent > 0 || s.enabled ? costText(s) : ''
    cost.hidden = cost.textContent === ''
    note.textContent = s.lastError && s.enabled ? `A window could not be transcribed (${s.lastError}); the next one takes its audio.` : ''
  }

  /** Loads the whole live text again (first view, or after a missed event). */
  async function reload() {
    if (!current) return
    const sessionId = current.sessionId
    try {
      /** @type {LiveTextView} */
      const view = await api.liveText(sessionId)
      if (!current || current.sessionId !== sessionId) return
      current.revision = view.revision
      current.segments = view.segments
      lines.replaceChildren()
      draw(0)
      showStatus(view.status)
    } catch {
      // The session was finished and cleaned up: what is shown stays.
    }
  }

  return {
    /**
     * A recording started; `view` is its live text (null: the panel has none).
     * @param {string} sessionId @param {LiveTextView | null} view
     */
    start(sessionId, view) {
      onShow()
      current = { sessionId, revision: view ? view.revision : 0, segments: view ? view.segments : [], recordingId: null }
      panel.hidden = false
      panel.classList.add('recording')
      stop.hidden = false
      close.hidden = true
      lines.replaceChildren()
      draw(0)
      if (view) showStatus(view.status)
      else activity.textContent = ACTIVITY.off
    },
    /** Elapsed recording time, seconds. */
    tick(/** @type {number} */ seconds) {
      timer.textContent = clock(seconds)
    },
    /** The recording stopped and is saved as `recordingId` (null: it could not be saved). */
    stopped(/** @type {string | null} */ recordingId) {
      if (!current) return
      current.recordingId = recordingId
      panel.classList.remove('recording')
      stop.hidden = true
      close.hidden = false
      if (current.segments.length === 0 && !recordingId) hide()
    },
    /** A `live-text` event. */
    onEvent(/** @type {LiveTextEvent} */ e) {
      if (!current || e.sessionId !== current.sessionId) return
      if (e.revision <= current.revision) return
      if (e.revision !== current.revision + 1) return void reload()
      current.revision = e.revision
      current.segments = [...current.segments.slice(0, e.from), ...e.segments]
      draw(Math.min(e.from, lines.children.length))
      showStatus(e.status)
    },
    /** The events stream reconnected: events may have been missed. */
    resync() {
      void reload()
    },
    /** A recording changed: once the stopped recording's full transcript is done, it replaces the live text. */
    onRecording(/** @type {{ id: string, status: string }} */ r) {
      if (current && current.recordingId === r.id && r.status === 'done') hide()
    },
  }
}
