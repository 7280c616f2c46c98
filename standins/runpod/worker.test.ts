import { WorkerInputSchema } from '../../src/domain/worker-contract.ts'
import { describe, expect, it } from 'vitest'
import {
  isPrivateHost,
  pythonJsonDumps,
  RaisedException,
  raisedErrorString,
  ReturnedError,
  validateHubInput,
  validateWhisperxInput,
} from './worker.ts'

describe('pythonJsonDumps (json.dumps defaults, runpod-python rp_job.py)', () => {
  it("uses ', ' and ': ' separators and escapes non-ASCII like ensure_ascii=True", () => {
    expect(pythonJsonDumps({ a: 'x', b: [1, true, null] })).toBe('{"a": "x", "b": [1, true, null]}')
    expect(pythonJsonDumps('Продолжение "q"\n')).toBe(
      '"\\u041f\\u0440\\u043e\\u0434\\u043e\\u043b\\u0436\\u0435\\u043d\\u0438\\u0435 \\"q\\"\\n"',
    )
    expect(JSON.parse(pythonJsonDumps({ s: 'é€😀' }))).toEqual({ s: 'é€😀' })
  })
})

describe('raisedErrorString', () => {
  it('is the JSON-encoded runpod-python error object, keys in rp_job.py order', () => {
    const s = raisedErrorString(
      new RaisedException('FileNotFoundError', "[Errno 2] No such file or directory: '/x'"),
      'abcdefghijklmn',
    )
    expect(s.startsWith('{"error_type": "<class \'FileNotFoundError\'>", "error_message": ')).toBe(true)
    const o = JSON.parse(s) as Record<string, string>
    expect(Object.keys(o)).toEqual([
      'error_type',
      'error_message',
      'error_traceback',
      'hostname',
      'worker_id',
      'runpod_version',
    ])
    expect(o.error_message).toBe("[Errno 2] No such file or directory: '/x'")
    expect(o.error_traceback).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*FileNotFoundError: \[Errno 2\]/)
    expect(o.worker_id).toBe('abcdefghijklmn')
    expect(o.runpod_version).toBe('1.12.0')
  })
})

describe("validateWhisperxInput (the 'whisperx' contract of src/domain/worker-contract.ts)", () => {
  const good = {
    audio: '/runpod-volume/a.m4a',
    language: 'en',
    diarize: true,
    align: true,
    batch_size: 16,
    model: 'large-v3',
  }

  it('accepts the contract keys plus speaker hints and fills defaults', () => {
    expect(
      validateWhisperxInput({ ...good, min_speakers: 2, max_speakers: 3, initial_prompt: 'Names: Ann.' }),
    ).toMatchObject({
      ...good,
      min_speakers: 2,
      max_speakers: 3,
    })
    expect(validateWhisperxInput({ audio: 'https://x/y.m4a' })).toEqual(WorkerInputSchema.parse({ audio: 'https://x/y.m4a' }))
  })

  const returned = (input: Record<string, unknown>): string => {
    try {
      validateWhisperxInput(input)
    } catch (err) {
      expect(err).toBeInstanceOf(ReturnedError)
      return (err as ReturnedError).value as string
    }
    return expect.unreachable()
  }

  it('returns one INVALID_INPUT string naming every problem (unknown keys by name, types, missing audio)', () => {
    const msg = returned({ audio_file: 'x', diarize: 'yes', batch_size: 0 })
    expect(msg).toMatch(/^INVALID_INPUT: /)
    for (const part of ['unknown key "audio_file"', 'audio is required', 'diarize: ', 'batch_size: ']) expect(msg).toContain(part)
  })

  it('refuses min_speakers above max_speakers and a model faster-whisper does not know', () => {
    expect(returned({ ...good, min_speakers: 3, max_speakers: 2 })).toContain('min_speakers must not exceed max_speakers')
    expect(returned({ ...good, model: 'large-v9' })).toMatch(/^INVALID_INPUT: model: /)
  })
})

describe("validateHubInput (runpod-python rp_validator over kodxana/whisperx-worker's schema)", () => {
  it('reports the default whisperx payload exactly as rp_validator words it', () => {
    const r = validateHubInput({
      audio: 'u',
      language: 'en',
      diarize: true,
      align: true,
      batch_size: 16,
      model: 'large-v2',
    })
    expect(r).toEqual({
      errors: [
        'Unexpected input. audio is not a valid input option.',
        'Unexpected input. diarize is not a valid input option.',
        'Unexpected input. align is not a valid input option.',
        'Unexpected input. model is not a valid input option.',
        'audio_file is a required input.',
      ],
    })
  })

  it('checks Python types (bool is an int; int is coerced to float; None passes)', () => {
    expect(
      validateHubInput({ audio_file: 'u', batch_size: '16', align_output: 1, temperature: 0, language: null }),
    ).toEqual({
      errors: [
        "batch_size should be <class 'int'> type, not <class 'str'>.",
        "align_output should be <class 'bool'> type, not <class 'int'>.",
      ],
    })
    const ok = validateHubInput({ audio_file: 'u', batch_size: true, temperature: 1 })
    expect('validated_input' in ok && ok.validated_input).toMatchObject({
      audio_file: 'u',
      batch_size: true,
      align_output: false,
      diarization: false,
      vad_onset: 0.5,
    })
  })
})

describe('isPrivateHost (runpod-python rp_ssrf.py)', () => {
  it('recognises loopback, RFC1918, CGNAT, link-local and localhost', () => {
    for (const h of [
      '127.0.0.1',
      'localhost',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.1.1',
      '[::1]',
    ]) {
      expect(isPrivateHost(h), h).toBe(true)
    }
    for (const h of ['8.8.8.8', 's3api-eu-ro-1.runpod.io', '172.32.0.1']) expect(isPrivateHost(h), h).toBe(false)
  })
})
