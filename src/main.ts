/**
 * Composition root: read `.env` and the environment, parse the configuration, build the panel,
 * serve it, and stop gracefully on SIGINT/SIGTERM. Settings come from `environment.ts`.
 */
import { configFromEnvironment } from './environment.ts'
import { createLogger } from './logger.ts'
import { createAdapters, createPanel, listen } from './panel.ts'

const config = configFromEnvironment()
const logger = createLogger(config.logLevel)
// The adapters to RunPod and the volume are chosen here, once: each is null while its settings are missing.
const panel = createPanel(config, logger, {}, createAdapters(config, logger))
panel.start()
const { server, port } = await listen(panel.app, config.server.host, config.server.port)
const shown = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host
logger.info(`Scribe Panel is running on http://${shown}:${port}`)

let stopping = false
const stop = (signal: string) => {
  if (stopping) return
  stopping = true
  logger.info(`${signal}: stopping`)
  server.close()
  void panel.close().then(() => process.exit(0))
  setTimeout(() => process.exit(0), 3000).unref()
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
