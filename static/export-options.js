// @ts-check
// Export options of the review page: where md, docx and txt put timestamps (every turn, none, every N minutes;
// remembered), the links that carry that choice, and the "Recorded on" date shown in the md and docx headers
// (read from the file's metadata when it had one; editable here, saved at once). The formats, their labels, which of
// them take the timestamps option and the choices offered all come from the server (GET /api/exports).
import { api, messageOf } from './api.js'
import { $, el, prefs } from './dom.js'

/** @typedef {import('./types.js').ExportsResponse} ExportsResponse */

/** The server's list, fetched once per page: it does not change while the panel runs. @type {Promise<ExportsResponse> | null} */
let exportList = null

/**
 * A recordedAt value (`YYYY-MM-DD` or an ISO instant) as the local day an `<input type=date>` shows.
 * @param {string | null | undefined} recordedAt
 */
export function dayOf(recordedAt) {
  if (!recordedAt) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(recordedAt)) return recordedAt
  const d = new Date(recordedAt)
  if (Number.isNaN(d.getTime())) return ''
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/**
 * Builds the Export section's controls once.
 * @param {HTMLElement} root the detail view (holds .exports, .export-options)
 * @param {string} id the recording
 * @param {import('./edit-queue.js').Say} setStatus the review's status line
 */
export function createExportOptions(root, id, setStatus) {
  const box = /** @type {HTMLElement} */ ($('.export-options', root))
  const select = el('select', { class: 'timestamps', 'aria-label': 'Timestamps' })
  const date = el('input', { type: 'date', class: 'recorded-on', 'aria-label': 'Recorded on' })
  box.replaceChildren(
    el('label', { title: 'Where the text exports put timestamps' }, 'Timestamps ', select),
    el('label', { title: 'Shown as “Recorded on” at the top of docx and md exports' }, 'Recorded on ', date),
  )
  /** @type {ExportsResponse | null} */
  let list = null
  const links = () => {
    const ts = select.value
    const exportsBox = /** @type {HTMLElement} */ ($('.exports', root))
    exportsBox.replaceChildren(
      ...(list?.formats ?? []).map((f) =>
        el('a', {
          href: api.exportUrl(id, f.format) + (f.timestamps && ts !== 'turn' ? `?timestamps=${encodeURIComponent(ts)}` : ''),
          download: '',
          dataset: { format: f.format },
          text: f.label,
        }),
      ),
    )
  }
  exportList ??= api.exports()
  exportList.then(
    (answer) => {
      list = answer
      const stamped = answer.formats.filter((f) => f.timestamps).map((f) => f.label)
      const names = stamped.length > 1 ? `${stamped.slice(0, -1).join(', ')} and ${stamped.at(-1)}` : (stamped[0] ?? '')
      select.setAttribute('aria-label', `Timestamps in ${names}`)
      select.parentElement?.setAttribute('title', `Where ${names} exports put timestamps`)
      select.replaceChildren(...answer.timestamps.map(({ value, label }) => el('option', { value, text: label })))
      select.value = prefs.get('exportTimestamps', 'turn')
      if (!select.value) select.value = 'turn'
      links()
    },
    (err) => {
      exportList = null // asked again for the next recording opened
      setStatus(`The export formats could not be loaded: ${messageOf(err)}`, 'error')
    },
  )
  select.addEventListener('change', () => {
    prefs.set('exportTimestamps', select.value)
    links()
  })
  let saved = ''
  api.get(id).then(
    (r) => {
      date.value = saved = dayOf(r.recordedAt)
      date.title = r.recordedAt ? 'From the file, or as you set it' : 'Not in the file’s metadata: set it here'
    },
    () => {},
  )
  date.addEventListener('change', async () => {
    const value = date.value || null
    try {
      await api.patch(id, { recordedAt: value })
      saved = date.value
      setStatus(value ? `Recorded on ${value}: the docx and md exports show it.` : 'Recording date cleared.', 'saved')
    } catch (err) {
      date.value = saved
      setStatus(`Not saved: ${messageOf(err)}`, 'error')
    }
  })
  return { links }
}
