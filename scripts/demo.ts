/**
 * `npm run demo`: the panel wired to the local stand-ins (an S3-compatible server that checks SigV4
 * and refuses presigned URLs like RunPod's volumes, and the RunPod Serverless emulator with that
 * volume attached), with the bundled sample interview already in the library. The page says that
 * the GPU is emulated. Data lives in .demo/ (git-ignored); delete it to start over.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseConfig } from '../src/config.ts'
import { createLogger } from '../src/logger.ts'
import { createPanel, listen } from '../src/panel.ts'
import { startRunpodEmulator } from '../standins/runpod/emulator.ts'
import { startS3Server } from '../standins/s3/server.ts'
import { standInEnv, volumeOf } from '../standins/env.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const demoDir = path.join(root, '.demo')
mkdirSync(path.join(demoDir, 's3'), { recursive: true })
const sample = path.join(root, 'test', 'fixtures', 'interview.m4a')

const s3 = await startS3Server({
  accessKeyId: 'demo_access_key',
  secretAccessKey: 'demo_secret_key',
  bucket: 'demovolume01',
  directory: path.join(demoDir, 's3'),
  presign: 'unsupported',
})
const apiKey = 'demo-api-key'
const emulator = await startRunpodEmulator({
  apiKey,
  endpointId: 'demo-endpoint',
  queueDelayMs: 2500,
  executionMs: 4000,
  volume: volumeOf(s3),
  scriptsDir: path.join(root, 'test', 'fixtures'),
})

const config = parseConfig({
  ...process.env,
  ...standInEnv(s3, emulator, { apiKey, endpointId: 'demo-endpoint' }),
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
  await emulator.close()
  await s3.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
