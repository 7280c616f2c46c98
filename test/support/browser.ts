/** The tests' headless Chromium: the launcher shared with the page benchmark (bench/review.ts). */
export { assertChromium, CHROMIUM, launchBrowser } from '../../scripts/lib/browser.ts'
