// @ts-check
// The Notes tab of a recording: write notes from the transcript with an LLM (a template or the user's own prompt),
// watch them stream in with Stop, and read them with every quotation checked: a quote found in the transcript is a
// link that plays the moment it was said, a quote that is not found is marked. Notes text is user data: it goes
// into the page through textContent only, never as HTML.
import { api } from './api.js'
import { clock, el } from './dom.js'

/** @typedef {import('../src/domain/notes.ts').Note} NoteRecord */
/** @typedef {Omit<NoteRecord, 'recordingId'>} Note */
/** @typedef {import('../src/domain/quotes.ts').CheckedQuote} Quote */
/** @typedef {import('../src/domain/api.ts').NotesStatus} NotesStatus */
/**
 * @typedef {{ type: 'note', id: string, note: Note }
 *   | { type: 'note-text', id: string, noteId: string, delta: string, reset: boolean, phase: string }
 *   | { type: 'note-deleted', id: string, noteId: string }} NoteEvent
 */

const CITATION = /\[(?:\d{1,2}:)?\d{1,2}:\d{2}\]/g
// The quotation marks the server's checker reads (src/domain/quotes.ts), and `[mm:ss]` citations.
const MARKED = /“[^”\n]+”|„[^“”\n]+[“”]|«[^»\n]+»|"[^"\n]+"|\[(?:\d{1,2}:)?\d{1,2}:\d{2}\]/g

/** `[12:34]` / `[1:02:03]` → seconds. */
function citationSeconds(/** @type {string} */ text) {
  const parts = text.slice(1, -1).split(':').map(Number)
  return parts.reduce((acc, p) => acc * 60 + p, 0)
}

/** Strips the quotation marks off a quoted text. */
const unquote = (/** @type {string} */ s) => s.slice(1, -1).trim()

/** The first element matching `selector` inside `root` (throws when the page's template lacks it). */
function find(/** @type {ParentNode} */ root, /** @type {string} */ selector) {
  const node = root.querySelector(selector)
  if (!(node instanceof HTMLElement)) throw new Error(`notes.js: the page has no ${selector}`)
  return node
}

/**
 * The Notes tab inside a recording's review.
 * @param {ParentNode} root the #detail element holding the template's .review-main
 * @param {{ id: string, player: { seek(seconds: number, play?: boolean): void } }} options
 * @returns {{ onEvent(event: NoteEvent): void, destroy(): void }}
 */
export function createNotes(root, { id, player }) {
  const main = find(root, '.review-main')
  const panel = find(root, '.notes-panel')
  const tabTranscript = find(root, '.tab-transcript')
  const tabNotes = find(root, '.tab-notes')
  /** @type {Map<string, { note: Note, card: HTMLElement, stream: string, phase: string }>} */
  const shown = new Map()
  const list = el('ol', { class: 'notes-list', 'aria-label': 'Notes' })
  let destroyed = false
  let loaded = false

  /** @param {boolean} notes */
  const select = (notes) => {
    main.classList.toggle('notes-open', notes)
    panel.hidden = !notes
    tabNotes.setAttribute('aria-selected', String(notes))
    tabTranscript.setAttribute('aria-selected', String(!notes))
    if (notes && !loaded) {
      loaded = true
      void load()
    }
  }
  const onTranscript = () => select(false)
  const onNotes = () => select(true)
  tabTranscript.addEventListener('click', onTranscript)
  tabNotes.addEventListener('click', onNotes)

  async function load() {
    panel.replaceChildren(el('p', { class: 'notes-hint', text: 'Loading notes…' }))
    /** @type {NotesStatus} */
    let status
    /** @type {Note[]} */
    let notes
    try {
      ;[status, notes] = await Promise.all([api.notesStatus(), api.notes(id)])
    } catch (err) {
      panel.replaceChildren(el('p', { class: 'notes-error', role: 'alert', text: `Notes could not be loaded: ${err instanceof Error ? err.message : String(err)}` }))
      loaded = false
      return
    }
    if (destroyed) return
    const parts = []
    if (!status.configured) {
      parts.push(el('p', { class: 'notes-setup', role: 'note', text: status.message ?? 'Notes need LLM settings in .env.' }))
    } else {
      if (status.emulated) {
        parts.push(
          el('p', {
            class: 'notes-emulated',
            role: 'note',
            text: 'Emulated: notes come from a local stand-in that quotes the transcript (and invents one quotation on purpose, so you can see it caught), not from a language model. Set LLM_BASE_URL, LLM_API_KEY and LLM_MODEL for real notes.',
          }),
        )
      }
      parts.push(form(status))
    }
    parts.push(
      el(
        'p',
        { class: 'notes-export' },
        'Export the transcript with these notes: ',
        el('a', { href: `${api.exportUrl(id, 'md')}?notes=1`, download: '', text: 'Markdown' }),
        ' · ',
        el('a', { href: `${api.exportUrl(id, 'docx')}?notes=1`, download: '', text: 'Word' }),
      ),
      list,
    )
    panel.replaceChildren(...parts)
    list.replaceChildren()
    shown.clear()
    for (const n of notes) upsert(n, 'end')
    if (notes.length === 0) list.append(el('li', { class: 'notes-empty', text: 'No notes yet.' }))
  }

  /** The form: template (or own prompt) and the Write button. */
  function form(/** @type {NotesStatus} */ status) {
    const choice = /** @type {HTMLSelectElement} */ (el('select', { name: 'template', 'aria-label': 'What to write' }))
    for (const t of status.templates) choice.append(el('option', { value: t.id, text: t.title }))
    choice.append(el('option', { value: 'custom', text: 'Own prompt…' }))
    const prompt = /** @type {HTMLTextAreaElement} */ (
      el('textarea', { name: 'prompt', rows: '3', maxlength: '4000', placeholder: 'e.g. List every decision mentioned, with who made it and when.', 'aria-label': 'Own prompt', hidden: '' })
    )
    const message = el('span', { class: 'notes-form-status', role: 'status', 'aria-live': 'polite' })
    const button = /** @type {HTMLButtonElement} */ (el('button', { type: 'submit', class: 'primary', text: 'Write notes' }))
    choice.addEventListener('change', () => {
      prompt.hidden = choice.value !== 'custom'
      if (!prompt.hidden) prompt.focus()
    })
    const f = el(
      'form',
      { class: 'notes-form' },
      el('label', {}, 'Write ', choice),
      button,
      el('span', { class: 'notes-model', text: `Model: ${status.model} · context ${status.contextTokens.toLocaleString('en')} tokens` }),
      prompt,
      message,
    )
    f.addEventListener('submit', async (/** @type {SubmitEvent} */ e) => {
      e.preventDefault()
      button.disabled = true
      message.textContent = ''
      try {
        const note = await api.createNote(id, choice.value === 'custom' ? { prompt: prompt.value } : { template: choice.value })
        upsert(note, 'start')
      } catch (err) {
        message.textContent = err instanceof Error ? err.message : String(err)
        message.className = 'notes-form-status error'
      } finally {
        button.disabled = false
      }
    })
    return f
  }

  /**
   * Shows a note (new: at `where` in the list; known: redrawn in place).
   * @param {Note} note
   * @param {'start' | 'end'} where
   */
  function upsert(note, where) {
    list.querySelector('.notes-empty')?.remove()
    const known = shown.get(note.id)
    // The POST's answer (writing) can arrive after the event that says the note is finished: keep the newer state.
    if (known && known.note.status !== 'writing' && note.status === 'writing') return
    const card = known ? known.card : el('li', { class: 'note', dataset: { id: note.id } })
    const entry = { note, card, stream: known && note.status === 'writing' ? known.stream : note.text, phase: known?.phase ?? 'writing' }
    shown.set(note.id, entry)
    draw(entry)
    if (!known) where === 'start' ? list.prepend(card) : list.append(card)
  }

  /** @param {{ note: Note, card: HTMLElement, stream: string, phase: string }} entry */
  function draw(entry) {
    const { note, card } = entry
    card.className = `note ${note.status}`
    const badge = { writing: 'writing…', done: 'done', stopped: 'stopped', failed: 'failed' }[note.status]
    const actions = el('span', { class: 'note-actions' })
    if (note.status === 'writing') {
      actions.append(el('button', { type: 'button', class: 'note-stop', text: '■ Stop', onclick: () => void api.stopNote(id, note.id).catch(() => {}) }))
    } else {
      actions.append(
        el('button', {
          type: 'button',
          class: 'note-delete',
          text: 'Delete',
          onclick: () => {
            if (confirm(`Delete the note "${note.title}"?`)) void api.deleteNote(id, note.id).then(() => forget(note.id)).catch(() => {})
          },
        }),
      )
    }
    const head = el('div', { class: 'note-head' }, el('h4', { text: note.title }), el('span', { class: `note-badge ${note.status}`, text: badge }), actions)
    const children = [head, el('p', { class: 'note-meta', text: meta(note) })]
    if (note.error) children.push(el('p', { class: 'note-error', role: 'alert', text: note.error.message }))
    if (note.status === 'writing') {
      const phase = entry.phase === 'writing' ? '' : ` (${entry.phase})`
      children.push(el('p', { class: 'note-phase', text: `The model is writing${phase}…` }), el('div', { class: 'note-stream', 'aria-live': 'polite', text: entry.stream }))
    } else {
      if (note.status !== 'done' && note.text) children.push(el('p', { class: 'note-partial', text: 'What was written before it ended:' }))
      children.push(body(note), quoteSummary(note))
    }
    card.replaceChildren(...children)
  }

  /** "gpt-4o-mini · 29 Nov 2026, 14:03 · 12.3 s · 1,234 + 456 tokens (3 requests, 2 parts)" */
  function meta(/** @type {Note} */ note) {
    const bits = [note.emulated ? `${note.model} (emulated)` : note.model, new Date(note.createdAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })]
    if (note.template === 'custom' && note.prompt) bits.push(`prompt: “${note.prompt.length > 80 ? `${note.prompt.slice(0, 80)}…` : note.prompt}”`)
    if (note.durationMs !== null) bits.push(`${(note.durationMs / 1000).toFixed(1)} s`)
    if (note.usage) {
      const u = note.usage
      const extra = [u.requests > 1 ? `${u.requests} requests` : '', note.parts > 1 ? `${note.parts} parts` : '', u.estimated ? 'estimated' : ''].filter(Boolean).join(', ')
      bits.push(`${u.promptTokens.toLocaleString('en')} + ${u.completionTokens.toLocaleString('en')} tokens${extra ? ` (${extra})` : ''}`)
    }
    return bits.join(' · ')
  }

  /** The note's text as blocks, with quotes and citations made clickable (text nodes only). */
  function body(/** @type {Note} */ note) {
    const box = el('div', { class: 'note-body' })
    const quotes = [...note.quotes]
    for (const raw of note.text.split('\n')) {
      const line = raw.trim()
      if (!line) continue
      const heading = /^#{1,6}\s+(.*)$/.exec(line)
      const bullet = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line)
      const quoteBlock = /^>\s?(.*)$/.exec(line)
      const text = heading ? heading[1] : bullet ? bullet[1] : quoteBlock ? quoteBlock[1] : line
      const node = el(heading ? 'h5' : bullet ? 'li' : quoteBlock ? 'blockquote' : 'p')
      inline(node, text ?? '', quotes, !!quoteBlock)
      const last = box.lastElementChild
      if (bullet) {
        const ul = last && last.tagName === 'UL' ? last : box.appendChild(el('ul'))
        ul.append(node)
      } else box.append(node)
    }
    return box
  }

  /**
   * Appends `text` to `node`: **bold** kept as <strong>, quotations as checked quotes, [mm:ss] as seek buttons.
   * @param {HTMLElement} node
   * @param {string} text
   * @param {Quote[]} quotes the note's checked quotes not yet placed, in order
   * @param {boolean} wholeQuote the line is a block quote (checked as one quotation)
   */
  function inline(node, text, quotes, wholeQuote) {
    if (wholeQuote) {
      const words = text.replace(CITATION, '').trim()
      const q = takeQuote(quotes, words)
      if (q) {
        node.append(quoteNode(q, words), ...plain(text.slice(text.indexOf(words) + words.length)))
        return
      }
    }
    let at = 0
    for (const m of text.matchAll(MARKED)) {
      node.append(...plain(text.slice(at, m.index)))
      at = m.index + m[0].length
      if (m[0].startsWith('[')) {
        const seconds = citationSeconds(m[0])
        node.append(el('button', { type: 'button', class: 'note-time', title: `Play from ${clock(seconds)}`, text: m[0], onclick: () => player.seek(seconds, true) }))
        continue
      }
      const q = takeQuote(quotes, unquote(m[0]))
      node.append(q ? quoteNode(q, m[0]) : document.createTextNode(m[0]))
    }
    node.append(...plain(text.slice(at)))
  }

  /** Text with **bold** runs as <strong>. */
  function plain(/** @type {string} */ text) {
    return text.split(/\*\*(.+?)\*\*/g).map((part, i) => (i % 2 ? el('strong', { text: part }) : document.createTextNode(part)))
  }

  /** The first unplaced checked quote with this text (the server found them in the same order). */
  function takeQuote(/** @type {Quote[]} */ quotes, /** @type {string} */ text) {
    const i = quotes.findIndex((q) => q.text === text.trim())
    return i === -1 ? null : quotes.splice(i, 1)[0]
  }

  /** A verified quote plays its segment; an unverified one is marked. */
  function quoteNode(/** @type {Quote} */ q, /** @type {string} */ shownText) {
    if (q.verified && q.start !== null) {
      const start = q.start
      const far = q.cited !== null && Math.abs(q.cited - start) > 30 ? ` (the note cited ${clock(q.cited)})` : ''
      return el('button', {
        type: 'button',
        class: 'quote verified',
        title: `Found in the transcript at ${clock(start)}${far}: click to play it`,
        'data-segment': q.segmentId ?? '',
        text: `✓ ${shownText}`,
        onclick: () => player.seek(start, true),
      })
    }
    return el('span', { class: 'quote unverified', title: 'These words were not found in the transcript: the model may have invented or changed them.' }, `${shownText} `, el('strong', { class: 'unverified-mark', text: '⚠ not in the transcript' }))
  }

  /** "3 quotations: 2 found in the transcript, 1 not found" */
  function quoteSummary(/** @type {Note} */ note) {
    const found = note.quotes.filter((q) => q.verified).length
    const missing = note.quotes.length - found
    if (note.quotes.length === 0) return el('p', { class: 'note-quotes', text: 'No quotations to check.' })
    const text = `${note.quotes.length} quotation${note.quotes.length === 1 ? '' : 's'} checked: ${found} found in the transcript (✓, click to play)` + (missing ? `, ${missing} not found (⚠)` : '') + '.'
    return el('p', { class: `note-quotes${missing ? ' has-unverified' : ''}`, text })
  }

  function forget(/** @type {string} */ noteId) {
    shown.get(noteId)?.card.remove()
    shown.delete(noteId)
  }

  return {
    onEvent(event) {
      if (destroyed || event.id !== id || !loaded) return
      if (event.type === 'note') upsert(event.note, 'start')
      else if (event.type === 'note-deleted') forget(event.noteId)
      else {
        const entry = shown.get(event.noteId)
        if (!entry || entry.note.status !== 'writing') return
        if (event.reset) entry.stream = ''
        entry.phase = event.phase
        entry.stream += event.delta
        const stream = entry.card.querySelector('.note-stream')
        if (stream && !event.reset) stream.textContent = entry.stream
        else draw(entry)
      }
    },
    destroy() {
      destroyed = true
      tabTranscript.removeEventListener('click', onTranscript)
      tabNotes.removeEventListener('click', onNotes)
      main.classList.remove('notes-open')
    },
  }
}
