// @ts-check
// Scribe Panel page: library, drop zone, live status (SSE), player with waveform, transcript review.
// Transcript text and speaker names are user data: they are only ever set with textContent / value.
// The review tools live in review.js (transcript, speakers, edits), player.js (playback) and shortcuts.js (keys).
import WaveSurfer from '/vendor/wavesurfer/wavesurfer.esm.js'
import { api, ApiError, messageOf, onServerEvent } from './api.js'
import { renderConfigBanner, notSetUpReason, SETUP_HASH } from './banner.js'
import { $, clock, dateTime, el, find, isLocalOnly, plural, prefs, revealBelow } from './dom.js'
import { setupDrawer } from './drawer.js'
import { fillLanguageSelect, languageName } from './languages.js'
import { arrange, deleteMany, jobOptionsFrom, setupLibraryTools, titleOf } from './manage.js'
import { costText, renderLibrary as drawLibrary, totalsText } from './library.js'
import { createPlayer, RATES } from './player.js'
import { setupRecorder } from './recorder.js'
import { setupLiveText } from './live-text.js'
import { initSetupView, openSetupIfNotConfigured } from './setup.js'
import { createNotes } from './notes.js'
import { createReview } from './review.js'
import { installShortcuts, openHelp } from './shortcuts.js'

/** @typedef {import('./types.js').KnownRecording} KnownRecording */
/** @typedef {import('./types.js').SearchMatch} SearchMatch */
/** @typedef {{ sentBytes: number, totalBytes: number }} UploadProgress */
/** @typedef {{ stage?: string, percent?: number } | null | undefined} JobProgress */
/**
 * The recording on the right: its waveform, player, review and notes, and the observer of the player's height.
 * @typedef {{ id: string, wavesurfer: WaveSurfer | null, player: import('./player.js').Player | null,
 *   review: import('./review.js').Review | null, notes: ReturnType<typeof createNotes> | null, observer: ResizeObserver | null }} Detail
 */

const state = {
  /** @type {Map<string, KnownRecording>} */
  recordings: new Map(),
  /** Id → bytes sent by the server's cloud upload. @type {Map<string, UploadProgress>} */
  uploadProgress: new Map(),
  /** Id → the worker's last progress update. @type {Map<string, JobProgress>} */
  jobProgress: new Map(),
  /** @type {string | null} */
  selectedId: null,
  /** @type {Detail | null} */
  detail: null,
  query: '',
  /** Search results (recordings with `matches`) while a query is typed. @type {KnownRecording[] | null} */
  queryResults: null,
  /** @type {import('./types.js').LibraryTotals | null} */
  totals: null,
  /** A search hit to show once its transcript is loaded. @type {{ id: string, segmentId: string, start: number } | null} */
  pendingMatch: null,
  /** The last GET /api/health answer. @type {import('./types.js').Health | null} */
  health: null,
  /** Ids ticked in the library for a batch action. @type {Set<string>} */
  selection: new Set(),
}
let drawer = { open() {}, close() {} }
/** Library sort, filter, selection and batch (manage.js). @type {ReturnType<typeof setupLibraryTools> | null} */
let tools = null

// ---------- formatting ----------
/** @param {number} n */
const bytes = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} KB`)

/** @typedef {'transcribe' | 'transcribe-again' | 'retry'} StartAction */
/** The start button's words for each of the server's start actions. @type {Record<StartAction, string>} */
const START_LABELS = { transcribe: 'Start transcription', 'transcribe-again': 'Transcribe again…', retry: 'Try again' }
/**
 * @param {string} action one of the server's actions for a recording
 * @returns {action is StartAction}
 */
const isStartAction = (action) => action in START_LABELS

/**
 * The detail view's status line: the server's words, with the live figures only the page has (the upload's
 * percentage, the worker's stage).
 * @param {KnownRecording} r
 */
function statusText(r) {
  const shown = r.statusDisplay
  if (r.status === 'uploading') {
    const up = state.uploadProgress.get(r.id) ?? r.upload
    const pct = up.totalBytes ? Math.floor((100 * up.sentBytes) / up.totalBytes) : 0
    return `${shown.text} ${pct}%${shown.note ? ` ${shown.note}` : ''}`
  }
  if (r.status === 'transcribing') return progressText(state.jobProgress.get(r.id) ?? /** @type {JobProgress} */ (r.jobProgress)) ?? shown.text
  return shown.text
}

/**
 * What the worker is doing, from its last progress update `{stage, percent}`; null before the first one (or for a
 * stage this page does not know), when the status line shows the server's words.
 * @param {JobProgress} p
 */
export function progressText(p) {
  const pct = p && typeof p.percent === 'number' ? ` ${Math.round(p.percent)} %` : ''
  switch (p?.stage) {
    case 'loading': return 'Loading the model on the cloud GPU…'
    case 'transcribing': return `Transcribing on cloud GPU…${pct}`
    case 'aligning': return 'Aligning words…'
    case 'diarizing': return 'Identifying speakers…'
    case 'saving': return 'Saving the transcript…'
    default: return null
  }
}

// ---------- health ----------
async function loadHealth() {
  const badge = find('#health', HTMLElement)
  try {
    const h = await api.health()
    state.health = h
    tools?.update()
    find('#demo-banner', HTMLElement).hidden = !h.demo
    renderConfigBanner(find('#config-banner', HTMLElement), h)
    openSetupIfNotConfigured(h)
    if (h.liveText) recorder.setLiveTextAvailable(h.liveText.available, h.liveText.reason)
    badge.className = 'health ' + (h.ok ? 'ok' : 'bad')
    badge.textContent = h.ok ? `Endpoint ${h.endpointId} ready` : h.configured ? 'Cloud unreachable' : 'Not configured'
    const current = state.selectedId && state.recordings.get(state.selectedId)
    if (current) updateDetailStatus(current)
  } catch {
    badge.className = 'health bad'
    badge.textContent = 'Panel unreachable'
  }
}

// ---------- library ----------
/** The recordings as listed now: search hits, or the library filtered and sorted as chosen. */
const shownRecordings = () => arrange(state.queryResults ?? [...state.recordings.values()], tools ? tools.view() : undefined)

function renderLibrary() {
  const items = shownRecordings()
  for (const id of state.selection) if (!state.recordings.has(id)) state.selection.delete(id)
  drawLibrary(find('#library', HTMLElement), items, {
    selectedId: state.selectedId,
    onSelect: select,
    onOpenMatch: openMatch,
    checked: state.selection,
    onCheck: (id, on) => {
      on ? state.selection.add(id) : state.selection.delete(id)
      tools?.update()
    },
  })
  const hiddenByFilter = state.query ? 0 : state.recordings.size - items.length
  find('#library-totals', HTMLElement).textContent = state.query ? `${items.length} found` : hiddenByFilter ? `${items.length} of ${state.recordings.size} shown · ${totalsText(state.totals)}` : totalsText(state.totals)
  tools?.update()
}

/** Reloads the library (language, speakers, cost, totals; search hits while a query is typed). */
async function refreshLibrary() {
  try {
    const { recordings, totals } = await api.list(state.query)
    state.totals = totals
    if (state.query) state.queryResults = recordings
    else for (const r of recordings) state.recordings.set(r.id, { ...state.recordings.get(r.id), ...r })
    renderLibrary()
    // Cost and language come with the library: the open recording's lines follow without re-opening it.
    const open = state.selectedId && state.recordings.get(state.selectedId)
    if (open) updateDetailStatus(open)
  } catch {
    // The events stream shows the panel is unreachable; the next snapshot refreshes.
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer
/** @param {Event} e */
function onSearch(e) {
  clearTimeout(searchTimer)
  const input = /** @type {HTMLInputElement} */ (e.target)
  searchTimer = setTimeout(() => {
    state.query = input.value.trim()
    if (!state.query) state.queryResults = null
    void refreshLibrary()
  }, 200)
}

/**
 * Opens a search hit: the recording, scrolled to the segment, the player at its start.
 * @param {string} id
 * @param {SearchMatch} match
 */
function openMatch(id, match) {
  state.pendingMatch = { id, segmentId: match.segmentId, start: match.start }
  if (state.selectedId === id && state.detail?.review?.loaded) showPendingMatch()
  else select(id)
}

function showPendingMatch() {
  const m = state.pendingMatch
  if (!m || !state.detail || state.detail.id !== m.id) return
  state.pendingMatch = null
  const seg = document.querySelector(`#detail .segment[data-segment-id="${CSS.escape(m.segmentId)}"]`)
  if (seg) {
    revealBelow(seg, find('#detail .player', HTMLElement).offsetHeight)
    seg.classList.add('search-hit')
    setTimeout(() => seg.classList.remove('search-hit'), 4000)
  }
  state.detail.player?.seek(m.start, false)
}

// ---------- uploads from the browser ----------
/** @param {File[]} files */
function uploadFiles(files) {
  for (const file of files) {
    const bar = el('progress', { max: '1', value: '0' })
    const label = el('span', { text: `Sending ${file.name} to the panel…` })
    const item = el('div', { class: 'item' }, label, bar)
    find('#local-uploads', HTMLElement).append(item)
    api
      .upload(file, (sent, total) => {
        bar.value = total ? sent / total : 0
      })
      .then((r) => {
        item.remove()
        // The events stream may already have brought a newer state of it (e.g. the cloud upload's end).
        if (!state.recordings.has(r.id)) state.recordings.set(r.id, r)
        void tools?.autoStart(r)
        renderLibrary()
        if (r.duplicateOf && state.recordings.has(r.duplicateOf)) {
          const earlier = r.duplicateOf
          const note = el('div', { class: 'item duplicate' },
            `"${file.name}" was uploaded before. `,
            el('button', { type: 'button', text: 'Open the earlier one', onclick: () => (note.remove(), select(earlier)) }),
            el('button', { type: 'button', text: 'Dismiss', onclick: () => note.remove() }))
          find('#local-uploads', HTMLElement).append(note)
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
  const zone = find('#dropzone', HTMLElement)
  const input = find('#file-input', HTMLInputElement)
  input.addEventListener('change', () => {
    uploadFiles([...(input.files ?? [])])
    input.value = ''
  })
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') input.click()
  })
  /** @param {boolean} on */
  const over = (on) => (/** @type {Event} */ e) => {
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
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer
/** One library reload for a burst of changes (an edit sends one event; typing renames send several). */
function scheduleLibraryRefresh() {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => void refreshLibrary(), 150)
}

function connectEvents() {
  const source = new EventSource('/api/events')
  source.addEventListener('snapshot', (e) => {
    /** @type {{ recordings: import('./types.js').Recording[] }} */
    const { recordings } = JSON.parse(e.data)
    state.recordings = new Map(recordings.map((r) => [r.id, { ...state.recordings.get(r.id), ...r }]))
    renderLibrary()
    void refreshLibrary()
    if (state.selectedId) {
      const selected = state.recordings.get(state.selectedId)
      if (selected) updateDetailStatus(selected)
      else clearDetail()
    }
    liveText.resync()
    loadHealth()
  })
  onServerEvent(source, 'live-text', (e) => liveText.onEvent(e))
  onServerEvent(source, 'recording', ({ recording }) => {
    const before = state.recordings.get(recording.id)
    const merged = { ...before, ...recording }
    state.recordings.set(recording.id, merged)
    if (recording.status !== 'uploading') state.uploadProgress.delete(recording.id)
    liveText.onRecording(recording)
    renderLibrary()
    // Cost, language and speakers change when a job ends, and waiting transcriptions are dispatched.
    if (!before || before.status !== recording.status) void refreshLibrary()
    if (recording.id === state.selectedId) {
      updateDetailStatus(merged)
      if (recording.groups.includes('done') && (!before || before.status !== 'done' || !state.detail?.review?.loaded)) void loadTranscript(recording.id)
    }
  })
  onServerEvent(source, 'upload-progress', (p) => {
    state.uploadProgress.set(p.id, { sentBytes: p.sentBytes, totalBytes: p.totalBytes })
    const r = state.recordings.get(p.id)
    if (p.id === state.selectedId && r) updateDetailStatus(r)
  })
  onServerEvent(source, 'job-progress', (p) => {
    state.jobProgress.set(p.id, /** @type {JobProgress} */ (p.progress))
    const r = state.recordings.get(p.id)
    if (p.id === state.selectedId && r) updateDetailStatus(r)
  })
  // A transcript changed (an edit here or in another tab, an undo): speaker names in the library, and the open
  // transcript when another tab changed it.
  onServerEvent(source, 'transcript', ({ id, version, speechEvidence }) => {
    scheduleLibraryRefresh()
    // An edit made in this page announces itself too, often before its own answer has been drawn: wait for
    // that answer, and reload only a transcript still older than the announced one (another tab's change).
    // The speech map's judgement arriving after the transcript keeps the revision: reload unless editing (the
    // next edit's answer brings it then).
    setTimeout(() => {
      const review = state.detail?.id === id ? state.detail.review : null
      if (review?.loaded && !review.editing && ((review.version ?? 0) < version || speechEvidence)) void loadTranscript(id)
    }, 1000)
  })
  // Notes being written stream their text; the open recording's Notes tab shows it.
  for (const type of /** @type {const} */ (['note', 'note-text', 'note-deleted'])) onServerEvent(source, type, (event) => state.detail?.notes?.onEvent(event))
  onServerEvent(source, 'deleted', ({ id }) => {
    state.recordings.delete(id)
    state.selection.delete(id)
    if (state.queryResults) state.queryResults = state.queryResults.filter((r) => r.id !== id)
    renderLibrary()
    if (id === state.selectedId) clearDetail()
  })
}

// ---------- detail view ----------
function teardownDetail() {
  const d = state.detail
  if (!d) return
  d.notes?.destroy()
  d.review?.destroy()
  d.player?.destroy()
  d.wavesurfer?.destroy()
  d.observer?.disconnect()
  state.detail = null
}

function clearDetail() {
  teardownDetail()
  state.selectedId = null
  find('#detail', HTMLElement).replaceChildren(el('p', { class: 'empty-hint', text: 'Drop recordings anywhere on this page, or pick one from the library.' }))
  renderLibrary()
}

/**
 * Shows a recording on the right (the library's choice, a new upload, a search hit).
 * @param {string} id
 */
async function select(id) {
  if (state.selectedId === id && state.detail) return
  const r = state.recordings.get(id)
  if (!r) return
  teardownDetail()
  state.selectedId = id
  drawer.close()
  renderLibrary()
  const root = find('#detail-template', HTMLTemplateElement).content.cloneNode(true)
  find('#detail', HTMLElement).replaceChildren(root)
  const detail = (state.detail = { id, wavesurfer: null, player: null, review: null, notes: null, observer: null })
  setupTitle(r)
  renderMeta(r)
  setupJobForm(r)
  setupPlayer(r, detail)
  updateDetailStatus(r)
  if (r.groups.includes('done')) void loadTranscript(id)
}

/**
 * The title line: rename in place (the file name stays) and delete, asking first.
 * @param {KnownRecording} r
 */
function setupTitle(r) {
  const head = find('#detail .detail-head', HTMLElement)
  const title = find('.title', HTMLElement, head)
  title.textContent = titleOf(r)
  find('.rename-button', HTMLElement, head).addEventListener('click', () => {
    const current = state.recordings.get(r.id) ?? r
    const input = el('input', { type: 'text', class: 'title-input', maxlength: '200', 'aria-label': 'Title of this recording' })
    input.value = titleOf(current)
    let done = false
    /** @param {boolean} save */
    const finish = async (save) => {
      if (done) return
      done = true
      const value = input.value.replace(/\s+/g, ' ').trim()
      input.replaceWith(title)
      if (!save || value === titleOf(current)) return
      try {
        // Emptying the field goes back to the file name.
        const updated = await api.patch(r.id, { title: value === current.filename ? null : value })
        state.recordings.set(r.id, { ...state.recordings.get(r.id), ...updated })
        title.textContent = titleOf(updated)
        renderMeta(state.recordings.get(r.id) ?? updated)
        renderLibrary()
      } catch (err) {
        find('#detail .status-text', HTMLElement).textContent = `Not renamed: ${messageOf(err)}`
      }
    }
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void finish(true)
      if (e.key === 'Escape') {
        e.stopPropagation()
        void finish(false)
      }
    })
    input.addEventListener('blur', () => void finish(true))
    title.replaceWith(input)
    input.focus()
    input.select()
  })
  find('.delete-button', HTMLElement, head).addEventListener('click', async () => {
    const result = await deleteMany([state.recordings.get(r.id) ?? r])
    if (result?.failed[0]) find('#detail .status-text', HTMLElement).textContent = `Not deleted: ${result.failed[0].message}`
    else if (result) removeRecordings(result.deleted)
  })
}

/**
 * Forgets deleted recordings at once (the events stream says the same a moment later).
 * @param {string[]} ids
 */
function removeRecordings(ids) {
  for (const id of ids) {
    state.recordings.delete(id)
    state.selection.delete(id)
    if (state.queryResults) state.queryResults = state.queryResults.filter((r) => r.id !== id)
  }
  if (state.selectedId !== null && ids.includes(state.selectedId)) clearDetail()
  else renderLibrary()
}

/** @type {Record<string, string>} */
const AUDIO_REFERENCE = { 'volume-path': 'the file on the network volume', presigned: 'a presigned URL' }

/** @param {KnownRecording} r */
function renderMeta(r) {
  const parts = [r.title ? `file ${r.filename}` : null, bytes(r.size), r.duration ? clock(r.duration) : null, `added ${dateTime.format(new Date(r.createdAt))}`]
  if (r.job) parts.push(`worker read ${AUDIO_REFERENCE[r.job.audioReference] ?? r.job.audioReference}`)
  const cost = costText(r.cost)
  if (cost) parts.push(cost)
  find('#detail .meta', HTMLElement).textContent = parts.filter(Boolean).join(' · ')
}

/** @param {KnownRecording} r */
function updateDetailStatus(r) {
  if (!state.detail || state.detail.id !== r.id) return
  renderMeta(r)
  const title = $('#detail .title')
  if (title) title.textContent = titleOf(r)
  showLanguageUsed(r)
  const line = find('#detail .status-line', HTMLElement)
  const localOnly = isLocalOnly(r)
  line.className = `status-line ${localOnly ? 'local-only' : r.status}`
  const text = find('.status-text', HTMLElement, line)
  text.textContent = statusText(r)
  if (localOnly) text.append(' ', el('a', { href: SETUP_HASH, text: 'Open Setup' }))
  // A problem while following a job (e.g. RunPod refused the key) is shown under the status; the job goes on.
  if (r.error && r.groups.includes('running')) text.append(el('span', { class: 'status-warning', text: `⚠ ${r.error.message}` }))
  if (r.error && r.error.code === 'job_waiting' && r.status === 'queued') text.append(' ', el('a', { href: SETUP_HASH, text: 'Open Setup' }))
  const bar = find('.status-progress', HTMLProgressElement, line)
  if (r.status === 'uploading') {
    const up = state.uploadProgress.get(r.id) ?? r.upload
    bar.hidden = false
    bar.value = up.totalBytes ? up.sentBytes / up.totalBytes : 0
  } else bar.hidden = true
  const start = find('#detail .start-button', HTMLButtonElement)
  const cancel = find('#detail .cancel-button', HTMLButtonElement)
  // The server says what the recording allows now (none of these while a job is submitted or runs).
  const startAction = r.actions.find(isStartAction)
  const notSetUp = notSetUpReason(state.health)
  start.disabled = !startAction || notSetUp !== null
  start.title = notSetUp ?? ''
  start.textContent = START_LABELS[startAction ?? 'transcribe']
  // Once there is a transcript, reviewing it is the work: a new GPU job is a secondary action that asks first.
  start.classList.toggle('primary', startAction !== 'transcribe-again')
  const why = find('#detail .start-reason', HTMLElement)
  why.hidden = notSetUp === null
  why.textContent = notSetUp ?? ''
  cancel.hidden = !r.actions.includes('cancel')
  // A job on RunPod, or a transcription still waiting for its upload or a free job slot.
  cancel.textContent = r.groups.includes('running') ? 'Cancel job' : 'Cancel transcription'
}

/**
 * Under the Language picker: the language the last job used (asked for, or detected by Whisper).
 * @param {KnownRecording} r
 */
function showLanguageUsed(r) {
  const note = $('#detail .language-used')
  if (!note) return
  note.textContent = r.language ? `The last job used ${languageName(r.language)}${r.jobOptions && !r.jobOptions.language ? ' (detected)' : ''}. ` : ''
}

/** @param {KnownRecording} r */
function setupJobForm(r) {
  const form = find('#detail .job-form', HTMLFormElement)
  const language = find('select[name=language]', HTMLSelectElement, form)
  // The language the job used (so "Transcribe again" keeps it), else the one chosen last time.
  fillLanguageSelect(language, r.language ?? prefs.get('language', 'auto'))
  language.addEventListener('change', () => prefs.set('language', language.value))
  // The list lacks what the job was asked for: fetch it, then say whether the language was detected.
  api.get(r.id).then((full) => {
    const known = state.recordings.get(r.id)
    if (known) state.recordings.set(r.id, { ...known, jobOptions: full.jobOptions })
    if (state.detail?.id === r.id) showLanguageUsed(state.recordings.get(r.id) ?? full)
  }, () => {})
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if ((state.recordings.get(r.id) ?? r).actions.includes('transcribe-again') && !(await confirmRerun(r.id))) return
    const options = jobOptionsFrom(form)
    try {
      await api.transcribe(r.id, options)
      // The answer lacks the library fields (pendingSubmit, cost): take the full recording.
      const updated = await api.get(r.id)
      const merged = { ...state.recordings.get(updated.id), ...updated }
      state.recordings.set(updated.id, merged)
      updateDetailStatus(merged)
    } catch (err) {
      find('#detail .status-text', HTMLElement).textContent = `Could not start: ${messageOf(err)}`
      find('#detail .status-line', HTMLElement).className = 'status-line failed'
    }
  })
  find('.cancel-button', HTMLElement, form).addEventListener('click', async () => {
    try {
      const updated = await api.cancel(r.id)
      state.recordings.set(updated.id, updated)
      updateDetailStatus(updated)
    } catch (err) {
      find('#detail .status-text', HTMLElement).textContent = `Could not cancel: ${messageOf(err)}`
    }
  })
}


/**
 * Asks in the page before a new job replaces a transcript: what the new result replaces (edits, names) and
 * that the current version stays restorable. Resolves true when the user confirms.
 * @param {string} id
 * @returns {Promise<boolean>}
 */
async function confirmRerun(id) {
  const box = find('#detail .rerun-confirm', HTMLElement)
  // Already asking (a second click on the button): one question, one job.
  if (!box.hidden) {
    find('.confirm', HTMLElement, box).focus()
    return false
  }
  let current = null
  try {
    current = (await api.versions(id)).find((v) => v.current) ?? null
  } catch {
    current = null // asking without the numbers is still asking
  }
  /** @type {string[]} */
  const replaced = []
  if (current?.edits) replaced.push(plural(current.edits, 'edit', 'edits'))
  if (current?.renamedSpeakers) replaced.push(plural(current.renamedSpeakers, 'speaker name', 'speaker names'))
  find('.rerun-text', HTMLElement, box).textContent =
    `Transcribe again on a cloud GPU? The new transcript ${replaced.length ? `replaces ${replaced.join(' and ')}; ` : 'becomes current; '}` +
    'the current version stays restorable (Versions, or Undo). Speaker names carry over where the speakers match in time.'
  box.hidden = false
  find('.confirm', HTMLElement, box).focus()
  return new Promise((resolve) => {
    /** @param {boolean} yes */
    const done = (yes) => () => {
      box.hidden = true
      find('.confirm', HTMLElement, box).removeEventListener('click', onYes)
      find('.cancel', HTMLElement, box).removeEventListener('click', onNo)
      resolve(yes)
    }
    const onYes = done(true)
    const onNo = done(false)
    find('.confirm', HTMLElement, box).addEventListener('click', onYes)
    find('.cancel', HTMLElement, box).addEventListener('click', onNo)
  })
}

/**
 * The player of the recording on the right: waveform, play button, clock, speed, and the review that follows it.
 * @param {KnownRecording} r
 * @param {Detail} detail
 */
function setupPlayer(r, detail) {
  const detailRoot = find('#detail', HTMLElement)
  const root = find('.player', HTMLElement, detailRoot)
  const audio = find('.audio', HTMLAudioElement, root)
  audio.src = api.audioUrl(r.id)
  const playBtn = find('.play-button', HTMLButtonElement, root)
  const clockEl = find('.clock', HTMLElement, root)
  const speed = find('.speed', HTMLSelectElement, root)
  speed.replaceChildren(...RATES.map((rate) => el('option', { value: String(rate), text: `${rate}×` })))

  let shown = ''
  /** @param {number} t seconds */
  const onTime = (t) => {
    const text = `${clock(t)} / ${clock(audio.duration || r.duration || 0)}`
    if (text !== shown) clockEl.textContent = shown = text // once a second, not every frame
  }
  const onChange = () => {
    const playing = !audio.paused
    playBtn.textContent = playing ? '❚❚ Pause' : '▶ Play'
    playBtn.setAttribute('aria-label', playing ? 'Pause' : 'Play')
    speed.value = String(audio.playbackRate)
  }
  // The player's listeners go with it (player.destroy() in teardownDetail).
  const player = (detail.player = createPlayer(audio))
  player.on('time', onTime)
  player.on('change', onChange)
  onChange()
  detail.review = createReview(detailRoot, { id: r.id, player })
  detail.notes = createNotes(detailRoot, { id: r.id, player })
  playBtn.addEventListener('click', () => player.toggle())
  speed.addEventListener('change', () => player.setRate(Number(speed.value)))
  find('.help-button', HTMLElement, root).addEventListener('click', openHelp)
  audio.addEventListener('loadedmetadata', () => onTime(audio.currentTime))

  // The player sticks to the top while the transcript scrolls; the speakers column sticks below it. The height
  // goes on that column only: a custom property on #detail would restyle every word of the transcript.
  // The same height keeps lines the page scrolls to clear of the player (scroll-margin in style.css); it changes
  // only when the player's controls wrap differently.
  const review = find('.review', HTMLElement, detailRoot)
  detail.observer = new ResizeObserver(() => review.style.setProperty('--player-h', `${root.offsetHeight}px`))
  detail.observer.observe(root)

  /** @param {{ duration: number, peaks: number[] } | null} peaks */
  const makeWave = (peaks) =>
    WaveSurfer.create({
      container: find('.waveform', HTMLElement, root),
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

// ---------- transcript ----------
/** @param {string} id */
async function loadTranscript(id) {
  try {
    const t = await api.transcript(id)
    if (!state.detail || state.detail.id !== id) return
    state.detail.review?.render(t)
    showPendingMatch()
  } catch (err) {
    find('#detail .status-text', HTMLElement).textContent = `Transcript could not be loaded: ${messageOf(err)}`
  }
}

// ---------- start ----------
drawer = setupDrawer({ startOpen: () => state.selectedId === null })
tools = setupLibraryTools({
  recordings: () => [...state.recordings.values()],
  shown: shownRecordings,
  selection: state.selection,
  canTranscribe: () => notSetUpReason(state.health),
  render: renderLibrary,
  onDeleted: removeRecordings,
})
setupDropzone()
find('#search', HTMLElement).addEventListener('input', onSearch)
const liveText = setupLiveText({ onStop: () => recorder.stop(), onShow: () => drawer.close() })
const recorder = setupRecorder(find('#record-button', HTMLButtonElement), find('#record-status', HTMLElement), (rec) => {
  state.recordings.set(rec.id, rec)
  renderLibrary()
  void select(rec.id)
}, { timer: find('#record-timer', HTMLElement), meter: find('#record-meter', HTMLElement), toggle: find('#live-toggle', HTMLInputElement), live: liveText })
connectEvents()
initSetupView({ onClose: () => void loadHealth() })
void loadHealth()
installShortcuts(() => {
  const d = state.detail
  return d && d.player && d.review ? { player: d.player, review: d.review, root: find('#detail', HTMLElement) } : null
})
