// @ts-check
// The warning banner under the top bar: settings that are missing (each named once), set-up problems and
// combinations that cannot work. It links to the Setup view (page hash #setup) and to the demo.
import { el } from './dom.js'

/** The page hash of the Setup view, which checks each setting. */
export const SETUP_HASH = '#setup'

/** @typedef {import('./types.js').Health} Health */

/**
 * The reason Start is off when RunPod is not set up, or null when it is.
 * @param {Health | null} health GET /api/health's answer (null before it came)
 */
export function notSetUpReason(health) {
  if (!health || health.configured) return null
  return 'RunPod is not set up, so nothing can be transcribed yet. Open Setup to see which settings are missing.'
}

/**
 * Fills the banner from GET /api/health; hides it when there is nothing to say.
 * @param {HTMLElement} node the #config-banner element
 * @param {Health} h
 */
export function renderConfigBanner(node, h) {
  const setupLink = () => el('a', { href: SETUP_HASH, class: 'banner-link', text: 'Open Setup' })
  if (h.warnings && h.warnings.length) {
    node.replaceChildren(h.warnings.join(' '), ' ', setupLink())
  } else if (!h.configured) {
    const missing = [...new Set(h.missing)]
    node.replaceChildren(
      el('strong', { text: 'RunPod is not set up yet' }),
      ': recordings are kept on this computer and nothing is sent. Missing ',
      missing.length === 1 ? 'setting: ' : 'settings: ',
      ...missing.flatMap((name, i) => (i ? [', ', el('code', { text: name })] : [el('code', { text: name })])),
      '. ',
      setupLink(),
      ' to fill them in (they go in ',
      el('code', { text: '.env' }),
      '; restart the panel after), or try everything with an emulated GPU: ',
      el('code', { text: 'npm run demo' }),
      '.',
    )
  } else if (!h.ok) {
    const problems = [h.s3.ok ? null : `Network volume: ${h.s3.error.message}`, h.runpod.ok ? null : `Endpoint: ${h.runpod.error.message}`].filter((p) => p !== null)
    node.replaceChildren(problems.join(' '), ' ', setupLink())
  } else {
    node.hidden = true
    return
  }
  node.hidden = false
}
