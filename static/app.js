// Scribe Panel page: library, drop zone, live status (SSE), player with waveform, transcript review.
// Transcript text and speaker names are user data: they are only ever set with textContent / value.
import WaveSurfer from '/vendor/wavesurfer/wavesurfer.esm.js'
import { api, ApiError } from './api.js'

const $ = (sel, root = document) => root.querySelector(sel)
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v
    else if (k === 'text') node.textContent = v
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else if (k === 'dataset') Object.assign(node.dataset, v)
    else node.setAttribute(k, v)
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c)
  return node
}

const SPEAKER_COLORS = ['#2459d6', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0e7490', '#a16207', '#4b5563']

const state = {
  recordings: new Map(),
  uploadProgress: new Map(), // id -> {sentBytes, totalBytes} from the server's cloud upload
  jobProgress: new Map(),
  selectedId: null,
  detail: null, // { id, root, wavesurfer, transcript, segmentsByTime, playingEl }
  query: '',
}

// ---------- formatting ----------
/** Seconds → "M:SS" or "H:MM:SS". */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}
const bytes = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} KB`)
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

function statusText(r) {
  const up = state.uploadProgress.get(r.id) ?? r.upload
  switch (r.status) {
    case 'uploading': {
      const pct = up.totalBytes ? Math.floor((100 * up.sentBytes) / up.totalBytes) : 0
      return `Uploading to cloud… ${pct}%`
    }
    case 'uploaded': return 'Uploaded to the network volume. Ready to transcribe.'
    case 'submitting': return 'Submitting the job…'
    case 'queued': return 'Queued (waiting for GPU)…'
    case 'transcribing': {
      const p = state.jobProgress.get(r.id)
      const extra = p && typeof p === 'object' && p.percent !== undefined ? ` ${p.percent}%` : ''
      return `Transcribing on cloud GPU…${extra}`
    }
    case 'processing': return 'Processing results…'
    case 'done': return 'Done ✓'
    case 'failed': return `Failed: ${r.error ? r.error.message : 'unknown reason'}`
    case 'cancelled': return r.error ? `Cancelled: ${r.error.message}` : 'Cancelled.'
    default: return r.status
  }
}
const chipClass = (s) => (s === 'done' ? 'done' : s === 'failed' ? 'failed' : s === 'cancelled' || s === 'uploaded' ? '' : 'active')
const chipText = { uploading: 'uploading', uploaded: 'ready', submitting: 'submitting', queued: 'queued', transcribing: 'transcribing', processing: 'processing', done: 'done', failed: 'failed', cancelled: 'cancelled' }

// ---------- health ----------
async function loadHealth() {
  const badge = $('#health')
  try {
    const h = await api.health()
    $('#demo-banner').hidden = !h.demo
    const cfg = $('#config-banner')
    if (!h.configured) {
      cfg.hidden = false
      cfg.textContent = `RunPod is not configured yet. Missing settings: ${h.missing.join(', ')}. Recordings are kept on this computer; put these in .env and restart to transcribe.`
    } else if (!h.ok) {
      cfg.hidden = false
      const problems = [h.s3.ok ? null : `Network volume: ${h.s3.error.message}`, h.runpod.ok ? null : `Endpoint: ${h.runpod.error.message}`].filter(Boolean)
      cfg.textContent = problems.join(' ')
    } else cfg.hidden = true
    badge.className = 'health ' + (h.ok ? 'ok' : 'bad')
    badge.textContent = h.ok ? `Endpoint ${h.endpointId} ready` : h.configured ? 'Cloud unreachable' : 'Not configured'
  } catch {
    badge.className = 'health bad'
    badge.textContent = 'Panel unreachable'
  }
}

// ---------- library ----------
function renderLibrary() {
  const list = $('#library')
  let items = [...state.recordings.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  if (state.query && state.queryIds) items = items.filter((r) => state.queryIds.has(r.id))
  list.replaceChildren(
    ...items.map((r) =>
      el('li', { class: r.id === state.selectedId ? 'selected' : '', dataset: { id: r.id }, onclick: () => select(r.id) },
        el('span', { class: 'name', text: r.filename }),
        el('span', { class: 'sub' },
          el('span', { class: `chip ${chipClass(r.status)}`, text: chipText[r.status] ?? r.status }),
          ` ${r.duration ? clock(r.duration) : ''} · ${dateFmt.format(new Date(r.createdAt))}`),
      ),
    ),
  )
}

let searchTimer = null
function onSearch(e) {
  clearTimeout(searchTimer)
  searchTimer = setTimeout(async () => {
    state.query = e.target.value.trim()
    if (!state.query) state.queryIds = null
    else {
      const { recordings } = await api.list(state.query)
      state.queryIds = new Set(recordings.map((r) => r.id))
    }
    renderLibrary()
  }, 200)
}

// ---------- uploads from the browser ----------
function uploadFiles(files) {
  for (const file of files) {
    const bar = el('progress', { max: '1', value: '0' })
    const label = el('span', { text: `Sending ${file.name} to the panel…` })
    const item = el('div', { class: 'item' }, label, bar)
    $('#local-uploads').append(item)
    api
      .upload(file, (sent, total) => {
        bar.value = total ? sent / total : 0
      })
      .then((r) => {
        item.remove()
        state.recordings.set(r.id, r)
        renderLibrary()
        if (r.duplicateOf && state.recordings.has(r.duplicateOf)) {
          const note = el('div', { class: 'item', text: `"${file.name}" was uploaded before; its earlier transcript is in the library.` })
          $('#local-uploads').append(note)
          setTimeout(() => note.remove(), 8000)
        }
        select(r.id)
      })
      .catch((err) => {
        item.className = 'item error'
        label.textContent = `${file.name}: ${err instanceof ApiError ? err.message : String(err)}`
        bar.remove()
        item.append(el('button', { type: 'button', text: 'Dismiss', onclick: () => item.remove() }))
      })
  }
}

function setupDropzone() {
  const zone = $('#dropzone')
  const input = $('#file-input')
  input.addEventListener('change', () => {
    uploadFiles([...input.files])
    input.value = ''
  })
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') input.click()
  })
  const over = (on) => (e) => {
    e.preventDefault()
    zone.classList.toggle('over', on)
  }
  window.addEventListener('dragover', over(true))
  window.addEventListener('dragleave', over(false))
  window.addEventListener('drop', (e) => {
    over(false)(e)
    if (e.dataTransfer && e.dataTransfer.files.length) uploadFiles([...e.dataTransfer.files])
  })
}

// ---------- live events ----------
function connectEvents() {
  const source = new EventSource('/api/events')
  source.addEventListener('snapshot', (e) => {
    const { recordings } = JSON.parse(e.data)
    state.recordings = new Map(recordings.map((r) => [r.id, r]))
    renderLibrary()
    if (state.selectedId) {
      if (state.recordings.has(state.selectedId)) updateDetailStatus(state.recordings.get(state.selectedId))
      else clearDetail()
    }
    loadHealth()
  })
  source.addEventListener('recording', (e) => {
    const { recording } = JSON.parse(e.data)
    const before = state.recordings.get(recording.id)
    state.recordings.set(recording.id, recording)
    if (recording.status !== 'uploading') state.uploadProgress.delete(recording.id)
    renderLibrary()
    if (recording.id === state.selectedId) {
      updateDetailStatus(recording)
      if (recording.status === 'done' && (!before || before.status !== 'done' || !state.detail.transcript)) loadTranscript(recording.id)
    }
  })
  source.addEventListener('upload-progress', (e) => {
    const p = JSON.parse(e.data)
    state.uploadProgress.set(p.id, { sentBytes: p.sentBytes, totalBytes: p.totalBytes })
    if (p.id === state.selectedId) updateDetailStatus(state.recordings.get(p.id))
  })
  source.addEventListener('job-progress', (e) => {
    const p = JSON.parse(e.data)
    state.jobProgress.set(p.id, p.progress)
    if (p.id === state.selectedId) updateDetailStatus(state.recordings.get(p.id))
  })
  source.addEventListener('deleted', (e) => {
    const { id } = JSON.parse(e.data)
    state.recordings.delete(id)
    renderLibrary()
    if (id === state.selectedId) clearDetail()
  })
}

// ---------- detail view ----------
function clearDetail() {
  if (state.detail && state.detail.wavesurfer) state.detail.wavesurfer.destroy()
  state.detail = null
  state.selectedId = null
  $('#detail').replaceChildren(el('p', { class: 'empty-hint', text: 'Drop a recording on the left, or pick one from the library.' }))
  renderLibrary()
}

async function select(id) {
  if (state.selectedId === id && state.detail) return
  if (state.detail && state.detail.wavesurfer) state.detail.wavesurfer.destroy()
  state.selectedId = id
  renderLibrary()
  const r = state.recordings.get(id)
  const root = $('#detail-template').content.cloneNode(true)
  const detail = $('#detail')
  detail.replaceChildren(root)
  state.detail = { id, wavesurfer: null, transcript: null, playingEl: null, segmentEls: [] }
  $('.title', detail).textContent = r.filename
  $('.meta', detail).textContent = `${bytes(r.size)} · ${r.duration ? clock(r.duration) : ''} · added ${dateFmt.format(new Date(r.createdAt))}`
  setupJobForm(r)
  setupPlayer(r)
  updateDetailStatus(r)
  if (r.status === 'done') loadTranscript(id)
}

function updateDetailStatus(r) {
  if (!state.detail || state.detail.id !== r.id) return
  const line = $('#detail .status-line')
  line.className = `status-line ${r.status}`
  $('.status-text', line).textContent = statusText(r)
  const bar = $('.status-progress', line)
  if (r.status === 'uploading') {
    const up = state.uploadProgress.get(r.id) ?? r.upload
    bar.hidden = false
    bar.value = up.totalBytes ? up.sentBytes / up.totalBytes : 0
  } else bar.hidden = true
  const start = $('#detail .start-button')
  const cancel = $('#detail .cancel-button')
  const running = ['submitting', 'queued', 'transcribing', 'processing'].includes(r.status)
  start.disabled = running
  start.textContent = r.status === 'done' ? 'Transcribe again' : r.status === 'failed' || r.status === 'cancelled' ? 'Try again' : 'Start transcription'
  cancel.hidden = !(r.status === 'queued' || r.status === 'transcribing')
}

function setupJobForm(r) {
  const form = $('#detail .job-form')
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    const num = (v) => (v === '' || v === null ? null : Number(v))
    const options = {
      language: data.get('language'),
      diarize: data.get('diarize') === 'on',
      minSpeakers: num(data.get('minSpeakers')),
      maxSpeakers: num(data.get('maxSpeakers')),
    }
    try {
      const updated = await api.transcribe(r.id, options)
      state.recordings.set(updated.id, updated)
      updateDetailStatus(updated)
      if (updated.status === 'uploading') $('#detail .status-text').textContent += ' Transcription starts when the upload finishes.'
    } catch (err) {
      $('#detail .status-text').textContent = `Could not start: ${err.message}`
      $('#detail .status-line').className = 'status-line failed'
    }
  })
  $('.cancel-button', form).addEventListener('click', async () => {
    try {
      const updated = await api.cancel(r.id)
      state.recordings.set(updated.id, updated)
      updateDetailStatus(updated)
    } catch (err) {
      $('#detail .status-text').textContent = `Could not cancel: ${err.message}`
    }
  })
}

function setupPlayer(r) {
  const root = $('#detail .player')
  const audio = $('.audio', root)
  audio.src = api.audioUrl(r.id)
  const playBtn = $('.play-button', root)
  const clockEl = $('.clock', root)
  const detail = state.detail
  playBtn.addEventListener('click', () => (audio.paused ? audio.play() : audio.pause()))
  audio.addEventListener('play', () => (playBtn.textContent = '❚❚ Pause'))
  audio.addEventListener('pause', () => (playBtn.textContent = '▶ Play'))
  audio.addEventListener('timeupdate', () => {
    clockEl.textContent = `${clock(audio.currentTime)} / ${clock(audio.duration || r.duration || 0)}`
    highlightAt(audio.currentTime)
  })
  $('.speed', root).addEventListener('change', (e) => (audio.playbackRate = Number(e.target.value)))
  const makeWave = (peaks) =>
    WaveSurfer.create({
      container: $('.waveform', root),
      media: audio,
      height: 80,
      waveColor: '#b7c4e6',
      progressColor: '#2459d6',
      cursorColor: '#1f2328',
      barWidth: 2,
      barGap: 1,
      normalize: true,
      ...(peaks ? { peaks: [peaks.peaks], duration: peaks.duration } : {}),
    })
  api
    .peaks(r.id)
    .then((p) => {
      if (state.detail === detail) detail.wavesurfer = makeWave(p)
    })
    .catch(() => {
      if (state.detail === detail) detail.wavesurfer = makeWave(null)
    })
}

function seek(seconds, play = true) {
  const audio = $('#detail .audio')
  if (!audio) return
  audio.currentTime = seconds
  if (play) audio.play().catch(() => {})
}

function highlightAt(t) {
  const d = state.detail
  if (!d || !d.segmentEls.length) return
  // Binary search over kept segments sorted by start.
  let lo = 0
  let hi = d.segmentEls.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (d.segmentEls[mid].start <= t) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  const hit = found >= 0 && t < d.segmentEls[found].end + 0.05 ? d.segmentEls[found].el : null
  if (hit === d.playingEl) return
  if (d.playingEl) d.playingEl.classList.remove('playing')
  if (hit) hit.classList.add('playing')
  d.playingEl = hit
}

// ---------- transcript ----------
async function loadTranscript(id) {
  try {
    const t = await api.transcript(id)
    if (!state.detail || state.detail.id !== id) return
    renderTranscript(t)
  } catch (err) {
    $('#detail .status-text').textContent = `Transcript could not be loaded: ${err.message}`
  }
}

async function applyEdits(ops) {
  const d = state.detail
  try {
    const t = await api.edit(d.id, ops)
    renderTranscript(t)
  } catch (err) {
    alert(`The change was not saved: ${err.message}`)
  }
}

function speakerColor(t, id) {
  const idx = t.speakers.findIndex((s) => s.id === id)
  return idx < 0 ? '#6b7280' : SPEAKER_COLORS[idx % SPEAKER_COLORS.length]
}
const nameOf = (t, id) => (id === null ? 'Unknown speaker' : (t.speakers.find((s) => s.id === id) || { name: id }).name)

function renderTranscript(t) {
  const d = state.detail
  d.transcript = t
  const root = $('#detail')
  $('.review', root).hidden = false

  // Speakers panel: rename in place.
  $('.speakers', root).replaceChildren(
    ...t.speakers.map((s) => {
      const input = el('input', { type: 'text', 'aria-label': `Name of ${s.id}`, dataset: { speaker: s.id } })
      input.value = s.name
      const commit = () => {
        const name = input.value.trim()
        if (name && name !== s.name) applyEdits([{ op: 'renameSpeaker', speaker: s.id, name }])
        else input.value = s.name
      }
      input.addEventListener('change', commit)
      input.addEventListener('keydown', (e) => e.key === 'Enter' && input.blur())
      const swatch = el('span', { class: 'swatch' })
      swatch.style.background = speakerColor(t, s.id)
      return el('li', {}, swatch, input)
    }),
  )

  $('.exports', root).replaceChildren(
    ...['docx', 'md', 'json', 'txt', 'srt', 'vtt', 'maxqda'].map((f) =>
      el('a', { href: api.exportUrl(d.id, f), download: '', dataset: { format: f }, text: f === 'maxqda' ? 'MAXQDA' : f }),
    ),
  )
  const filteredCount = t.segments.filter((s) => s.filtered).length
  $('.filter-summary', root).textContent = filteredCount
    ? `${filteredCount} segment${filteredCount > 1 ? 's' : ''} hidden as likely Whisper hallucinations (shown in orange; you can restore them).`
    : 'No hallucinations detected.'

  // Turns: consecutive segments of one speaker; filtered segments shown in place, marked.
  const container = $('.transcript', root)
  const frag = document.createDocumentFragment()
  d.segmentEls = []
  let turn = null
  let turnSpeaker
  for (const seg of t.segments) {
    if (seg.filtered) {
      const box = el('div', { class: 'filtered', dataset: { segmentId: seg.id } },
        el('span', { text: `Hidden at ${clock(seg.start)}: ` }),
        el('span', { class: 'text', text: seg.text }),
        el('span', { text: ` — ${seg.filtered.reason}` }),
        el('button', { type: 'button', text: 'Restore', onclick: () => applyEdits([{ op: 'restoreSegment', segmentId: seg.id }]) }),
      )
      ;(turn ? turn.body : frag).append(box)
      continue
    }
    if (!turn || turnSpeaker !== seg.speaker) {
      turnSpeaker = seg.speaker
      turn = renderTurnHead(t, seg)
      frag.append(turn.node)
    }
    const segEl = el('span', { class: 'segment', dataset: { segmentId: seg.id, start: String(seg.start) } })
    for (const w of seg.words.length ? seg.words : [{ text: seg.text, start: seg.start, end: seg.end, estimated: true }]) {
      const wEl = el('span', { class: w.estimated ? 'word estimated' : 'word', text: w.text })
      wEl.addEventListener('click', () => seek(w.start, false))
      segEl.append(wEl, ' ')
    }
    turn.body.append(segEl)
    d.segmentEls.push({ start: seg.start, end: seg.end, el: segEl })
  }
  container.replaceChildren(frag)
  d.playingEl = null
  const audio = $('#detail .audio')
  if (audio) highlightAt(audio.currentTime)
}

function renderTurnHead(t, seg) {
  const nameBtn = el('button', { type: 'button', class: 'speaker-name', title: 'Click to rename this speaker everywhere', text: nameOf(t, seg.speaker) })
  nameBtn.style.color = speakerColor(t, seg.speaker)
  if (seg.speaker !== null) {
    nameBtn.addEventListener('click', () => {
      const input = el('input', { class: 'speaker-input', type: 'text', 'aria-label': 'Speaker name' })
      input.value = nameOf(t, seg.speaker)
      const done = (save) => {
        const name = input.value.trim()
        if (save && name && name !== nameOf(t, seg.speaker)) applyEdits([{ op: 'renameSpeaker', speaker: seg.speaker, name }])
        else input.replaceWith(nameBtn)
      }
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') done(true)
        if (e.key === 'Escape') done(false)
      })
      input.addEventListener('blur', () => done(true))
      nameBtn.replaceWith(input)
      input.focus()
      input.select()
    })
  }
  const stamp = el('button', { type: 'button', class: 'timestamp', title: 'Play from here', text: clock(seg.start), dataset: { start: String(seg.start) } })
  stamp.addEventListener('click', () => seek(seg.start, true))
  const body = el('div', { class: 'turn-body' })
  const node = el('div', { class: 'turn' }, el('div', { class: 'turn-head' }, nameBtn, stamp), body)
  return { node, body }
}

// ---------- start ----------
setupDropzone()
$('#search').addEventListener('input', onSearch)
connectEvents()
loadHealth()
