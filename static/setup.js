// @ts-check
// The Setup view (page hash #setup): the setup check's list (GET /api/setup), the test job
// (POST /api/setup/check {testJob: true}) and the fixes the panel can apply itself (POST /api/setup/fix/:id).
// It replaces the library while open; it opens by itself on the first visit when a required setting is missing.
import { api } from './api.js'
import { SETUP_HASH } from './banner.js'
import { $, el, find } from './dom.js'

/** @typedef {import('../src/domain/api.ts').SetupCheckId} SetupCheckId */
/** @typedef {import('../src/domain/api.ts').SetupStatus} SetupStatus */
/** @typedef {import('../src/domain/api.ts').TestJobReport} TestJobReport */
/** @typedef {import('./types.js').SetupAnswer} SetupAnswer */

/** Plain names of the server's checks (one for each of its check ids, or this does not compile). @type {Record<SetupCheckId, string>} */
const NAMES = {
  'api-key': 'RunPod API key',
  endpoint: 'Serverless endpoint',
  'volume-attached': 'Network volume attached to the endpoint',
  'max-workers': 'Max workers',
  s3: 'S3 API key for uploads',
  worker: 'Worker (test job)',
  diarization: 'Speaker identification (test job)',
}
/** @type {Record<SetupStatus, string>} */
const MARKS = { ok: '✓', warn: '!', fail: '✗', skipped: '–' }
/** @type {Record<SetupStatus, string>} */
const WORDS = { ok: 'OK', warn: 'Warning', fail: 'Problem', skipped: 'Not checked' }

let busy = false

/** Whether the Setup view is the one shown. */
export const setupOpen = () => location.hash === SETUP_HASH

/**
 * Shows or hides the Setup view to match the page hash, and wires the hash and the buttons once.
 * @param {{ onClose?: () => void }} [options]
 */
export function initSetupView(options = {}) {
  const view = find('#setup-view', HTMLElement)
  const layout = find('main.layout', HTMLElement)
  const sync = () => {
    const open = setupOpen()
    view.hidden = !open
    layout.hidden = open
    document.body.classList.toggle('setup-open', open)
    if (open) void refresh(false)
    else options.onClose?.()
  }
  window.addEventListener('hashchange', sync)
  $('#setup-recheck')?.addEventListener('click', () => void refresh(false))
  $('#setup-testjob')?.addEventListener('click', () => void refresh(true))
  sync()
}

/**
 * Opens the Setup view by itself on a first visit while required settings are missing (GET /api/health's `missing`);
 * a user who left it (any other hash) is not sent back.
 * @param {{ configured: boolean }} health
 */
export function openSetupIfNotConfigured(health) {
  if (!health.configured && !location.hash && !sessionStorage.getItem('setup-shown')) {
    sessionStorage.setItem('setup-shown', '1')
    location.hash = SETUP_HASH
  }
}

/**
 * Loads the checks (with the test job when `testJob`) and draws them.
 * @param {boolean} testJob
 */
async function refresh(testJob) {
  if (busy) return
  busy = true
  const status = find('#setup-status', HTMLElement)
  const buttons = [find('#setup-recheck', HTMLButtonElement), find('#setup-testjob', HTMLButtonElement)]
  for (const b of buttons) b.disabled = true
  status.textContent = testJob ? 'Running the test job: uploading five seconds of audio and transcribing it on your endpoint (a cold worker can take a few minutes)…' : 'Checking…'
  try {
    const report = testJob ? await api.setupCheck(true) : await api.setup()
    render(report)
    const failed = report.checks.filter((c) => c.status === 'fail').length
    status.textContent = failed ? `${failed} problem${failed === 1 ? '' : 's'} to fix.` : report.checks.some((c) => c.status === 'skipped') ? 'No problems so far. Run the test job to check the worker too.' : 'Everything works.'
  } catch (err) {
    status.textContent = `The check did not finish: ${err instanceof Error ? err.message : String(err)}`
  } finally {
    busy = false
    for (const b of buttons) b.disabled = false
  }
}

/**
 * Applies an automatic fix, then shows the new list.
 * @param {SetupCheckId} id
 * @param {HTMLButtonElement} button
 */
async function applyFix(id, button) {
  button.disabled = true
  const status = find('#setup-status', HTMLElement)
  status.textContent = 'Applying the fix…'
  try {
    render(await api.setupFix(id))
    status.textContent = 'Fixed. The list below is checked again.'
  } catch (err) {
    button.disabled = false
    status.textContent = `The fix did not work: ${err instanceof Error ? err.message : String(err)}`
  }
}

/**
 * Draws the report: missing settings first, then one row per check, then the test job's numbers.
 * @param {SetupAnswer} report
 */
function render(report) {
  const missing = find('#setup-missing', HTMLElement)
  missing.hidden = report.missing.length === 0
  missing.replaceChildren(
    el('p', {}, el('strong', { text: 'Settings to add' }), ' — put these lines in ', el('code', { text: '.env' }), ' (next to package.json), fill in the values, and restart the panel:'),
    el('pre', { class: 'setup-env', text: report.missing.map((m) => `${m.split(' ')[0]}=`).filter((l, i, a) => a.indexOf(l) === i).join('\n') }),
  )
  const list = find('#setup-checks', HTMLElement)
  list.replaceChildren(
    ...report.checks.map((c) => {
      /** @type {HTMLElement | null} */
      let fix = null
      if (c.fix?.kind === 'auto') {
        const button = el('button', { type: 'button', class: 'primary setup-fix', text: c.fix.label })
        button.addEventListener('click', () => void applyFix(c.id, button))
        fix = button
      } else if (c.fix) fix = el('a', { class: 'setup-fix', href: c.fix.url, target: '_blank', rel: 'noopener noreferrer', text: `${c.fix.label} ↗` })
      return el(
        'li',

        { class: `setup-check ${c.status}`, dataset: { id: c.id } },
        el('span', { class: 'setup-mark', 'aria-hidden': 'true', text: MARKS[c.status] }),
        el('div', { class: 'setup-body' }, el('div', { class: 'setup-name' }, el('strong', { text: NAMES[c.id] ?? c.id }), ' ', el('span', { class: `chip ${c.status}`, text: WORDS[c.status] })), el('p', { class: 'setup-message', text: c.message }), fix),
      )
    }),
  )
  const jobs = find('#setup-jobs', HTMLElement)
  const t = report.testJobs
  jobs.hidden = !t || !t.worker
  if (t && t.worker) {
    /**
     * @param {string} label
     * @param {TestJobReport | null} j
     */
    const row = (label, j) =>
      j ? el('tr', {}, el('th', { text: label }), el('td', { text: `${j.totalSeconds} s` }), el('td', { text: j.queueSeconds === null ? '–' : `${j.queueSeconds} s` }), el('td', { text: j.executionSeconds === null ? '–' : `${j.executionSeconds} s` }), el('td', { text: j.costUsd === null ? '–' : `$${j.costUsd.toFixed(4)}` })) : null
    jobs.replaceChildren(
      el('caption', { text: 'Test job (five-second clip)' }),
      el('tr', {}, el('th', { text: '' }), el('th', { text: 'In all' }), el('th', { text: 'Queue' }), el('th', { text: 'GPU' }), el('th', { text: 'Cost' })),
      ...[row('Transcription', t.worker), row('With speakers', t.diarization)].filter((r) => r !== null),
    )
  }
}
