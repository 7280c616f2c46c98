/**
 * Wiring between the two stand-ins and the panel, used by the tests, `npm run demo` and the benchmarks:
 * the network volume as the emulated worker mounts it, and the panel's RUNPOD_* settings that point at
 * both stand-ins (the names the README lists under "Configuration").
 */
import type { VolumeConfig } from './runpod/worker.ts'
import type { S3TestServer } from './s3/server.ts'

/** The S3 stand-in's bucket as the volume attached to the emulated endpoint (https://docs.runpod.io/storage/network-volumes). */
export function volumeOf(s3: S3TestServer): VolumeConfig {
  return { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
}

/** The panel's RunPod and volume settings for the stand-ins (strings, as the environment holds them). */
export function standInEnv(
  s3: S3TestServer,
  emulator: { url: string; restUrl: string },
  runpod: { apiKey: string; endpointId: string; worker?: 'whisperx' | 'whisperx-hub' },
): Record<string, string> {
  return {
    RUNPOD_API_KEY: runpod.apiKey,
    RUNPOD_ENDPOINT_ID: runpod.endpointId,
    RUNPOD_API_BASE: emulator.url,
    RUNPOD_REST_API_BASE: emulator.restUrl,
    RUNPOD_WORKER: runpod.worker ?? 'whisperx',
    RUNPOD_DATACENTER: s3.region,
    RUNPOD_VOLUME_ID: s3.bucket,
    RUNPOD_S3_ACCESS_KEY: s3.accessKeyId,
    RUNPOD_S3_SECRET_KEY: s3.secretAccessKey,
    RUNPOD_S3_ENDPOINT: s3.endpoint,
  }
}
