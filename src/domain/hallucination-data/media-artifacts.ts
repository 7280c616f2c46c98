/**
 * Class A phrases ("media artifacts"): subtitle credits, video outros, TV end cards and sound captions
 * that Whisper learned from subtitled videos and writes over silence, music or noise. Nobody says them
 * as a whole utterance in an interview, so a whole-segment match is enough to hide the segment
 * (Vexa-ai/vexa `hallucination-filter.ts` matches whole segments; substring matching was rejected there because
 * "корректор" and "субтитры" occur in real speech).
 *
 * Patterns, not literals: the credits arrive in endless variants (other names, years, punctuation),
 * "an exact list loses to every new one" (Vexa `mixed.txt` header). Every regex is tested against a
 * normalized form of the WHOLE segment text (see `hallucinations.ts`):
 * - `key`  (default): NFKC, lower case, ё→е, every run of non-letters/digits → one space, trimmed.
 *   "Субтитры сделал «Симон»!" → `субтитры сделал симон`; "Amara.org" → `amara org`; "don't" → `don t`.
 * - `norm`: NFKC, lower case, ё→е, spaces collapsed, punctuation kept inside, stripped at the ends
 *   (used where a dot matters: `корректор а.егорова` is a credit, `корректор и редактор` is speech).
 * Regexes are anchored (^…$) unless they name a token no real sentence contains (`dimatorzok`,
 * `amara org`); those carry `maxWords`. JS `\b` is ASCII-only, so patterns use spaces and ^/$.
 *
 * SOURCES (phrases were written as patterns for this project; no list file is bundled):
 * - `DSP-AGH/ICASSP2025_Whisper_Hallucination` `BoH.csv` @ c6d6db17 (MIT, Barański et al., ICASSP 2025,
 *   arXiv 2501.11378) — the English entries marked "BoH n" (n = occurrences on non-speech audio).
 *   Only clear artifacts were taken: credits, channel plugs, sound captions; not "thank you", "so", "you",
 *   "oh i see", "i m not sure …" (things people say).
 * - `Vexa-ai/vexa` @ 4647c96e `core/meetings/modules/gmeet-pipeline/src/hallucinations/{ru,es,ja,tr}.txt`
 *   and `…/mixed-pipeline/src/hallucinations/mixed.txt` (Apache-2.0); Vexa ru.txt @ 8386d87 for
 *   "Спасибо за субтитры" / "Спасибо за просмотр".
 * - `NVIDIA/NeMo-speech-data-processor` @ 8cba6555 `dataset_configs/multilingual/granary/partials/common_phrases/
 *   <lang>.txt` (Apache-2.0) — "Granary <lang> n".
 * - Read but not copied (licence unknown), used only as evidence that a
 *   phrase is an artifact: `JSchmie/ScrAIbe` `scraibe/hallucinations.py`, `kadirnar/voice-agent-next`
 *   `stt_guard`, `meizhong986/WhisperJAV` `filter_list_v08.json`, sciencehistory/scihist_digicoll PR #3026,
 *   SYSTRAN/faster-whisper #621/#949, speaches-ai/speaches #133, SubtitleEdit `AudioToTextPostProcessor.cs`.
 */

/** What an artifact is; decides the reason shown to the user. */
export type ArtifactKind = 'subtitle-credit' | 'video-outro' | 'end-card' | 'music-caption' | 'sound-caption' | 'url-plug'

/** One class-A pattern. */
export interface ArtifactPattern {
  kind: ArtifactKind
  /** Tested against the whole segment's `key` form (default) or `norm` form. */
  re: RegExp
  on?: 'key' | 'norm'
  /** Only when the raw text reads as a caption: written in capitals or wrapped in brackets ("ДИНАМИЧНАЯ МУЗЫКА"). */
  captionOnly?: boolean
  /** The pattern is unanchored: match only segments of at most this many words. */
  maxWords?: number
  /**
   * Also matched as the last words of a real segment (a credit glued to speech, capped at 12 words like the `INVENTED_LIMIT` of a public Russian transcript cleaner).
   * Only for anchored credits that name a subtitler or service, never for phrases made of ordinary words.
   */
  tail?: boolean
  /** Ends on a lone initial ("…Корректор А"): a following one-word segment is the surname (Granary `bg.txt`). */
  fragment?: boolean
  /** ISO 639-1 language of the phrase, informative only: every pattern applies to every language. */
  lang: string
  /** A real emitted form. */
  example: string
  source: string
}

/** Russian past-tense verbs seen in subtitle credits ("Субтитры сделал/создавал/делал/добавил/подготовил/подогнал"). */
const RU_CREDIT_VERBS =
  '(?:сделал|сделала|сделали|создавал|создавала|создал|создала|делал|делала|добавил|добавила|подготовил|подготовила|' +
  'подогнал|подогнала|перевел|перевела|редактировал|редактировала|набивал|набивала)'

/** "А.Семкин", "А. Егорова", "А.С.Кулакова" in the `norm` form: initial(s) with dots, then a surname. */
const RU_PERSON = '(?:[а-яa-z]{1,2}\\.\\s*){1,2}[а-яa-z][а-яa-z-]*'

const re = (source: string): RegExp => new RegExp(source, 'u')

/** All class-A patterns, most specific first. */
export const ARTIFACT_PATTERNS: readonly ArtifactPattern[] = [
  // ── ru: subtitle credits ────────────────────────────────────────────────────────────────
  {
    // Tail form: only with a Latin nickname or a «quoted» name, so "…а субтитры сделал мой друг" stays.
    kind: 'subtitle-credit',
    // (`norm` strips punctuation at the ends, so the closing quote may be gone.)
    re: re(`^(?:субтитры|субтитрами) ${RU_CREDIT_VERBS} (?:[«"„“][^«»"„“]+[»"“]?|[a-z][a-z0-9_.-]*)$`),
    on: 'norm',
    tail: true,
    lang: 'ru',
    example: 'Субтитры подогнал «Симон»',
    source: 'Vexa ru.txt; Vexa mixed.txt regex `^(субтитры|…)`',
  },
  {
    kind: 'subtitle-credit',
    re: re('(?:^| )(?:dimatorzok|дима ?торзок)(?: |$)'),
    maxWords: 12,
    lang: 'ru',
    example: 'Субтитры создавал DimaTorzok',
    source:
      'Vexa mixed.txt `re:dimatorzok`, `re:дима\\s*торзок`; 12-word cap: INVENTED_LIMIT = 12 of a public Russian transcript cleaner',
  },
  {
    kind: 'subtitle-credit',
    re: re(`^редактор субтитров\\s+${RU_PERSON}(?:\\s*,?\\s*корректор\\s+${RU_PERSON})?$`),
    on: 'norm',
    tail: true,
    lang: 'ru',
    example: 'Редактор субтитров А.Семкин Корректор А.Егорова',
    source: 'Granary bg.txt (split fragments, 68k+ each); ScrAIbe ru entry (А.Синецкая / А.Кулакова); Vexa mixed.txt',
  },
  {
    // Role + any name + role + any name: two credit roles in one line are never speech.
    kind: 'subtitle-credit',
    re: re('^редактор субтитров \\S+(?: \\S+)? корректор \\S+(?: \\S+)?$'),
    tail: true,
    lang: 'ru',
    example: 'Редактор субтитров Анна Синецкая Корректор Анна Егорова',
    source: '`JSchmie/ScrAIbe` scraibe/hallucinations.py ru entry; variants with other surnames in public code, so a pattern, not a literal',
  },
  {
    kind: 'subtitle-credit',
    re: re(`^корректор\\s+${RU_PERSON}$`),
    on: 'norm',
    tail: true,
    lang: 'ru',
    example: 'Корректор А.Кулакова',
    source: 'ScrAIbe ru entry; the role + initial-dot-surname regex `[Кк]орректор\\s+[А-ЯЁ]\\.\\s*[А-ЯЁ][а-яё]+` of public transcript cleaners',
  },
  {
    kind: 'subtitle-credit',
    re: re('^редактор субтитров [а-я]$'),
    fragment: true,
    lang: 'ru',
    example: 'Редактор субтитров А.',
    source: 'Granary bg.txt "Редактор субтитров А" 68,129 (the credit split at its periods)',
  },
  {
    kind: 'subtitle-credit',
    re: re('^[а-я]+ корректор [а-я]$'),
    fragment: true,
    lang: 'ru',
    example: 'Семкин Корректор А.',
    source: 'Granary bg.txt "Семкин Корректор А" 68,602',
  },
  {
    kind: 'subtitle-credit',
    re: re('^спасибо за субтитры$'),
    lang: 'ru',
    example: 'Спасибо за субтитры Алексею Дубровскому!',
    source: 'Vexa ru.txt; Vexa mixed.txt `re:спасибо за субтитры`',
  },
  {
    kind: 'subtitle-credit',
    re: re('^спасибо за субтитры [а-яa-z]+ [а-яa-z]+$'),
    tail: true,
    lang: 'ru',
    example: 'Спасибо за субтитры Алексею Дубровскому!',
    source: 'Vexa ru.txt',
  },
  // ── ru/uk/bg: outros and end cards ──────────────────────────────────────────────────────
  {
    kind: 'end-card',
    re: re('^продолжение следует$'),
    lang: 'ru',
    example: 'Продолжение следует...',
    source: 'Vexa ru.txt + mixed.txt; Granary bg 114; OpenWhispr #1458 / PR #1723 (tails on trailing silence)',
  },
  {
    kind: 'video-outro',
    re: re('^(?:спасибо|благодарю|благодарим) (?:вам )?за просмотр$'),
    lang: 'ru',
    example: 'Спасибо за просмотр!',
    source: 'Vexa ru.txt @ 8386d87; voice-agent-next ru artifacts',
  },
  {
    kind: 'video-outro',
    re: re('^дякую за перегляд$'),
    lang: 'uk',
    example: 'Дякую за перегляд!',
    source: '`Bakuutin/mycelia` python/lib/transcription.py',
  },
  {
    kind: 'video-outro',
    re: re('^абонирайте се(?: за канала)?$'),
    lang: 'bg',
    example: 'Абонирайте се',
    source: 'Scicom-AI-Enterprise-Organization/Whisper-Hallucination combined lexicon (Granary bg, 2.3 M)',
  },
  // ── music and sound captions (SDH style) ────────────────────────────────────────────────
  {
    kind: 'music-caption',
    re: re('^динамичная музыка$'),
    lang: 'ru',
    example: 'ДИНАМИЧНАЯ МУЗЫКА',
    source: 'Vexa ru.txt + mixed.txt',
  },
  {
    // "СПОКОЙНАЯ МУЗЫКА", "[МУЗЫКА]", "(music)", "(upbeat music)"; only in capitals or brackets, so an
    // answer like "Спокойная музыка." stays.
    kind: 'music-caption',
    re: re('^(?:\\S+ ){0,2}(?:музыка|music)(?: playing| играет)?$'),
    captionOnly: true,
    lang: '*',
    example: 'СПОКОЙНАЯ МУЗЫКА',
    source: 'Vexa-ai/vexa ru.txt and mixed.txt (uppercase SDH captions); regex `(спокойная|динамичная|…) музыка` in public code',
  },
  {
    kind: 'music-caption',
    re: re('^(?:звучит|играет) (?:\\S+ )?музыка$'),
    captionOnly: true,
    lang: 'ru',
    example: 'ЗВУЧИТ МУЗЫКА',
    source: 'Vexa-ai/vexa ru.txt (SDH captions)',
  },
  {
    kind: 'music-caption',
    re: re('^outro music$'),
    lang: 'en',
    example: 'outro music',
    source: 'BoH 10',
  },
  {
    kind: 'sound-caption',
    re: re('^(?:beeping|bell rings|bells chiming|birds chirp|siren blares|fans roar)$'),
    lang: 'en',
    example: 'Beeping',
    source: 'BoH (beeping 264, bell rings 77, birds chirp 37, bells chiming 12, siren blares 9, fans roar 7)',
  },
  // ── en ──────────────────────────────────────────────────────────────────────────────────
  {
    kind: 'video-outro',
    re: re('^(?:(?:hello|hi|hey) (?:everyone|everybody|guys|friends) )?welcome (?:back )?to (?:my|our) channel$'),
    lang: 'en',
    example: 'Hi guys, welcome back to my channel.',
    source: 'BoH ("hello everyone welcome to my channel" 19, "welcome to my channel" 7, "hi guys welcome back …" 6)',
  },
  {
    kind: 'video-outro',
    re: re('^we ll be right back$'),
    lang: 'en',
    example: "We'll be right back.",
    source: 'BoH 27; Vexa mixed.txt',
  },
  {
    kind: 'subtitle-credit',
    // Not preceded/followed by a Latin letter ("tamara organised" stays); CJK may touch it ("字幕由amara org社区提供").
    re: re('(?:^|[^a-z])amara org(?:[^a-z]|$)'),
    maxWords: 20,
    lang: '*',
    example: 'Subtitles by the Amara.org community',
    source: 'BoH 560; ScrAIbe (de/fr/es/it/pt/pl/nl variants); voice-agent-next `Amara\\.org`; zh: speaches #133',
  },
  {
    kind: 'subtitle-credit',
    re: re(
      '^(?:subtitles|subtitled|subtítulos|subtitulos|sottotitoli|sous titres|sous titrage|legendas|napisy|' +
        'ondertiteld|ondertiteling|untertitel|субтитры|титры)(?: \\S+){0,8} amara org(?: \\S+){0,3}$',
    ),
    tail: true,
    lang: '*',
    example: 'Sottotitoli creati dalla comunità Amara.org',
    source: '`JSchmie/ScrAIbe` scraibe/hallucinations.py (Amara variants)',
  },
  {
    kind: 'subtitle-credit',
    re: re('^transcription by castingwords$'),
    tail: true,
    lang: 'en',
    example: 'Transcription by CastingWords',
    source: 'sciencehistory/scihist_digicoll PR #3026',
  },
  {
    kind: 'subtitle-credit',
    re: re('^transcript emily beynon$'),
    tail: true,
    lang: 'en',
    example: '© transcript Emily Beynon',
    source: 'BoH "transcript emily beynon" 66; sciencehistory/scihist_digicoll PR #3026',
  },
  {
    kind: 'subtitle-credit',
    re: re('^(?:transcription|transcribed) by eso(?: (?:translation|translated) by(?: \\S+){0,3})?$'),
    tail: true,
    lang: 'en',
    example: 'Transcription by ESO. Translation by —',
    source: 'BoH ("transcription by eso translation by" 21, "transcribed by eso translated by" 8)',
  },
  {
    kind: 'subtitle-credit',
    re: re('^tanya cushman reviewer(?: s)?$'),
    lang: 'en',
    example: "Tanya Cushman Reviewer's",
    source: 'BoH 14 + 6 (TED credit)',
  },
  {
    kind: 'video-outro',
    re: re(
      '^(?:bf watch tv(?: \\d{4})?|(?:www )?mooji org|satsang with mooji|audio ?jungle|' +
        'jack link s jerky feed your wild side)$',
    ),
    lang: 'en',
    example: 'BF-WATCH TV 2021',
    source:
      'BoH ("bf watch tv 2021" 345, "satsang with mooji" 5, "audiojungle" 6, "jack link s jerky …" 5); ' +
      'www.mooji.org: sciencehistory/scihist_digicoll PR #3026',
  },
  // ── de ──────────────────────────────────────────────────────────────────────────────────
  {
    kind: 'subtitle-credit',
    re: re(
      '^untertitel (?:im auftrag )?(?:des|der|von|vom) (?:zdf|wdr|swr|ard|ndr|br|mdr|hr|rbb)' +
        '(?: für funk)?(?: \\d{4})?$',
    ),
    tail: true,
    lang: 'de',
    example: 'Untertitel im Auftrag des ZDF für funk, 2017',
    source: 'ScrAIbe; voice-agent-next `Untertitel im Auftrag des (ZDF|WDR…)`; years 2016–2021 vary',
  },
  {
    kind: 'subtitle-credit',
    re: re('^(?:copyright )?(?:wdr|zdf|swr) \\d{4}$'),
    lang: 'de',
    example: 'Copyright WDR 2021',
    source: 'kadirnar/voice-agent-next ARTIFACT_PATTERNS; SYSTRAN/faster-whisper #949',
  },
  {
    kind: 'video-outro',
    re: re('^vielen dank (?:fürs|für das|für s) zuschauen$'),
    lang: 'de',
    example: 'Vielen Dank fürs Zuschauen',
    source: '`JSchmie/ScrAIbe` scraibe/hallucinations.py (de); kadirnar/voice-agent-next',
  },
  // ── fr / es / it / pt / pl / nl / da / no / cs / el / tr ─────────────────────────────────
  {
    kind: 'subtitle-credit',
    re: re('(?:^| )soustitreur com$'),
    maxWords: 6,
    lang: 'fr',
    example: '❤️ par SousTitreur.com',
    source: 'ScrAIbe (fr); NVIDIA/NeMo-speech-data-processor Granary fr.txt; kadirnar/voice-agent-next',
  },
  {
    kind: 'video-outro',
    re: re('^(?:merci d avoir regardé cette vidéo|merci à mes tipeurs et souscripteurs)$'),
    lang: 'fr',
    example: "Merci d'avoir regardé cette vidéo",
    source: 'Granary fr (1,066 and 650)',
  },
  {
    kind: 'video-outro',
    re: re('^gracias por ver (?:el|este) v[ií]deo$'),
    lang: 'es',
    example: '¡Gracias por ver el video!',
    source: 'Granary es 188,372; Vexa es.txt + mixed.txt',
  },
  {
    kind: 'subtitle-credit',
    re: re('^cc por antarctica films argentina$'),
    lang: 'es',
    example: 'CC por Antarctica Films Argentina',
    source: 'Granary es 17,436',
  },
  {
    kind: 'video-outro',
    re: re('^(?:dziękuję za oglądanie|bedankt voor het kijken)$'),
    lang: 'pl',
    example: 'Dziękuję za oglądanie',
    source: 'kadirnar/voice-agent-next (pl); ithaka #96 (nl "Bedankt voor het kijken")',
  },
  {
    kind: 'subtitle-credit',
    re: re('^(?:danske tekster af|tekstet av) nicolai winther$'),
    tail: true,
    lang: 'da',
    example: 'Danske tekster af Nicolai Winther',
    source: 'SubtitleEdit `src/libse/AudioToText/AudioToTextPostProcessor.cs`; voice-agent-next (no)',
  },
  {
    kind: 'video-outro',
    re: re(
      '^(?:(?:kanalıma )?abone olmayı unutmayın(?:ız)?|beni takip etmeyi unutmayın|' +
        'izlediğiniz için teşekkür(?:ler| ederim)|bir sonraki videoda görüşmek üzere)$',
    ),
    lang: 'tr',
    example: 'İzlediğiniz için teşekkürler',
    source: 'Vexa tr.txt + mixed.txt',
  },
  {
    kind: 'subtitle-credit',
    re: re('^altyazı m k$'),
    lang: 'tr',
    example: 'Altyazı M.K.',
    source: 'Vexa-ai/vexa gmeet-pipeline tr.txt',
  },
  // ── ja / zh / ko (no spaces between words: anchored whole strings) ────────────────────────
  {
    kind: 'video-outro',
    re: re(
      '^(?:最後まで)?ご視聴(?:いただき)?(?:ありがとうございました|ありがとうございます)$|' +
        '^(?:高評価と)?チャンネル登録(?:を)?(?:お願いします|よろしくお願いします)$|^(?:また)?(?:次の|次回の)動画でお会いしましょう$',
    ),
    lang: 'ja',
    example: 'ご視聴ありがとうございました',
    source: 'Vexa ja.txt + mixed.txt; WhisperJAV filter_list_v08.json; amicalhq/amical #71',
  },
  {
    kind: 'video-outro',
    re: re('明镜与点点栏目|^请不吝点赞'),
    maxWords: 8,
    lang: 'zh',
    example: '请不吝点赞 订阅 转发 打赏支持明镜与点点栏目',
    source: 'meizhong986/WhisperJAV filter_list_v08.json; speaches-ai/speaches #133',
  },
  {
    kind: 'video-outro',
    re: re('^시청해 ?주셔서 감사합니다$|^mbc 뉴스 \\S+입니다$'),
    lang: 'ko',
    example: '시청해주셔서 감사합니다',
    source: 'meizhong986/WhisperJAV filter_list_v08.json',
  },
]

/**
 * A cheap pre-check on a segment's `key` form: a glued credit (patterns with `tail: true`) can only be
 * present when one of these words is. Keep in sync with the tail patterns (a test checks every example).
 */
export const TAIL_HINT = /субтитр|корректор|amara|castingwords|beynon|transcri|untertitel|winther|titulky/u
