/**
 * The emulator's answer to a live-text window: the length measured from the audio, and the words of the fixture
 * the window is a stretch of (found by its loudness envelope), also across the loop of a fake microphone.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { windowAnswer } from './window-answer.ts'

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixtures')
const dir = mkdtempSync(path.join(tmpdir(), 'scribe-window-'))

/** A stretch of a fixture as the panel sends it: 16 kHz mono Opus in Ogg. `filter` may loop or change it. */
function stretch(name: string, from: number, seconds: number, filter?: string[]): Buffer {
  const out = path.join(dir, `w-${name}-${from}-${seconds}.ogg`)
  const input = filter ?? ['-ss', String(from), '-t', String(seconds), '-i', path.join(FIXTURES, name)]
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...input, '-ac', '1', '-ar', '16000', '-c:a', 'libopus', '-b:a', '24k', out])
  return readFileSync(out)
}

describe('window answer', () => {
  it('names the decoded length and the words spoken in that stretch of the interview', async () => {
    const a = await windowAnswer(stretch('interview.m4a', 8.3, 12.4), FIXTURES)
    expect(a.duration).toBeCloseTo(12.4, 1)
    expect(a.segments[0]!.text).toBe(` [window:${a.duration.toFixed(3)}s]`)
    expect(a.language).toBe('en')
    const text = a.segments.slice(1).map((s) => s.text.trim())
    expect(text).toEqual([
      'Weasels have eaten our phone system',
      'Wow. And where were the 3 engineers who were on call?',
      'They have been carried away by monkeys',
      'Thank you.',
      'All representatives', // cut by the window's end
    ])
    // Times relative to the window: "Weasels" starts at 8.64 s of the interview, 0.34 s into the window.
    expect(a.segments[1]!.start).toBeCloseTo(0.34, 1)
  })

  it('follows the fake microphone round the loop (the end of the file, then its start again)', async () => {
    const file = path.join(FIXTURES, 'interview.m4a')
    const looped = ['-i', file, '-i', file, '-filter_complex', '[0:a][1:a]concat=n=2:v=0:a=1,atrim=30:44']
    const a = await windowAnswer(stretch('interview.m4a', 30, 14, looped), FIXTURES)
    const text = a.segments.slice(1).map((s) => s.text).join(' ')
    expect(a.duration).toBeCloseTo(14, 1)
    expect(text).toContain("Sorry you're having problems.")
    expect(text).toContain('Good morning, and thanks for joining us.')
  })

  it('names only the length for audio that is no fixture', async () => {
    const a = await windowAnswer(stretch('tone.wav', 0, 2), FIXTURES)
    expect(a.segments.map((s) => s.text)).toEqual([` [window:${a.duration.toFixed(3)}s]`])
    expect(a.language).toBeNull()
  })
})
