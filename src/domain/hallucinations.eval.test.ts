/**
 * A labelled evaluation of the filter on interview-shaped transcripts: hallucinations Whisper is
 * known to produce (the public lists of Vexa-ai/vexa, kadirnar/voice-agent-next and DSP-AGH/ICASSP2025_Whisper_Hallucination) inserted where it produces them (silence, music,
 * the end of the file), among real interview speech that contains the same words. Every line is
 * labelled; the test fails on any wrong decision. The counts are quoted in the closing note.
 */
import { describe, expect, it } from 'vitest'
import { filterHallucinations } from './hallucinations.ts'
import type { Segment, Transcript } from './transcript.ts'

/** [text, speaker or null, label]; times are laid out in order with natural pauses. */
type Line = [string, string | null, 'real' | 'hallucination']

const RU: Line[] = [
  ['Добрый день! Расскажите, пожалуйста, как вы начинали работать в архиве.', 'SPEAKER_00', 'real'],
  ['Я пришла туда в 2012 году, сразу после университета.', 'SPEAKER_01', 'real'],
  ['Субтитры сделал DimaTorzok', null, 'hallucination'],
  ['Редактор журнала настаивал на публикации статьи.', 'SPEAKER_01', 'real'],
  ['Спасибо.', 'SPEAKER_00', 'real'],
  ['А что было дальше?', 'SPEAKER_00', 'real'],
  ['Мы обсуждали субтитры к фильму, который снимал наш отдел.', 'SPEAKER_01', 'real'],
  ['Редактор субтитров А.Синецкая Корректор А.Егорова', null, 'hallucination'],
  ['Да, да, да.', 'SPEAKER_00', 'real'],
  ['ДИНАМИЧНАЯ МУЗЫКА', null, 'hallucination'],
  ['Корректор и редактор сидели в одной комнате.', 'SPEAKER_01', 'real'],
  ['Субтитры создавал DimaTorzok', null, 'hallucination'],
  ['Продолжение следует на следующей неделе, сказал директор.', 'SPEAKER_01', 'real'],
  ['Нет, нет, нет, это было не так.', 'SPEAKER_01', 'real'],
  ['Спасибо за просмотр!', null, 'hallucination'],
  ['Спасибо большое, это очень интересно.', 'SPEAKER_00', 'real'],
  ['Подписывайтесь на канал', null, 'hallucination'],
  ['Спасибо за внимание.', 'SPEAKER_01', 'real'],
  ['Продолжение следует...', null, 'hallucination'],
  // A stock phrase (class S) is only hidden with evidence: here no speaker, after the last real speech.
  ['Спасибо.', null, 'hallucination'],
]

const EN: Line[] = [
  ['Thanks for joining us today. Let us start with your first job.', 'SPEAKER_00', 'real'],
  ['I started as a night editor in 2009.', 'SPEAKER_01', 'real'],
  ['Thank you.', 'SPEAKER_00', 'real'],
  ['Subtitles by the Amara.org community', null, 'hallucination'],
  ['We watched the tape and wrote subtitles for the whole archive.', 'SPEAKER_01', 'real'],
  ['Thanks for watching!', null, 'hallucination'],
  ['No, no, no, that was later.', 'SPEAKER_01', 'real'],
  ['♪', null, 'hallucination'],
  ['Yeah.', 'SPEAKER_00', 'real'],
  ['Please subscribe to the channel and like the video.', null, 'hallucination'],
  ['Transcription by CastingWords', null, 'hallucination'],
  ['Okay. Thank you for watching the door while I was out.', 'SPEAKER_01', 'real'],
  ['Bye.', 'SPEAKER_00', 'real'],
  ['Thank you for watching', null, 'hallucination'],
  ['you', null, 'hallucination'],
]

function transcriptOf(lines: Line[], language: string): Transcript {
  let t = 0.5
  const segments: Segment[] = lines.map(([text, speaker], i) => {
    const words = text.split(' ')
    const dur = Math.max(0.6, words.length * 0.35)
    // Whisper writes its artifacts over long silences: give those lines a gap before them.
    const gap = speaker === null ? 3 : 0.6
    const start = t + gap
    t = start + dur
    const step = dur / words.length
    return {
      id: `s${i + 1}`,
      start,
      end: t,
      speaker,
      text,
      words: words.map((w, k) => ({ text: w, start: start + k * step, end: start + (k + 1) * step, score: speaker ? 0.85 : 0.3, estimated: false })),
      filtered: null,
    }
  })
  const speakers = [...new Set(lines.map((l) => l[1]).filter((s): s is string => s !== null))].sort().map((id) => ({ id, name: id }))
  return { language, duration: t + 2, speakers, segments }
}

describe('filter evaluation on labelled interview lines', () => {
  it.each([
    ['ru', RU],
    ['en', EN],
  ] as const)('%s: removes every hallucination and keeps every real line', (language, lines) => {
    const out = filterHallucinations(transcriptOf(lines, language))
    const wrong = lines
      .map(([text, , label], i) => ({ text, label, filtered: out.segments.find((s) => s.id === `s${i + 1}`)!.filtered }))
      .filter((x) => (x.label === 'hallucination') !== (x.filtered !== null))
    expect(wrong).toEqual([])
  })

  it('has the counts the closing note quotes', () => {
    const all = [...RU, ...EN]
    expect(all.filter((l) => l[2] === 'hallucination')).toHaveLength(15)
    expect(all.filter((l) => l[2] === 'real')).toHaveLength(20)
  })
})
