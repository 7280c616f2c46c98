/**
 * The stand-ins as the benchmarks run them: `startStandIns()` (standins/start.ts) with the volume's objects in
 * the benchmark's folder and the emulated worker "transcribing" the fixtures from their scripts.
 */
import path from 'node:path'
import { startStandIns, type StandIns, type StandInsOptions } from '../../standins/start.ts'

export type { StandIns }

/** Project root (bench/lib/../..). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..')
/** The test fixtures (data only): real audio and the scripts the emulator's worker "transcribes" from. */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures')

/**
 * Starts the S3 stand-in and the RunPod emulator on loopback ports chosen by the OS.
 * @param dir - the benchmark's temp folder; the volume's objects are kept in `<dir>/s3-volume`.
 * @param runpod - emulator options (delays, rate limits).
 */
export function startBenchStandIns(dir: string, runpod: StandInsOptions['runpod'] = {}): Promise<StandIns> {
  return startStandIns({ volumeDir: path.join(dir, 's3-volume'), runpod: { scriptsDir: FIXTURES, ...runpod } })
}
