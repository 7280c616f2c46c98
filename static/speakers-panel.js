// @ts-check
// The speakers panel: each speaker's colour, name (rename everywhere), a 4-second sample (their longest segment),
// how much they speak, and "Merge into…": the bulk fix for diarization that split one person in two (asked for in
// transcribee #511, noScribe #152 and Buzz #1331).
import { $, clock, el, plural } from './dom.js'
import { normalize, swatch } from './review-common.js'
import { Subscriptions } from './subscriptions.js'

/** @typedef {import('./types.js').TranscriptResponse} TranscriptResponse */
/** @typedef {import('./types.js').Segment} Segment */
/** @typedef {TranscriptResponse['speakers'][number]} Speaker */
/** @typedef {{ count: number, seconds: number, longest: Segment | null }} SpeakerStats */
/** @typedef {import('./edit-queue.js').EditQueue} EditQueue */
/** @typedef {import('./player.js').Player} Player */

export class SpeakersPanel {
  /**
   * @param {object} deps
   * @param {HTMLElement} deps.root the detail view (holds .speakers)
   * @param {EditQueue} deps.edits
   * @param {Player} deps.player
   */
  constructor(deps) {
    this.deps = deps
    const { root, player } = deps
    this.list = /** @type {HTMLElement} */ ($('.speakers', root))
    this.subscriptions = new Subscriptions()
    this.subscriptions.add(player.on('change', () => this.updateSampleButtons()))
  }

  /** @param {TranscriptResponse} t */
  render(t) {
    const stats = speakerStats(t)
    this.list.replaceChildren(...t.speakers.map((s) => this.item(t, s, stats.get(s.id) ?? { count: 0, seconds: 0, longest: null })))
    this.updateSampleButtons()
  }

  /**
   * @param {TranscriptResponse} t
   * @param {Speaker} s
   * @param {SpeakerStats} st
   */
  item(t, s, st) {
    const input = el('input', { type: 'text', 'aria-label': `Name of ${s.id}`, dataset: { speaker: s.id } })
    input.value = s.name
    input.addEventListener('change', () => {
      const name = normalize(input.value)
      if (name && name !== s.name) void this.deps.edits.apply([{ op: 'renameSpeaker', speaker: s.id, name }], `Renamed to “${name}” everywhere.`)
      else input.value = s.name
    })
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') input.blur()
      if (e.key === 'Escape') {
        input.value = s.name
        input.blur()
      }
    })
    const sample = el('button', { type: 'button', class: 'sample', dataset: { speaker: s.id }, title: 'Hear 4 s of this speaker (their longest segment)' })
    sample.setAttribute('aria-label', `Play a sample of ${s.name}`)
    const longest = st.longest
    sample.disabled = !longest
    sample.addEventListener('click', () => longest && this.deps.player.playSample(s.id, longest.start, longest.end))
    const row = el('div', { class: 'speaker-row' }, swatch(s.id), input, sample)
    const stats = el('span', { class: 'stats', text: st.count ? `${plural(st.count, 'segment')} · ${clock(st.seconds)}` : 'no segments' })
    return el('li', { class: 'speaker', dataset: { speaker: s.id } }, row, el('div', { class: 'speaker-sub' }, stats, this.mergeSelect(t, s)))
  }

  /**
   * "Merge into…": gives all of this speaker's segments to another speaker.
   * @param {TranscriptResponse} t
   * @param {Speaker} s
   */
  mergeSelect(t, s) {
    const others = t.speakers.filter((o) => o.id !== s.id)
    if (!others.length) return null
    const select = el(
      'select',
      { class: 'merge', dataset: { speaker: s.id }, title: 'Give all of this speaker’s segments to another speaker' },
      el('option', { value: '', text: 'Merge into…' }),
      ...others.map((o) => el('option', { value: o.id, text: o.name })),
    )
    select.setAttribute('aria-label', `Merge ${s.name} into another speaker`)
    select.addEventListener('change', () => {
      const into = others.find((o) => o.id === select.value)
      if (into) void this.deps.edits.apply([{ op: 'mergeSpeakers', from: s.id, into: into.id }], `Merged “${s.name}” into “${into.name}”. Undo brings them back.`)
    })
    return select
  }

  /** Marks the sample button of the speaker whose sample plays. */
  updateSampleButtons() {
    for (const b of this.list.querySelectorAll('.sample')) {
      const on = b instanceof HTMLElement && this.deps.player.sampleKey === b.dataset.speaker
      b.classList.toggle('on', on)
      b.setAttribute('aria-pressed', String(on))
    }
  }

  destroy() {
    this.subscriptions.drain()
  }
}

/**
 * Per speaker: kept segments, seconds spoken and the longest segment (for the sample).
 * @param {TranscriptResponse} t
 * @returns {Map<string, SpeakerStats>}
 */
function speakerStats(t) {
  /** @type {Map<string, SpeakerStats>} */
  const stats = new Map(t.speakers.map((s) => [s.id, { count: 0, seconds: 0, longest: null }]))
  for (const seg of t.segments) {
    const st = !seg.filtered && seg.speaker !== null ? stats.get(seg.speaker) : undefined
    if (!st) continue
    st.count++
    st.seconds += seg.end - seg.start
    if (!st.longest || seg.end - seg.start > st.longest.end - st.longest.start) st.longest = seg
  }
  return stats
}
