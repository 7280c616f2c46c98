// @ts-check
// Recording an interview in the page. MediaRecorder hands over a chunk every 2 s; each chunk is sent
// to the panel at once (in order, retried) and written to disk there, so closing the tab loses at
// most the last few seconds. Stop finishes the session and the audio becomes a normal recording.
// With live text (the toggle beside the button), the panel transcribes the newest speech as it comes
// and the live-text panel shows it (live-text.js).
import { api, ApiError, messageOf } from './api.js'
import { clock, plural } from './dom.js'

/**
 * One recording session: the recorder, its chunks (sent in order) and what the status line says.
 * @typedef {{ sessionId: string, recorder: MediaRecorder, stream: MediaStream, seq: number, saved: number, queue: Promise<void>,
 *   startedAt: number, timer: ReturnType<typeof setInterval> | undefined, failed: string | null, ended: boolean, stopMeter: () => void }} Session
 */

const TIMESLICE_MS = 2000
// The level meter redraws at most 10 times a second: a redraw loop at the display's frame rate competes with
// the audio thread for the CPU and makes recordings stutter on a busy laptop.
const METER_INTERVAL_MS = 100
// The meter spans -60 dBFS (silence) to 0 dBFS (clipping).
const METER_FLOOR_DB = -60

const LIVE_TEXT_KEY = 'scribe.liveText'

/**
 * Shows the microphone's level in `meter` (its first child is the bar) until the returned function is called.
 * Peak level of the last 1024 samples, in dBFS mapped to 0–100; `data-frames` counts the redraws.
 * @param {MediaStream} stream
 * @param {HTMLElement} meter
 */
function startMeter(stream, meter) {
  const ctx = new AudioContext()
  const source = ctx.createMediaStreamSource(stream)
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 1024
  source.connect(analyser)
  const samples = new Float32Array(analyser.fftSize)
  const bar = /** @type {HTMLElement} */ (meter.firstElementChild)
  let frames = 0
  meter.hidden = false
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples)
    let peak = 0
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample))
    const db = peak > 0 ? 20 * Math.log10(peak) : METER_FLOOR_DB
    const level = Math.round(100 * Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB)))
    bar.style.transform = `scaleX(${level / 100})`
    meter.classList.toggle('loud', level > 95)
    meter.setAttribute('aria-valuenow', String(level))
    meter.dataset.frames = String(++frames)
  }, METER_INTERVAL_MS)
  return () => {
    clearInterval(timer)
    source.disconnect()
    void ctx.close()
    meter.hidden = true
  }
}

/** Picks a container the browser can record and ffmpeg can read. */
function mimeType() {
  for (const t of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm']) if (MediaRecorder.isTypeSupported(t)) return t
  return ''
}

/**
 * Wires the record button.
 * @param {HTMLButtonElement} button the toggle button
 * @param {HTMLElement} status a text element for what is saved
 * @param {(recording: import('./types.js').UploadedRecording) => void} onDone called with the new recording once the session is finished
 * @param {{ timer: HTMLElement, meter: HTMLElement, toggle: HTMLInputElement, live: ReturnType<typeof import('./live-text.js').setupLiveText> }} view
 *   elements for the elapsed time and the level meter, the live-text checkbox, and the live-text panel
 * @returns {{ stop: () => void, setLiveTextAvailable: (available: boolean, reason: string | null) => void }}
 */
export function setupRecorder(button, status, onDone, { timer, meter, toggle, live }) {
  /** @type {Session | null} */
  let session = null
  const stored = localStorage.getItem(LIVE_TEXT_KEY)
  if (stored !== null) toggle.checked = stored === 'on'
  toggle.addEventListener('change', () => localStorage.setItem(LIVE_TEXT_KEY, toggle.checked ? 'on' : 'off'))
  const idle = () => {
    button.textContent = '● Record from microphone'
    button.classList.remove('recording')
  }

  async function start() {
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      status.textContent = 'This browser cannot record audio.'
      return
    }
    let stream
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch (err) {
      status.textContent = `No microphone: ${messageOf(err)}`
      return
    }
    const name = `Recording ${new Date().toLocaleString().replace(/[/:\\]/g, '-')}.webm`
    const { sessionId, live: liveView } = await api.liveStart(name, toggle.checked && !toggle.disabled)
    live.start(sessionId, liveView)
    const recorder = new MediaRecorder(stream, mimeType() ? { mimeType: mimeType() } : undefined)
    /** @type {Session} */
    const s = { sessionId, recorder, stream, seq: 0, saved: 0, queue: Promise.resolve(), startedAt: Date.now(), timer: undefined, failed: null, ended: false, stopMeter: () => {} }
    session = s
    recorder.addEventListener('dataavailable', (e) => {
      if (!e.data || e.data.size === 0) return
      const seq = s.seq++
      s.queue = s.queue.then(() => sendChunk(s, seq, e.data))
    })
    recorder.start(TIMESLICE_MS)
    button.textContent = '■ Stop recording'
    button.classList.add('recording')
    s.stopMeter = startMeter(stream, meter)
    timer.hidden = false
    const tick = () => {
      timer.textContent = clock((Date.now() - s.startedAt) / 1000)
      live.tick((Date.now() - s.startedAt) / 1000)
      status.textContent = s.failed ? `Not saving: ${s.failed}` : `saved ${plural(s.saved, 'chunk')}`
    }
    tick()
    s.timer = setInterval(tick, 500)
  }

  /**
   * Sends one chunk, retried until the panel stores it (every 5 s at most, in order), so a connection lost for a
   * while loses nothing while the tab stays open; the live text then picks up where it stopped. Only a session
   * the panel has ended (404: it heard nothing for a minute and kept what it had as a recording) stops the sending.
   * @param {Session} s
   * @param {number} seq
   * @param {Blob} blob
   */
  async function sendChunk(s, seq, blob) {
    for (let attempt = 0; !s.ended; attempt++) {
      try {
        await api.liveChunk(s.sessionId, seq, blob)
        s.saved++
        s.failed = null
        return
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          s.ended = true
          s.failed = 'the panel ended this session (nothing arrived for a minute) and kept what it had as a recording; stop and record again'
          return
        }
        s.failed = messageOf(err)
        await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** attempt)))
      }
    }
  }

  async function stop() {
    const s = session
    if (!s) return
    session = null
    idle()
    const stopped = new Promise((r) => s.recorder.addEventListener('stop', r, { once: true }))
    s.recorder.stop()
    s.stopMeter()
    await stopped
    s.stream.getTracks().forEach((track) => track.stop())
    await s.queue
    clearInterval(s.timer)
    timer.hidden = true
    status.textContent = 'Saving the recording…'
    try {
      const rec = await api.liveFinish(s.sessionId)
      status.textContent = ''
      live.stopped(rec.id)
      onDone(rec)
    } catch (err) {
      live.stopped(null)
      status.textContent = `The recording could not be saved: ${messageOf(err)}`
    }
  }

  button.addEventListener('click', () => (session ? stop() : start().catch((err) => (status.textContent = messageOf(err)))))
  window.addEventListener('beforeunload', (e) => {
    if (session) e.preventDefault() // the chunks already sent are kept either way
  })
  idle()
  return {
    /** Stops the recording (the live-text panel's Stop button). */
    stop: () => (session ? stop() : undefined),
    /** The panel says whether live text can run (LIVE_TEXT, RunPod set up); `reason` when it cannot. */
    setLiveTextAvailable(available, reason) {
      toggle.disabled = !available
      const label = toggle.parentElement
      if (label) label.title = available ? 'Provisional text while you record: short GPU jobs on your endpoint (a few cents an hour)' : (reason ?? '')
    },
  }
}
