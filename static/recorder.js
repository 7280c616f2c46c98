// Recording an interview in the page. MediaRecorder hands over a chunk every 2 s; each chunk is sent
// to the panel at once (in order, retried) and written to disk there, so closing the tab loses at
// most the last few seconds. Stop finishes the session and the audio becomes a normal recording.
import { api } from './api.js'

const TIMESLICE_MS = 2000

/** Picks a container the browser can record and ffmpeg can read. */
function mimeType() {
  for (const t of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm']) if (MediaRecorder.isTypeSupported(t)) return t
  return ''
}

/**
 * Wires the record button.
 * @param button the toggle button; @param status a text element for elapsed/saved time
 * @param onDone called with the new recording once the session is finished
 */
export function setupRecorder(button, status, onDone) {
  let session = null
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
      status.textContent = `No microphone: ${err.message}`
      return
    }
    const name = `Recording ${new Date().toLocaleString().replace(/[/:\\]/g, '-')}.webm`
    const { sessionId } = await api.liveStart(name)
    const recorder = new MediaRecorder(stream, mimeType() ? { mimeType: mimeType() } : undefined)
    const s = { sessionId, recorder, stream, seq: 0, saved: 0, queue: Promise.resolve(), startedAt: Date.now(), timer: null, failed: null }
    session = s
    recorder.addEventListener('dataavailable', (e) => {
      if (!e.data || e.data.size === 0) return
      const seq = s.seq++
      s.queue = s.queue.then(() => sendChunk(s, seq, e.data))
    })
    recorder.start(TIMESLICE_MS)
    button.textContent = '■ Stop recording'
    button.classList.add('recording')
    s.timer = setInterval(() => {
      const secs = Math.floor((Date.now() - s.startedAt) / 1000)
      status.textContent = s.failed ? `Not saving: ${s.failed}` : `Recording ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')} · saved ${s.saved} chunk${s.saved === 1 ? '' : 's'}`
    }, 500)
  }

  async function sendChunk(s, seq, blob) {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await api.liveChunk(s.sessionId, seq, blob)
        s.saved++
        s.failed = null
        return
      } catch (err) {
        s.failed = err.message
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt))
      }
    }
  }

  async function stop() {
    const s = session
    session = null
    idle()
    const stopped = new Promise((r) => s.recorder.addEventListener('stop', r, { once: true }))
    s.recorder.stop()
    await stopped
    s.stream.getTracks().forEach((t) => t.stop())
    await s.queue
    clearInterval(s.timer)
    status.textContent = 'Saving the recording…'
    try {
      const rec = await api.liveFinish(s.sessionId)
      status.textContent = ''
      onDone(rec)
    } catch (err) {
      status.textContent = `The recording could not be saved: ${err.message}`
    }
  }

  button.addEventListener('click', () => (session ? stop() : start().catch((err) => (status.textContent = err.message))))
  window.addEventListener('beforeunload', (e) => {
    if (session) e.preventDefault() // the chunks already sent are kept either way
  })
  idle()
}
