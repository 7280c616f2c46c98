// Playback behaviour of the review page, after oTranscribe (reference/anchors.md §4 "Keyboard set to start from"):
// speed in 0.125 steps within 0.5–2× (remembered), a 1.5 s rewind when resuming after a pause, ±1.5 s nudges,
// and short speaker samples that pause by themselves (Buzz's naming flow). One animation-frame loop reports the
// time while playing: `timeupdate` fires only about 4 times a second, too coarse to follow single words.
import { prefs } from './dom.js'

export const RATE_MIN = 0.5
export const RATE_MAX = 2
export const RATE_STEP = 0.125
export const NUDGE_SECONDS = 1.5
export const REWIND_ON_RESUME = 1.5
export const SAMPLE_SECONDS = 4

export const RATES = Array.from({ length: (RATE_MAX - RATE_MIN) / RATE_STEP + 1 }, (_, i) => RATE_MIN + i * RATE_STEP)

const clampRate = (r) => Math.min(RATE_MAX, Math.max(RATE_MIN, Math.round(r / RATE_STEP) * RATE_STEP))

/**
 * Wraps the page's <audio>. `onTime(seconds)` is called every frame while playing and after seeks and pauses;
 * `onChange()` when play state, speed or sample state changes (for buttons and selects).
 */
export function createPlayer(audio, { onTime, onChange }) {
  let pausedAt = null // where the last pause happened: resuming from exactly there rewinds
  let sample = null // { key, until, resumeAt } while a speaker sample plays
  let frame = 0

  const report = () => {
    const t = audio.currentTime
    if (sample && t >= sample.until) endSample(true)
    else onTime(t)
  }
  const tick = () => {
    frame = 0
    report()
    if (!audio.paused) frame = requestAnimationFrame(tick)
  }
  const onPlay = () => {
    if (!frame) frame = requestAnimationFrame(tick)
    onChange()
  }
  const onPause = () => {
    pausedAt = audio.currentTime
    cancelAnimationFrame(frame)
    frame = 0
    report()
    onChange()
  }
  // While paused the frame loop is off; seeks still move the highlight.
  const onSeeked = () => audio.paused && report()
  audio.addEventListener('play', onPlay)
  audio.addEventListener('pause', onPause)
  audio.addEventListener('seeked', onSeeked)
  audio.addEventListener('timeupdate', onSeeked)

  function setRate(rate) {
    const r = clampRate(rate)
    // defaultPlaybackRate too: loading the media resets playbackRate to it.
    audio.defaultPlaybackRate = r
    audio.playbackRate = r
    prefs.set('rate', r)
    onChange()
    return r
  }

  function endSample(restore) {
    const s = sample
    sample = null
    audio.pause()
    // A sample is a peek: the review goes on where it was.
    if (restore && s) {
      audio.currentTime = s.resumeAt
      pausedAt = s.resumeAt
    }
    onChange()
  }

  const player = {
    get playing() {
      return !audio.paused
    },
    get sampleKey() {
      return sample ? sample.key : null
    },
    get rate() {
      return audio.playbackRate
    },
    setRate,
    stepRate: (direction) => setRate(audio.playbackRate + direction * RATE_STEP),

    /** Play/pause; resuming at the spot of the last pause first goes back REWIND_ON_RESUME seconds. */
    toggle() {
      if (sample) return endSample(true)
      if (!audio.paused) {
        audio.pause()
        // Here, not only in the 'pause' event: Chromium can deliver that event late, after a quick resume.
        pausedAt = audio.currentTime
        return
      }
      const t = audio.currentTime
      if (pausedAt !== null && Math.abs(t - pausedAt) < 0.05 && t > 0)
        audio.currentTime = Math.max(0, t - REWIND_ON_RESUME)
      audio.play().catch(() => {})
    },

    /** Moves to `seconds` (clamped to the audio), playing from there when `play`. */
    seek(seconds, play = false) {
      sample = null
      const end = Number.isFinite(audio.duration) ? audio.duration : Infinity
      audio.currentTime = Math.min(end, Math.max(0, seconds))
      if (play) audio.play().catch(() => {})
      onChange()
    },
    nudge: (seconds) => player.seek(audio.currentTime + seconds, !audio.paused),

    /** Plays [from, min(to, from + SAMPLE_SECONDS)) then pauses and returns to where the user was; again stops it. */
    playSample(key, from, to) {
      if (sample && sample.key === key) return endSample(true)
      const resumeAt = sample ? sample.resumeAt : audio.currentTime
      sample = { key, until: Math.min(to, from + SAMPLE_SECONDS), resumeAt }
      audio.currentTime = from
      audio.play().catch(() => endSample(true))
      onChange()
    },

    destroy() {
      cancelAnimationFrame(frame)
      audio.pause()
      audio.removeEventListener('play', onPlay)
      audio.removeEventListener('pause', onPause)
      audio.removeEventListener('seeked', onSeeked)
      audio.removeEventListener('timeupdate', onSeeked)
    },
  }
  setRate(prefs.get('rate', 1))
  return player
}
