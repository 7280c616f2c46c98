// @ts-check
// The speaker strip under the waveform: who speaks when, in each speaker's colour (transcribee colours its seek bar
// the same way). A click seeks there.
import { $ } from './dom.js'
import { speakerColor } from './review-common.js'
import { Subscriptions } from './subscriptions.js'

/** @typedef {import('./transcript-view.js').TranscriptView} TranscriptView */
/** @typedef {import('./player.js').Player} Player */

export class SpeakerStrip {
  /**
   * Draws itself after each render of the transcript and when its size changes.
   * @param {object} deps
   * @param {HTMLElement} deps.root the detail view (holds the .speaker-strip canvas)
   * @param {TranscriptView} deps.view
   * @param {Player} deps.player
   */
  constructor(deps) {
    this.deps = deps
    const { root, view, player } = deps
    this.canvas = /** @type {HTMLCanvasElement} */ ($('.speaker-strip', root))
    const subs = (this.subscriptions = new Subscriptions())
    subs.listen(this.canvas, 'click', (e) => {
      const duration = this.duration()
      if (duration) player.seek((e.offsetX / this.canvas.clientWidth) * duration)
    })
    const observer = new ResizeObserver(() => this.draw())
    observer.observe(this.canvas)
    subs.add(() => observer.disconnect(), view.on('rendered', () => this.draw()))
  }

  /** Seconds the strip spans: the transcript's duration, else the audio's. */
  duration() {
    return this.deps.view.t?.duration || this.deps.player.audio.duration
  }

  draw() {
    const duration = this.duration()
    const ctx = this.canvas.getContext('2d')
    if (!this.deps.view.t || !duration || !ctx) return
    const strip = this.canvas
    strip.hidden = false
    const dpr = window.devicePixelRatio || 1
    const w = strip.clientWidth
    const h = strip.clientHeight
    strip.width = Math.round(w * dpr)
    strip.height = Math.round(h * dpr)
    ctx.scale(dpr, dpr)
    for (const s of this.deps.view.segs) {
      ctx.fillStyle = speakerColor(s.seg.speaker)
      const x = (s.start / duration) * w
      ctx.fillRect(x, 0, Math.max(1, ((s.end - s.start) / duration) * w), h)
    }
  }

  destroy() {
    this.subscriptions.drain()
  }
}
