/**
 * The local stand-ins for the benchmarks: the S3 server (the network volume; refuses presigned URLs
 * like RunPod) and the RunPod emulator with that volume attached, plus the environment that points a
 * panel at them (the variables of DESIGN.md "Configuration").
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { startRunpodEmulator, type RunpodEmulator, type RunpodEmulatorOptions } from '../../standins/runpod/emulator.ts'
import { startS3Server, type S3TestServer } from '../../standins/s3/server.ts'
import { standInEnv, volumeOf } from '../../standins/env.ts'

/** Project root (bench/lib/../..). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..')
/** The test fixtures: real audio and the scripts the emulator's worker "transcribes" from. */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures')

const API_KEY = 'rpa_BENCHKEY0123456789'
const ENDPOINT_ID = 'scribe-bench-ep'

export interface StandIns {
  s3: S3TestServer
  emulator: RunpodEmulator
  /** RUNPOD_* settings for a panel (no folders, port or poll interval). */
  env: Record<string, string>
  close(): Promise<void>
}

/**
 * Starts the S3 stand-in and the RunPod emulator on loopback ports chosen by the OS.
 * @param dir - the benchmark's temp folder; the volume's objects are kept in `<dir>/s3-volume`.
 * @param emulator - emulator options (delays, rate limits); the volume and keys are set here.
 */
export async function startStandIns(dir: string, emulator: Partial<RunpodEmulatorOptions> = {}): Promise<StandIns> {
  const directory = path.join(dir, 's3-volume')
  await mkdir(directory, { recursive: true })
  const s3 = await startS3Server({
    directory,
    accessKeyId: 'user_benchAccessKey0000000000',
    secretAccessKey: 'rps_benchsecret0123456789',
    bucket: 'benchvolume01',
    presign: 'unsupported',
  })
  let emu: RunpodEmulator
  try {
    emu = await startRunpodEmulator({
      apiKey: API_KEY,
      endpointId: ENDPOINT_ID,
      worker: 'whisperx',
      volume: volumeOf(s3),
      scriptsDir: FIXTURES,
      ...emulator,
    })
  } catch (err) {
    await s3.close()
    throw err
  }
  const env = standInEnv(s3, emu, { apiKey: API_KEY, endpointId: ENDPOINT_ID })
  return {
    s3,
    emulator: emu,
    env,
    async close() {
      await emu.close().catch(() => {})
      await s3.close().catch(() => {})
    },
  }
}
