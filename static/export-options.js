// Export options of the review page: where md, docx and txt put timestamps (every turn, none, every N minutes;
// remembered), the links that carry that choice, and the "Recorded on" date shown in the md and docx headers
// (read from the file's metadata when it had one; editable here, saved at once).
import { api } from './api.js'
import { $, el, prefs } from './dom.js'

const EXPORT_FORMATS = ['docx', 'md', 'json', 'txt', 'srt', 'vtt', 'maxqda']
/** Formats whose timestamps the option changes; subtitles and MAXQDA need theirs, JSON has every time. */
const STAMPED = new Set(['docx', 'md', 'txt'])
const TIMESTAMP_CHOICES = [
  ['turn', 'at every speaker turn'],
  ['none', 'none'],
  ['1', 'every minute'],
  ['2', 'every 2 minutes'],
  ['5', 'every 5 minutes'],
  ['10', 'every 10 minutes'],
]

/** A recordedAt value (`YYYY-MM-DD` or an ISO instant) as the local day an `<input type=date>` shows. */
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
 * @param {(text: string, kind?: string) => void} setStatus the review's status line
 */
export function createExportOptions(root, id, setStatus) {
  const box = $('.export-options', root)
  const select = el('select', { class: 'timestamps', 'aria-label': 'Timestamps in docx, md and txt' })
  for (const [value, label] of TIMESTAMP_CHOICES) select.append(el('option', { value, text: label }))
  select.value = prefs.get('exportTimestamps', 'turn')
  if (!select.value) select.value = 'turn'
  const date = el('input', { type: 'date', class: 'recorded-on', 'aria-label': 'Recorded on' })
  box.replaceChildren(
    el('label', { title: 'Where docx, md and txt exports put timestamps' }, 'Timestamps ', select),
    el('label', { title: 'Shown as “Recorded on” at the top of docx and md exports' }, 'Recorded on ', date),
  )
  const links = () => {
    const ts = select.value
    $('.exports', root).replaceChildren(
      ...EXPORT_FORMATS.map((f) =>
        el('a', {
          href: api.exportUrl(id, f) + (STAMPED.has(f) && ts !== 'turn' ? `?timestamps=${encodeURIComponent(ts)}` : ''),
          download: '',
          dataset: { format: f },
          text: f === 'maxqda' ? 'MAXQDA' : f,
        }),
      ),
    )
  }
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
      setStatus(`Not saved: ${err instanceof Error ? err.message : String(err)}`, 'error')
    }
  })
  links()
  return { links }
}
