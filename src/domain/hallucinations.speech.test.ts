/**
 * The filter with a speech map, the families and the loops: behaviour the old phrase list lacked.
 * Speech maps here are written by hand (the detector itself is tested on real audio in
 * src/adapters/media/speech-detector.test.ts, and end to end in test/eval/filter-eval.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { filterHallucinations, findRepetitionLoop, matchMediaArtifact } from './hallucinations.ts'
import { fold, latinize, matchFamily } from './hallucination-data/families.ts'
import type { SpeechMap } from './speech-map.ts'
import { complementRegions, parseSpeechMap, speechShare, SPEECH_MAP_VERSION } from './speech-map.ts'
import type { Segment, Transcript } from './transcript.ts'

function seg(id: string, start: number, end: number, text: string, speaker: string | null = 'SPEAKER_00', score: number | null = 0.9): Segment {
  const tokens = text.split(/\s+/).filter((x) => x !== '')
  const step = (end - start) / Math.max(1, tokens.length)
  return {
    id,
    start,
    end,
    speaker,
    text,
    words: tokens.map((t, i) => ({ text: t, start: start + i * step, end: start + (i + 1) * step, score, estimated: false })),
    filtered: null,
  }
}

function transcript(segments: Segment[]): Transcript {
  const ids = [...new Set(segments.map((s) => s.speaker).filter((s): s is string => s !== null))]
  return { language: 'en', duration: Math.max(...segments.map((s) => s.end)) + 1, speakers: ids.map((id) => ({ id, name: id })), segments }
}

function map(regions: [number, number][], method: SpeechMap['method'] = 'silero-vad'): SpeechMap {
  return { version: SPEECH_MAP_VERSION, method, detector: 'test', duration: 100, regions, elapsedMs: 0 }
}

const rule = (t: Transcript, id: string) => t.segments.find((s) => s.id === id)?.filtered?.rule ?? null

describe('speech map', () => {
  it('measures the share of a window covered by speech, widening very short windows', () => {
    const m = map([[1, 2], [3, 5]])
    expect(speechShare(m, 0, 1)).toBe(0)
    expect(speechShare(m, 1, 2)).toBe(1)
    expect(speechShare(m, 1.5, 3.5)).toBeCloseTo(0.5)
    expect(speechShare(m, 4, 4)).toBe(1) // a zero-length window is judged on 0.3 s around it
    expect(speechShare(map([]), 0, 10)).toBe(0)
  })

  it('turns silences into sound regions for the level fallback', () => {
    expect(complementRegions([[2, 3], [0, 0.5], [7, Number.POSITIVE_INFINITY]], 10)).toEqual([[0.5, 2], [3, 7]])
  })

  it('rejects maps of another version so they are recomputed', () => {
    expect(parseSpeechMap({ ...map([[0, 1]]), version: 0 })).toBeNull()
    expect(parseSpeechMap(map([[0, 1]]))).not.toBeNull()
    expect(parseSpeechMap('nonsense')).toBeNull()
  })
})

describe('the filter listens to the audio', () => {
  const speech = map([[0, 10], [20, 30]])

  it('hides any line over no speech, whatever its words, and says so in the evidence', () => {
    const t = transcript([seg('a', 1, 9, 'We started the archive in 2012.'), seg('x', 12, 15, 'I went to the market and bought some bread.', null)])
    const out = filterHallucinations(t, { speech })
    expect(rule(out, 'a')).toBeNull()
    const x = out.segments.find((s) => s.id === 'x')!
    expect(x.filtered).toMatchObject({ rule: 'no-speech-audio', evidence: { speechShare: 0, speechMethod: 'silero-vad' } })
    expect(x.filtered!.evidence!.notes[0]).toMatch(/^no speech under this line/)
    expect(x.filtered!.evidence!.notes).toContain('no speaker was detected under it')
  })

  it('keeps a line over no speech when diarization and alignment both say a voice is there', () => {
    const t = transcript([seg('a', 1, 9, 'Fine.'), seg('q', 12, 15, 'I said it very quietly.', 'SPEAKER_01', 0.85)])
    expect(rule(filterHallucinations(t, { speech }), 'q')).toBeNull()
  })

  it('keeps an outro over clear speech (people say it) but hides it over silence', () => {
    const t = transcript([seg('o', 21, 23, 'Thanks for watching!'), seg('p', 12, 14, 'Thanks for watching!', null)])
    const out = filterHallucinations(t, { speech })
    expect(rule(out, 'o')).toBeNull()
    expect(rule(out, 'p')).toBe('media-artifact')
  })

  it('hides a subtitle credit even over clear speech (strong textual evidence)', () => {
    const out = filterHallucinations(transcript([seg('c', 21, 24, 'Sous-titres réalisés par la communauté d’Amara.org')]), { speech })
    expect(out.segments[0]!.filtered).toMatchObject({ rule: 'media-artifact', evidence: { notes: [expect.stringMatching(/^clear speech under this line/)] } })
  })

  it('hides a stock phrase with almost no speech under it, keeps it over speech', () => {
    const t = transcript([seg('s', 12, 13, 'Thank you.', 'SPEAKER_00', 0.9), seg('r', 21, 22, 'Thank you.')])
    const out = filterHallucinations(t, { speech })
    expect(rule(out, 's')).toBe('suspect-phrase')
    expect(out.segments.find((x) => x.id === 's')!.filtered!.evidence!.notes[0]).toMatch(/^no speech under this line/)
    expect(rule(out, 'r')).toBeNull()
  })

  it('says "silence" (not "no speech") when the map comes from the level fallback', () => {
    const out = filterHallucinations(transcript([seg('x', 12, 15, 'Anything at all.', null)]), { speech: map([[0, 10]], 'ffmpeg-level') })
    expect(out.segments[0]!.filtered!.evidence!.notes[0]).toMatch(/^silence under this line/)
  })

  it('without a speech map, says the decision came from the text alone', () => {
    const out = filterHallucinations(transcript([seg('c', 1, 3, 'Subtitles by the Amara.org community', null)]))
    expect(out.segments[0]!.filtered!.evidence).toEqual({ speechShare: null, speechMethod: null, notes: ['judged from the text alone: this recording has no speech map'] })
  })
})

describe('families, not strings', () => {
  it.each([
    ['Untertitelung des ZDF für funk, 2017', 'broadcaster-credit'],
    ['Untertitel im Auftrag des NDR, 2022', 'broadcaster-credit'],
    ['Copyright WDR 2019', 'broadcaster-credit'],
    ['Napisy wykonane przez społeczność Amara.org', 'credit'],
    ['Legendas pela comunidade de Amara.org', 'credit'],
    ['Sottotitoli e revisione a cura di QTSS', 'credit'],
    ['Sous-titres realises par la communaute d’Amara.org', 'credit'],
    ['Субтитры подготовил Алексей Дубровский', 'credit'],
    ['Undertekster av Ai-Media', 'credit'],
    ['PLEASE SUBSCRIBE TO MY CHANNEL', 'call-to-action'],
    ['Ставьте лайки и подписывайтесь на канал!', 'call-to-action'],
    ['Ставьте лайки и подписывайтесь на канал, чтобы не пропустить новые видео.', 'outro'],
    ['Tack för att du tittade!', 'outro'],
    ['Kiitos katsomisesta!', 'outro'],
    ['Всем спасибо за просмотр!', 'outro'],
    ['Thank you so much for watching, and I will see you next time!', 'outro'],
    ['For more information, visit www.example.com', 'url-plug'],
    ['www.mooji.org', 'url-plug'],
  ])('%s → %s', (text, family) => {
    expect(matchFamily(text)?.family).toBe(family)
  })

  it.each([
    'Thank you for watching over my mother while I was away.',
    'Subtitles by my wife, she did them all.',
    'Subscribe to our newsletter for the full report.',
    'Перевод Маршака лучше.',
    'Переводчик Иванова.',
    'I read it on nytimes.com last week.',
    'Visit your grandmother more often.',
    'Спасибо за внимание.',
    'Like.',
  ])('leaves a real sentence alone: %s', (text) => {
    expect(matchFamily(text)).toBeNull()
    expect(matchMediaArtifact(text)).toBeNull()
  })

  it('folds case, diacritics, punctuation and script', () => {
    expect(fold('Sous-Titres réalisés PAR la communauté d’Amara.org!')).toBe('sous titres realises par la communaute d amara org')
    expect(latinize(fold('Дима Торзок'))).toBe('dima torzok')
  })

  it('hides an outro that is a whole sentence of a segment and keeps the speech', () => {
    const out = filterHallucinations(transcript([seg('s', 0, 6, 'We stopped recording there. Thanks for watching!', null)]))
    expect(out.segments.map((s) => [s.text, s.filtered?.rule ?? null])).toEqual([
      ['We stopped recording there.', null],
      ['Thanks for watching!', 'media-artifact'],
    ])
  })
})

describe('loops of any unit', () => {
  const loopRule = (text: string) => rule(filterHallucinations(transcript([seg('x', 0, 8, text)])), 'x')

  it.each(['the the the the', 'you you you you you', 'Мы вернёмся. Мы вернёмся. Мы вернёмся.', 'I was there. I was there. I was there.'])('hides %s', (text) => {
    expect(loopRule(text)).toBe('repetition-loop')
  })

  it.each(['No, no, no.', 'Go, go, go!', 'Да-да-да.', 'Again and again and again.', 'Нет, нет, нет, это было не так.', 'Thank you, thank you.'])('keeps %s', (text) => {
    expect(loopRule(text)).toBeNull()
  })

  it('finds a loop in text written without spaces', () => {
    expect(rule(filterHallucinations(transcript([seg('j', 0, 8, 'え、あ、あ、あ、あ、あ、あ、あ、あ、あ')])), 'j')).toBe('repetition-loop')
  })

  it('hides repeats across consecutive segments even when the speaker label comes and goes', () => {
    const t = transcript([
      seg('a', 0, 2, 'Thanks for coming in today.', 'SPEAKER_00'),
      seg('b', 3, 5, 'Thanks for coming in today.', null),
      seg('c', 6, 8, 'Thanks for coming in today.', 'SPEAKER_00'),
    ])
    const out = filterHallucinations(t)
    expect(out.segments.map((s) => s.filtered?.rule ?? null)).toEqual([null, null, 'duplicate-segment'])
  })

  it('reports the unit and its count', () => {
    expect(findRepetitionLoop(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 'a', 'b', 'c', 'd'])).toMatchObject({ start: 0, phraseLength: 4, repeats: 3 })
    expect(findRepetitionLoop(['no', 'no', 'no', 'no'], [false, false, false, false])).toBeNull()
  })
})
