/**
 * The sample transcript the exporter tests share (test code only): a Russian/English interview over an hour long, with
 * both speakers renamed, a segment without a speaker, a segment the hallucination filter removed, a segment whose
 * text holds markup characters (`<b>&"`) and a Cyrillic segment long enough to be split into subtitle cues.
 * Word times are spread over each segment by word length, rounded to milliseconds, so the sample is deterministic.
 */
import type { ExportDocument } from './exporter.ts'
import type { Segment, Transcript, Word } from '../domain/transcript.ts'

/** Text of the filtered segment: must appear in json and in the md/docx appendix, nowhere else. */
export const FILTERED_TEXT = 'Продолжение следует...'

/** Reason of the filtered segment's decision. */
export const FILTERED_REASON = 'Known Whisper hallucination: subtitle credit phrase'

/** A Cyrillic sentence of the sample (segment s8), as it appears in every text export. */
export const CYRILLIC_SENTENCE = 'Это значит, что документ нужно было обработать в тот же день.'

/** Text of segment s7, with characters that are markup in Markdown, HTML, XML and WebVTT. */
export const MARKUP_TEXT = 'So the file said <b>&"urgent"</b> — what did that mean?'

const ms = (x: number) => Math.round(x * 1000) / 1000

/**
 * Words for `text` between `start` and `end` (seconds): each word gets a share of the time by its length, the last
 * 10 % of each share is a pause. Words at `estimated` indexes have no score and `estimated: true`, as when WhisperX
 * gives a number no time.
 */
function words(text: string, start: number, end: number, estimated: readonly number[] = []): Word[] {
  const tokens = text.split(' ')
  const chars = tokens.reduce((n, tok) => n + tok.length, 0)
  let at = start
  return tokens.map((tok, i) => {
    const share = ((end - start) * tok.length) / chars
    const word: Word = {
      text: tok,
      start: ms(at),
      end: ms(at + share * 0.9),
      score: estimated.includes(i) ? null : ms(0.75 + ((i * 7) % 25) / 100),
      estimated: estimated.includes(i),
    }
    at += share
    return word
  })
}

function segment(
  id: string,
  start: number,
  end: number,
  speaker: string | null,
  text: string,
  extra: Partial<Segment> = {},
): Segment {
  return { id, start, end, speaker, text, words: words(text, start, end), filtered: null, ...extra }
}

/**
 * A fresh copy of the sample transcript (tests may edit it). Speakers: SPEAKER_00 = "Interviewer",
 * SPEAKER_01 = "Анна Петрова" (both renamed by the user). Segments in time order:
 * s1, s2 Interviewer (English, one turn) · s3 (long, > 7 s and > 84 characters, with an estimated word), s4 Анна ·
 * s5 no speaker · s6 Анна, filtered at 00:12:05 · s7 Interviewer at 01:02:03 with MARKUP_TEXT ·
 * s8 Анна (CYRILLIC_SENTENCE).
 * Duration 3745.6 s (1:02:25).
 */
export function sampleTranscript(): Transcript {
  const s3 = 'Да, конечно. Я работаю в городском архиве уже почти 12 лет, и за это время многое изменилось.'
  return {
    language: 'ru',
    duration: 3745.6,
    speakers: [
      { id: 'SPEAKER_00', name: 'Interviewer' },
      { id: 'SPEAKER_01', name: 'Анна Петрова' },
    ],
    segments: [
      segment('s1', 0.52, 4.8, 'SPEAKER_00', 'Good morning, Anna. Thank you for agreeing to this interview.'),
      segment('s2', 5.1, 9.94, 'SPEAKER_00', 'Shall we begin with your work at the archive?'),
      segment('s3', 10.3, 19.75, 'SPEAKER_01', s3, { words: words(s3, 10.3, 19.75, [9]) }),
      segment('s4', 20.1, 23.4, 'SPEAKER_01', 'Сначала всё было на бумаге.'),
      segment('s5', 24.0, 27.5, null, '(laughter) Sorry, the door.'),
      segment('s6', 725.0, 731.5, 'SPEAKER_01', FILTERED_TEXT, {
        filtered: { rule: 'phrase-list', reason: FILTERED_REASON },
      }),
      segment('s7', 3723.25, 3729.9, 'SPEAKER_00', MARKUP_TEXT),
      segment('s8', 3730.4, 3736.0, 'SPEAKER_01', CYRILLIC_SENTENCE),
    ],
  }
}

/**
 * The sample as an export document: `Интервью 1` (the recording's title), recorded on 20 November 2026 (its file's
 * metadata: 23:30 UTC, already the 21st in Berlin), added and transcribed on 21 November 2026, Berlin time.
 */
export function sampleDocument(transcript: Transcript = sampleTranscript()): ExportDocument {
  return {
    transcript,
    title: 'Интервью 1',
    createdAt: '2026-11-21T09:15:00.000Z',
    recordedAt: '2026-11-20T23:30:00.000Z',
    transcribedAt: '2026-11-21T09:42:10.000Z',
    timeZone: 'Europe/Berlin',
  }
}
