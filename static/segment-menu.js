// @ts-check
// One segment's tools, in its menu (right-click, the ⋯ button, the menu key): the speaker of this segment only
// (transcribee #511: "only for current paragraph"), a new speaker for it, split before a word, edit, play, hide.
import { clock, el } from './dom.js'
import { isMenuOpen, menuItem, menuLabel, menuSeparator, openMenu } from './menu.js'
import { cornerOf, nameOf, swatch } from './review-common.js'
import { Subscriptions } from './subscriptions.js'

/** @typedef {import('./types.js').Segment} Segment */
/** @typedef {import('./transcript-view.js').TranscriptView} TranscriptView */
/** @typedef {import('./transcript-view.js').Point} Point */
/** @typedef {import('./segment-editor.js').SegmentEditor} SegmentEditor */
/** @typedef {import('./edit-queue.js').EditQueue} EditQueue */
/** @typedef {import('./edit-queue.js').Say} Say */
/** @typedef {import('./player.js').Player} Player */

export class SegmentMenu {
  /**
   * Opens when the transcript view asks for a segment's menu, and splits when it asks for a split.
   * @param {object} deps
   * @param {TranscriptView} deps.view
   * @param {SegmentEditor} deps.editor
   * @param {EditQueue} deps.edits
   * @param {Player} deps.player
   * @param {Say} deps.say
   */
  constructor(deps) {
    this.deps = deps
    const { view } = deps
    this.destroyed = false
    this.subscriptions = new Subscriptions()
    this.subscriptions.add(
      view.on('menu', (index, wordIndex, at) => this.open(index, wordIndex, at)),
      view.on('split', (seg, wordIndex) => void this.split(seg, wordIndex)),
    )
  }

  /**
   * @param {number} index the segment (in the view's kept segments)
   * @param {number} wordIndex the word the menu was asked on, or -1
   * @param {Point} at where it opens, in viewport pixels
   */
  open(index, wordIndex, at) {
    const { view, edits, player } = this.deps
    const entry = view.segs[index]
    const t = view.t
    if (!entry || !t) return
    const { seg } = entry
    const choices = [...t.speakers.map((s) => ({ id: /** @type {string | null} */ (s.id), name: s.name })), { id: null, name: t.unknownSpeakerName }]
    const speakerItems = choices.map((s) =>
      menuItem([swatch(s.id), el('span', { text: s.name })], () => this.setSpeaker(seg, s.id), {
        checked: seg.speaker === s.id,
        dataset: { speaker: s.id ?? '' },
      }),
    )
    speakerItems.push(menuItem(el('span', { text: 'New speaker…' }), () => this.newSpeakerFor(seg), { dataset: { action: 'new-speaker' } }))
    const word = wordIndex >= 1 ? seg.words[wordIndex] : undefined
    const splitItem = word
      ? menuItem(el('span', { text: `Split before “${word.text}”` }), () => void this.split(seg, wordIndex), { hint: 'Alt+click', dataset: { action: 'split' } })
      : menuItem('Split: right-click the word where the new part starts', () => {}, { disabled: true })
    entry.el.classList.add('menu-target')
    // Focus comes back to the segment (which joins the tab order), so the keyboard path goes on from there.
    if (view.focusId !== seg.id) view.takeFocus(entry.el)
    openMenu(
      [
        menuLabel(`${clock(seg.start)}–${clock(seg.end)} · speaker of this segment only`),
        ...speakerItems,
        menuSeparator(),
        splitItem,
        menuItem('Edit text', () => this.deps.editor.start(entry, wordIndex), { hint: 'Double-click', dataset: { action: 'edit' } }),
        menuItem('Play this segment', () => player.seek(seg.start, true), { dataset: { action: 'play' } }),
        menuItem('Hide this segment', () => void edits.apply([{ op: 'filterSegment', segmentId: seg.id }], 'Segment hidden (shown in orange; Restore brings it back).'), {
          dataset: { action: 'hide' },
        }),
      ],
      at,
      {
        className: 'segment-menu',
        label: `Segment at ${clock(seg.start)}`,
        returnFocus: entry.el,
        onClose: () => {
          entry.el.classList.remove('menu-target')
          view.hideMore()
        },
      },
    )
  }

  /**
   * Gives this one segment to `speaker` (null: the unknown speaker); the rest stays.
   * @param {Segment} seg
   * @param {string | null} speaker
   */
  setSpeaker(seg, speaker) {
    if (seg.speaker === speaker) return
    void this.deps.edits.apply([{ op: 'setSegmentSpeaker', segmentId: seg.id, speaker }], (t) => `This segment is now “${nameOf(t, speaker)}”; the rest is unchanged.`)
  }

  /**
   * A speaker diarization missed (two people under one label): add them, under the id the server names, and give
   * them this segment.
   * @param {Segment} seg
   */
  newSpeakerFor(seg) {
    const t = this.deps.view.t
    const name = (window.prompt('Name of the new speaker', '') || '').trim()
    if (!name || !t) return
    const speaker = t.newSpeakerId
    void this.deps.edits.apply(
      [
        { op: 'addSpeaker', speaker, name },
        { op: 'setSegmentSpeaker', segmentId: seg.id, speaker },
      ],
      `Added “${name}” for this segment.`,
    )
  }

  /**
   * Splits before word `atWord`, then opens the new part's menu: a split is nearly always for a speaker change.
   * @param {Segment} seg
   * @param {number} atWord
   */
  async split(seg, atWord) {
    if (atWord < 1 || atWord >= seg.words.length) {
      this.deps.say('Split before a word inside the segment: not its first word.', 'error')
      return
    }
    const t = await this.deps.edits.apply([{ op: 'splitSegment', segmentId: seg.id, atWord }], 'Split. Pick the speaker of the new part, or press Esc.')
    const part = t && t.segments[t.segments.findIndex((s) => s.id === seg.id) + 1]
    if (!part || this.deps.editor.active) return
    this.deps.view.entryById(part.id)?.el.scrollIntoView({ block: 'nearest' })
    // Measure after the next frames: off-screen turns (content-visibility) only get their real size then,
    // and the scroll above must be over before the menu opens (a scroll closes it).
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
    const index = this.deps.view.byId.get(part.id)
    const entry = index === undefined ? undefined : this.deps.view.segs[index]
    if (index === undefined || !entry || this.destroyed || this.deps.editor.active || isMenuOpen()) return
    this.open(index, -1, cornerOf(entry.el))
  }

  destroy() {
    this.destroyed = true
    this.subscriptions.drain()
  }
}
