import { describe, expect, it } from 'vitest'
import { ConfigError, missingLlmSettings, missingRunpodSettings, parseConfig, S3_DATACENTERS } from './config.ts'

/** The volume ID and S3 key that, with a datacenter, complete the S3 settings. */
const VOLUME_KEYS = { RUNPOD_VOLUME_ID: '7z79eg0uur', RUNPOD_S3_ACCESS_KEY: 'user_abc', RUNPOD_S3_SECRET_KEY: 'rps_abc' }

describe('parseConfig', () => {
  it('gives working defaults with no settings, and names what RunPod needs', () => {
    const c = parseConfig({}, '/work')
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8000, demo: false })
    expect(c.paths.uploadsDir).toBe('/work/uploads')
    expect(c.runpod.apiBase).toBe('https://api.runpod.ai/v2')
    expect(c.runpod.worker).toBe('whisperx')
    expect(c.audioReference).toBe('auto')
    expect(missingRunpodSettings(c)).toEqual([
      'RUNPOD_API_KEY',
      'RUNPOD_ENDPOINT_ID',
      'RUNPOD_VOLUME_ID',
      'RUNPOD_S3_ACCESS_KEY',
      'RUNPOD_S3_SECRET_KEY',
      'RUNPOD_DATACENTER (or RUNPOD_S3_ENDPOINT and RUNPOD_S3_REGION)',
    ])
  })

  it('names the datacenter once, with only the override that is still missing', () => {
    expect(missingRunpodSettings(parseConfig({ RUNPOD_S3_REGION: 'EU-RO-1' }))).toContain('RUNPOD_DATACENTER (or RUNPOD_S3_ENDPOINT)')
    const both = missingRunpodSettings(parseConfig({ RUNPOD_DATACENTER: 'EU-RO-1' }))
    expect(both.filter((m) => m.includes('RUNPOD_DATACENTER'))).toEqual([])
  })

  it('derives the S3 endpoint and region from the datacenter (https://docs.runpod.io/storage/s3-api)', () => {
    const c = parseConfig({ RUNPOD_DATACENTER: 'eu-ro-1', ...VOLUME_KEYS })
    expect(c.s3).toEqual({ endpoint: 'https://s3api-eu-ro-1.runpod.io', region: 'EU-RO-1', bucket: '7z79eg0uur', accessKeyId: 'user_abc', secretAccessKey: 'rps_abc' })
    expect(c.volume).toEqual({ id: '7z79eg0uur', datacenter: 'EU-RO-1', s3Endpoint: 'https://s3api-eu-ro-1.runpod.io' })
  })

  it('has no S3 settings while any of them is missing, and still knows the volume', () => {
    const c = parseConfig({ RUNPOD_DATACENTER: 'eu-ro-1', RUNPOD_VOLUME_ID: '7z79eg0uur', RUNPOD_S3_ACCESS_KEY: 'user_abc' })
    expect(c.s3).toBeNull()
    expect(c.volume.id).toBe('7z79eg0uur')
    expect(missingRunpodSettings(c)).toContain('RUNPOD_S3_SECRET_KEY')
  })

  it('UPLOAD_TRANSCODE: auto by default, off when set, anything else named as a problem', () => {
    expect(parseConfig({}).limits.uploadTranscode).toBe('auto')
    expect(parseConfig({ UPLOAD_TRANSCODE: 'off' }).limits.uploadTranscode).toBe('off')
    expect(() => parseConfig({ UPLOAD_TRANSCODE: 'yes' })).toThrow(/UPLOAD_TRANSCODE/)
  })

  it('treats empty values as unset', () => {
    const c = parseConfig({ RUNPOD_API_KEY: '', PORT: '', RUNPOD_S3_ENDPOINT: '' })
    expect(c.runpod.apiKey).toBeUndefined()
    expect(c.server.port).toBe(8000)
  })

  it('lists every invalid setting in one error', () => {
    let error: unknown
    try {
      parseConfig({ PORT: 'eighty', RUNPOD_WORKER: 'whisper', AUDIO_REFERENCE: 'url', RUNPOD_ENDPOINT_ID: 'https://api.runpod.ai/v2/abc' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    expect(problems).toMatch(/PORT/)
    expect(problems).toMatch(/RUNPOD_WORKER/)
    expect(problems).toMatch(/AUDIO_REFERENCE/)
    expect(problems).toMatch(/RUNPOD_ENDPOINT_ID: must be the endpoint ID only/)
    expect((error as ConfigError).problems).toHaveLength(4)
  })

  it('accepts only datacenters with RunPod\'s S3 API, and lists them in the message', () => {
    expect(parseConfig({ RUNPOD_DATACENTER: 'us-ks-2', ...VOLUME_KEYS }).s3?.region).toBe('US-KS-2')
    let error: unknown
    try {
      parseConfig({ RUNPOD_DATACENTER: 'US-TX-3' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toMatch(/RUNPOD_DATACENTER: is not a datacenter with RunPod's S3 API/)
    for (const dc of S3_DATACENTERS) expect(message).toContain(dc)
  })

  it('refuses to listen beyond loopback without PANEL_PASSWORD', () => {
    expect(() => parseConfig({ HOST: '0.0.0.0' })).toThrow(/PANEL_PASSWORD/)
    expect(() => parseConfig({ HOST: '192.168.1.20', PANEL_PASSWORD: 'short' })).toThrow(/PANEL_PASSWORD: must be at least 8/)
    expect(parseConfig({ HOST: '0.0.0.0', PANEL_PASSWORD: 'correct horse' }).server.password).toBe('correct horse')
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) expect(parseConfig({ HOST: host }).server.password).toBeUndefined()
  })

  it('reads the REST API base and the queue warning delay', () => {
    const c = parseConfig({})
    expect(c.runpod.restApiBase).toBe('https://api.runpod.io/v2')
    expect(c.runpod.queueWarningSeconds).toBe(300)
    const d = parseConfig({ RUNPOD_REST_API_BASE: 'http://127.0.0.1:9/v2/', QUEUE_WARNING_S: '60' })
    expect(d.runpod.restApiBase).toBe('http://127.0.0.1:9/v2')
    expect(d.runpod.queueWarningSeconds).toBe(60)
  })
})

describe('LLM settings for notes', () => {
  it('default to OpenAI with an 8,000-token context and name what is missing', () => {
    const c = parseConfig({}, '/work')
    expect(c.llm).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: undefined, model: undefined, contextTokens: 8000, templatesDir: '/work/templates/notes' })
    expect(missingLlmSettings(c)).toEqual(['LLM_API_KEY', 'LLM_MODEL'])
  })
  it('take a local server without a key, and a RunPod vLLM endpoint with one', () => {
    expect(missingLlmSettings(parseConfig({ LLM_BASE_URL: 'http://localhost:11434/v1/', LLM_MODEL: 'llama3.1' }))).toEqual([])
    const runpod = parseConfig({ LLM_BASE_URL: 'https://api.runpod.ai/v2/abc123/openai/v1', LLM_API_KEY: 'rpa_x', LLM_MODEL: 'Qwen/Qwen2.5-7B-Instruct', LLM_CONTEXT_TOKENS: '32768' })
    expect(runpod.llm).toMatchObject({ baseUrl: 'https://api.runpod.ai/v2/abc123/openai/v1', model: 'Qwen/Qwen2.5-7B-Instruct', contextTokens: 32768 })
    expect(missingLlmSettings(runpod)).toEqual([])
  })
  it('refuse a context too small for a part of a transcript and the instructions', () => {
    expect(() => parseConfig({ LLM_CONTEXT_TOKENS: '512' })).toThrow(/LLM_CONTEXT_TOKENS: must be at least 2000 tokens/)
  })
})
