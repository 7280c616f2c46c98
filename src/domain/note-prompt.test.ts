import { describe, expect, it } from 'vitest'
import { combineMessages, estimateMessagesTokens, estimateTokens, groupForCombine, noteMessages, promptLines, splitByTurns, tokenBudget, turnsOf } from './note-prompt.ts'
import type { Segment } from './transcript.ts'
import { testSegment, testTranscript } from './test-transcripts.ts'

const seg = (id: string, start: number, speaker: string | null, text: string, filtered: Segment['filtered'] = null) =>
  testSegment(id, start, start + 2, speaker, text, { filtered })

const transcript = testTranscript(
  [['SPEAKER_00', 'Anna Petrova'], ['SPEAKER_01', 'Speaker 2']],
  [
    seg('a', 1, 'SPEAKER_01', 'How long have you worked nights?'),
    seg('b', 4.5, 'SPEAKER_00', 'Eleven years,\n  give or take.'),
    seg('c', 9, 'SPEAKER_00', 'Thanks for watching!', { rule: 'manual', reason: 'hidden by the user', evidence: null }),
    seg('d', 3725, null, 'And then the winter came.'),
  ],
  { duration: 4000 },
)

describe('the prompt', () => {
  it('gives speakers by their current names, lines with their times, and leaves hidden segments out', () => {
    const lines = promptLines(transcript)
    expect(lines.map((l) => l.segmentId)).toEqual(['a', 'b', 'd'])
    const [system, user] = noteMessages({ title: 'Summary', text: 'Summarise.' }, lines)
    expect(system!.content).toContain('"the exact words" [12:34]')
    expect(user!.content).toContain('Speakers: Speaker 2, Anna Petrova, Unknown speaker')
    expect(user!.content).toContain('[00:01] Speaker 2: How long have you worked nights?\n[00:04] Anna Petrova: Eleven years, give or take.\n[1:02:05] Unknown speaker: And then the winter came.')
    expect(user!.content).toContain('Instruction (Summary):\nSummarise.')
    expect(user!.content).not.toContain('Thanks for watching')
    expect(user!.content).not.toContain('part 1 of')
  })

  it('tells the model which part of a longer interview it reads', () => {
    const [, user] = noteMessages({ title: 'Summary', text: 'Summarise.' }, promptLines(transcript).slice(0, 2), 2, 3)
    expect(user!.content).toMatch(/^This is part 2 of 3 of a longer interview, from \[00:01\] to \[00:04\]/)
  })

  it('asks the combining step to keep quotations as they are', () => {
    const [, user] = combineMessages({ title: 'Key points', text: 'List key points.' }, ['- one "a b" [00:01]', '- two'], ['Anna'])
    expect(user!.content).toContain('--- Notes on part 1 of 2 ---\n- one "a b" [00:01]')
    expect(user!.content).toContain('Keep every quotation exactly as it is')
  })
})

describe('token estimates and budget', () => {
  it('estimates high: a byte count over three', () => {
    expect(estimateTokens('abc')).toBe(1)
    expect(estimateTokens('привет')).toBe(4) // 12 bytes
    expect(estimateMessagesTokens([{ role: 'user', content: 'abcdef' }])).toBe(3 + 2 + 4)
  })
  it('leaves a quarter of the context for the answer, within 256..2000', () => {
    expect(tokenBudget(8000).answerTokens).toBe(2000)
    expect(tokenBudget(4000).answerTokens).toBe(1000)
    expect(tokenBudget(600).answerTokens).toBe(256)
  })
})

describe('splitting by turns', () => {
  // 40 turns of 3 lines each, alternating speakers.
  const lines = Array.from({ length: 120 }, (_, i) => ({
    segmentId: `s${i}`,
    start: i * 10,
    speakerId: Math.floor(i / 3) % 2 ? 'B' : 'A',
    speaker: Math.floor(i / 3) % 2 ? 'Bob' : 'Alice',
    text: `line number ${i} says something about the night shift and the ward`,
  }))

  it('keeps everything in one part when it fits', () => {
    expect(splitByTurns(lines, 100_000, 500)).toHaveLength(1)
  })

  it('cuts only between turns, each part within the budget, nothing lost or repeated', () => {
    const parts = splitByTurns(lines, 800, 200)
    expect(parts.length).toBeGreaterThan(3)
    expect(parts.flat().map((l) => l.segmentId)).toEqual(lines.map((l) => l.segmentId))
    for (const p of parts) {
      expect(turnsOf(p).every((t) => t.length === 3)).toBe(true) // whole turns
      const tokens = p.reduce((n, l) => n + estimateTokens(`[00:00] ${l.speaker}: ${l.text}`) + 1, 0)
      expect(tokens).toBeLessThanOrEqual(600)
    }
  })

  it('cuts a turn that alone is too long between its lines', () => {
    const monologue = lines.map((l) => ({ ...l, speakerId: 'A', speaker: 'Alice' }))
    const parts = splitByTurns(monologue, 300, 100)
    expect(parts.length).toBeGreaterThan(10)
    expect(parts.flat()).toHaveLength(120)
  })

  it('groups part notes for combining within the budget', () => {
    const notes = Array.from({ length: 10 }, (_, i) => `notes ${i} `.repeat(60))
    const groups = groupForCombine(notes, 1000, 200)
    expect(groups.length).toBeGreaterThan(1)
    expect(groups.flat()).toEqual(notes)
    expect(groupForCombine(notes.slice(0, 2), 100_000, 200)).toHaveLength(1)
  })
})
