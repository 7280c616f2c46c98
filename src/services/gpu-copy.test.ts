import { describe, expect, it } from 'vitest'
import type { MediaInfo } from '../domain/ports.ts'
import { gpuCopyKey, isGpuCopyKey, losslessContainer, needsGpuCopy, pipeReadableVideo } from './gpu-copy.ts'

const audio = (o: Partial<MediaInfo>): MediaInfo => ({ duration: 3600, format: 'mov,mp4,m4a,3gp,3g2,mj2', audioCodec: 'aac', audioBitRate: 64_000, hasVideo: false, ...o })

describe('needsGpuCopy', () => {
  it('video, lossless audio and audio above 96 kbit/s get the compact copy; 96 kbit/s and below go as they are', () => {
    expect(needsGpuCopy(audio({ hasVideo: true, audioBitRate: 32_000 }), 300e6)).toBe(true)
    for (const codec of ['pcm_s16le', 'pcm_s24le', 'flac', 'alac', 'wavpack']) expect([codec, needsGpuCopy(audio({ audioCodec: codec, audioBitRate: 50_000 }), 1e9)]).toEqual([codec, true])
    expect(needsGpuCopy(audio({ audioBitRate: 96_001 }), 0)).toBe(true)
    expect(needsGpuCopy(audio({ audioBitRate: 96_000 }), 0)).toBe(false)
    expect(needsGpuCopy(audio({ audioCodec: 'mp3', audioBitRate: 64_000 }), 0)).toBe(false)
  })

  it('without a stream bit rate, uses the file average', () => {
    expect(needsGpuCopy(audio({ audioCodec: 'vorbis', audioBitRate: null }), (3600 * 128_000) / 8)).toBe(true)
    expect(needsGpuCopy(audio({ audioCodec: 'opus', audioBitRate: null }), (3600 * 32_000) / 8)).toBe(false)
  })

  it('knows lossless containers from their sniffed type, and its own keys', () => {
    expect(['audio/wav', 'audio/x-flac', 'audio/aiff'].map(losslessContainer)).toEqual([true, true, true])
    expect(['audio/mp4', 'audio/mpeg', 'video/mp4', 'audio/ogg'].map(losslessContainer)).toEqual([false, false, false, false])
    expect(isGpuCopyKey(gpuCopyKey('abc'))).toBe(true)
    expect(isGpuCopyKey('scribe-panel/abc/audio.m4a')).toBe(false)
  })

  it('reads from a pipe: WebM, and MP4 whose index comes before the media', () => {
    const box = (type: string, size: number) => {
      const b = Buffer.alloc(8)
      b.writeUInt32BE(size)
      b.write(type, 4, 'latin1')
      return Buffer.concat([b, Buffer.alloc(Math.min(size, 64) - 8)])
    }
    const fast = Buffer.concat([box('ftyp', 32), box('free', 8), box('moov', 4000)])
    const slow = Buffer.concat([box('ftyp', 32), box('mdat', 64)])
    expect(pipeReadableVideo('video/mp4', fast)).toBe(true)
    expect(pipeReadableVideo('video/mp4', slow)).toBe(false)
    expect(pipeReadableVideo('video/webm', slow)).toBe(true)
    expect(pipeReadableVideo('video/x-msvideo', fast)).toBe(false)
  })
})
