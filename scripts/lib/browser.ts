/**
 * Headless Chromium for the UI tests and the page benchmark: Debian's /usr/bin/chromium driven by playwright-core,
 * with flags that keep it from reaching the network (updates, sync, QUIC) on a machine without internet.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Fails loudly (instead of skipping) when Chromium is missing: the UI tests are part of the suite. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
}

/**
 * @param options.fakeMicrophone - grant microphone access and feed Chromium's fake audio device (a beep), for recording tests.
 * @param options.microphoneFile - a WAV file the fake microphone plays instead of the beep, in a loop (Chromium's
 *   `--use-file-for-fake-audio-capture`); implies `fakeMicrophone`.
 */
export async function launchBrowser(
  downloadsPath?: string,
  options: { fakeMicrophone?: boolean; microphoneFile?: string } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  assertChromium()
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'scribe-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    ...(downloadsPath ? { downloadsPath } : {}),
    viewport: { width: 1400, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      ...(options.fakeMicrophone || options.microphoneFile ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] : []),
      ...(options.microphoneFile ? [`--use-file-for-fake-audio-capture=${options.microphoneFile}`] : []),
    ],
  })
  return {
    context,
    async close() {
      await context.close()
      await rm(userDataDir, { recursive: true, force: true })
    },
  }
}
