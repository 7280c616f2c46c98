// Managing the library: sort and filter by status, select several recordings to transcribe or delete, the
// batch options shared by "Transcribe all new", a selection and the auto-start of dropped files.
// Choices are remembered in this browser (localStorage, see prefs in dom.js): they are how this person likes
// to work here, and the server already keeps a transcription asked for during an upload, so nothing depends
// on the page staying open.
import { api } from './api.js'
import { $, isLocalOnly, plural, prefs } from './dom.js'
import { fillLanguageSelect } from './languages.js'

/** Display title: the one the user gave, else the file name. */
export const titleOf = (r) => r.title || r.filename

/** Never transcribed and nothing asked yet: what "Transcribe all new" starts. Kept-local recordings cannot be sent. */
export const isNew = (r) => r.groups.includes('new')

/** Each filter is one of the server's groups (new, active, done, problem, local), or all. */
const inFilter = (filter) => (r) => filter === 'all' || r.groups.includes(filter)

const STATUS_ORDER = ['failed', 'cancelled', 'uploading', 'uploaded', 'submitting', 'queued', 'transcribing', 'processing', 'done']
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })
const SORTS = {
  newest: (a, b) => b.createdAt.localeCompare(a.createdAt),
  oldest: (a, b) => a.createdAt.localeCompare(b.createdAt),
  title: (a, b) => collator.compare(titleOf(a), titleOf(b)),
  longest: (a, b) => (b.duration ?? 0) - (a.duration ?? 0),
  status: (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || b.createdAt.localeCompare(a.createdAt),
}

/** The library as chosen: filtered by status, then sorted (a copy; `items` is not changed). */
export function arrange(items, { filter = 'all', sort = 'newest' } = {}) {
  return items.filter(inFilter(filter)).sort(SORTS[sort] ?? SORTS.newest)
}

/** Job options from a form with the job form's fields (language, diarize, minSpeakers, maxSpeakers, …). */
export function jobOptionsFrom(form) {
  const data = new FormData(form)
  const num = (v) => (v === '' || v === null ? null : Number(v))
  const text = (k) => (data.get(k) || '').toString().trim() || null
  const options = {
    language: data.get('language') || 'auto',
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
 * @returns {{started: string[], failed: {id, message}[]}}
 */
export async function transcribeMany(ids, options) {
  const started = []
  const failed = []
  for (const id of ids) {
    try {
      await api.transcribe(id, options)
      started.push(id)
    } catch (err) {
      failed.push({ id, message: err.message })
    }
  }
  return { started, failed }
}

/** What a delete removes, in the words of the question asked before it. */
export function deleteQuestion(recordings) {
  const running = recordings.filter((r) => r.groups.includes('running') && r.actions.includes('cancel')).length
  const what = recordings.length === 1 ? `“${titleOf(recordings[0])}”` : plural(recordings.length, 'recording')
  return [
    `Delete ${what}?`,
    '',
    `This removes the audio on this computer and on the network volume, the transcript with all its edits and speaker names${running ? `, and cancels ${running === 1 ? 'the running job' : `${running} running jobs`}` : ''}. It cannot be undone.`,
  ].join('\n')
}

/**
 * Deletes recordings after asking once. Returns the ids deleted, or null when the user said no.
 * @param confirmFn window.confirm or a stand-in
 */
export async function deleteMany(recordings, confirmFn = (q) => window.confirm(q)) {
  if (!recordings.length || !confirmFn(deleteQuestion(recordings))) return null
  const deleted = []
  const failed = []
  for (const r of recordings) {
    try {
      await api.remove(r.id)
      deleted.push(r.id)
    } catch (err) {
      failed.push({ id: r.id, message: err.message })
    }
  }
  return { deleted, failed }
}

/**
 * Wires the batch options, "Transcribe all new", auto-start and the sort / filter / selection controls.
 * @param ctx {recordings(): recording[] (all), shown(): recording[] (as listed), selection: Set<id>,
 *   canTranscribe(): string|null (why not), render(), onDeleted(ids)}
 * @returns {{autoStart(recording): Promise<void>, view(): {filter, sort}, update()}}
 */
export function setupLibraryTools(ctx) {
  const form = $('#batch-form')
  const status = $('#batch-status')
  const filter = $('#library-filter')
  const sort = $('#library-sort')
  const autoStart = $('#auto-start')
  const saved = prefs.get('batch', {})
  fillLanguageSelect($('select[name=language]', form), saved.language ?? 'auto')
  form.elements.diarize.checked = saved.diarize ?? true
  form.elements.minSpeakers.value = saved.minSpeakers ?? ''
  form.elements.maxSpeakers.value = saved.maxSpeakers ?? ''
  form.elements.initialPrompt.value = saved.initialPrompt ?? ''
  autoStart.checked = prefs.get('autoStart', false)
  filter.value = prefs.get('libraryFilter', 'all')
  sort.value = prefs.get('librarySort', 'newest')

  const say = (text) => (status.textContent = text)
  form.addEventListener('change', () => {
    prefs.set('batch', jobOptionsFrom(form))
    update()
  })
  autoStart.addEventListener('change', () => {
    prefs.set('autoStart', autoStart.checked)
    update()
  })
  for (const [node, key] of [[filter, 'libraryFilter'], [sort, 'librarySort']])
    node.addEventListener('change', () => {
      prefs.set(key, node.value)
      ctx.render()
    })

  const report = ({ started, failed }, what) => {
    const parts = [started.length ? `${plural(started.length, what)} started` : `No ${what}s started`]
    if (failed.length) parts.push(`${failed.length} refused: ${failed[0].message}`)
    say(parts.join('. ') + '.')
  }

  $('#transcribe-new').addEventListener('click', async () => {
    const ids = ctx.recordings().filter(isNew).map((r) => r.id)
    if (!ids.length) return say('Nothing new to transcribe.')
    say(`Starting ${plural(ids.length, 'transcription')}…`)
    report(await transcribeMany(ids, jobOptionsFrom(form)), 'transcription')
  })

  $('#select-all').addEventListener('change', (e) => {
    for (const r of ctx.shown()) e.target.checked ? ctx.selection.add(r.id) : ctx.selection.delete(r.id)
    ctx.render()
  })
  $('#selection-clear').addEventListener('click', () => {
    ctx.selection.clear()
    ctx.render()
  })
  $('#selection-transcribe').addEventListener('click', async () => {
    const ids = [...ctx.selection]
    const transcribed = ctx.recordings().filter((r) => ctx.selection.has(r.id) && r.groups.includes('done')).length
    // A new job on a finished recording makes a new current version: say so once for the whole batch.
    if (transcribed && !window.confirm(`${plural(transcribed, 'selected recording')} ${transcribed === 1 ? 'has' : 'have'} a transcript already. Transcribe ${transcribed === 1 ? 'it' : 'them'} again on a cloud GPU? Each new transcript becomes current; the current ${transcribed === 1 ? 'version stays' : 'versions stay'} restorable (Versions, or Undo).`)) return
    say(`Starting ${plural(ids.length, 'transcription')} with the batch options…`)
    report(await transcribeMany(ids, jobOptionsFrom(form)), 'transcription')
    ctx.selection.clear()
    ctx.render()
  })
  $('#selection-delete').addEventListener('click', async () => {
    const chosen = ctx.recordings().filter((r) => ctx.selection.has(r.id))
    const result = await deleteMany(chosen)
    if (!result) return
    for (const id of result.deleted) ctx.selection.delete(id)
    say(`${plural(result.deleted.length, 'recording')} deleted.${result.failed.length ? ` ${result.failed.length} not: ${result.failed[0].message}` : ''}`)
    ctx.onDeleted(result.deleted)
  })

  /** Enables what can run now, and says in the summary line what the batch options are. */
  function update() {
    const why = ctx.canTranscribe()
    const fresh = ctx.recordings().filter(isNew).length
    const button = $('#transcribe-new')
    button.disabled = why !== null || fresh === 0
    button.textContent = fresh ? `Transcribe all new (${fresh})` : 'Transcribe all new'
    button.title = why ?? (fresh ? `Start ${plural(fresh, 'recording')} not transcribed yet, with the batch options` : 'Every recording has been transcribed or is on its way')
    $('#selection-transcribe').disabled = why !== null
    $('#selection-transcribe').title = why ?? 'Transcribe the selected recordings with the batch options'
    const o = jobOptionsFrom(form)
    const lang = $('select[name=language]', form).selectedOptions[0]?.textContent ?? 'detect'
    $('#batch-summary').textContent = `${o.language === 'auto' ? 'language detected' : lang}, ${o.diarize ? 'speakers identified' : 'no speakers'}${autoStart.checked ? ', starts on drop' : ''}`
    const bar = $('#selection-bar')
    bar.hidden = ctx.selection.size === 0
    $('#selection-count').textContent = `${ctx.selection.size} selected`
    const shown = ctx.shown()
    const all = $('#select-all')
    const picked = shown.filter((r) => ctx.selection.has(r.id)).length
    all.checked = shown.length > 0 && picked === shown.length
    all.indeterminate = picked > 0 && picked < shown.length
  }

  return {
    view: () => ({ filter: filter.value, sort: sort.value }),
    update,
    /** Called with each recording the page just uploaded: starts it when auto-start is on and RunPod is set up. */
    async autoStart(r) {
      if (!autoStart.checked || ctx.canTranscribe() !== null || isLocalOnly(r)) return
      try {
        await api.transcribe(r.id, jobOptionsFrom(form))
        say(`“${titleOf(r)}” will be transcribed as soon as it is uploaded.`)
      } catch (err) {
        say(`“${titleOf(r)}” was not started: ${err.message}`)
      }
    },
  }
}
