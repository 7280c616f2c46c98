/**
 * Whisper's input features, to measure how far an audio copy is from its original in what the model sees: the
 * 80-band log-mel spectrogram of 16 kHz audio exactly as `whisper/audio.py` `log_mel_spectrogram` computes it
 * (https://github.com/openai/whisper): a 400-sample periodic Hann window every 160 samples (25 ms every 10 ms) over
 * the audio reflect-padded by 200 at both ends, the power spectrum without the last frame, librosa's Slaney mel
 * filters (`librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)`), log10 floored at 1e-10, clamped to 8 below
 * the maximum, then (x + 4) / 4. Whisper computes it per 30-second window, so the clamp here is per 30 s too.
 */

const SAMPLE_RATE = 16_000
const N_FFT = 400
const HOP = 160
const N_MELS = 80
const BINS = N_FFT / 2 + 1
/** Whisper's window: 30 s of audio. */
const CHUNK = 30 * SAMPLE_RATE

/** Slaney's mel scale as librosa has it (`htk=False`): linear below 1 kHz, logarithmic above. */
function hzToMel(hz: number): number {
  const logStep = Math.log(6.4) / 27
  return hz >= 1000 ? 15 + Math.log(hz / 1000) / logStep : hz / (200 / 3)
}
function melToHz(mel: number): number {
  const logStep = Math.log(6.4) / 27
  return mel >= 15 ? 1000 * Math.exp(logStep * (mel - 15)) : (mel * 200) / 3
}

/** librosa's triangular mel filters with Slaney normalisation: N_MELS rows of BINS weights. */
function melFilters(): Float64Array[] {
  const fftHz = Array.from({ length: BINS }, (_, k) => (k * SAMPLE_RATE) / N_FFT)
  const top = hzToMel(SAMPLE_RATE / 2)
  const pointsHz = Array.from({ length: N_MELS + 2 }, (_, i) => melToHz((i * top) / (N_MELS + 1)))
  return Array.from({ length: N_MELS }, (_, m) => {
    const row = new Float64Array(BINS)
    const [lo, mid, hi] = [pointsHz[m]!, pointsHz[m + 1]!, pointsHz[m + 2]!]
    const norm = 2 / (hi - lo)
    for (let k = 0; k < BINS; k++) {
      const rising = (fftHz[k]! - lo) / (mid - lo)
      const falling = (hi - fftHz[k]!) / (hi - mid)
      row[k] = Math.max(0, Math.min(rising, falling)) * norm
    }
    return row
  })
}

const FILTERS = melFilters()
const WINDOW = Float64Array.from({ length: N_FFT }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N_FFT))
const COS = new Float64Array(BINS * N_FFT)
const SIN = new Float64Array(BINS * N_FFT)
for (let k = 0; k < BINS; k++) {
  for (let n = 0; n < N_FFT; n++) {
    COS[k * N_FFT + n] = Math.cos((2 * Math.PI * k * n) / N_FFT)
    SIN[k * N_FFT + n] = Math.sin((2 * Math.PI * k * n) / N_FFT)
  }
}

/** One 30-second window's features: frames × N_MELS, frame-major. */
function chunkFeatures(samples: Float64Array): Float64Array[] {
  // Reflect padding by N_FFT / 2 at both ends (torch.stft's center=True).
  const pad = N_FFT / 2
  const padded = new Float64Array(samples.length + 2 * pad)
  padded.set(samples, pad)
  for (let i = 0; i < pad; i++) {
    padded[pad - 1 - i] = samples[i + 1] ?? 0
    padded[pad + samples.length + i] = samples[samples.length - 2 - i] ?? 0
  }
  const frames = Math.floor((padded.length - N_FFT) / HOP) // 1 + …, less the last frame Whisper drops
  const frame = new Float64Array(N_FFT)
  const power = new Float64Array(BINS)
  const out: Float64Array[] = []
  let max = -Infinity
  for (let f = 0; f < frames; f++) {
    for (let n = 0; n < N_FFT; n++) frame[n] = padded[f * HOP + n]! * WINDOW[n]!
    for (let k = 0; k < BINS; k++) {
      let re = 0
      let im = 0
      const base = k * N_FFT
      for (let n = 0; n < N_FFT; n++) {
        re += frame[n]! * COS[base + n]!
        im -= frame[n]! * SIN[base + n]!
      }
      power[k] = re * re + im * im
    }
    const mel = new Float64Array(N_MELS)
    for (let m = 0; m < N_MELS; m++) {
      let sum = 0
      const filter = FILTERS[m]!
      for (let k = 0; k < BINS; k++) sum += filter[k]! * power[k]!
      mel[m] = Math.log10(Math.max(sum, 1e-10))
      if (mel[m]! > max) max = mel[m]!
    }
    out.push(mel)
  }
  for (const mel of out) for (let m = 0; m < N_MELS; m++) mel[m] = (Math.max(mel[m]!, max - 8) + 4) / 4
  return out
}

/**
 * Whisper's log-mel features of 16 kHz mono 16-bit PCM.
 * @param pcm - little-endian signed 16-bit samples at 16 kHz (what `ffmpeg -f s16le -ac 1 -ar 16000` writes).
 * @returns one row of N_MELS values per 10 ms of audio (the last 30 s window padded with silence, as Whisper does).
 */
export function logMelFeatures(pcm: Buffer): Float64Array[] {
  const count = Math.floor(pcm.length / 2)
  const frames: Float64Array[] = []
  for (let start = 0; start < count; start += CHUNK) {
    const chunk = new Float64Array(CHUNK)
    for (let i = 0; i < CHUNK && start + i < count; i++) chunk[i] = pcm.readInt16LE((start + i) * 2) / 32768
    frames.push(...chunkFeatures(chunk))
  }
  return frames.slice(0, Math.floor(count / HOP))
}

/**
 * How far `copy` is from `original` in Whisper's features: the absolute difference of every (frame, band) value.
 * @returns the mean and the 95th percentile, in Whisper's normalised units (the features span about 2).
 * @throws Error when the two differ in length by more than one frame (not the same audio).
 */
export function featureDistance(original: Float64Array[], copy: Float64Array[]): { mean: number; p95: number } {
  if (Math.abs(original.length - copy.length) > 1) throw new Error(`the copy has ${copy.length} frames, the original ${original.length}`)
  const frames = Math.min(original.length, copy.length)
  const diffs = new Float64Array(frames * N_MELS)
  let sum = 0
  for (let f = 0; f < frames; f++) {
    for (let m = 0; m < N_MELS; m++) {
      const d = Math.abs(original[f]![m]! - copy[f]![m]!)
      diffs[f * N_MELS + m] = d
      sum += d
    }
  }
  diffs.sort()
  return { mean: sum / diffs.length, p95: diffs[Math.floor(0.95 * (diffs.length - 1))]! }
}
