/**
 * Class S phrases ("suspects"): what Whisper most often writes over silence and noise, but also what
 * people really say ("Спасибо.", "Thank you.", "Bye."). A match alone never hides a segment; the
 * `suspect-phrase` rule needs independent evidence (Vexa-ai/vexa measured that a plain `en` list deletes real "Yeah." and "I don't
 * know.": the header of its `mixed-pipeline/src/hallucinations/mixed.txt`; kadirnar/voice-agent-next separates suspects).
 *
 * Entries are match keys (see `matchKey` in hallucinations.ts: lower case, ё→е, punctuation removed),
 * compared with the WHOLE segment's key.
 *
 * SOURCES:
 * - ru: `kadirnar/voice-agent-next` ru suspect "Спасибо."; `Bakuutin/mycelia` `python/lib/transcription.py`
 *   `remove_if_lonely` ("Спасибо.", "Дякую.", "Thank you.", "Okay."); Vexa ru.txt (" и", "Спасибо.");
 *   the same sources for Спасибо большое / Пока / До свидания / Спасибо за внимание; single "и", "а".
 * - en: `DSP-AGH/ICASSP2025_Whisper_Hallucination` `hallucination_list.csv` most frequent outputs on
 *   non-speech ("thank you" 30,054, "so" 4,614, "the" 3,030, "you" 2,713, "oh", "okay", "bye");
 *   Scicom README (`you` ×15 on silence, `Thank you.` ×173 on music, `The End` ×31 on music);
 *   m-bain/whisperX #1224 (a 0.16 s "you." between real sentences).
 * - other languages: Granary common_phrases (de "Vielen Dank" 518, fr "Merci" 79,917, es "Gracias" 166,346,
 *   it "Grazie", pl "Dziękuję", pt "Obrigado/Obrigada"), Vexa es/pt lists; voice-agent-next `SUSPECTS_BY_LANGUAGE`.
 * "Продолжение." (a cut-off "Продолжение следует") is added for this project: the end-card is class A,
 * its truncated form is a word people say.
 */
export const SUSPECT_PHRASES: ReadonlySet<string> = new Set([
  // ru / uk
  'спасибо',
  'спасибо большое',
  'большое спасибо',
  'спасибо вам',
  'спасибо вам большое',
  'спасибо за внимание',
  'пока',
  'пока пока',
  'до свидания',
  'всего доброго',
  'продолжение',
  'и',
  'а',
  'да',
  'дякую',
  // en
  'thank you',
  'thank you very much',
  'thank you so much',
  'thanks',
  'thank you all',
  'you',
  'bye',
  'bye bye',
  'goodbye',
  'so',
  'the',
  'oh',
  'okay',
  'ok',
  'the end',
  // de / fr / es / it / pt / pl
  'danke',
  'vielen dank',
  'merci',
  'gracias',
  'muchas gracias',
  'grazie',
  'obrigado',
  'obrigada',
  'dziękuję',
])
