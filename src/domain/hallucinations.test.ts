import { describe, expect, it } from 'vitest'
import {
  FILTER_RULES,
  FILTER_THRESHOLDS,
  filterHallucinations,
  findRepetitionLoop,
  matchKey,
  matchMediaArtifact,
  normalizeForMatch,
  summarizeFilter,
} from './hallucinations.ts'
import { ARTIFACT_PATTERNS, TAIL_HINT } from './hallucination-data/media-artifacts.ts'
import type { Segment, Transcript, Word } from './transcript.ts'
import { normalizeWhisperX } from './whisperx.ts'

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

interface SegOpts {
  speaker?: string | null
  /** Alignment score of every word (default 0.9); null = no score. */
  score?: number | null
  estimated?: boolean
}

/** A segment whose words are its text's tokens spread evenly over [start, end]. */
function seg(id: string, start: number, end: number, text: string, opts: SegOpts = {}): Segment {
  const tokens = text.split(/\s+/).filter((x) => x !== '')
  const step = (end - start) / Math.max(1, tokens.length)
  const words: Word[] = tokens.map((t, i) => ({
    text: t,
    start: start + i * step,
    end: start + (i + 1) * step,
    score: opts.estimated ? null : opts.score === undefined ? 0.9 : opts.score,
    estimated: opts.estimated ?? false,
  }))
  return {
    id,
    start,
    end,
    speaker: opts.speaker === undefined ? 'SPEAKER_00' : opts.speaker,
    text,
    words,
    filtered: null,
  }
}

function transcript(segments: Segment[], duration?: number): Transcript {
  const labels = [...new Set(segments.map((s) => s.speaker).filter((s): s is string => s !== null))].sort()
  return {
    language: 'ru',
    duration: duration ?? segments.reduce((m, s) => Math.max(m, s.end), 0),
    speakers: labels.map((id) => ({ id, name: id })),
    segments,
  }
}

/** Filters one segment set and returns `{id → rule | null}`. */
function decisions(t: Transcript): Record<string, string | null> {
  return Object.fromEntries(filterHallucinations(t).segments.map((s) => [s.id, s.filtered?.rule ?? null]))
}

/** The rule (or null) that the filter gives to a lone segment amid real speech. */
function ruleFor(text: string, opts: SegOpts = {}): string | null {
  const t = transcript([
    seg('a', 0, 3, 'Мы начали разговор с простого вопроса.', { speaker: 'SPEAKER_00' }),
    seg('x', 3.5, 6, text, opts),
    seg('b', 6.5, 10, 'И потом перешли к более сложным темам.', { speaker: 'SPEAKER_01' }),
  ])
  return decisions(t).x ?? null
}

// ---------------------------------------------------------------------------------------------
// Realistic fixture: a Russian + English interview with the usual WhisperX hallucinations
// ---------------------------------------------------------------------------------------------

const A = { speaker: 'SPEAKER_00' }
const B = { speaker: 'SPEAKER_01' }
const NONE = { speaker: null }

const interview = transcript(
  [
    seg('s1', 0, 4, 'Добрый день! Расскажите, пожалуйста, о вашем проекте.', A),
    seg('s2', 4.5, 12, 'Да, конечно. Мы делаем систему для расшифровки интервью на русском и английском.', B),
    seg('s3', 12.2, 13, 'Спасибо.', A),
    seg('s4', 13.3, 20, 'And how do you handle English terms, like machine learning?', A),
    seg(
      's5',
      20.5,
      31,
      'We keep them as they are, and then I get, I get, I get, I get, I get, I get, I get, I get, I get, I get.',
      B,
    ),
    seg('s6', 31.5, 33, 'Да, да, да.', B),
    seg('s7', 33.5, 36, 'Понятно. А что происходит в конце записи?', A),
    seg('s8', 36.5, 44, 'Whisper иногда добавляет мусор в конце. Субтитры сделал DimaTorzok', B),
    seg('s9', 45, 47, 'Субтитры создавал DimaTorzok', NONE),
    seg('s10', 48, 50, 'Это очень важный момент для нас.', B),
    seg('s11', 50, 52, 'Это очень важный момент для нас.', B),
    seg('s12', 52, 54, 'Это очень важный момент для нас.', B),
    seg('s13', 54, 56, 'Это очень важный момент для нас.', B),
    seg('s14', 56.5, 57.5, 'Thank you.', A),
    seg('s15', 58, 60, 'Спасибо за приглашение.', B),
    seg('s16', 62, 64, 'Редактор субтитров А.Семкин Корректор А.Егорова', NONE),
    seg('s17', 65, 67, 'Продолжение следует...', NONE),
    seg('s18', 68, 69, 'Спасибо.', NONE),
    seg('s19', 69.5, 70, '♪', NONE),
  ],
  72,
)

describe('filterHallucinations on a realistic interview', () => {
  const out = filterHallucinations(interview)
  const byId = new Map(out.segments.map((s) => [s.id, s]))
  const rule = (id: string) => byId.get(id)?.filtered?.rule ?? null

  it('keeps the real conversation, including "Спасибо." between turns and "Да, да, да."', () => {
    for (const id of ['s1', 's2', 's3', 's4', 's6', 's7', 's10', 's11', 's14', 's15']) expect(rule(id), id).toBeNull()
  })

  it('hides the credits, the end card, the music caption and the tail "Спасибо."', () => {
    expect(rule('s9')).toBe('media-artifact')
    expect(rule('s16')).toBe('media-artifact')
    expect(rule('s17')).toBe('media-artifact')
    expect(rule('s18')).toBe('suspect-phrase')
    expect(rule('s19')).toBe('media-artifact')
  })

  it('splits the loop off the real speech in s5', () => {
    expect(byId.get('s5')).toMatchObject({ text: 'We keep them as they are, and then I get,', filtered: null })
    const loop = byId.get('s5.loop')!
    expect(loop.filtered).toMatchObject({
      rule: 'repetition-loop',
      reason: 'The phrase "I get" repeated 10 times in a row: a Whisper decoding loop.',
    })
    expect(loop.words).toHaveLength(18)
    expect(loop.start).toBeCloseTo(byId.get('s5')!.end, 6)
    expect(loop.end).toBe(31)
  })

  it('splits the credit glued to the end of s8', () => {
    expect(byId.get('s8')).toMatchObject({ text: 'Whisper иногда добавляет мусор в конце.', filtered: null })
    expect(byId.get('s8.credit')).toMatchObject({
      text: 'Субтитры сделал DimaTorzok',
      speaker: 'SPEAKER_01',
      end: 44,
      filtered: {
        rule: 'media-artifact',
        reason:
          'Subtitle credit that Whisper invents on silence ("Субтитры сделал DimaTorzok"), ' +
          'glued to the end of real speech; not speech.',
      },
    })
  })

  it('keeps the first two of four identical segments', () => {
    expect([rule('s10'), rule('s11'), rule('s12'), rule('s13')]).toEqual([
      null,
      null,
      'duplicate-segment',
      'duplicate-segment',
    ])
  })

  it('keeps segments in time order and never deletes one', () => {
    expect(out.segments.map((s) => s.id)).toEqual([
      's1', 's2', 's3', 's4', 's5', 's5.loop', 's6', 's7', 's8', 's8.credit', 's9', 's10', 's11', 's12', 's13',
      's14', 's15', 's16', 's17', 's18', 's19',
    ])
    const starts = out.segments.map((s) => s.start)
    expect([...starts].sort((a, b) => a - b)).toEqual(starts)
  })

  it('summarizes: 9 hidden, by rule', () => {
    expect(summarizeFilter(out)).toEqual({
      removed: 9,
      byRule: { 'media-artifact': 5, 'repetition-loop': 1, 'duplicate-segment': 2, 'suspect-phrase': 1 },
    })
  })

  it('does not modify its input and is idempotent', () => {
    const before = structuredClone(interview)
    filterHallucinations(interview)
    expect(interview).toEqual(before)
    expect(filterHallucinations(out)).toEqual(out)
  })
})

describe('filterHallucinations on normalizeWhisperX output', () => {
  it('judges a raw WhisperX result with its quirks (untimed words, no speaker, NaN)', () => {
    const raw = {
      language: 'ru',
      segments: [
        {
          start: 0.5,
          end: 3.2,
          text: ' Здравствуйте, спасибо, что пришли.',
          speaker: 'SPEAKER_00',
          words: [
            { word: 'Здравствуйте,', start: 0.5, end: 1.4, score: 0.91, speaker: 'SPEAKER_00' },
            { word: 'спасибо,', start: 1.5, end: 2.1, score: 0.88, speaker: 'SPEAKER_00' },
            { word: 'что', start: 2.2, end: 2.5, score: 0.9, speaker: 'SPEAKER_00' },
            { word: 'пришли.', start: 2.6, end: 3.2, score: 0.87, speaker: 'SPEAKER_00' },
          ],
        },
        {
          start: 3.6,
          end: 4.1,
          text: ' Спасибо.',
          speaker: 'SPEAKER_01',
          words: [{ word: 'Спасибо.', start: 3.6, end: 4.1, score: 0.85, speaker: 'SPEAKER_01' }],
        },
        {
          start: 4.5,
          end: 7,
          text: ' В 2016 году мы начали.',
          words: [
            { word: 'В', start: 4.5, end: 4.6, score: 0.7, speaker: 'SPEAKER_01' },
            { word: '2016' },
            { word: 'году', start: 5.6, end: 6, score: 0.8, speaker: 'SPEAKER_01' },
            { word: 'мы', start: 6.1, end: 6.3, score: 0.9, speaker: 'SPEAKER_01' },
            { word: 'начали.', start: 6.4, end: 7, score: 0.9, speaker: 'SPEAKER_01' },
          ],
        },
        // Alignment failed (Latin name, `ru` model): the whole 30 s VAD chunk, no words, no speaker.
        { start: 40, end: 70, text: ' Субтитры сделал DimaTorzok', words: [], chars: null },
        {
          start: 71.1,
          end: 71.6,
          text: ' Спасибо.',
          words: [{ word: 'Спасибо.', start: 71.1, end: 71.6, score: 0.12 }],
        },
      ],
    }
    const out = filterHallucinations(normalizeWhisperX(raw, { duration: 75 }))
    expect(out.segments.map((x) => [x.id, x.speaker, x.filtered?.rule ?? null])).toEqual([
      ['s1', 'SPEAKER_00', null],
      ['s2', 'SPEAKER_01', null],
      ['s3', 'SPEAKER_01', null],
      ['s4', null, 'media-artifact'],
      ['s5', null, 'suspect-phrase'],
    ])
    expect(out.segments[4]!.filtered!.reason).toBe(
      '"Спасибо." is a phrase Whisper often invents on silence, and here no speaker was detected under it and ' +
        'it comes after the last speech in the recording and its words barely match the audio (alignment score 0.12).',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// media-artifact
// ---------------------------------------------------------------------------------------------

describe('media-artifact', () => {
  it.each([
    'Субтитры сделал DimaTorzok',
    'Субтитры создавал DimaTorzok',
    'Субтитры делал DimaTorzok.',
    'Субтитры добавил DimaTorzok',
    'Субтитры подготовил Иван Петров',
    'Субтитры подогнал «Симон»',
    'Добавил субтитры DimaTorzok',
    'Редактор субтитров А.Семкин Корректор А.Егорова',
    'Редактор субтитров А.Синецкая Корректор А.Егорова',
    'Редактор субтитров Б. Иванова, Корректор В.Петрова',
    'Редактор субтитров Мария Сидорова Корректор Ольга Лебедева',
    'Корректор А.Кулакова',
    'Спасибо за субтитры Алексею Дубровскому!',
    'Продолжение следует...',
    '«Продолжение следует»',
    'Спасибо за просмотр!',
    'Подписывайтесь на канал',
    'Ставьте лайки и подписывайтесь на канал!',
    'ДИНАМИЧНАЯ МУЗЫКА',
    'СПОКОЙНАЯ МУЗЫКА',
    'Динамичная музыка',
    '[МУЗЫКА]',
    '♪',
    '♪ Ла-ла-ла ♪',
    '(music)',
    '[Applause]',
    'Thanks for watching!',
    'Thank you for watching.',
    'Thank you so much for watching, and I will see you next time!',
    'Please subscribe.',
    'Like and subscribe!',
    'Subtitles by the Amara.org community',
    'Субтитры сделаны сообществом Amara.org',
    'Transcription by CastingWords',
    '© transcript Emily Beynon',
    'Untertitel im Auftrag des ZDF für funk, 2017',
    'Untertitel im Auftrag des WDR, 2020',
    'Untertitel der Amara.org-Community',
    "Sous-titres réalisés para la communauté d'Amara.org",
    'Sous-titrage Société Radio-Canada',
    'Subtítulos realizados por la comunidad de Amara.org',
    'Sottotitoli creati dalla comunità Amara.org',
    'Legendas pela comunidade Amara.org',
    'Napisy stworzone przez społeczność Amara.org',
    'Ondertiteld door de Amara.org gemeenschap',
    'ご視聴ありがとうございました',
    '字幕由Amara.org社区提供',
    'BF-WATCH TV 2021',
    'Closed captioning provided by the Imperial News Network',
    'Subtitles by Steamteamextra',
    'İzlediğiniz için teşekkürler',
    'Дякую за перегляд!',
  ])('hides %s', (text) => {
    expect(ruleFor(text, NONE)).toBe('media-artifact')
    // The string is what identifies them: even with a speaker and good scores (Vexa-ai/vexa hallucination-gate.ts:
    // "What identifies them is the STRING").
    expect(ruleFor(text, A)).toBe('media-artifact')
  })

  it.each([
    'Редактор журнала настаивал на публикации статьи.',
    'Мы обсуждали субтитры к фильму.',
    'Корректор и редактор.',
    'Корректор сказал, что всё в порядке.',
    'Мне понравилось, что субтитры сделал мой друг и всё было хорошо.',
    'Спокойная музыка.',
    'Music.',
    'Продолжение следует в следующей части нашего разговора, а пока давайте закончим.',
    'I watched the video, thanks for asking.',
    "We'll talk about subtitles later.",
    'Emily Beynon.',
    'Спасибо за внимание.',
  ])('keeps %s', (text) => {
    expect(ruleFor(text, A)).toBeNull()
  })

  it('gives the reason in plain words with the text', () => {
    const out = filterHallucinations(transcript([seg('x', 0, 2, 'Субтитры сделал DimaTorzok', NONE)]))
    expect(out.segments[0]!.filtered).toMatchObject({
      rule: 'media-artifact',
      reason: 'Subtitle credit that Whisper invents on silence ("Субтитры сделал DimaTorzok"); not speech.',
    })
  })

  it('hides the credit split at its periods: "Редактор субтитров А." | "Семкин Корректор А." | "Егорова"', () => {
    const t = transcript([
      seg('a', 0, 5, 'Это была последняя тема нашего разговора.', B),
      seg('f1', 6, 7, 'Редактор субтитров А.', NONE),
      seg('f2', 7, 8, 'Семкин Корректор А.', NONE),
      seg('f3', 8, 9, 'Егорова', NONE),
    ])
    expect(decisions(t)).toEqual({ a: null, f1: 'media-artifact', f2: 'media-artifact', f3: 'media-artifact' })
  })

  it('a lone surname without a credit fragment before it stays', () => {
    const t = transcript([seg('a', 0, 5, 'Как её фамилия?', A), seg('b', 5.5, 6, 'Егорова.', B)])
    expect(decisions(t).b).toBeNull()
  })

  it('splits "… Редактор субтитров А.Семкин Корректор А.Егорова" glued to real speech', () => {
    const text = 'На этом всё, до встречи. Редактор субтитров А.Семкин Корректор А.Егорова'
    const t = transcript([seg('a', 0, 8, text, B)])
    const out = filterHallucinations(t).segments
    expect(out.map((s) => [s.id, s.text, s.filtered?.rule ?? null])).toEqual([
      ['a', 'На этом всё, до встречи.', null],
      ['a.credit', 'Редактор субтитров А.Семкин Корректор А.Егорова', 'media-artifact'],
    ])
  })

  it('does not split ordinary words at the end of a segment ("…субтитры сделал мой друг")', () => {
    const t = transcript([seg('a', 0, 5, 'Мне кажется, субтитры сделал мой друг', B)])
    expect(filterHallucinations(t).segments.map((s) => s.id)).toEqual(['a'])
  })

  it('every glued-credit (tail) pattern matches its own example and passes the TAIL_HINT pre-check', () => {
    for (const p of ARTIFACT_PATTERNS.filter((x) => x.tail)) {
      expect(p.re.test(p.on === 'norm' ? normalizeForMatch(p.example) : matchKey(p.example)), p.example).toBe(true)
      expect(TAIL_HINT.test(matchKey(p.example)), p.example).toBe(true)
    }
  })

  it('every pattern is matched by matchMediaArtifact on its own example', () => {
    for (const p of ARTIFACT_PATTERNS) expect(matchMediaArtifact(p.example), p.example).not.toBeNull()
  })

  it('matchMediaArtifact classifies kinds; normalizeForMatch and matchKey normalize as documented', () => {
    expect(matchMediaArtifact('Продолжение следует...')?.kind).toBe('end-card')
    expect(matchMediaArtifact('Thanks for watching!')?.kind).toBe('video-outro')
    expect(matchMediaArtifact('[МУЗЫКА]')?.kind).toBe('music-caption')
    expect(matchMediaArtifact('Нормальная речь.')).toBeNull()
    expect(normalizeForMatch('  «Продолжение   следует...»  ')).toBe('продолжение следует')
    expect(normalizeForMatch('Ёлка — ЁЖ!')).toBe('елка — еж')
    expect(matchKey('Subtitles by the Amara.org community')).toBe('subtitles by the amara org community')
  })
})

// ---------------------------------------------------------------------------------------------
// no-speech-text
// ---------------------------------------------------------------------------------------------

describe('no-speech-text', () => {
  it.each(['...', '…', '?', '—', '( )', ''])('hides %j', (text) => {
    expect(ruleFor(text, A)).toBe('no-speech-text')
  })

  it.each(['2016', 'Да.', 'OK'])('keeps %j', (text) => {
    expect(ruleFor(text, A)).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------
// repetition-loop
// ---------------------------------------------------------------------------------------------

describe('repetition-loop', () => {
  it('hides a segment that is all loop (>= 80%)', () => {
    const out = filterHallucinations(transcript([seg('a', 0, 6, 'I get I get I get I get I get I get I get', B)]))
    expect(out.segments).toHaveLength(1)
    expect(out.segments[0]!.filtered).toMatchObject({
      rule: 'repetition-loop',
      reason: 'The phrase "I get" repeated 7 times in a row: a Whisper decoding loop.',
    })
  })

  it('hides a single word repeated 6 times', () => {
    expect(ruleFor('Да, да, да, да, да, да.', B)).toBe('repetition-loop')
  })

  it.each(['Да, да, да.', 'No, no, no, no.', 'Нет, нет, нет, нет, нет.', 'I think, I think, I think that is right.'])(
    'keeps genuine repetition %j',
    (text) => {
      expect(ruleFor(text, B)).toBeNull()
    },
  )

  it('keeps speech after the loop as its own segment', () => {
    const t = transcript([
      seg(
        'a',
        0,
        12,
        'So the answer is, you know, you know, you know, you know, you know, and that is all I can say about it.',
        B,
      ),
    ])
    const out = filterHallucinations(t).segments
    expect(out.map((s) => [s.id, s.text, s.filtered?.rule ?? null])).toEqual([
      ['a', 'So the answer is, you know,', null],
      ['a.loop', 'you know, you know, you know, you know,', 'repetition-loop'],
      ['a.after', 'and that is all I can say about it.', null],
    ])
    expect(out[1]!.filtered!.reason).toBe('The phrase "you know" repeated 5 times in a row: a Whisper decoding loop.')
  })

  it('splits a segment without words (failed alignment) using estimated times', () => {
    const s = seg('a', 0, 10, 'Мы говорили об этом долго, очень долго. Спасибо спасибо спасибо спасибо спасибо спасибо')
    s.words = []
    const out = filterHallucinations(transcript([s])).segments
    expect(out.map((x) => x.id)).toEqual(['a', 'a.loop'])
    expect(out[0]!.text).toBe('Мы говорили об этом долго, очень долго. Спасибо')
    expect(out[1]!.words.every((w) => w.estimated)).toBe(true)
    expect(out[1]!.end).toBe(10)
  })

  it('findRepetitionLoop: first loop, longest cover, trailing partial repeat included', () => {
    expect(findRepetitionLoop(['x', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a'])).toEqual({
      start: 1,
      phraseLength: 2,
      repeats: 4,
      end: 10,
    })
    expect(findRepetitionLoop(['a', 'b', 'a', 'b', 'a', 'b'])).toBeNull()
    expect(findRepetitionLoop(['да', 'да', 'да', 'да', 'да', 'да'])).toMatchObject({ phraseLength: 1, repeats: 6 })
    expect(findRepetitionLoop([])).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------
// duplicate-segment
// ---------------------------------------------------------------------------------------------

describe('duplicate-segment', () => {
  it('keeps two identical segments', () => {
    const t = transcript([
      seg('a', 0, 2, 'Это очень важный момент.', B),
      seg('b', 2, 4, 'Это очень важный момент!', B),
    ])
    expect(decisions(t)).toEqual({ a: null, b: null })
  })

  it('hides the third of three (punctuation and case ignored)', () => {
    const t = transcript([
      seg('a', 0, 2, 'Это очень важный момент.', B),
      seg('b', 2, 4, 'это очень важный момент', B),
      seg('c', 4, 6, 'Это очень важный момент...', B),
    ])
    expect(decisions(t)).toEqual({ a: null, b: null, c: 'duplicate-segment' })
  })

  it('keeps three short "Да." segments (one answer split into sentences by WhisperX)', () => {
    const t = transcript([seg('a', 0, 0.5, 'Да.', B), seg('b', 0.6, 1, 'Да.', B), seg('c', 1.1, 1.5, 'Да.', B)])
    expect(decisions(t)).toEqual({ a: null, b: null, c: null })
  })

  it('hides short segments from the sixth in a row on', () => {
    const t = transcript(Array.from({ length: 7 }, (_, i) => seg(`d${i}`, i, i + 0.8, 'Thank you.', B)))
    expect(Object.values(decisions(t))).toEqual([null, null, ...Array(5).fill('duplicate-segment')])
  })

  it('keeps the same text said by different speakers in turn', () => {
    const t = transcript([
      seg('a', 0, 2, 'Это очень важный момент.', A),
      seg('b', 2, 4, 'Это очень важный момент.', B),
      seg('c', 4, 6, 'Это очень важный момент.', A),
    ])
    expect(decisions(t)).toEqual({ a: null, b: null, c: null })
  })
})

// ---------------------------------------------------------------------------------------------
// speech-rate
// ---------------------------------------------------------------------------------------------

describe('speech-rate', () => {
  it('hides more than 30 letters per second', () => {
    const text = 'Мы говорили о том, как правильно организовать работу команды и как распределять задачи.'
    const t = transcript([seg('a', 10, 12, text, B)])
    const out = filterHallucinations(t).segments[0]!
    expect(out.filtered).toMatchObject({
      rule: 'speech-rate',
      reason:
        '73 letters in 2 s (37 per second; nobody speaks faster than 30): the text does not fit its time, ' +
        'Whisper likely invented it.',
    })
  })

  it('keeps fast but real Russian (~20 letters per second)', () => {
    // 74 letters in 3.7 s = 20 per second (25 counting spaces and punctuation): a fast speaker.
    const text = 'Ну вот, понимаете, мы тогда решили, что надо срочно всё переделывать, и переделали за два дня.'
    const t = transcript([seg('a', 0, 3.7, text, B)])
    expect(decisions(t).a).toBeNull()
  })

  it('hides more than 8 words in under 0.5 s, keeps 8', () => {
    const nine = transcript([seg('a', 0, 0.3, 'one two three four five six seven eight nine', B)])
    const eight = transcript([seg('a', 0, 0.4, 'one two three four five six seven eight', B)])
    expect(decisions(nine).a).toBe('speech-rate')
    expect(decisions(eight).a).toBeNull()
  })

  it('does not measure letters per second under 1 s', () => {
    const t = transcript([seg('a', 0, 0.6, 'Достопримечательности', B)])
    expect(decisions(t).a).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------
// suspect-phrase
// ---------------------------------------------------------------------------------------------

describe('suspect-phrase', () => {
  const around = (x: Segment, duration = 30) =>
    transcript(
      [
        seg('a', 0, 5, 'Расскажите о вашем детстве, пожалуйста.', A),
        x,
        seg('b', 12, 20, 'Я вырос в маленьком городе на Волге.', B),
      ],
      duration,
    )

  it('keeps a real "Спасибо." between turns with a speaker and normal scores', () => {
    expect(decisions(around(seg('x', 5.2, 6, 'Спасибо.', B))).x).toBeNull()
  })

  it('keeps a speakerless "Thank you." that is close to speech with good scores', () => {
    const t = transcript([
      seg('a', 0, 5, 'That was the last question.', A),
      seg('x', 5.3, 6, 'Thank you.', NONE),
      seg('b', 6.5, 10, 'It was a pleasure to talk to you.', B),
    ])
    expect(decisions(t).x).toBeNull()
  })

  it('hides a speakerless "Thank you." isolated by silence', () => {
    const out = filterHallucinations(around(seg('x', 8, 9, 'Thank you.', NONE)))
    expect(out.segments[1]!.filtered).toMatchObject({
      rule: 'suspect-phrase',
      reason:
        '"Thank you." is a phrase Whisper often invents on silence, and here no speaker was detected under it and ' +
        'it stands alone with 3 s of silence before and 3 s after.',
    })
  })

  it('hides a speakerless "Спасибо." after the last speech', () => {
    const t = around(seg('x', 20.5, 21, 'Спасибо.', NONE))
    t.segments.sort((p, q) => p.start - q.start)
    const out = filterHallucinations(t)
    expect(out.segments.at(-1)!.filtered?.reason).toContain('after the last speech in the recording')
  })

  it('hides a speakerless "you" whose words aligned poorly, even between sentences (whisperX #1224)', () => {
    const t = around(seg('x', 5.1, 5.26, 'you.', { speaker: null, score: 0.21 }))
    t.segments[2]!.start = 5.5
    const out = filterHallucinations(t)
    expect(out.segments[1]!.filtered?.rule).toBe('suspect-phrase')
    expect(out.segments[1]!.filtered?.reason).toContain('alignment score 0.21')
  })

  it('does not use the score of estimated words', () => {
    const t = around(seg('x', 5.1, 5.26, 'you.', { speaker: null, estimated: true }))
    t.segments[2]!.start = 5.5
    expect(decisions(t).x).toBeNull()
  })

  it('keeps an isolated suspect phrase that has a speaker', () => {
    expect(decisions(around(seg('x', 8, 9, 'Спасибо.', B))).x).toBeNull()
  })

  it('does nothing without diarization (no speaker labels at all)', () => {
    const t = transcript([
      seg('a', 0, 5, 'Последний вопрос был о планах.', NONE),
      seg('x', 20, 21, 'Спасибо.', NONE),
    ])
    expect(decisions(t).x).toBeNull()
  })

  it('only stock phrases: a speakerless tail "Спасибо за интервью." stays', () => {
    expect(decisions(around(seg('x', 21, 23, 'Спасибо за интервью.', NONE))).x).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------
// Rule order, options, existing decisions, rule list
// ---------------------------------------------------------------------------------------------

describe('filter mechanics', () => {
  it('gives each segment one decision, the most specific: three end cards are media artifacts, not duplicates', () => {
    const t = transcript([0, 1, 2].map((i) => seg(`e${i}`, i * 2, i * 2 + 1, 'Продолжение следует...', NONE)))
    expect(Object.values(decisions(t))).toEqual(['media-artifact', 'media-artifact', 'media-artifact'])
  })

  it('leaves existing decisions (e.g. the user restoring or hiding) alone', () => {
    const manual = seg('m', 0, 2, 'Обычная фраза.', A)
    manual.filtered = { rule: 'manual', reason: 'Hidden by you during review.' }
    const credit = seg('c', 3, 4, 'Субтитры сделал DimaTorzok', NONE)
    credit.filtered = { rule: 'manual', reason: 'kept for the test' }
    const out = filterHallucinations(transcript([manual, credit]))
    expect(out.segments.map((s) => s.filtered?.reason)).toEqual(['Hidden by you during review.', 'kept for the test'])
  })

  it('runs only the rules asked for', () => {
    const t = transcript([seg('a', 0, 2, 'Субтитры сделал DimaTorzok', NONE), seg('b', 3, 4, '...', NONE)])
    expect(Object.values(decisions(t))).toEqual(['media-artifact', 'no-speech-text'])
    const only = filterHallucinations(t, { rules: ['no-speech-text'] })
    expect(only.segments.map((s) => s.filtered?.rule ?? null)).toEqual([null, 'no-speech-text'])
  })

  it('handles an empty transcript', () => {
    const t = transcript([])
    expect(filterHallucinations(t)).toEqual(t)
    expect(summarizeFilter(t)).toEqual({ removed: 0, byRule: {} })
  })

  it('FILTER_RULES lists every rule once, each with a description and a public source', () => {
    expect(FILTER_RULES.map((r) => r.id)).toEqual([
      'media-artifact',
      'no-speech-text',
      'repetition-loop',
      'duplicate-segment',
      'speech-rate',
      'suspect-phrase',
      'no-speech-audio',
    ])
    for (const r of FILTER_RULES) {
      expect(r.description.length).toBeGreaterThan(20)
      // A URL, a paper (arXiv) or a public repository (owner/name); never a note the repository does not hold.
      expect(r.source, r.id).toMatch(/https:\/\/|arXiv \d{4}\.\d{4,5}|\b[\w.-]+\/[\w.-]+\b/)
      expect(r.source, r.id).not.toMatch(/hallucinations\.md|reference\/|§/)
    }
    expect(FILTER_THRESHOLDS.loopMinTokenRepeats).toBe(6)
  })
})
