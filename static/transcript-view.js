// @ts-check
// The transcript as speaker turns: words as spans (click one to go there, Alt+click to split before it), hidden
// segments with their evidence and a Restore button, the playing segment and word highlighted with auto-scroll,
// a floating ⋯ button for the hovered segment, the keyboard path (one tab stop, ↑/↓ between segments), renaming
// a speaker from its turn, and copying with speaker and time. Transcript text and speaker names are user data:
// only textContent and value carry them.
import { clock, el, lastStartingBefore, prefs, revealBelow } from './dom.js'
import { isMenuOpen } from './menu.js'
import { cornerOf, isUncertain, nameOf, normalize, speakerColor, UNCERTAIN_SCORE } from './review-common.js'
import { EventEmitter, Subscriptions } from './subscriptions.js'

/** @typedef {import('./types.js').TranscriptResponse} TranscriptResponse */
/** @typedef {import('./types.js').Segment} Segment */
/** @typedef {import('./types.js').FilterEvidence} FilterEvidence */
/** @typedef {import('./segment-editor.js').SegmentEntry} SegmentEntry */
/** @typedef {import('./segment-editor.js').SegmentEditor} SegmentEditor */
/** @typedef {import('./edit-queue.js').EditQueue} EditQueue */
/** @typedef {import('./edit-queue.js').Say} Say */
/** @typedef {import('./player.js').Player} Player */
/** @typedef {{ x: number, y: number }} Point */
/** @typedef {{ index: number, el: HTMLElement, start: number, score: number, text: string }} UncertainWord */

// After the user scrolls by hand, auto-scroll waits this long before it takes the view back.
const FOLLOW_PAUSE_MS = 4000
// A segment stays "playing" this long after its end, so short gaps between words do not flicker.
const END_SLACK = 0.05

/**
 * @typedef {object} TranscriptViewEvents
 * @property {[index: number, wordIndex: number, at: Point]} menu the segment's menu is asked for (wordIndex -1: no word)
 * @property {[seg: Segment, wordIndex: number]} split split before this word (Alt+click)
 * @property {[]} rendered a new transcript is on screen
 */

/** @extends {EventEmitter<TranscriptViewEvents>} */
export class TranscriptView extends EventEmitter {
  /**
   * @param {object} deps
   * @param {HTMLElement} deps.root the detail view (holds .transcript, .autoscroll, .player)
   * @param {Player} deps.player
   * @param {EditQueue} deps.edits
   * @param {SegmentEditor} deps.editor
   * @param {Say} deps.say
   */
  constructor(deps) {
    super()
    this.deps = deps
    const { root, player, editor } = deps
    /** @type {TranscriptResponse | null} */
    this.t = null
    /** Kept segments in time order. @type {SegmentEntry[]} */
    this.segs = []
    /** Segment id → index in segs. @type {Map<string, number>} */
    this.byId = new Map()
    this.playing = -1
    /** @type {HTMLElement | null} */
    this.word = null
    /** Uncertain words in time order. @type {UncertainWord[]} */
    this.uncertain = []
    /** The segment the floating ⋯ button belongs to. */
    this.hover = -1
    /** The segment in the tab order (roving tabindex: one tab stop for the whole transcript). @type {string | null} */
    this.focusId = null
    this.lastUserScroll = 0
    this.container = /** @type {HTMLElement} */ (root.querySelector('.transcript'))
    this.follow = /** @type {HTMLInputElement} */ (root.querySelector('.autoscroll'))
    // One ⋯ button that moves to the hovered segment. A button in every segment would mean thousands of
    // positioned boxes, which made layout and painting of a 3,000-segment transcript slow.
    this.more = el('button', { type: 'button', class: 'seg-more', title: 'This segment: speaker, split, edit, hide', hidden: '' })
    this.follow.checked = prefs.get('follow', true)

    const subs = (this.subscriptions = new Subscriptions())
    const c = this.container
    subs.listen(this.follow, 'change', () => prefs.set('follow', this.follow.checked))
    subs.listen(c, 'copy', (e) => this.onCopy(e))
    subs.listen(c, 'click', (e) => this.onClick(e))
    subs.listen(c, 'dblclick', (e) => {
      const h = this.hit(e)
      if (h && !editor.active) editor.start(h.entry, h.wordIndex)
    })
    subs.listen(c, 'contextmenu', (e) => this.onContextMenu(e))
    subs.listen(c, 'keydown', (e) => this.onKey(e))
    subs.listen(c, 'focusin', (e) => this.takeFocus(e.target))
    subs.listen(c, 'mouseover', (e) => this.onHover(e))
    subs.listen(c, 'mouseleave', () => !isMenuOpen() && this.hideMore())
    subs.listen(this.more, 'click', () => {
      const r = this.more.getBoundingClientRect()
      if (this.segs[this.hover]) this.emit('menu', this.hover, -1, { x: r.left, y: r.bottom + 2 })
    })
    const markUserScroll = () => (this.lastUserScroll = Date.now())
    subs.listen(window, 'wheel', markUserScroll, { passive: true })
    subs.listen(window, 'touchmove', markUserScroll, { passive: true })
    subs.add(
      player.on('time', (t) => this.onTime(t)),
      editor.on('start', (entry) => {
        if (this.word && entry.el.contains(this.word)) this.word = null
        this.hideMore()
      }),
    )
  }

  /**
   * Draws `t` as turns and puts the highlight where the player is; the segment that had focus keeps it.
   * @param {TranscriptResponse} t
   * @param {boolean} hadFocus
   */
  render(t, hadFocus) {
    this.t = t
    const frag = document.createDocumentFragment()
    this.segs = []
    this.uncertain = []
    this.byId = new Map()
    /** @type {{ node: HTMLElement, body: HTMLElement, speaker: string | null } | null} */
    let turn = null
    for (const seg of t.segments) {
      if (seg.filtered) {
        ;(turn ? turn.body : frag).append(this.filteredBox(seg, seg.filtered))
        continue
      }
      if (!turn || turn.speaker !== seg.speaker) {
        turn = this.turnNode(t, seg)
        frag.append(turn.node)
      }
      const segEl = document.createElement('span')
      segEl.className = 'segment'
      segEl.dataset.segmentId = seg.id
      segEl.dataset.start = String(seg.start)
      segEl.dataset.index = String(this.segs.length)
      /** @type {SegmentEntry} */
      const entry = { seg, el: segEl, start: seg.start, end: seg.end, words: [] }
      this.fill(entry)
      entry.words.forEach((w, wi) => {
        if (w.uncertain) this.uncertain.push({ index: this.segs.length, el: w.el, start: w.start, score: seg.words[wi]?.score ?? 0, text: w.text })
      })
      turn.body.append(segEl, ' ')
      this.byId.set(seg.id, this.segs.length)
      this.segs.push(entry)
    }
    this.hover = -1
    this.more.hidden = true
    this.container.replaceChildren(frag, this.more)
    if (this.focusId === null || !this.byId.has(this.focusId)) this.focusId = this.segs[0]?.seg.id ?? null
    const focusable = this.entryById(this.focusId)
    if (focusable) focusable.el.tabIndex = 0
    this.playing = -1
    this.word = null
    this.onTime(this.deps.player.audio.currentTime)
    if (hadFocus) focusable?.el.focus({ preventScroll: true })
    this.emit('rendered')
  }

  /**
   * The rendered segment with this id, if it is shown.
   * @param {string | null} id
   */
  entryById(id) {
    const index = id === null ? undefined : this.byId.get(id)
    return index === undefined ? undefined : this.segs[index]
  }

  /**
   * Word spans of a segment (plain DOM calls: this runs for every word of a long transcript).
   * @param {SegmentEntry} entry
   * @param {Segment} [seg] what to show (the typed text while its edit is on its way)
   */
  fill(entry, seg = entry.seg) {
    const segEl = entry.el
    segEl.replaceChildren()
    const words = seg.words.length ? seg.words : [{ text: seg.text, start: seg.start, end: seg.end, score: null, estimated: true }]
    entry.words = words.map((w, i) => {
      const wEl = document.createElement('span')
      const uncertain = isUncertain(w)
      wEl.className = w.estimated ? 'word estimated' : uncertain ? 'word uncertain' : 'word'
      if (uncertain) wEl.title = `Uncertain: the aligner scored this word ${w.score.toFixed(2)} (below ${UNCERTAIN_SCORE}). F8 goes to the next one.`
      wEl.textContent = w.text
      if (i) segEl.append(' ')
      segEl.append(wEl)
      return { start: w.start, end: w.end, el: wEl, text: w.text, uncertain }
    })
  }

  /**
   * A hidden segment: its text, why it was hidden, the filter's evidence, and Restore.
   * @param {Segment} seg
   * @param {NonNullable<Segment['filtered']>} filtered
   */
  filteredBox(seg, filtered) {
    return el(
      'div',
      { class: 'filtered', dataset: { segmentId: seg.id } },
      el('span', { text: `Hidden at ${clock(seg.start)}: ` }),
      el('span', { class: 'text', text: seg.text }),
      el('span', { text: ` — ${filtered.reason}` }),
      ...evidenceLine(filtered.evidence, filtered.rule),
      el('button', {
        type: 'button',
        text: 'Restore',
        onclick: () => this.deps.edits.apply([{ op: 'restoreSegment', segmentId: seg.id }], 'Segment restored.'),
      }),
    )
  }

  /**
   * A speaker turn's head (name, time) and the box its segments go in.
   * @param {TranscriptResponse} t
   * @param {Segment} seg the turn's first segment
   */
  turnNode(t, seg) {
    const speaker = seg.speaker
    const nameBtn = el('button', { type: 'button', class: 'speaker-name', title: 'Click to rename this speaker everywhere', text: nameOf(t, speaker) })
    if (speaker !== null) nameBtn.addEventListener('click', () => this.renameInPlace(t, speaker, nameBtn))
    else {
      // Diarization gave these segments nobody: a click offers the speakers for the turn's first segment.
      nameBtn.classList.add('unknown')
      nameBtn.title = 'No speaker: click to choose who says this (right-click any segment for just that one)'
      nameBtn.setAttribute('aria-haspopup', 'menu')
      const index = this.segs.length // the turn's first segment is the next one rendered
      nameBtn.addEventListener('click', () => {
        const r = nameBtn.getBoundingClientRect()
        this.emit('menu', index, -1, { x: r.left, y: r.bottom + 2 })
      })
    }
    const stamp = el('button', { type: 'button', class: 'timestamp', title: 'Play from here', text: clock(seg.start), dataset: { start: String(seg.start) } })
    stamp.addEventListener('click', () => this.deps.player.seek(seg.start, true))
    const body = el('div', { class: 'turn-body' })
    const node = el('div', { class: 'turn', dataset: { speaker: speaker ?? '' } }, el('div', { class: 'turn-head' }, nameBtn, stamp), body)
    node.style.setProperty('--speaker', speakerColor(speaker))
    return { node, body, speaker }
  }

  /**
   * Turns a turn's name into a field; Enter or leaving it renames the speaker everywhere, Esc keeps the name.
   * @param {TranscriptResponse} t
   * @param {string} speaker
   * @param {HTMLElement} nameBtn
   */
  renameInPlace(t, speaker, nameBtn) {
    const input = el('input', { class: 'speaker-input', type: 'text', 'aria-label': 'Speaker name' })
    input.value = nameOf(t, speaker)
    let done = false
    /** @param {boolean} save */
    const finish = (save) => {
      if (done) return
      done = true
      const name = normalize(input.value)
      if (save && name && name !== nameOf(t, speaker)) void this.deps.edits.apply([{ op: 'renameSpeaker', speaker, name }], `Renamed to “${name}” everywhere.`)
      else input.replaceWith(nameBtn)
    }
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') finish(true)
      if (e.key === 'Escape') finish(false)
    })
    input.addEventListener('blur', () => finish(true))
    nameBtn.replaceWith(input)
    input.focus()
    input.select()
  }

  // ---------- playback highlight ----------
  /**
   * Marks the segment and word at `t` (seconds). Two binary searches, so it can run every frame.
   * @param {number} t
   */
  onTime(t) {
    if (!this.segs.length) return
    const i = lastStartingBefore(this.segs, t)
    const found = this.segs[i]
    const idx = found && t < found.end + END_SLACK ? i : -1
    if (idx !== this.playing) {
      this.segs[this.playing]?.el.classList.remove('playing')
      this.segs[idx]?.el.classList.add('playing')
      this.playing = idx
    }
    const entry = this.segs[idx]
    /** @type {HTMLElement | null} */
    let word = null
    if (entry && this.deps.editor.entry !== entry) word = entry.words[lastStartingBefore(entry.words, t)]?.el ?? null
    if (word === this.word) return
    this.word?.classList.remove('current')
    word?.classList.add('current')
    this.word = word
    if (word) this.followPlayback(word)
  }

  /** @param {HTMLElement} node the word now playing */
  followPlayback(node) {
    if (!this.follow.checked || this.deps.editor.active || isMenuOpen() || this.deps.player.sampleKey !== null) return
    if (Date.now() - this.lastUserScroll < FOLLOW_PAUSE_MS) return
    const r = node.getBoundingClientRect()
    const playerEl = /** @type {HTMLElement | null} */ (this.deps.root.querySelector('.player'))
    const top = (playerEl?.getBoundingClientRect().bottom ?? 0) + 16
    if (r.top >= top && r.bottom <= window.innerHeight - 32) return
    // Below the sticky player, not behind it (it covers the top of the window once the page scrolls).
    revealBelow(node, playerEl ? playerEl.offsetHeight : 0)
  }

  // ---------- transcript events (delegated: one listener for thousands of words) ----------
  /**
   * The segment (and word) an event happened in, or null.
   * @param {Event} e
   */
  hit(e) {
    const target = e.target instanceof Element ? e.target : null
    const segEl = /** @type {HTMLElement | null | undefined} */ (target?.closest('.segment'))
    if (!segEl || !this.container.contains(segEl)) return null
    const index = Number(segEl.dataset.index)
    const entry = this.segs[index]
    if (!entry) return null
    const wordEl = target?.closest('.word')
    const wordIndex = wordEl ? entry.words.findIndex((w) => w.el === wordEl) : -1
    return { index, entry, wordIndex }
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const h = this.hit(e)
    if (!h || this.deps.editor.entry === h.entry) return
    const word = h.entry.words[h.wordIndex]
    if (!word) return
    if (e.altKey) {
      e.preventDefault()
      this.emit('split', h.entry.seg, h.wordIndex)
      return
    }
    this.deps.player.seek(word.start)
  }

  /** @param {MouseEvent} e */
  onContextMenu(e) {
    const h = this.hit(e)
    if (!h || this.deps.editor.entry === h.entry) return
    e.preventDefault()
    // The context-menu key has no pointer position: place the menu at the segment then.
    const at = e.clientX || e.clientY ? { x: e.clientX, y: e.clientY } : cornerOf(h.entry.el)
    this.emit('menu', h.index, h.wordIndex, at)
  }

  /**
   * Keyboard path to the segment tools: Tab into the transcript, ↑/↓ between segments, Enter edits, the menu key
   * (or Shift+F10) opens the segment's menu.
   * @param {KeyboardEvent} e
   */
  onKey(e) {
    const h = this.hit(e)
    if (!h || e.defaultPrevented || this.deps.editor.active || e.target !== h.entry.el || e.altKey || e.ctrlKey || e.metaKey) return
    const last = this.segs.length - 1
    const to = e.key === 'ArrowDown' ? h.index + 1 : e.key === 'ArrowUp' ? h.index - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? last : null
    if (to !== null) {
      const next = this.segs[Math.max(0, Math.min(last, to))]?.el
      if (!next) return
      next.tabIndex = 0 // only elements with a tabindex take focus; focusin then moves the tab stop here
      next.focus()
      e.preventDefault()
    } else if (e.key === 'Enter') {
      e.preventDefault()
      this.deps.editor.start(h.entry)
    } else if (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) {
      // Chromium makes a contextmenu event of these only on some systems: open the menu here everywhere.
      e.preventDefault()
      this.emit('menu', h.index, -1, cornerOf(h.entry.el))
    }
  }

  /**
   * Moves the transcript's one tab stop to the segment holding `target`.
   * @param {EventTarget | null} target
   */
  takeFocus(target) {
    const segEl = target instanceof Element ? /** @type {HTMLElement | null} */ (target.closest('.segment')) : null
    if (!segEl || segEl.dataset.segmentId === this.focusId) return
    this.entryById(this.focusId)?.el.removeAttribute('tabindex')
    segEl.tabIndex = 0
    this.focusId = segEl.dataset.segmentId ?? null
  }

  /** @param {MouseEvent} e */
  onHover(e) {
    if (e.target === this.more || isMenuOpen() || this.deps.editor.active) return
    const h = this.hit(e)
    if (h && h.index !== this.hover) this.placeMore(h.index)
  }

  /**
   * Puts the ⋯ button in the turn's left gutter, on the line where the segment starts.
   * @param {number} index
   */
  placeMore(index) {
    const entry = this.segs[index]
    const line = entry?.el.getClientRects()[0]
    const turn = entry?.el.closest('.turn')
    if (!entry || !line || !turn) return
    const box = this.container.getBoundingClientRect()
    const turnBox = turn.getBoundingClientRect()
    this.more.style.top = `${line.top - box.top + (line.height - 22) / 2}px`
    this.more.style.left = `${turnBox.left - box.left + 6}px`
    this.more.setAttribute('aria-label', `Segment at ${clock(entry.start)}: speaker and editing`)
    this.more.hidden = false
    this.hover = index
  }

  hideMore() {
    this.more.hidden = true
    this.hover = -1
  }

  /**
   * Copying a selected passage puts it on the clipboard with its speaker and time, one line per speaker turn:
   * "[12:03] Anna: …". Words partly selected count whole.
   * @param {ClipboardEvent} e
   */
  onCopy(e) {
    const sel = window.getSelection()
    if (this.deps.editor.active || !this.t || !sel || sel.isCollapsed || !e.clipboardData) return
    const range = sel.getRangeAt(0)
    /** @type {{ speaker: string | null, start: number, text: string }[]} */
    const lines = []
    /** @type {{ speaker: string | null, start: number, text: string } | null} */
    let last = null
    for (const entry of this.segs) {
      if (!range.intersectsNode(entry.el)) continue
      const words = entry.words.filter((w) => range.intersectsNode(w.el))
      const first = words[0]
      if (!first) continue
      const text = words.map((w) => w.text).join(' ')
      if (last && last.speaker === entry.seg.speaker) last.text += ` ${text}`
      else lines.push((last = { speaker: entry.seg.speaker, start: first.start, text }))
    }
    if (!lines.length) return
    const t = this.t
    const text = lines.map((l) => `[${clock(l.start)}] ${nameOf(t, l.speaker)}: ${l.text}`).join('\n')
    e.clipboardData.setData('text/plain', text)
    e.preventDefault()
    this.deps.say(`Copied with speaker and time: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`, 'saved')
  }

  destroy() {
    this.subscriptions.drain()
    this.unAll()
  }
}

/**
 * The filter's evidence under a hidden line ("no speech under this line …"), or nothing for old decisions.
 * @param {FilterEvidence | null | undefined} evidence
 * @param {string} rule
 */
function evidenceLine(evidence, rule) {
  if (rule === 'manual') return []
  if (!evidence || !Array.isArray(evidence.notes) || evidence.notes.length === 0) {
    return [el('span', { class: 'evidence', text: 'Evidence: judged from the text alone (decided before speech maps existed).' })]
  }
  const quiet = evidence.speechShare !== null && evidence.speechShare !== undefined && evidence.speechShare < 0.2
  return [el('span', { class: quiet ? 'evidence no-speech' : 'evidence', text: `Evidence: ${evidence.notes.join('; ')}.` })]
}
