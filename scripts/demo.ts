/**
 * `npm run demo`: the panel wired to the local stand-ins (an S3-compatible server that checks SigV4
 * and refuses presigned URLs like RunPod's volumes, and the RunPod Serverless emulator with that
 * volume attached, and an OpenAI-compatible chat API for notes), with the bundled sample interview already in
 * the library. The page says that the GPU and the notes' model are emulated. Data lives in .demo/ (git-ignored); delete it to start over.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseConfig } from '../src/config.ts'
import { createLogger } from '../src/logger.ts'
import { createPanel, listen } from '../src/panel.ts'
import { startStandIns } from '../standins/start.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const demoDir = path.join(root, '.demo')
// The sample recording and the script the emulated GPU "transcribes" it from (the tests' fixtures, data only).
const fixtures = path.join(root, 'test', 'fixtures')
const sample = path.join(fixtures, 'interview.m4a')

const standIns = await startStandIns({
  identity: {
    apiKey: 'demo-api-key',
    endpointId: 'demo-endpoint',
    volumeId: 'demovolume01',
    s3AccessKeyId: 'demo_access_key',
    s3SecretAccessKey: 'demo_secret_key',
  },
  volumeDir: path.join(demoDir, 's3'),
  runpod: { queueDelayMs: 2500, executionMs: 4000, scriptsDir: fixtures },
  // Notes come from the local OpenAI-compatible stand-in; the Notes tab says they are emulated.
  llm: { chunkDelayMs: 30 },
})

const config = parseConfig({
  ...process.env,
  ...standIns.env,
  UPLOADS_DIR: path.join(demoDir, 'uploads'),
  OUTPUT_DIR: path.join(demoDir, 'output'),
  SCRIBE_DEMO: '1',
})
const logger = createLogger(config.logLevel)
const panel = createPanel(config, logger)
panel.start()
const { server, port } = await listen(panel.app, config.server.host, config.server.port)
const url = `http://${config.server.host}:${port}`

if (panel.store.listRecordings().length === 0) {
  const res = await fetch(`${url}/api/recordings?filename=${encodeURIComponent('Sample interview.m4a')}`, {
    method: 'PUT',
    body: new Blob([readFileSync(sample)]),
  })
  if (res.status !== 201) logger.warn(`Could not add the sample recording: HTTP ${res.status} ${await res.text()}`)
}
logger.info(`Scribe Panel demo (emulated GPU) is running on ${url} — open it, pick "Sample interview.m4a" and click Start transcription.`)

const stop = async () => {
  server.close()
  await panel.close()
  await standIns.stop()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
