// @ts-check
// Playback behaviour of the review page, after oTranscribe (https://github.com/oTranscribe/oTranscribe, `defaults.json`):
// speed in 0.125 steps within 0.5–2× (remembered), a 1.5 s rewind when resuming after a pause, ±1.5 s nudges,
// and short speaker samples that pause by themselves (Buzz's naming flow). One animation-frame loop reports the
// time while playing: `timeupdate` fires only about 4 times a second, too coarse to follow single words.
import { prefs } from './dom.js'
import { EventEmitter, Subscriptions } from './subscriptions.js'

export const RATE_MIN = 0.5
export const RATE_MAX = 2
export const RATE_STEP = 0.125
export const NUDGE_SECONDS = 1.5
export const REWIND_ON_RESUME = 1.5
export const SAMPLE_SECONDS = 4

export const RATES = Array.from({ length: (RATE_MAX - RATE_MIN) / RATE_STEP + 1 }, (_, i) => RATE_MIN + i * RATE_STEP)

/** @param {number} r */
const clampRate = (r) => Math.min(RATE_MAX, Math.max(RATE_MIN, Math.round(r / RATE_STEP) * RATE_STEP))

/**
 * @typedef {object} PlayerEvents
 * @property {[seconds: number]} time every frame while playing, and after seeks and pauses
 * @property {[]} change play state, speed or sample state changed (for buttons and selects)
 */

/**
 * Wraps the page's <audio>. Listen with `on('time' | 'change', …)`, which returns the unsubscribe function.
 * @extends {EventEmitter<PlayerEvents>}
 */
export class Player extends EventEmitter {
  /** @param {HTMLAudioElement} audio */
  constructor(audio) {
    super()
    this.audio = audio
    /** Where the last pause happened (seconds): resuming from exactly there rewinds. @type {number | null} */
    this.pausedAt = null
    /** While a speaker sample plays: its key, where it stops and where the review goes on. @type {{ key: string, until: number, resumeAt: number } | null} */
    this.sample = null
    this.frame = 0
    this.subscriptions = new Subscriptions()
    const tick = () => {
      this.frame = 0
      this.report()
      if (!audio.paused) this.frame = requestAnimationFrame(tick)
    }
    this.subscriptions.listen(audio, 'play', () => {
      if (!this.frame) this.frame = requestAnimationFrame(tick)
      this.emit('change')
    })
    this.subscriptions.listen(audio, 'pause', () => {
      this.pausedAt = audio.currentTime
      cancelAnimationFrame(this.frame)
      this.frame = 0
      this.report()
      this.emit('change')
    })
    // While paused the frame loop is off; seeks still move the highlight.
    const onSeeked = () => audio.paused && this.report()
    this.subscriptions.listen(audio, 'seeked', onSeeked)
    this.subscriptions.listen(audio, 'timeupdate', onSeeked)
    this.setRate(prefs.get('rate', 1))
  }

  /** @private */
  report() {
    const t = this.audio.currentTime
    if (this.sample && t >= this.sample.until) this.endSample(true)
    else this.emit('time', t)
  }

  get playing() {
    return !this.audio.paused
  }

  /** The key of the speaker sample playing (see playSample), or null. */
  get sampleKey() {
    return this.sample ? this.sample.key : null
  }

  get rate() {
    return this.audio.playbackRate
  }

  /**
   * Sets the speed (clamped to RATE_MIN–RATE_MAX in RATE_STEP steps, remembered); returns the speed set.
   * @param {number} rate
   */
  setRate(rate) {
    const r = clampRate(rate)
    // defaultPlaybackRate too: loading the media resets playbackRate to it.
    this.audio.defaultPlaybackRate = r
    this.audio.playbackRate = r
    prefs.set('rate', r)
    this.emit('change')
    return r
  }

  /** @param {number} direction 1 faster, -1 slower */
  stepRate(direction) {
    return this.setRate(this.audio.playbackRate + direction * RATE_STEP)
  }

  /**
   * @private
   * @param {boolean} restore go back to where the user was before the sample
   */
  endSample(restore) {
    const s = this.sample
    this.sample = null
    this.audio.pause()
    // A sample is a peek: the review goes on where it was.
    if (restore && s) {
      this.audio.currentTime = s.resumeAt
      this.pausedAt = s.resumeAt
    }
    this.emit('change')
  }

  /** Play/pause; resuming at the spot of the last pause first goes back REWIND_ON_RESUME seconds. */
  toggle() {
    const audio = this.audio
    if (this.sample) return this.endSample(true)
    if (!audio.paused) {
      audio.pause()
      // Here, not only in the 'pause' event: Chromium can deliver that event late, after a quick resume.
      this.pausedAt = audio.currentTime
      return
    }
    const t = audio.currentTime
    if (this.pausedAt !== null && Math.abs(t - this.pausedAt) < 0.05 && t > 0) audio.currentTime = Math.max(0, t - REWIND_ON_RESUME)
    audio.play().catch(() => {})
  }

  /**
   * Moves to `seconds` (clamped to the audio), playing from there when `play`.
   * @param {number} seconds
   * @param {boolean} [play]
   */
  seek(seconds, play = false) {
    const audio = this.audio
    this.sample = null
    const end = Number.isFinite(audio.duration) ? audio.duration : Infinity
    audio.currentTime = Math.min(end, Math.max(0, seconds))
    if (play) audio.play().catch(() => {})
    this.emit('change')
  }

  /** @param {number} seconds back (negative) or forward, keeping play state */
  nudge(seconds) {
    this.seek(this.audio.currentTime + seconds, !this.audio.paused)
  }

  /**
   * Plays [from, min(to, from + SAMPLE_SECONDS)) then pauses and returns to where the user was; again stops it.
   * @param {string} key what the sample is of (a speaker id): `sampleKey` while it plays
   * @param {number} from seconds
   * @param {number} to seconds
   */
  playSample(key, from, to) {
    if (this.sample && this.sample.key === key) return this.endSample(true)
    const resumeAt = this.sample ? this.sample.resumeAt : this.audio.currentTime
    this.sample = { key, until: Math.min(to, from + SAMPLE_SECONDS), resumeAt }
    this.audio.currentTime = from
    this.audio.play().catch(() => this.endSample(true))
    this.emit('change')
  }

  /** Stops playback and every listener (its own on the <audio>, and everyone's on it). */
  destroy() {
    cancelAnimationFrame(this.frame)
    this.audio.pause()
    this.subscriptions.drain()
    this.unAll()
  }
}

/**
 * A Player for the page's <audio>.
 * @param {HTMLAudioElement} audio
 */
export const createPlayer = (audio) => new Player(audio)
