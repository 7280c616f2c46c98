import { readFile } from 'node:fs/promises'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import {
  contractJsonSchema,
  contractJsonSchemaText,
  isLaterProgress,
  parseWorkerError,
  readProgress,
  WorkerInputSchema,
  WorkerOutputSchema,
  WorkerProgressSchema,
  describeInputIssues,
} from './worker-contract.ts'

const schemaFile = new URL('../../worker/contract.schema.json', import.meta.url)

describe('worker/contract.schema.json', () => {
  it('is current: run `npm run contract` after changing src/domain/worker-contract.ts', async () => {
    expect(await readFile(schemaFile, 'utf8')).toBe(contractJsonSchemaText())
  })

  it('has the $defs the worker reads', () => {
    const s = contractJsonSchema()
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(Object.keys(s.$defs as object)).toEqual(['input', 'output', 'progress', 'errorCode'])
  })

  // The Python worker validates with the JSON Schema, the panel and the emulator with zod: they must agree.
  const ajv = new Ajv2020({ strict: false })
  const defs = contractJsonSchema().$defs as Record<string, object>
  const jsonInput = ajv.compile(defs.input!)
  const jsonOutput = ajv.compile(defs.output!)
  const jsonProgress = ajv.compile(defs.progress!)

  const inputs: [unknown, boolean][] = [
    [{ audio: '/runpod-volume/scribe-panel/a/audio.m4a' }, true],
    [{ audio: 'https://example.com/a.m4a', language: 'ru', diarize: true, align: false, batch_size: 64, model: 'large-v3-turbo', min_speakers: 2, max_speakers: 3, initial_prompt: 'Анна' }, true],
    [{ audio: '/runpod-volume/a.m4a', language: null, min_speakers: null, max_speakers: null, initial_prompt: null }, true],
    [{ audio: '/runpod-volume/a.m4a', audio_file: 'x' }, false],
    [{ audio: '/tmp/a.m4a' }, false],
    [{ audio: '/runpod-volume/' }, false],
    [{}, false],
    [{ audio: '/runpod-volume/a.m4a', batch_size: 0 }, false],
    [{ audio: '/runpod-volume/a.m4a', batch_size: 65 }, false],
    [{ audio: '/runpod-volume/a.m4a', batch_size: 1.5 }, false],
    [{ audio: '/runpod-volume/a.m4a', model: 'large-v9' }, false],
    [{ audio: '/runpod-volume/a.m4a', diarize: 'yes' }, false],
    [{ audio: '/runpod-volume/a.m4a', min_speakers: 0 }, false],
    [{ audio: '/runpod-volume/a.m4a', initial_prompt: 'x'.repeat(2001) }, false],
    [{ audio: '/runpod-volume/a.m4a', language: 'Russian' }, false],
  ]
  it.each(inputs)('input %j valid: %s (zod and JSON Schema agree)', (input, valid) => {
    expect(WorkerInputSchema.safeParse(input).success).toBe(valid)
    expect(jsonInput(input)).toBe(valid)
  })

  it('fills the defaults the table promises', () => {
    expect(WorkerInputSchema.parse({ audio: '/runpod-volume/a.m4a' })).toEqual({
      audio: '/runpod-volume/a.m4a',
      language: null,
      diarize: false,
      align: true,
      batch_size: 16,
      model: 'large-v3',
      min_speakers: null,
      max_speakers: null,
      initial_prompt: null,
    })
  })

  it('refuses min_speakers above max_speakers (zod only: JSON Schema cannot say it)', () => {
    const r = WorkerInputSchema.safeParse({ audio: '/runpod-volume/a.m4a', min_speakers: 3, max_speakers: 2 })
    expect(r.success).toBe(false)
    expect(describeInputIssues(r.error!)).toContain('min_speakers must not exceed max_speakers')
  })

  it('names unknown keys', () => {
    const r = WorkerInputSchema.safeParse({ audio: '/runpod-volume/a.m4a', audio_file: 'x', hf_token: 'y' })
    expect(describeInputIssues(r.error!)).toBe('unknown key "audio_file"; unknown key "hf_token"')
  })

  const timings = { load_s: 1.5, transcribe_s: 20, align_s: 3, diarize_s: null, total_s: 24.5 }
  const output = {
    segments: [{ start: 0.5, end: 2, text: ' Hello.', speaker: 'SPEAKER_00', words: [{ word: 'Hello.', start: 0.5, end: 1, score: null }, { word: '2' }] }],
    language: 'en',
    duration: 3.2,
    model: 'large-v3',
    timings,
    result_path: '/runpod-volume/scribe-panel/a/result-job-1.json',
  }
  const outputs: [string, unknown, boolean][] = [
    ['full', output, true],
    ['segments omitted', { ...output, segments: undefined, segments_omitted: true }, true],
    ['word_segments', { ...output, word_segments: [] }, false],
    ['no timings', { ...output, timings: undefined }, false],
    ['string time', { ...output, segments: [{ ...output.segments[0], start: 'NaN' }] }, false],
    ['null start (cleaned NaN)', { ...output, segments: [{ ...output.segments[0], start: null }] }, true],
  ]
  it.each(outputs)('output "%s" valid: %s (zod and JSON Schema agree)', (_name, value, valid) => {
    const v = JSON.parse(JSON.stringify(value)) as unknown
    expect(WorkerOutputSchema.safeParse(v).success).toBe(valid)
    expect(jsonOutput(v)).toBe(valid)
  })

  it.each([
    [{ stage: 'transcribing', percent: 40 }, true],
    [{ stage: 'diarizing', percent: 100 }, true],
    [{ stage: 'uploading', percent: 40 }, false],
    [{ stage: 'aligning', percent: 101 }, false],
    ['4/10', false],
  ])('progress %j valid: %s', (p, valid) => {
    expect(WorkerProgressSchema.safeParse(p).success).toBe(valid)
    expect(jsonProgress(p)).toBe(valid)
  })
})

describe('parseWorkerError', () => {
  it('splits CODE: sentence', () => {
    expect(parseWorkerError('AUDIO_NOT_FOUND: /runpod-volume/x.m4a does not exist; is the network volume attached to this endpoint?')).toEqual({
      code: 'AUDIO_NOT_FOUND',
      sentence: '/runpod-volume/x.m4a does not exist; is the network volume attached to this endpoint?',
    })
  })
  it('ignores codes outside the contract and plain messages', () => {
    expect(parseWorkerError('SOMETHING_ELSE: x')).toBeNull()
    expect(parseWorkerError('Invalid input: x')).toBeNull()
  })
})

describe('readProgress / isLaterProgress', () => {
  it('reads only the contract progress shape', () => {
    expect(readProgress({ stage: 'aligning', percent: 12.5 })).toEqual({ stage: 'aligning', percent: 12.5 })
    expect(readProgress({ progress: '4/10' })).toBeNull()
    expect(readProgress(undefined)).toBeNull()
  })
  it('orders by stage, then percent, so a late-arriving older update is not taken', () => {
    const p = (stage: 'loading' | 'transcribing' | 'aligning' | 'diarizing', percent: number) => ({ stage, percent })
    expect(isLaterProgress(null, p('loading', 0))).toBe(true)
    expect(isLaterProgress(p('transcribing', 40), p('transcribing', 60))).toBe(true)
    expect(isLaterProgress(p('transcribing', 60), p('transcribing', 40))).toBe(false)
    expect(isLaterProgress(p('transcribing', 90), p('aligning', 0))).toBe(true)
    expect(isLaterProgress(p('diarizing', 10), p('aligning', 100))).toBe(false)
  })
})
