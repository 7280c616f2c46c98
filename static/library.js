// @ts-check
// The library list: every recording with status, duration, date, language, speakers and cost; search
// results with the matching words marked (snippet parts come from the server as {text, match} and are
// set as text, never as HTML); totals under the list.
import { clock, dateTime, el, isLocalOnly } from './dom.js'
import { languageName } from './languages.js'

const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 })

/** @typedef {import('./types.js').KnownRecording} KnownRecording */
/** @typedef {import('./types.js').SearchMatch} SearchMatch */

/**
 * The chip's colour from the server's groups: kept on this computer, done, failed, running or waiting (active), else plain.
 * @param {KnownRecording} r
 */
const chipClass = (r) => (isLocalOnly(r) ? 'local' : r.groups.includes('done') ? 'done' : r.status === 'failed' ? 'failed' : r.groups.includes('active') ? 'active' : '')

/**
 * "GPU 12.3 s · ≈ $0.0023" for a library item's cost, or '' before any job ran.
 * @param {{ gpuSeconds: number, queueSeconds: number, estimatedUsd: number } | null | undefined} cost
 */
export function costText(cost) {
  if (!cost || !cost.gpuSeconds) return ''
  return `GPU ${cost.gpuSeconds.toFixed(1)} s · queue ${cost.queueSeconds.toFixed(1)} s · ≈ ${usd.format(cost.estimatedUsd)}`
}

/**
 * @param {SearchMatch} match
 * @param {(match: SearchMatch) => void} onOpen
 */
function snippet(match, onOpen) {
  const node = el('span', { class: 'snippet', title: `Open at ${clock(match.start)}` }, el('span', { text: `${clock(match.start)} ` }))
  for (const part of match.snippet) node.append(part.match ? el('mark', { text: part.text }) : part.text)
  node.addEventListener('click', (e) => {
    e.stopPropagation()
    onOpen(match)
  })
  return node
}

/**
 * A match in one of the recording's notes: the note's title, then its words around the match (clicking opens the recording).
 * @param {import('./types.js').NoteMatch} match
 */
function noteSnippet(match) {
  const node = el('span', { class: 'snippet note-snippet', title: 'Found in a note of this recording (Notes tab)' }, el('span', { text: `Note “${match.title}”: ` }))
  for (const part of match.snippet) {
    const text = part.text.replace(/\s+/g, ' ') // the note's line breaks
    node.append(part.match ? el('mark', { text }) : text)
  }
  return node
}

/**
 * Renders the list.
 * @param {HTMLElement} list the #library element
 * @param {KnownRecording[]} items recordings (with language, speakers, cost, and `matches` for search results), newest first
 * @param {{ selectedId: string | null, onSelect: (id: string) => void, onOpenMatch: (id: string, match: SearchMatch) => void, checked: Set<string>, onCheck: (id: string, on: boolean) => void }} opts
 */
export function renderLibrary(list, items, { selectedId, onSelect, onOpenMatch, checked, onCheck }) {
  list.replaceChildren(
    ...items.map((r) => {
      const facts = [languageName(r.language), (r.speakers ?? []).join(', '), costText(r.cost)].filter(Boolean).join(' · ')
      const box = el('input', { type: 'checkbox', class: 'pick', 'aria-label': `Select ${r.title || r.filename}` })
      box.checked = checked.has(r.id)
      box.addEventListener('click', (e) => e.stopPropagation())
      box.addEventListener('change', () => onCheck(r.id, box.checked))
      return el(
        'li',
        { class: r.id === selectedId ? 'selected' : '', dataset: { id: r.id }, onclick: () => onSelect(r.id) },
        el('span', { class: 'name-row' }, box, el('span', { class: 'name', text: r.title || r.filename })),
        r.title ? el('span', { class: 'file', text: r.filename }) : null,
        el(
          'span',
          { class: 'sub' },
          el('span', { class: `chip ${chipClass(r)}`, text: r.statusDisplay.label, title: r.statusDisplay.text }),
          ` ${r.duration ? clock(r.duration) : ''} · ${dateTime.format(new Date(r.createdAt))}`,
        ),
        facts ? el('span', { class: 'facts', text: facts }) : null,
        ...(r.matches ?? []).map((m) => snippet(m, (match) => onOpenMatch(r.id, match))),
        ...(r.noteMatches ?? []).map((m) => noteSnippet(m)),
      )
    }),
  )
}

/**
 * "12 recordings · 3:02:10 of audio · GPU 410 s · ≈ $0.08"
 * @param {import('./types.js').LibraryTotals | null} totals
 */
export function totalsText(totals) {
  if (!totals || !totals.count) return ''
  const parts = [`${totals.count} recording${totals.count === 1 ? '' : 's'}`, `${clock(totals.duration)} of audio`]
  if (totals.gpuSeconds) parts.push(`GPU ${Math.round(totals.gpuSeconds)} s`, `≈ ${usd.format(totals.estimatedUsd)}`)
  return parts.join(' · ')
}
