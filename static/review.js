// Transcript review: the speakers panel (rename, merge, a short sample, colours), the transcript as speaker turns
// with tools for one segment (its speaker only, split at a word, edit its text, hide it), undo and redo, the list
// of transcript versions (restore one), a speaker strip under the waveform, and the playing segment + word
// highlight with auto-scroll.
// Every change is one PATCH (or the undo POST) and the page re-renders what the server answers, so a reload
// shows the same. Transcript text and speaker names are user data: only textContent and value carry them.
import { api } from './api.js'
import { $, clock, el, lastStartingBefore, plural, prefs, revealBelow } from './dom.js'
import { createExportOptions } from './export-options.js'
import { closeMenu, isMenuOpen, menuItem, menuLabel, menuSeparator, openMenu } from './menu.js'

const SPEAKER_COLORS = ['#2459d6', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0e7490', '#a16207', '#4b5563']
const UNKNOWN_COLOR = '#8a8f98'
// Words the aligner scored below this are marked as uncertain. WhisperX's score is the mean wav2vec2 (CTC)
// probability of the word's characters at the frames it was aligned to (whisperx/alignment.py); below one half,
// the audio supports the written word less than even odds: a misheard name, a mumble, crosstalk. Words with
// estimated times have no score of their own and are never marked.
export const UNCERTAIN_SCORE = 0.5
/** True when a word should be checked by a person (see UNCERTAIN_SCORE). */
export const isUncertain = (w) => !w.estimated && typeof w.score === 'number' && w.score < UNCERTAIN_SCORE
// After the user scrolls by hand, auto-scroll waits this long before it takes the view back.
const FOLLOW_PAUSE_MS = 4000
// A segment stays "playing" this long after its end, so short gaps between words do not flicker.
const END_SLACK = 0.05

/** A speaker's colour from its id (SPEAKER_01 → 1), not its list position: a merge must not repaint the others. */
export function speakerColor(id) {
  if (id === null || id === undefined) return UNKNOWN_COLOR
  const m = /(\d+)$/.exec(id)
  const n = m ? Number(m[1]) : [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
  return SPEAKER_COLORS[n % SPEAKER_COLORS.length]
}

const nameOf = (t, id) => (id === null ? 'Unknown speaker' : (t.speakers.find((s) => s.id === id) || { name: id }).name)
const normalize = (text) => text.replace(/\s+/g, ' ').trim()
const swatch = (id) => {
  const node = el('span', { class: 'swatch', 'aria-hidden': 'true' })
  node.style.background = speakerColor(id)
  return node
}

/**
 * The review part of one recording's detail view.
 * @param root the #detail element holding the template's .review, .speaker-strip and .autoscroll
 * @param player from createPlayer (seek, playSample, sampleKey)
 */
export function createReview(root, { id, player, audio }) {
  const view = {
    t: null,
    segs: [], // kept segments in time order: { seg, el, start, end, words: [{ start, end, el }] }
    byId: new Map(), // segment id → index in segs
    playing: -1,
    word: null,
    editing: null, // { entry, finish } while a segment's text is being edited
    uncertain: [], // { index (segment), el, start, score, text } of uncertain words in time order
    uncertainAt: -1, // the uncertain word F8 went to last
    hover: -1, // segment the floating ⋯ button belongs to
    focusId: null, // segment that is in the tab order (roving tabindex: one tab stop for the whole transcript)
    pending: null, // a transcript that arrived during an edit; shown when the edit ends
    queue: Promise.resolve(), // edits go to the server one after another, in the order they were made
    lastUserScroll: 0,
    destroyed: false,
  }
  const container = $('.transcript', root)
  const status = $('.save-status', root)
  const strip = $('.speaker-strip', root)
  const follow = $('.autoscroll', root)
  // One ⋯ button that moves to the hovered segment. A button in every segment would mean thousands of
  // positioned boxes, which made layout and painting of a 3,000-segment transcript slow.
  const more = el('button', {
    type: 'button',
    class: 'seg-more',
    title: 'This segment: speaker, split, edit, hide',
    hidden: '',
  })

  follow.checked = prefs.get('follow', true)
  follow.addEventListener('change', () => prefs.set('follow', follow.checked))
  $('.undo-button', root).addEventListener('click', undo)
  $('.redo-button', root).addEventListener('click', redo)
  $('.uncertain-button', root).addEventListener('click', () => jumpUncertain(1))
  $('.replace-button', root).addEventListener('click', openReplace)
  setupReplace()
  let exportOptions = null
  container.addEventListener('copy', onCopy)
  container.addEventListener('click', onTranscriptClick)
  container.addEventListener('dblclick', onTranscriptDblClick)
  container.addEventListener('contextmenu', onTranscriptContextMenu)
  container.addEventListener('keydown', onTranscriptKey)
  container.addEventListener('focusin', onTranscriptFocus)
  container.addEventListener('mouseover', onTranscriptHover)
  container.addEventListener('mouseleave', () => !isMenuOpen() && hideMore())
  more.addEventListener('click', () => {
    const r = more.getBoundingClientRect()
    if (view.segs[view.hover]) openSegmentMenu(view.hover, -1, { x: r.left, y: r.bottom + 2 })
  })
  strip.addEventListener('click', (e) => {
    const duration = view.t?.duration || audio.duration
    if (duration) player.seek((e.offsetX / strip.clientWidth) * duration)
  })
  setStatus('Double-click a segment to edit it; right-click it for its speaker or a split. Press ? for all shortcuts.')
  const stripObserver = new ResizeObserver(() => drawStrip())
  stripObserver.observe(strip)
  const markUserScroll = () => (view.lastUserScroll = Date.now())
  window.addEventListener('wheel', markUserScroll, { passive: true })
  window.addEventListener('touchmove', markUserScroll, { passive: true })

  function setStatus(text, kind = 'info') {
    status.className = `save-status ${kind}`
    status.textContent = text
  }

  // ---------- rendering ----------
  function render(t) {
    const undoButton = $('.undo-button', root)
    if (undoButton) undoButton.title = t.undoable ? `Undo the last change (${t.undoable} can be undone)` : 'Nothing to undo yet'
    const redoButton = $('.redo-button', root)
    if (redoButton) {
      redoButton.disabled = !t.redoable
      redoButton.title = t.redoable ? `Redo what undo took back (${t.redoable} can be redone; Ctrl/⌘ Shift Z)` : 'Nothing to redo'
    }
    if (view.destroyed) return
    void loadVersions()
    // Re-rendering would drop what the user is typing: keep the newest answer until the edit ends.
    if (view.editing) {
      view.pending = t
      return
    }
    // Keyboard users keep their place: the segment that had focus gets it back after the re-render.
    const hadFocus = container.contains(document.activeElement) || isMenuOpen()
    closeMenu()
    // A new worker result (not an undo, redo or restore, which say what they did themselves).
    const arrived = view.t && t.transcriptVersion !== view.t.transcriptVersion && t.step === undefined
    view.t = t
    if (arrived) {
      const named = t.speakers.filter((s) => !/^Speaker \d+$/.test(s.name)).map((s) => s.name)
      setStatus(
        `Version ${t.transcriptVersion} arrived; the one before stays under Versions (Undo goes back to it).` +
          (named.length ? ` Names carried over: ${named.join(', ')}.` : ''),
        'saved',
      )
    }
    $('.review', root).hidden = false
    follow.closest('.follow').hidden = false
    renderSpeakers(t)
    exportOptions ??= createExportOptions(root, id, setStatus)
    const filteredCount = t.segments.filter((s) => s.filtered).length
    $('.filter-summary', root).textContent = filteredCount
      ? `${plural(filteredCount, 'segment')} hidden as ${filteredCount === 1 ? 'a likely Whisper hallucination' : 'likely Whisper hallucinations'} (shown in orange; you can restore ${filteredCount === 1 ? 'it' : 'them'}).`
      : 'No hallucinations detected.'
    renderBody(t)
    drawStrip()
    view.playing = -1
    view.word = null
    onTime(audio.currentTime)
    if (hadFocus) view.segs[view.byId.get(view.focusId)]?.el.focus({ preventScroll: true })
  }

  function speakerStats(t) {
    const stats = new Map(t.speakers.map((s) => [s.id, { count: 0, seconds: 0, longest: null }]))
    for (const seg of t.segments) {
      const st = !seg.filtered && stats.get(seg.speaker)
      if (!st) continue
      st.count++
      st.seconds += seg.end - seg.start
      if (!st.longest || seg.end - seg.start > st.longest.end - st.longest.start) st.longest = seg
    }
    return stats
  }

  function renderSpeakers(t) {
    const stats = speakerStats(t)
    $('.speakers', root).replaceChildren(...t.speakers.map((s) => speakerItem(t, s, stats.get(s.id))))
    updateSampleButtons()
  }

  function speakerItem(t, s, st) {
    const input = el('input', { type: 'text', 'aria-label': `Name of ${s.id}`, dataset: { speaker: s.id } })
    input.value = s.name
    input.addEventListener('change', () => {
      const name = normalize(input.value)
      if (name && name !== s.name)
        applyEdits([{ op: 'renameSpeaker', speaker: s.id, name }], `Renamed to “${name}” everywhere.`)
      else input.value = s.name
    })
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') input.blur()
      if (e.key === 'Escape') {
        input.value = s.name
        input.blur()
      }
    })
    const sample = el('button', {
      type: 'button',
      class: 'sample',
      dataset: { speaker: s.id },
      title: 'Hear 4 s of this speaker (their longest segment)',
    })
    sample.setAttribute('aria-label', `Play a sample of ${s.name}`)
    sample.disabled = !st.longest
    sample.addEventListener('click', () => st.longest && player.playSample(s.id, st.longest.start, st.longest.end))
    const row = el('div', { class: 'speaker-row' }, swatch(s.id), input, sample)
    const stats = el('span', {
      class: 'stats',
      text: st.count ? `${plural(st.count, 'segment')} · ${clock(st.seconds)}` : 'no segments',
    })
    return el(
      'li',
      { class: 'speaker', dataset: { speaker: s.id } },
      row,
      el('div', { class: 'speaker-sub' }, stats, mergeSelect(t, s)),
    )
  }

  // Merging is the bulk fix for diarization that split one person in two (anchors §2 row 4).
  function mergeSelect(t, s) {
    const others = t.speakers.filter((o) => o.id !== s.id)
    if (!others.length) return null
    const select = el(
      'select',
      { class: 'merge', dataset: { speaker: s.id }, title: 'Give all of this speaker’s segments to another speaker' },
      el('option', { value: '', text: 'Merge into…' }),
      ...others.map((o) => el('option', { value: o.id, text: o.name })),
    )
    select.setAttribute('aria-label', `Merge ${s.name} into another speaker`)
    select.addEventListener('change', () => {
      const into = others.find((o) => o.id === select.value)
      if (into)
        applyEdits(
          [{ op: 'mergeSpeakers', from: s.id, into: into.id }],
          `Merged “${s.name}” into “${into.name}”. Undo brings them back.`,
        )
    })
    return select
  }

  function updateSampleButtons() {
    for (const b of root.querySelectorAll('.speakers .sample')) {
      const on = player.sampleKey === b.dataset.speaker
      b.classList.toggle('on', on)
      b.setAttribute('aria-pressed', String(on))
    }
  }

  function renderBody(t) {
    const frag = document.createDocumentFragment()
    view.segs = []
    view.uncertain = []
    view.uncertainAt = -1
    view.byId = new Map()
    let turn = null
    for (const seg of t.segments) {
      if (seg.filtered) {
        ;(turn ? turn.body : frag).append(filteredBox(seg))
        continue
      }
      if (!turn || turn.speaker !== seg.speaker) {
        turn = turnNode(t, seg)
        frag.append(turn.node)
      }
      const segEl = document.createElement('span')
      segEl.className = 'segment'
      segEl.dataset.segmentId = seg.id
      segEl.dataset.start = String(seg.start)
      segEl.dataset.index = String(view.segs.length)
      const entry = { seg, el: segEl, start: seg.start, end: seg.end, words: [] }
      fillSegment(entry)
      entry.words.forEach((w, wi) => {
        if (w.uncertain) view.uncertain.push({ index: view.segs.length, el: w.el, start: w.start, score: seg.words[wi].score, text: w.text })
      })
      turn.body.append(segEl, ' ')
      view.byId.set(seg.id, view.segs.length)
      view.segs.push(entry)
    }
    view.hover = -1
    more.hidden = true
    container.replaceChildren(frag, more)
    const button = $('.uncertain-button', root)
    const n = view.uncertain.length
    button.hidden = n === 0
    button.textContent = `${n} uncertain word${n === 1 ? '' : 's'} ▸`
    if (!view.byId.has(view.focusId)) view.focusId = view.segs[0]?.seg.id ?? null
    const focusable = view.segs[view.byId.get(view.focusId)]
    if (focusable) focusable.el.tabIndex = 0
  }

  /** The filter's evidence under a hidden line ("no speech under this line …"), or nothing for old decisions. */
  function evidenceLine(evidence, rule) {
    if (rule === 'manual') return []
    if (!evidence || !Array.isArray(evidence.notes) || evidence.notes.length === 0) {
      return [el('span', { class: 'evidence', text: 'Evidence: judged from the text alone (decided before speech maps existed).' })]
    }
    const quiet = evidence.speechShare !== null && evidence.speechShare !== undefined && evidence.speechShare < 0.2
    return [el('span', { class: quiet ? 'evidence no-speech' : 'evidence', text: `Evidence: ${evidence.notes.join('; ')}.` })]
  }

  function filteredBox(seg) {
    return el(
      'div',
      { class: 'filtered', dataset: { segmentId: seg.id } },
      el('span', { text: `Hidden at ${clock(seg.start)}: ` }),
      el('span', { class: 'text', text: seg.text }),
      el('span', { text: ` — ${seg.filtered.reason}` }),
      ...evidenceLine(seg.filtered.evidence, seg.filtered.rule),
      el('button', {
        type: 'button',
        text: 'Restore',
        onclick: () => applyEdits([{ op: 'restoreSegment', segmentId: seg.id }], 'Segment restored.'),
      }),
    )
  }

  /** Word spans of a segment (plain DOM calls: this runs for every word of a long transcript). */
  function fillSegment(entry, seg = entry.seg) {
    const segEl = entry.el
    segEl.replaceChildren()
    const words = seg.words.length ? seg.words : [{ text: seg.text, start: seg.start, end: seg.end, estimated: true }]
    entry.words = words.map((w, i) => {
      const wEl = document.createElement('span')
      const uncertain = isUncertain(w)
      wEl.className = w.estimated ? 'word estimated' : uncertain ? 'word uncertain' : 'word'
      if (uncertain) wEl.title = `Uncertain: the aligner scored this word ${w.score.toFixed(2)} (below ${UNCERTAIN_SCORE}). F8 goes to the next one.`
      wEl.textContent = w.text
      if (i) segEl.append(' ')
      segEl.append(wEl)
      return { start: w.start, end: w.end, el: wEl, text: w.text, uncertain }
    })
  }

  function turnNode(t, seg) {
    const color = speakerColor(seg.speaker)
    const nameBtn = el('button', {
      type: 'button',
      class: 'speaker-name',
      title: 'Click to rename this speaker everywhere',
      text: nameOf(t, seg.speaker),
    })
    if (seg.speaker !== null) nameBtn.addEventListener('click', () => renameInPlace(t, seg.speaker, nameBtn))
    else {
      // Diarization gave these segments nobody: a click offers the speakers for the turn's first segment.
      nameBtn.classList.add('unknown')
      nameBtn.title = 'No speaker: click to choose who says this (right-click any segment for just that one)'
      nameBtn.setAttribute('aria-haspopup', 'menu')
      const index = view.segs.length // the turn's first segment is the next one rendered
      nameBtn.addEventListener('click', () => {
        const r = nameBtn.getBoundingClientRect()
        openSegmentMenu(index, -1, { x: r.left, y: r.bottom + 2 })
      })
    }
    const stamp = el('button', {
      type: 'button',
      class: 'timestamp',
      title: 'Play from here',
      text: clock(seg.start),
      dataset: { start: String(seg.start) },
    })
    stamp.addEventListener('click', () => player.seek(seg.start, true))
    const body = el('div', { class: 'turn-body' })
    const node = el(
      'div',
      { class: 'turn', dataset: { speaker: seg.speaker ?? '' } },
      el('div', { class: 'turn-head' }, nameBtn, stamp),
      body,
    )
    node.style.setProperty('--speaker', color)
    return { node, body, speaker: seg.speaker }
  }

  function renameInPlace(t, speaker, nameBtn) {
    const input = el('input', { class: 'speaker-input', type: 'text', 'aria-label': 'Speaker name' })
    input.value = nameOf(t, speaker)
    let done = false
    const finish = (save) => {
      if (done) return
      done = true
      const name = normalize(input.value)
      if (save && name && name !== nameOf(t, speaker))
        applyEdits([{ op: 'renameSpeaker', speaker, name }], `Renamed to “${name}” everywhere.`)
      else input.replaceWith(nameBtn)
    }
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') finish(true)
      if (e.key === 'Escape') finish(false)
    })
    input.addEventListener('blur', () => finish(true))
    nameBtn.replaceWith(input)
    input.focus()
    input.select()
  }

  /** Colours who speaks when under the waveform (transcribee colours its seek bar the same way). */
  function drawStrip() {
    const duration = view.t?.duration || audio.duration
    if (!view.t || !duration) return
    strip.hidden = false
    const dpr = window.devicePixelRatio || 1
    const w = strip.clientWidth
    const h = strip.clientHeight
    strip.width = Math.round(w * dpr)
    strip.height = Math.round(h * dpr)
    const ctx = strip.getContext('2d')
    ctx.scale(dpr, dpr)
    for (const s of view.segs) {
      ctx.fillStyle = speakerColor(s.seg.speaker)
      const x = (s.start / duration) * w
      ctx.fillRect(x, 0, Math.max(1, ((s.end - s.start) / duration) * w), h)
    }
  }

  // ---------- playback highlight ----------
  /** Marks the segment and word at `t` (seconds). Two binary searches, so it can run every frame. */
  function onTime(t) {
    if (!view.segs.length) return
    const i = lastStartingBefore(view.segs, t)
    const idx = i >= 0 && t < view.segs[i].end + END_SLACK ? i : -1
    if (idx !== view.playing) {
      view.segs[view.playing]?.el.classList.remove('playing')
      view.segs[idx]?.el.classList.add('playing')
      view.playing = idx
    }
    const entry = view.segs[idx]
    let word = null
    if (entry && view.editing?.entry !== entry) {
      const w = lastStartingBefore(entry.words, t)
      word = w >= 0 ? entry.words[w].el : null
    }
    if (word === view.word) return
    view.word?.classList.remove('current')
    word?.classList.add('current')
    view.word = word
    if (word) followPlayback(word)
  }

  function followPlayback(node) {
    if (!follow.checked || view.editing || isMenuOpen() || player.sampleKey !== null) return
    if (Date.now() - view.lastUserScroll < FOLLOW_PAUSE_MS) return
    const r = node.getBoundingClientRect()
    const playerEl = root.querySelector('.player')
    const top = (playerEl?.getBoundingClientRect().bottom ?? 0) + 16
    if (r.top >= top && r.bottom <= window.innerHeight - 32) return
    // Below the sticky player, not behind it (it covers the top of the window once the page scrolls).
    revealBelow(node, playerEl ? playerEl.offsetHeight : 0)
  }

  // ---------- transcript events (delegated: one listener for thousands of words) ----------
  function hit(e) {
    const segEl = e.target.closest('.segment')
    if (!segEl || !container.contains(segEl)) return null
    const index = Number(segEl.dataset.index)
    const entry = view.segs[index]
    const wordEl = e.target.closest('.word')
    const wordIndex = wordEl ? entry.words.findIndex((w) => w.el === wordEl) : -1
    return { index, entry, wordIndex }
  }

  function onTranscriptClick(e) {
    const h = hit(e)
    if (!h || view.editing?.entry === h.entry || h.wordIndex < 0) return
    if (e.altKey) {
      e.preventDefault()
      return split(h.entry.seg, h.wordIndex)
    }
    player.seek(h.entry.words[h.wordIndex].start)
  }

  function onTranscriptDblClick(e) {
    const h = hit(e)
    if (h && !view.editing) startEdit(h.index, h.wordIndex)
  }

  function onTranscriptContextMenu(e) {
    const h = hit(e)
    if (!h || view.editing?.entry === h.entry) return
    e.preventDefault()
    // The context-menu key has no pointer position: place the menu at the segment then.
    const at = e.clientX || e.clientY ? { x: e.clientX, y: e.clientY } : cornerOf(h.entry.el)
    openSegmentMenu(h.index, h.wordIndex, at)
  }

  /** Keyboard path to the segment tools: Tab into the transcript, ↑/↓ between segments, Enter edits,
   * the menu key (or Shift+F10) opens the segment's menu. */
  function onTranscriptKey(e) {
    const h = hit(e)
    if (!h || e.defaultPrevented || view.editing || e.target !== h.entry.el || e.altKey || e.ctrlKey || e.metaKey)
      return
    const to =
      e.key === 'ArrowDown'
        ? h.index + 1
        : e.key === 'ArrowUp'
          ? h.index - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? view.segs.length - 1
              : null
    if (to !== null) {
      const next = view.segs[Math.max(0, Math.min(view.segs.length - 1, to))].el
      next.tabIndex = 0 // only elements with a tabindex take focus; focusin then moves the tab stop here
      next.focus()
      e.preventDefault()
    } else if (e.key === 'Enter') {
      e.preventDefault()
      startEdit(h.index)
    } else if (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) {
      // Chromium makes a contextmenu event of these only on some systems: open the menu here everywhere.
      e.preventDefault()
      openSegmentMenu(h.index, -1, cornerOf(h.entry.el))
    }
  }

  function onTranscriptFocus(e) {
    const segEl = e.target.closest?.('.segment')
    if (!segEl || segEl.dataset.segmentId === view.focusId) return
    const old = view.segs[view.byId.get(view.focusId)]
    if (old) old.el.removeAttribute('tabindex')
    segEl.tabIndex = 0
    view.focusId = segEl.dataset.segmentId
  }

  function onTranscriptHover(e) {
    if (e.target === more || isMenuOpen() || view.editing) return
    const h = hit(e)
    if (h && h.index !== view.hover) placeMore(h.index)
  }

  /** Puts the ⋯ button in the turn's left gutter, on the line where the segment starts. */
  function placeMore(index) {
    const segEl = view.segs[index].el
    const line = segEl.getClientRects()[0]
    if (!line) return
    const box = container.getBoundingClientRect()
    const turn = segEl.closest('.turn').getBoundingClientRect()
    more.style.top = `${line.top - box.top + (line.height - 22) / 2}px`
    more.style.left = `${turn.left - box.left + 6}px`
    more.setAttribute('aria-label', `Segment at ${clock(view.segs[index].start)}: speaker and editing`)
    more.hidden = false
    view.hover = index
  }

  function hideMore() {
    more.hidden = true
    view.hover = -1
  }

  const cornerOf = (node) => {
    const r = node.getClientRects()[0] || node.getBoundingClientRect()
    return { x: r.left, y: r.bottom + 2 }
  }

  // ---------- one segment's tools ----------
  function openSegmentMenu(index, wordIndex, at) {
    const entry = view.segs[index]
    const { seg } = entry
    const t = view.t
    const speakerItems = [
      ...t.speakers.map((s) => ({ id: s.id, name: s.name })),
      { id: null, name: 'Unknown speaker' },
    ].map((s) =>
      menuItem([swatch(s.id), el('span', { text: s.name })], () => setSegmentSpeaker(seg, s.id), {
        checked: seg.speaker === s.id,
        dataset: { speaker: s.id ?? '' },
      }),
    )
    speakerItems.push(menuItem(el('span', { text: 'New speaker…' }), () => newSpeakerFor(seg), { dataset: { action: 'new-speaker' } }))
    const word = wordIndex >= 1 && wordIndex < seg.words.length ? seg.words[wordIndex] : null
    const splitItem = word
      ? menuItem(el('span', { text: `Split before “${word.text}”` }), () => split(seg, wordIndex), {
          hint: 'Alt+click',
          dataset: { action: 'split' },
        })
      : menuItem('Split: right-click the word where the new part starts', () => {}, { disabled: true })
    entry.el.classList.add('menu-target')
    // Focus comes back to the segment (which joins the tab order), so the keyboard path goes on from there.
    if (view.focusId !== seg.id) onTranscriptFocus({ target: entry.el })
    openMenu(
      [
        menuLabel(`${clock(seg.start)}–${clock(seg.end)} · speaker of this segment only`),
        ...speakerItems,
        menuSeparator(),
        splitItem,
        menuItem('Edit text', () => startEdit(index, wordIndex), { hint: 'Double-click', dataset: { action: 'edit' } }),
        menuItem('Play this segment', () => player.seek(seg.start, true), { dataset: { action: 'play' } }),
        menuItem(
          'Hide this segment',
          () =>
            applyEdits(
              [{ op: 'filterSegment', segmentId: seg.id }],
              'Segment hidden (shown in orange; Restore brings it back).',
            ),
          {
            dataset: { action: 'hide' },
          },
        ),
      ],
      at,
      {
        className: 'segment-menu',
        label: `Segment at ${clock(seg.start)}`,
        returnFocus: entry.el,
        onClose: () => {
          entry.el.classList.remove('menu-target')
          hideMore()
        },
      },
    )
  }

  // Only this segment changes (transcribee #511: "only for current paragraph").
  function setSegmentSpeaker(seg, speaker) {
    if (seg.speaker === speaker) return
    applyEdits(
      [{ op: 'setSegmentSpeaker', segmentId: seg.id, speaker }],
      `This segment is now “${nameOf(view.t, speaker)}”; the rest is unchanged.`,
    )
  }

  /** A speaker diarization missed (two people under one label): add them and give them this segment. */
  function newSpeakerFor(seg) {
    const name = (window.prompt('Name of the new speaker', '') || '').trim()
    if (!name) return
    const used = new Set(view.t.speakers.map((s) => s.id))
    let n = view.t.speakers.length
    while (used.has(`SPEAKER_${String(n).padStart(2, '0')}`)) n++
    const speaker = `SPEAKER_${String(n).padStart(2, '0')}`
    applyEdits(
      [
        { op: 'addSpeaker', speaker, name },
        { op: 'setSegmentSpeaker', segmentId: seg.id, speaker },
      ],
      `Added “${name}” for this segment.`,
    )
  }

  /** Splits before word `atWord`, then opens the new part's menu: a split is nearly always for a speaker change. */
  async function split(seg, atWord) {
    if (atWord < 1 || atWord >= seg.words.length) {
      setStatus('Split before a word inside the segment: not its first word.', 'error')
      return
    }
    const t = await applyEdits(
      [{ op: 'splitSegment', segmentId: seg.id, atWord }],
      'Split. Pick the speaker of the new part, or press Esc.',
    )
    const part = t && t.segments[t.segments.findIndex((s) => s.id === seg.id) + 1]
    if (!part || view.editing) return
    view.segs[view.byId.get(part.id)]?.el.scrollIntoView({ block: 'nearest' })
    // Measure after the next frames: off-screen turns (content-visibility) only get their real size then,
    // and the scroll above must be over before the menu opens (a scroll closes it).
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
    const index = view.byId.get(part.id)
    if (index === undefined || view.destroyed || view.editing || isMenuOpen()) return
    openSegmentMenu(index, -1, cornerOf(view.segs[index].el))
  }

  // ---------- editing text in place ----------
  function startEdit(index, wordIndex = -1) {
    if (view.editing) return
    closeMenu()
    const entry = view.segs[index]
    const { seg, el: segEl } = entry
    if (view.word && segEl.contains(view.word)) view.word = null
    hideMore()
    const text = document.createTextNode(seg.text)
    segEl.replaceChildren(text)
    segEl.classList.add('editing')
    try {
      segEl.contentEditable = 'plaintext-only'
    } catch {
      segEl.contentEditable = 'true'
    }
    segEl.spellcheck = true
    segEl.setAttribute('role', 'textbox')
    segEl.setAttribute('aria-label', 'Segment text: Enter saves, Esc cancels')
    segEl.focus()
    selectWord(text, seg, wordIndex)
    setStatus('Editing: Enter saves, Esc cancels. Ctrl/⌘ Space plays and pauses while you type.', 'busy')

    let finished = false
    const finish = (save) => {
      if (finished) return
      finished = true
      segEl.removeEventListener('keydown', onKey)
      segEl.removeEventListener('blur', onBlur)
      const typed = normalize(segEl.textContent)
      segEl.removeAttribute('contenteditable')
      segEl.removeAttribute('role')
      segEl.removeAttribute('aria-label')
      segEl.classList.remove('editing')
      view.editing = null
      const changed = save && typed && typed !== normalize(seg.text)
      // Until the server answers, show the typed text (its words have no times yet).
      fillSegment(entry, changed ? { ...seg, text: typed, words: [] } : seg)
      if (changed) {
        view.pending = null
        applyEdits(
          [{ op: 'editText', segmentId: seg.id, text: typed }],
          'Text saved. Unchanged words keep their times.',
        )
      } else {
        if (save && !typed)
          setStatus(
            'A segment cannot be empty, so its text was kept. To drop it, choose “Hide this segment” in its menu.',
            'error',
          )
        else setStatus(save ? 'No change.' : 'Edit cancelled.')
        if (view.pending) {
          const p = view.pending
          view.pending = null
          render(p)
        }
      }
    }
    const onKey = (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        e.stopPropagation() // the segment's own Enter (start editing) must not see it
        finish(true)
        segEl.blur()
      } else if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        finish(false)
        segEl.blur()
      }
    }
    const onBlur = () => finish(true)
    segEl.addEventListener('keydown', onKey)
    segEl.addEventListener('blur', onBlur)
    view.editing = { entry, finish }
  }

  /** Puts the selection on the double-clicked word, the way a double-click selects a word anywhere else. */
  function selectWord(textNode, seg, wordIndex) {
    const range = document.createRange()
    const words = seg.words.map((w) => w.text)
    if (wordIndex >= 0 && wordIndex < words.length && words.join(' ') === seg.text) {
      const from = words.slice(0, wordIndex).join(' ').length + (wordIndex ? 1 : 0)
      range.setStart(textNode, from)
      range.setEnd(textNode, from + words[wordIndex].length)
    } else {
      range.selectNodeContents(textNode)
      range.collapse(false)
    }
    const sel = window.getSelection()
    sel.removeAllRanges()
    sel.addRange(range)
  }

  // ---------- proofreading ----------
  /**
   * Goes to the next (`dir` 1) or previous (-1) uncertain word after the last one visited, or after the playing
   * position on the first press: scrolls it into view, puts the player there (paused) and marks the word.
   */
  function jumpUncertain(dir) {
    const list = view.uncertain
    if (view.editing) return
    if (!list.length) {
      setStatus('No uncertain words: the aligner scored every word at least ' + UNCERTAIN_SCORE + '.')
      return
    }
    let i = view.uncertainAt
    if (i < 0) {
      const now = audio.currentTime
      i = dir > 0 ? list.findIndex((w) => w.start > now + 0.01) : list.findLastIndex((w) => w.start < now - 0.01)
      if (i < 0) i = dir > 0 ? 0 : list.length - 1
    } else i = (i + dir + list.length) % list.length
    view.uncertainAt = i
    const w = list[i]
    root.querySelector('.word.checking')?.classList.remove('checking')
    w.el.classList.add('checking')
    w.el.scrollIntoView({ block: 'center' })
    player.seek(w.start, false)
    onTranscriptFocus({ target: view.segs[w.index].el })
    view.segs[w.index].el.focus({ preventScroll: true })
    setStatus(
      `Uncertain word ${i + 1} of ${list.length}: “${w.text}” (score ${w.score.toFixed(2)}). Enter edits the segment; F8 goes on.`,
    )
  }

  function setupReplace() {
    const form = $('.replace-bar', root)
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const data = new FormData(form)
      const find = String(data.get('find') || '').trim()
      const replace = String(data.get('replace') || '').trim()
      if (!find) return
      applyEdits(
        [{ op: 'replaceText', find, replace, matchCase: data.get('matchCase') === 'on', wholeWords: data.get('wholeWords') === 'on' }],
        (t) => `Replaced ${t.replaced} × “${find}” with “${replace}”. Undo takes all of them back.`,
      )
    })
    $('.close', form).addEventListener('click', () => (form.hidden = true))
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        form.hidden = true
      }
    })
  }

  /** Shows the find and replace bar, with the selected words (if any) as what to find. */
  function openReplace() {
    const form = $('.replace-bar', root)
    form.hidden = false
    const selected = window.getSelection()?.toString().replace(/\s+/g, ' ').trim()
    const find = $('input[name=find]', form)
    if (selected && selected.length <= 200 && container.contains(window.getSelection().anchorNode)) find.value = selected
    find.focus()
    find.select()
  }

  /**
   * Copying a selected passage puts it on the clipboard with its speaker and time, one line per speaker turn:
   * "[12:03] Anna: …". Words partly selected count whole.
   */
  function onCopy(e) {
    const sel = window.getSelection()
    if (view.editing || !sel || sel.isCollapsed || !e.clipboardData) return
    const range = sel.getRangeAt(0)
    const lines = []
    let last = null
    for (const entry of view.segs) {
      if (!range.intersectsNode(entry.el)) continue
      const words = entry.words.filter((w) => range.intersectsNode(w.el))
      if (!words.length) continue
      const text = words.map((w) => w.text).join(' ')
      if (last && last.speaker === entry.seg.speaker) last.text += ` ${text}`
      else lines.push((last = { speaker: entry.seg.speaker, start: words[0].start, text }))
    }
    if (!lines.length) return
    const text = lines.map((l) => `[${clock(l.start)}] ${nameOf(view.t, l.speaker)}: ${l.text}`).join('\n')
    e.clipboardData.setData('text/plain', text)
    e.preventDefault()
    setStatus(`Copied with speaker and time: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`, 'saved')
  }

  // ---------- saving ----------
  /**
   * Sends `ops` after any edit still on its way; shows the answer. Resolves to the new transcript, or null.
   * @param savedText the message once saved, or a function of the server's answer that returns it
   */
  function applyEdits(ops, savedText) {
    setStatus('Saving…', 'busy')
    view.queue = view.queue.then(async () => {
      try {
        const t = await api.edit(id, ops, view.t ? view.t.version : undefined)
        render(t)
        setStatus(typeof savedText === 'function' ? savedText(t) : savedText, 'saved')
        return t
      } catch (err) {
        if (!view.destroyed && err.status === 409) {
          // Changed in another tab: show the latest version instead of overwriting it.
          render(await api.transcript(id))
          setStatus(`Not saved: ${err.message}`, 'error')
        } else if (!view.destroyed) {
          setStatus(`Not saved: ${err.message}`, 'error')
          if (view.t) render(view.t) // put back what the failed change may have left half-done (e.g. a rename field)
        }
        return null
      }
    })
    return view.queue
  }

  /** Runs a history call (undo, redo, restore) after any edit on its way, and shows its answer. */
  function historyStep(busy, call, done) {
    if (!view.t) return view.queue
    view.editing?.finish(false)
    setStatus(busy, 'busy')
    view.queue = view.queue.then(async () => {
      try {
        const t = await call()
        render(t)
        setStatus(done(t), 'saved')
      } catch (err) {
        // 409: nothing left to undo or redo; the server says so in plain words.
        setStatus(err.message, err.status === 409 ? 'info' : 'error')
      }
    })
    return view.queue
  }

  function undo() {
    return historyStep('Undoing…', () => api.undo(id), (t) => `Undone (${t.step}).`)
  }
  function redo() {
    return historyStep('Redoing…', () => api.redo(id), (t) => `Redone (${t.step}).`)
  }
  function restore(version) {
    return historyStep(`Restoring version ${version}…`, () => api.restore(id, version), () => `Version ${version} is current again. Undo goes back.`)
  }

  // ---------- versions ----------
  /** The versions list: every worker result this recording had, with its edits; any can be made current. */
  async function loadVersions() {
    const list = $('.versions', root)
    let versions
    try {
      versions = await api.versions(id)
    } catch {
      return // the transcript itself is shown; the list comes with the next change
    }
    if (view.destroyed) return
    list.replaceChildren(...versions.map(versionItem))
  }

  function versionItem(v) {
    const when = new Date(v.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    const edits = v.edits === 1 ? '1 edit' : `${v.edits} edits`
    const names = v.renamedSpeakers ? ` · ${v.renamedSpeakers === 1 ? '1 name' : `${v.renamedSpeakers} names`}` : ''
    const item = el(
      'li',
      { class: v.current ? 'version current' : 'version', dataset: { version: String(v.version) } },
      el('span', { class: 'version-name', text: `Version ${v.version}` }),
      el('span', { class: 'version-facts', text: `${when} · ${edits}${names}`, title: `Job ${v.jobId}` }),
    )
    if (v.current) item.append(el('span', { class: 'version-current', text: 'shown' }))
    else
      item.append(
        el('button', {
          type: 'button',
          class: 'restore',
          text: 'Restore',
          title: `Show version ${v.version} again (the one shown now stays restorable; Undo goes back)`,
          onclick: () => restore(v.version),
        }),
      )
    return item
  }

  return {
    render,
    onTime,
    undo,
    redo,
    jumpUncertain,
    openReplace,
    onPlayerChange: updateSampleButtons,
    get loaded() {
      return view.t !== null
    },
    /** Version of the transcript shown (null before one is loaded). */
    get version() {
      return view.t ? view.t.version : null
    },
    get editing() {
      return view.editing !== null
    },
    destroy() {
      view.destroyed = true
      closeMenu()
      stripObserver.disconnect()
      window.removeEventListener('wheel', markUserScroll)
      window.removeEventListener('touchmove', markUserScroll)
    },
  }
}
