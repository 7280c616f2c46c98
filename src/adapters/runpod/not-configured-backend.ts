/**
 * The transcription backend while RunPod's settings are missing: every call throws one clear `not_configured`
 * error that says what to set, so the services need no null checks.
 */
import { AppError } from '../../domain/errors.ts'
import type { JobReport, TranscriptionBackend, WorkerResult } from '../../domain/ports.ts'

export class NotConfiguredBackend implements TranscriptionBackend {
  private readonly missing: readonly string[]
  /** @param missing - the names of the settings that are not set (e.g. `RUNPOD_API_KEY`). */
  constructor(missing: readonly string[] = ['RUNPOD_API_KEY', 'RUNPOD_ENDPOINT_ID']) {
    this.missing = missing
  }

  /** @throws AppError `not_configured` always. */
  assertConfigured(): void {
    this.fail()
  }

  async submit(): Promise<{ id: string; state: 'queued' }> {
    return this.fail()
  }

  async status(): Promise<JobReport> {
    return this.fail()
  }

  async retry(): Promise<{ id: string; state: 'queued' }> {
    return this.fail()
  }

  async cancel(): Promise<void> {
    this.fail()
  }

  async health(): Promise<{ workers: Record<string, number>; jobs: Record<string, number> }> {
    return this.fail()
  }

  readResult(): WorkerResult {
    return this.fail()
  }

  private fail(): never {
    throw new AppError(
      'not_configured',
      `Transcription needs RunPod settings: set ${this.missing.join(' and ')} (and the volume settings) in .env and restart the panel.`,
    )
  }
}
