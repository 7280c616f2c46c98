// @ts-check
// Managing the library: sort and filter by status, select several recordings to transcribe or delete, the
// batch options shared by "Transcribe all new", a selection and the auto-start of dropped files.
// Choices are remembered in this browser (localStorage, see prefs in dom.js): they are how this person likes
// to work here, and the server already keeps a transcription asked for during an upload, so nothing depends
// on the page staying open.
import { api, messageOf } from './api.js'
import { find, isLocalOnly, plural, prefs } from './dom.js'
import { fillLanguageSelect } from './languages.js'

/** @typedef {import('./types.js').KnownRecording} KnownRecording */
/** @typedef {import('./types.js').JobOptionsInput} JobOptionsInput */
/** @typedef {(a: KnownRecording, b: KnownRecording) => number} RecordingOrder */
/** @typedef {{ filter?: string, sort?: string }} LibraryView */

/**
 * Display title: the one the user gave, else the file name.
 * @param {{ title?: string | null, filename: string }} r
 */
export const titleOf = (r) => r.title || r.filename

/**
 * Never transcribed and nothing asked yet: what "Transcribe all new" starts. Kept-local recordings cannot be sent.
 * @param {KnownRecording} r
 */
export const isNew = (r) => r.groups.includes('new')

/**
 * Each filter is one of the server's groups (new, active, done, problem, local), or all.
 * @param {string} filter
 * @returns {(r: KnownRecording) => boolean}
 */
const inFilter = (filter) => (r) => filter === 'all' || r.groups.includes(/** @type {KnownRecording['groups'][number]} */ (filter))

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })
/** @type {RecordingOrder} */
const byNewest = (a, b) => b.createdAt.localeCompare(a.createdAt)
/** @type {Record<string, RecordingOrder>} */
const SORTS = {
  newest: byNewest,
  oldest: (a, b) => a.createdAt.localeCompare(b.createdAt),
  title: (a, b) => collator.compare(titleOf(a), titleOf(b)),
  longest: (a, b) => (b.duration ?? 0) - (a.duration ?? 0),
  // The server's order by status (problems first, done last), newest first within a status.
  status: (a, b) => a.statusDisplay.rank - b.statusDisplay.rank || byNewest(a, b),
}

/**
 * The library as chosen: filtered by status, then sorted (a copy; `items` is not changed).
 * @param {KnownRecording[]} items
 * @param {LibraryView} [view]
 */
export function arrange(items, { filter = 'all', sort = 'newest' } = {}) {
  return items.filter(inFilter(filter)).sort(SORTS[sort] ?? byNewest)
}

/**
 * Job options from a form with the job form's fields (language, diarize, minSpeakers, maxSpeakers, …).
 * @param {HTMLFormElement} form
 * @returns {JobOptionsInput}
 */
export function jobOptionsFrom(form) {
  const data = new FormData(form)
  /** @param {FormDataEntryValue | null} v */
  const num = (v) => (v === '' || v === null ? null : Number(v))
  /** @param {string} k */
  const text = (k) => (data.get(k) || '').toString().trim() || null
  /** @type {JobOptionsInput} */
  const options = {
    language: String(data.get('language') || 'auto'),
    diarize: data.get('diarize') === 'on',
    minSpeakers: num(data.get('minSpeakers')),
    maxSpeakers: num(data.get('maxSpeakers')),
    initialPrompt: text('initialPrompt'),
  }
  if (form.elements.namedItem('model')) options.model = text('model')
  if (form.elements.namedItem('batchSize')) options.batchSize = num(data.get('batchSize'))
  return options
}

/**
 * Starts transcriptions one request after another (the server queues them for its job slots and waits for
 * uploads that are still running). One refusal does not stop the others.
 * @param {string[]} ids
 * @param {JobOptionsInput} options
 * @returns {Promise<{ started: string[], failed: { id: string, message: string }[] }>}
 */
export async function transcribeMany(ids, options) {
  /** @type {string[]} */
  const started = []
  /** @type {{ id: string, message: string }[]} */
  const failed = []
  for (const id of ids) {
    try {
      await api.transcribe(id, options)
      started.push(id)
    } catch (err) {
      failed.push({ id, message: messageOf(err) })
    }
  }
  return { started, failed }
}

/**
 * What a delete removes, in the words of the question asked before it.
 * @param {KnownRecording[]} recordings
 */
export function deleteQuestion(recordings) {
  const running = recordings.filter((r) => r.groups.includes('running') && r.actions.includes('cancel')).length
  const what = recordings.length === 1 && recordings[0] ? `“${titleOf(recordings[0])}”` : plural(recordings.length, 'recording')
  return [
    `Delete ${what}?`,
    '',
    `This removes the audio on this computer and on the network volume, the transcript with all its edits and speaker names${running ? `, and cancels ${running === 1 ? 'the running job' : `${running} running jobs`}` : ''}. It cannot be undone.`,
  ].join('\n')
}

/**
 * Deletes recordings after asking once. Returns the ids deleted (and the refusals), or null when the user said no.
 * @param {KnownRecording[]} recordings
 * @param {(question: string) => boolean} [confirmFn] window.confirm or a stand-in
 * @returns {Promise<{ deleted: string[], failed: { id: string, message: string }[] } | null>}
 */
export async function deleteMany(recordings, confirmFn = (q) => window.confirm(q)) {
  if (!recordings.length || !confirmFn(deleteQuestion(recordings))) return null
  /** @type {string[]} */
  const deleted = []
  /** @type {{ id: string, message: string }[]} */
  const failed = []
  for (const r of recordings) {
    try {
      await api.remove(r.id)
      deleted.push(r.id)
    } catch (err) {
      failed.push({ id: r.id, message: messageOf(err) })
    }
  }
  return { deleted, failed }
}

/**
 * Wires the batch options, "Transcribe all new", auto-start and the sort / filter / selection controls.
 * @param {{ recordings: () => KnownRecording[], shown: () => KnownRecording[], selection: Set<string>,
 *   canTranscribe: () => string | null, render: () => void, onDeleted: (ids: string[]) => void }} ctx
 *   every recording, the ones listed now, the ticked ids, why transcribing cannot start (null: it can)
 */
export function setupLibraryTools(ctx) {
  const form = find('#batch-form', HTMLFormElement)
  const status = find('#batch-status', HTMLElement)
  const filter = find('#library-filter', HTMLSelectElement)
  const sort = find('#library-sort', HTMLSelectElement)
  const autoStart = find('#auto-start', HTMLInputElement)
  const language = find('select[name=language]', HTMLSelectElement, form)
  /** @type {JobOptionsInput} */
  const saved = prefs.get('batch', {})
  /** @param {string} name */
  const field = (name) => find(`[name=${name}]`, HTMLInputElement, form)
  fillLanguageSelect(language, saved.language ?? 'auto')
  field('diarize').checked = saved.diarize ?? true
  field('minSpeakers').value = String(saved.minSpeakers ?? '')
  field('maxSpeakers').value = String(saved.maxSpeakers ?? '')
  field('initialPrompt').value = saved.initialPrompt ?? ''
  autoStart.checked = prefs.get('autoStart', false)
  filter.value = prefs.get('libraryFilter', 'all')
  sort.value = prefs.get('librarySort', 'newest')

  /** @param {string} text */
  const say = (text) => (status.textContent = text)
  form.addEventListener('change', () => {
    prefs.set('batch', jobOptionsFrom(form))
    update()
  })
  autoStart.addEventListener('change', () => {
    prefs.set('autoStart', autoStart.checked)
    update()
  })
  for (const [node, key] of /** @type {const} */ ([[filter, 'libraryFilter'], [sort, 'librarySort']]))
    node.addEventListener('change', () => {
      prefs.set(key, node.value)
      ctx.render()
    })

  /**
   * @param {{ started: string[], failed: { id: string, message: string }[] }} result
   * @param {string} what
   */
  const report = ({ started, failed }, what) => {
    const parts = [started.length ? `${plural(started.length, what)} started` : `No ${what}s started`]
    if (failed[0]) parts.push(`${failed.length} refused: ${failed[0].message}`)
    say(parts.join('. ') + '.')
  }

  const transcribeNew = find('#transcribe-new', HTMLButtonElement)
  const selectAll = find('#select-all', HTMLInputElement)
  const selectionTranscribe = find('#selection-transcribe', HTMLButtonElement)
  transcribeNew.addEventListener('click', async () => {
    const ids = ctx.recordings().filter(isNew).map((r) => r.id)
    if (!ids.length) return say('Nothing new to transcribe.')
    say(`Starting ${plural(ids.length, 'transcription')}…`)
    report(await transcribeMany(ids, jobOptionsFrom(form)), 'transcription')
  })

  selectAll.addEventListener('change', () => {
    for (const r of ctx.shown()) selectAll.checked ? ctx.selection.add(r.id) : ctx.selection.delete(r.id)
    ctx.render()
  })
  find('#selection-clear', HTMLButtonElement).addEventListener('click', () => {
    ctx.selection.clear()
    ctx.render()
  })
  selectionTranscribe.addEventListener('click', async () => {
    const ids = [...ctx.selection]
    const transcribed = ctx.recordings().filter((r) => ctx.selection.has(r.id) && r.groups.includes('done')).length
    // A new job on a finished recording makes a new current version: say so once for the whole batch.
    if (transcribed && !window.confirm(`${plural(transcribed, 'selected recording')} ${transcribed === 1 ? 'has' : 'have'} a transcript already. Transcribe ${transcribed === 1 ? 'it' : 'them'} again on a cloud GPU? Each new transcript becomes current; the current ${transcribed === 1 ? 'version stays' : 'versions stay'} restorable (Versions, or Undo).`)) return
    say(`Starting ${plural(ids.length, 'transcription')} with the batch options…`)
    report(await transcribeMany(ids, jobOptionsFrom(form)), 'transcription')
    ctx.selection.clear()
    ctx.render()
  })
  find('#selection-delete', HTMLButtonElement).addEventListener('click', async () => {
    const chosen = ctx.recordings().filter((r) => ctx.selection.has(r.id))
    const result = await deleteMany(chosen)
    if (!result) return
    for (const id of result.deleted) ctx.selection.delete(id)
    say(`${plural(result.deleted.length, 'recording')} deleted.${result.failed[0] ? ` ${result.failed.length} not: ${result.failed[0].message}` : ''}`)
    ctx.onDeleted(result.deleted)
  })

  /** Enables what can run now, and says in the summary line what the batch options are. */
  function update() {
    const why = ctx.canTranscribe()
    const fresh = ctx.recordings().filter(isNew).length
    const button = transcribeNew
    button.disabled = why !== null || fresh === 0
    button.textContent = fresh ? `Transcribe all new (${fresh})` : 'Transcribe all new'
    button.title = why ?? (fresh ? `Start ${plural(fresh, 'recording')} not transcribed yet, with the batch options` : 'Every recording has been transcribed or is on its way')
    selectionTranscribe.disabled = why !== null
    selectionTranscribe.title = why ?? 'Transcribe the selected recordings with the batch options'
    const o = jobOptionsFrom(form)
    const lang = language.selectedOptions[0]?.textContent ?? 'detect'
    find('#batch-summary', HTMLElement).textContent = `${o.language === 'auto' ? 'language detected' : lang}, ${o.diarize ? 'speakers identified' : 'no speakers'}${autoStart.checked ? ', starts on drop' : ''}`
    find('#selection-bar', HTMLElement).hidden = ctx.selection.size === 0
    find('#selection-count', HTMLElement).textContent = `${ctx.selection.size} selected`
    const shown = ctx.shown()
    const all = selectAll
    const picked = shown.filter((r) => ctx.selection.has(r.id)).length
    all.checked = shown.length > 0 && picked === shown.length
    all.indeterminate = picked > 0 && picked < shown.length
  }

  return {
    /** @returns {LibraryView} the filter and order chosen */
    view: () => ({ filter: filter.value, sort: sort.value }),
    update,
    /**
     * Called with each recording the page just uploaded: starts it when auto-start is on and RunPod is set up.
     * @param {KnownRecording} r
     */
    async autoStart(r) {
      if (!autoStart.checked || ctx.canTranscribe() !== null || isLocalOnly(r)) return
      try {
        await api.transcribe(r.id, jobOptionsFrom(form))
        say(`“${titleOf(r)}” will be transcribed as soon as it is uploaded.`)
      } catch (err) {
        say(`“${titleOf(r)}” was not started: ${messageOf(err)}`)
      }
    },
  }
}
