/**
 * `npm run check`: the setup check in a terminal, the same list as the Setup view (`#setup` in the page).
 * Reads `.env` and the environment like `npm start`, talks to RunPod directly (the panel need not run).
 *
 *   npm run check                  checks the settings, the endpoint, the volume and the S3 key
 *   npm run check -- --test-job    also sends a five-second clip through the whole path (costs GPU seconds)
 *   npm run check -- --json        prints the report as JSON
 *
 * Exit code: 0 when nothing failed, 1 when a check failed, 2 for invalid settings.
 */
import { configFromEnvironment } from '../src/environment.ts'
import { createLogger, silentLogger } from '../src/logger.ts'
import { createAdapters, createSetupService } from '../src/panel.ts'
import { formatSetupReport } from '../src/services/setup.ts'

const args = new Set(process.argv.slice(2))
const config = configFromEnvironment()
const logger = args.has('--verbose') ? createLogger('debug') : silentLogger
const setup = createSetupService(config, logger, createAdapters(config, logger))
if (args.has('--test-job')) process.stderr.write('Running the test job (five seconds of audio; a cold worker may take a few minutes)…\n')
const report = await setup.check({ testJob: args.has('--test-job') })
process.stdout.write(args.has('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatSetupReport(report, { color: process.stdout.isTTY === true }))
process.exit(report.checks.some((c) => c.status === 'fail') ? 1 : 0)
