/**
 * Families of media artifacts, written as small grammars rather than phrase lists: credits (subtitles,
 * captions, transcription, translation, broadcaster and year), outros and calls to action, and URL/domain
 * plugs, in the languages Whisper writes them in. Whisper learned them from the ends of subtitled videos
 * (Radford et al., "Robust Speech Recognition via Large-Scale Weak Supervision", 2022, on training data from
 * the web; Barański et al., ICASSP 2025, arXiv 2501.11378, on outputs over non-speech audio).
 *
 * Every family is matched against a WHOLE sentence (or the whole segment), never a prefix, after folding:
 * NFKD with diacritics removed, lower case, ё→е, ß→ss, ł→l, ø→o, æ→ae, apostrophes dropped, every other
 * run of non-letters/digits → one space. Cyrillic and Greek are also transliterated to Latin, so a name
 * written in either script ("Дима Торзок" / "DimaTorzok") meets the same pattern.
 *
 * Strength (what the filter needs besides the match, see hallucinations.ts):
 * - `strong`: subtitle/caption credits, broadcaster credits with a year, the Amara.org credit: hidden even
 *   over clear speech (nobody reads out a subtitle credit in an interview).
 * - `medium`: outros, calls to subscribe, URL plugs, translation/editing credits: people do say these
 *   (a YouTuber, a podcaster, a translator), so they are hidden only where the audio holds no clear speech
 *   or when no speech map exists.
 */

/** Which family matched. */
export type FamilyId = 'credit' | 'broadcaster-credit' | 'outro' | 'call-to-action' | 'url-plug'

export type Strength = 'strong' | 'medium'

export interface FamilyMatch {
  family: FamilyId
  strength: Strength
  /** What the matched text is, in plain English, for the reason shown to the user. */
  what: string
}

// ---------------------------------------------------------------------------------------------
// Folding
// ---------------------------------------------------------------------------------------------

const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ж: 'zh', з: 'z', и: 'i', й: 'i', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh',
  щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'iu', я: 'ia', і: 'i', ї: 'i', є: 'ie', ґ: 'g', ў: 'u',
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm', ν: 'n',
  ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps', ω: 'o',
}

/**
 * Folded form of a text (see the module comment). "Sous-titrés par la communauté d'Amara.org" →
 * `sous titres par la communaute damara org`… except that apostrophes inside a word join it
 * ("don't" → `dont`) while an apostrophe before a capital or after a single letter splits (`d amara org`).
 */
export function fold(text: string): string {
  return text
    .replace(/\b([dDlLjJnNsScCmMtT])['’](?=\p{L})/gu, '$1 ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/ı/g, 'i')
    .replace(/đ/g, 'd')
    .replace(/['’`´ʼ]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/** `fold` with Cyrillic and Greek letters transliterated to Latin. */
export function latinize(folded: string): string {
  return folded.replace(/[\u0370-\u03ff\u0400-\u04ff]/g, (c) => CYRILLIC[c] ?? c)
}

// ---------------------------------------------------------------------------------------------
// Grammar helpers (patterns are written already folded: lower case, no diacritics)
// ---------------------------------------------------------------------------------------------

const alt = (...xs: string[]): string => `(?:${xs.join('|')})`
const opt = (x: string): string => `(?:${x} )?`
const pre = (x: string): string => `(?: ${x})?`
/** Up to two optional trailing parts ("…to my channel if you like my video"). */
const tails = (x: string): string => `(?: ${x}){0,2}`
/** Patterns are folded like the text (NFKD, marks removed), so "мой", "ご視聴" and "zuhören" meet their folded text. */
const mk = (src: string): RegExp => new RegExp(src.normalize('NFKD').replace(/\p{M}/gu, ''), 'u')
const whole = (src: string): RegExp => mk(`^${src}$`)

// ── outros ─────────────────────────────────────────────────────────────────────────────────
const THANKS = alt(
  'thanks', 'thank you', 'thank u', 'many thanks', 'big thanks', 'спасибо', 'благодарю', 'благодарим', 'дякую', 'дякуємо',
  'danke', 'vielen dank', 'danke schon', 'herzlichen dank', 'merci', 'merci beaucoup', 'gracias', 'muchas gracias',
  'grazie', 'grazie mille', 'obrigado', 'obrigada', 'muito obrigado', 'muito obrigada', 'dziekuje', 'dziekujemy', 'dzieki',
  'bedankt', 'dank je wel', 'dank u wel', 'dank jullie wel', 'tack', 'tack sa mycket', 'tak', 'mange tak', 'takk', 'tusen takk',
  'kiitos', 'dekuji', 'diky', 'dakujem', 'koszonom', 'multumesc', 'hvala', 'ευχαριστω', 'ευχαριστουμε', 'дуже дякую',
)
const THANKS_ADV = opt(alt('so much', 'very much', 'a lot', 'all', 'guys', 'everyone', 'everybody', 'вам', 'всем', 'вам большое', 'большое', 'огромное', 'вам всем', 'a todos', 'a tutti', 'a tous', 'allen', 'euch', 'wszystkim', 'iedereen', 'alle', 'kaikille'))
const VIDEO = alt('video', 'videos', 'episode', 'clip', 'stream', 'broadcast', 'видео', 'ролик', 'выпуск', 'эфир', 'видеоролик', 'vid', 'folge', 'sendung', 'emission', 'episodio', 'filmik', 'aflevering', 'avsnitt')
const THIS = alt('this', 'the', 'my', 'our', 'это', 'этот', 'наш', 'мой', 'dieses', 'das', 'diese', 'die', 'cette', 'la', 'le', 'ce', 'el', 'este', 'esta', 'il', 'questo', 'o', 'ao', 'este', 'ten', 'deze', 'het', 'den', 'denna', 'bu')
const FOR_WATCHING = alt(
  `for ${alt('watching', 'viewing', 'tuning in', 'listening', 'watching and listening')}${pre(THIS + ' ' + VIDEO)}`,
  `за ${alt('просмотр', 'просмотр видео', 'просмотр этого видео', 'просмотр ролика', 'внимание к видео', 'то что посмотрели', 'то что смотрели', 'то что досмотрели', 'то что досмотрели до конца', 'перегляд', 'перегляд відео')}`,
  `что ${alt('смотрели', 'посмотрели', 'досмотрели', 'досмотрели до конца', 'были с нами')}${pre(alt('это видео', 'до конца'))}`,
  `що ${alt('дивилися', 'подивилися', 'дивились')}`,
  `${alt('fur', 'furs', 'fur das', 'fur s', 'fur ihr', 'fur eure')} ${alt('zuschauen', 'zusehen', 'anschauen', 'zuhoren', 'interesse')}`,
  `${alt('d avoir', 'de nous avoir', 'de m avoir', 'de avoir', 'pour avoir')} ${alt('regarde', 'regardee', 'suivi', 'ecoute', 'visionne')}${pre(alt('cette video', 'la video', 'cet episode', 'jusqu au bout'))}`,
  `${alt('por', 'por haber')} ${alt('ver', 'mirar', 'vernos', 'visto', 'escuchar', 'su atencion al video')}${pre(alt('el video', 'este video', 'mi video', 'el episodio', 'hasta el final'))}`,
  `per ${alt('la visione', 'aver guardato', 'aver visto', 'la vostra visione', 'l ascolto', 'averci seguito', 'la tua visione')}${pre(alt('il video', 'questo video'))}`,
  `por ${alt('assistir', 'assistirem', 'ter assistido', 'ver', 'verem')}${pre(alt('o video', 'ao video', 'este video', 'esse video', 'ate o final'))}`,
  `za ${alt('obejrzenie', 'ogladanie', 'wysluchanie', 'sledovani', 'zhlednuti', 'pozornost a sledovani')}`,
  `voor het ${alt('kijken', 'luisteren')}`,
  `${alt('for att du', 'for att ni', 'fordi du', 'fordi i', 'for at du', 'for at dere')} ${alt('tittade', 'tittat', 'lyssnade', 'sa med', 'sag med', 'sa pa', 'har sett', 'fulgte med')}`,
  `${alt('for', 'fur')} ${alt('tittandet', 'at se med', 'seingen')}`,
  `${alt('katsomisesta', 'kun katsoit', 'kun katsoitte', 'kuuntelemisesta')}`,
  `${alt('hogy megnezted', 'hogy megnezte', 'a megtekintest', 'a figyelmet es a megtekintest')}`,
  `${alt('ca ati urmarit', 'pentru vizionare')}`,
  `${alt('sto ste gledali', 'na gledanju')}`,
  `${alt('που παρακολουθησατε', 'για την παρακολουθηση')}`,
)
const OUTRO_CLAUSES = [
  `${opt(alt('всем', 'и всем', 'огромное', 'большое', 'ещё раз', 'еще раз', 'once again', 'again', 'so', 'and'))}${THANKS} ${THANKS_ADV}${FOR_WATCHING}`,
  // Verb-last languages and fixed outros.
  `${alt('izlediginiz', 'izledigin', 'izlediginiz ve dinlediginiz')} icin ${alt('tesekkurler', 'tesekkur ederim', 'tesekkur ederiz', 'cok tesekkurler')}`,
  `${alt('kiitos', 'kiitoksia')} ${alt('katsomisesta', 'kun katsoitte', 'kun katsoit', 'katselusta')}`,
  `${alt('see you', 'see ya', 'catch you', 'i ll see you', 'ill see you', 'well see you', 'we ll see you')} ${alt('in the next', 'next', 'in my next', 'in our next', 'on the next')} ${alt('video', 'one', 'episode', 'time')}`,
  `${alt('увидимся', 'до встречи', 'до новых встреч', 'встретимся')} ${alt('в следующем', 'в новом', 'в следующих')} ${alt('видео', 'выпуске', 'ролике', 'эфире', 'видеороликах', 'выпусках')}`,
  `${alt('bis zum nachsten', 'wir sehen uns im nachsten', 'bis zum nachsten mal im')} ${alt('video', 'mal', 'folge')}`,
  `${alt('a bientot', 'on se retrouve', 'rendez vous', 'a la prochaine')} ${alt('pour une nouvelle video', 'dans la prochaine video', 'dans une prochaine video', 'pour la prochaine video')}`,
  `${alt('nos vemos', 'hasta', 'te veo')} ${alt('en el proximo', 'el proximo', 'en el siguiente', 'en un proximo')} ${alt('video', 'episodio')}`,
  `${alt('ci vediamo', 'alla prossima')} ${alt('nel prossimo', 'al prossimo')} ${alt('video', 'episodio')}`,
  `${alt('ate', 'nos vemos')} ${alt('o proximo', 'no proximo', 'a proxima')} ${alt('video', 'episodio')}`,
  `do ${alt('zobaczenia', 'uslyszenia')} w ${alt('nastepnym', 'kolejnym')} ${alt('odcinku', 'filmiku', 'filmie')}`,
  `${alt('tot de volgende', 'tot in de volgende')} ${alt('video', 'keer')}`,
  `bir sonraki videoda ${alt('gorusmek uzere', 'gorusuruz')}`,
  // CJK, Korean, Arabic, Hebrew, Hindi: whole fixed outros (no spaces to fold around).
  alt('谢谢观看', '感谢观看', '感谢收看', '谢谢收看', '谢谢大家观看', '謝謝觀看', '感謝觀看', '谢谢您的观看', '感谢您的观看'),
  alt('ご視聴ありがとうございました', 'ご視聴ありがとうございます', '最後までご視聴いただきありがとうございました', '見てくれてありがとう', 'ご覧いただきありがとうございました'),
  alt('시청해 주셔서 감사합니다', '시청해주셔서 감사합니다', '봐주셔서 감사합니다', '시청 감사합니다', '끝까지 시청해주셔서 감사합니다'),
  alt('شكرا للمشاهدة', 'شكرا على المشاهدة', 'شكرا لكم على المشاهدة', 'شكرا لمشاهدتكم'),
  alt('תודה שצפיתם', 'תודה על הצפייה'),
  alt('देखने के लिए धन्यवाद', 'देखने के लिए शुक्रिया'),
]

// ── calls to action ─────────────────────────────────────────────────────────────────────────
/** Farewells and purpose tails that only count next to an outro or a call to action ("…and I will see you next time!"). */
const FAREWELLS = [
  alt('чтобы не пропустить новые видео', 'чтобы не пропустить новые выпуски', 'чтобы не пропустить новое видео', 'so you dont miss any videos', 'so you never miss a video', 'to never miss a video', 'so you dont miss the next one', 'pour ne rien rater', 'pour ne pas rater les prochaines videos', 'para no perderte ningun video', 'para no perderte nada', 'um kein video zu verpassen', 'per non perdere nessun video', 'para nao perder nenhum video', 'aby nie przegapic nowych filmow'),
  `${opt(alt('i will', 'ill', 'i ll', 'we will', 'well', 'we ll', 'and i will', 'and ill', 'and we will'))}see you ${alt('next time', 'soon', 'later', 'tomorrow', 'next week', 'in the next one', 'in the next video', 'there')}`,
  alt('bye', 'bye bye', 'goodbye', 'take care', 'peace', 'cheers', 'пока', 'всем пока', 'до свидания', 'до встречи', 'до новых встреч', 'tschuss', 'bis bald', 'bis zum nachsten mal', 'au revoir', 'a bientot', 'a la prochaine', 'adios', 'hasta luego', 'hasta la proxima', 'ciao', 'alla prossima', 'tchau', 'ate a proxima', 'do zobaczenia', 'tot ziens', 'hej da', 'hej hej', 'nakemiin', 'gorusmek uzere', 'またね', 'さようなら', '再见', '안녕'),
]
const CHANNEL = alt('channel', 'channels', 'канал', 'каналы', 'kanal', 'kanaal', 'kanalen', 'kanalu', 'chaine', 'canal', 'canale', 'kanavalle', 'kanalim', 'kanalima', 'κανάλι')
const CTA_CLAUSES = [
  // en: at least one of subscribe / channel / bell / like button, and nothing but CTA words around it.
  `${opt(alt('please', 'so', 'and', 'also', 'guys'))}${opt(alt('dont forget to', 'do not forget to', 'make sure to', 'make sure you', 'be sure to', 'remember to'))}` +
    `${alt('subscribe', 'like and subscribe', 'like comment and subscribe', 'like share and subscribe', 'like comment share and subscribe', 'like share comment and subscribe', 'like share and comment', 'subscribe and like', 'subscribe like and share', 'hit the like button', 'hit that like button', 'smash the like button', 'smash that like button', 'hit the bell', 'hit the subscribe button', 'click the subscribe button', 'hit subscribe', 'click subscribe', 'turn on notifications', 'like this video', 'like the video', 'share this video', 'share the video', 'comment below', 'leave a comment below', 'let me know in the comments', 'let us know in the comments')}` +
    `${tails(alt(`to ${alt('my', 'our', 'the', 'this')} ${CHANNEL}`, 'for more', 'for more videos', 'if you enjoyed', 'if you liked this video', 'if you enjoyed this video', 'if you like my video', 'if you like this video', 'if you like the video', 'if you liked it', 'if you like it', 'if you enjoyed it', 'if you want more', 'and hit the bell', 'and hit the bell icon', 'and ring the bell', 'and turn on notifications'))}`,
  `${opt(alt('не забудьте', 'не забывайте'))}${alt('подписывайтесь', 'подпишитесь', 'подписаться', 'подписывайтесь и ставьте лайки', 'ставьте лайки', 'ставьте лайк', 'поставьте лайк', 'поставить лайк', 'ставьте палец вверх', 'ставьте лайки и подписывайтесь', 'ставьте лайк и подписывайтесь', 'жмите колокольчик', 'нажмите на колокольчик', 'нажимайте на колокольчик', 'жмите на колокольчик', 'підписуйтесь', 'ставте лайк', 'ставте лайки', 'подпишись')}` +
    `${pre(alt(`на ${opt(alt('наш', 'мой', 'этот', 'нашь', 'мій', 'наш'))}${CHANNEL}`, `на ${opt(alt('наш', 'мой'))}${CHANNEL} и ${alt('ставьте лайки', 'ставьте лайк', 'жмите колокольчик', 'нажимайте на колокольчик')}`, 'и ставьте лайки', 'и ставьте лайк', 'и подписывайтесь на канал', 'чтобы не пропустить новые видео', 'чтобы не пропустить новые выпуски'))}`,
  `${alt('abonniert', 'abonniere', 'abonnieren sie', 'vergesst nicht zu abonnieren', 'vergiss nicht zu abonnieren', 'lasst ein abo da', 'lasst einen daumen hoch da', 'lass ein abo da')}${pre(alt(`${alt('den', 'meinen', 'unseren', 'diesen')} kanal`, 'und lasst einen daumen hoch da', 'den kanal und lasst ein like da'))}`,
  `${opt(alt('n oubliez pas de', 'noubliez pas de'))}${alt('abonnez vous', 'abonne toi', 'vous abonner', 'vous abonner a la chaine', 'liker la video', 'laisser un like', 'laissez un like', 'laissez un pouce bleu', 'mettre un pouce bleu')}${pre(alt('a la chaine', 'a ma chaine', 'a notre chaine', 'et activez la cloche', 'pour ne rien rater'))}`,
  `${opt(alt('no olvides', 'no te olvides de', 'no olviden'))}${alt('suscribete', 'suscribirte', 'suscribanse', 'suscribirse', 'dale like', 'dale me gusta', 'deja tu like', 'activa la campanita', 'dejar tu like')}${pre(alt(`${alt('a', 'al', 'a mi', 'a nuestro', 'en el')} ${CHANNEL}`, 'y dale like', 'y activa la campanita', 'para mas videos'))}`,
  `${opt(alt('non dimenticate di', 'non dimenticare di', 'ricordatevi di'))}${alt('iscriviti', 'iscrivetevi', 'iscrivervi', 'iscriverti', 'lascia un like', 'lasciate un like', 'metti mi piace')}${pre(alt(`al ${CHANNEL}`, `al mio ${CHANNEL}`, 'e attiva la campanella'))}`,
  `${opt(alt('nao esqueca de', 'nao se esqueca de', 'nao esquecam de'))}${alt('inscreva se', 'se inscreva', 'se inscrever', 'inscrevam se', 'deixe seu like', 'deixe o seu like', 'deixa o like', 'ative o sininho', 'ativem o sininho')}${pre(alt(`no ${CHANNEL}`, `no meu ${CHANNEL}`, `no nosso ${CHANNEL}`, 'e ative o sininho', 'e deixe seu like'))}`,
  `${opt(alt('nie zapomnij', 'nie zapomnijcie'))}${alt('subskrybuj', 'subskrybujcie', 'zasubskrybuj', 'zasubskrybowac', 'zasubskrybujcie', 'zostaw lajka', 'zostawcie lajka', 'daj lajka', 'dajcie lapke w gore')}${pre(alt(`${CHANNEL}`, `moj ${CHANNEL}`, 'i zostaw lajka'))}`,
  `${alt('abonneer', 'abonneer je', 'vergeet niet te abonneren', 'vergeet je niet te abonneren')}${pre(alt(`op ${alt('het', 'mijn', 'ons')} ${CHANNEL}`))}`,
  `${alt('prenumerera', 'glom inte att prenumerera', 'abonner', 'husk at abonnere', 'abonner pa kanalen', 'tilaa kanava', 'muista tilata kanava')}${pre(alt('pa kanalen', 'pa min kanal'))}`,
  `${opt('[^ ]+')}${alt('abone olun', 'abone ol', 'abone olmayi unutmayin', 'abone olmayi unutmayiniz', 'begenmeyi unutmayin', 'abone olmayi ve begenmeyi unutmayin')}`,
  alt('odebirejte', 'odebirejte kanal', 'nezapomente odebirat', 'абонирайте се', 'абонирайте се за канала', 'εγγραφειτε στο καναλι', 'iratkozz fel', 'aboneaza te', 'pretplatite se'),
  alt('チャンネル登録お願いします', 'チャンネル登録よろしくお願いします', 'チャンネル登録をお願いします', '高評価とチャンネル登録お願いします', '高評価とチャンネル登録をお願いします', 'チャンネル登録と高評価お願いします', '구독과 좋아요 부탁드립니다', '구독 좋아요 부탁드립니다', '구독과 좋아요', '구독 부탁드립니다', '请订阅我的频道', '请订阅', '订阅我的频道', '请点赞订阅', '点赞订阅', '请不吝点赞 订阅 转发 打赏支持明镜与点点栏目', '请不吝点赞订阅转发打赏支持明镜与点点栏目', '記得訂閱', '请订阅点赞', 'اشتركوا في القناة', 'اشترك في القناة', 'لا تنسوا الاشتراك في القناة'),
]

// ── URL / domain plugs (matched on a form where every web address became ZZDOMAIN) ─────────────
const DOMAIN_RE =
  /(?:https?:\/\/)?(?:www\.)?(?:[\p{L}\p{N}-]+\.)+(?:com|org|net|ru|de|fr|es|it|io|tv|uk|co|info|me|pl|nl|eu|рф|ua|br|jp|cn|kr|gov|edu|be|ch|at|se|no|dk|fi|cz|pt|tr|gr|us|ca|au|in|biz|online|site|app|ly|fm)(?:\/[^\s]*)?(?![\p{L}\p{N}])/giu
const SPOKEN_WWW = /\bw\s?w\s?w\s+(?:dot\s+)?([a-z0-9-]+)\s+(?:dot\s+)?(com|org|net|ru|de|fr|tv|co)\b/gu
const Z = 'zzdomain'
const PLUG_LEAD = alt(
  'for more information', 'for more info', 'for further information', 'for more details', 'for more information please', 'for more information visit',
  'for more information please visit', 'for more information go to', 'for more info visit', 'for more information check out', 'for more videos visit',
  'please visit', 'visit', 'visit us at', 'visit us on', 'visit our website at', 'visit our website', 'visit my website', 'go to', 'head over to', 'head to',
  'check out', 'check us out at', 'find us at', 'find us on', 'find out more at', 'learn more at', 'more at', 'more info at', 'more information at',
  'read more at', 'read more on', 'available at', 'available on', 'brought to you by', 'sponsored by', 'presented by', 'produced by', 'support us at', 'donate at',
  'подробнее на', 'подробности на', 'больше информации на', 'больше на', 'посетите', 'посетите наш сайт', 'заходите на', 'заходите на наш сайт', 'переходите на', 'переходите по ссылке', 'наш сайт', 'сайт', 'поддержать проект',
  'mehr infos unter', 'mehr infos auf', 'mehr informationen unter', 'mehr informationen auf', 'besuchen sie', 'besucht uns auf', 'mehr unter',
  'plus d infos sur', 'plus d informations sur', 'plus d info sur', 'rendez vous sur', 'retrouvez nous sur', 'retrouvez nous', 'visitez',
  'mas informacion en', 'para mas informacion visita', 'visita', 'visitanos en', 'visite', 'visite nosso site', 'mais informacoes em', 'acesse', 'acessem',
  'per maggiori informazioni visita', 'per maggiori informazioni', 'visitate', 'visita il sito', 'odwiedz', 'odwiedzcie', 'wiecej informacji na', 'wiecej na',
  'ga naar', 'meer informatie op', 'kijk op', 'besok', 'las mer pa', 'lisatietoja', 'daha fazla bilgi icin', 'navstivte',
  // The same leads without their preposition, and "on (our) site" forms.
  'more info', 'more information', 'mas informacion', 'mais informacoes', 'mais informacao', 'plus d infos', 'plus d informations', 'mehr infos', 'mehr informationen', 'wiecej informacji', 'meer informatie', 'maggiori informazioni', 'подробнее', 'подробности', 'больше информации', 'подробнее на сайте', 'на сайте', 'на нашем сайте', 'подробнее на нашем сайте', 'больше информации на сайте',
)
const PLUG_TAIL = opt(alt('for more', 'for more information', 'for more info', 'for more details', 'for more videos', 'to learn more', 'to find out more', 'to support us', 'today', 'now', 'right now', 'for the full story', 'for the transcript', 'and subscribe'))
const URL_PLUG_CLAUSES = [
  // "Learn more, search: X" (zh), written without spaces; the folded form puts one at each comma/colon.
  `${alt('了解更多', '更多资讯', '更多資訊', '更多信息', '详情', '詳情')} ${alt('请搜寻', '請搜尋', '请搜索', '請搜索', '搜索', '搜尋', '请访问', '請訪問', '请关注', '請關注')}(?: [^ ]+){1,4}`,
  `${opt(alt('www', 'http', 'https'))}${Z}`,
  `${PLUG_LEAD} ${opt(alt('our website', 'our site', 'my website', 'the website', 'our web site', 'наш сайт', 'unsere website', 'notre site', 'nuestro sitio', 'nuestra web', 'il nostro sito', 'nosso site', 'nasza strone', 'onze website'))}${opt(alt('at', 'on', 'на', 'unter', 'auf', 'sur', 'en', 'em', 'su', 'na', 'op', 'pa', 'www'))}${Z}${PLUG_TAIL.trimEnd()}`,
  `${Z} ${alt('for more', 'for more information', 'for more info', 'for more details', 'for more videos')}`,
]

// ── credits ─────────────────────────────────────────────────────────────────────────────────
/** Subtitle, caption and transcription roles: what Whisper learned from subtitle files (strong). */
const SUB_ROLE = alt(
  'subtitles', 'subtitle', 'subtitled', 'subtitling', 'subtitler', 'captions', 'caption', 'captioned', 'captioning', 'closed captioning', 'closed captions', 'closed captioned',
  'transcription', 'transcribed', 'transcript', 'transcripts', 'english subtitles', 'english captions', 'subs',
  'субтитры', 'субтитров', 'субтитрами', 'редактор субтитров', 'корректор субтитров', 'автор субтитров', 'перевод субтитров', 'переводчик субтитров', 'субтитры и перевод', 'перевод и субтитры', 'русские субтитры', 'субтитри', 'субтитрувальниця', 'субтитрувальник', 'субтитрирование',
  'untertitel', 'untertitelung', 'deutsche untertitel', 'sous titres', 'sous titrage', 'sous titre', 'sous titres realises', 'sous titrage realise',
  'subtitulos', 'subtitulado', 'subtitulacion', 'subtitulos realizados', 'sottotitoli', 'sottotitolato', 'sottotitoli creati', 'sottotitoli e revisione', 'legendas', 'legenda', 'legendado', 'legendagem',
  'napisy', 'napisy stworzone', 'napisy wykonane', 'napisy przygotowane', 'ondertiteling', 'ondertiteld', 'ondertitels', 'undertexter', 'textning', 'svensk text', 'danske tekster', 'tekster', 'tekstet', 'norske tekster', 'tekstitys', 'tekstitys ja suomennos', 'undertekster', 'undertekst', 'tekstning', 'norsk tekst',
  'titulky', 'titulky vytvoril', 'altyazi', 'altyazilar', 'υποτιτλοι', 'υποτιτλισμος', 'feliratok', 'felirat', 'subtitrare', 'subtitrari', 'titlovi', 'prevod i titlovi',
  '字幕', '字幕组', '字幕制作', '字幕翻译', '中文字幕', '字幕提供', '자막', '자막 제공', '字幕作成',
)
/** Translation and editing roles: real people do these and say so (medium). */
const WORK_ROLE = alt(
  'translation', 'translated', 'translator', 'translations', 'editing', 'edited', 'editor', 'editors', 'proofreading', 'proofread', 'proofreader', 'timing', 'synchronization', 'sync', 'synced', 'resync', 'corrections', 'encoded', 'ripped', 'revision', 'review', 'reviewer', 'reviewers',
  'перевод', 'переводчик', 'переводчица', 'редактор', 'редакторы', 'редактура', 'корректор', 'корректура', 'тайминг', 'синхронизация', 'озвучка', 'озвучивание', 'переклад', 'редагування',
  'ubersetzung', 'ubersetzt', 'ubersetzer', 'korrektur', 'lektorat', 'traduction', 'traduit', 'traducteur', 'relecture', 'correction', 'synchro',
  'traduccion', 'traducido', 'traductor', 'revision', 'correccion', 'traduzione', 'tradotto', 'revisione', 'a cura di', 'traducao', 'traduzido', 'revisao',
  'tlumaczenie', 'korekta', 'vertaling', 'vertaald', 'oversattning', 'oversat', 'oversatt', 'suomennos', 'preklad', 'ceviri', 'μεταφραση', 'forditas', 'traducere', 'prevod',
  '翻译', '翻訳', '校对', '校對', '时间轴', '번역',
)
/** Words that join a role to whom it credits. */
const BY = alt(
  'by', 'by the', 'provided by', 'created by', 'made by', 'done by', 'courtesy of', 'brought to you by', 'by the amazing', 'from',
  'von', 'der', 'des', 'vom', 'durch', 'im auftrag des', 'im auftrag der', 'im auftrag von', 'erstellt von', 'par', 'par la', 'realises par', 'realise par', 'faits par', 'de', 'de la',
  'realizados por', 'realizado por', 'hechos por', 'por', 'por la', 'pela', 'pelo', 'feitas por', 'feitos por', 'criadas por', 'da', 'dalla', 'dal', 'di', 'creati dalla', 'creati da', 'a cura di', 'a cura della',
  'door', 'door de', 'av', 'af', 'przez', 'stworzone przez', 'wykonane przez', 'przygotowane przez', 'tarafindan', 'vytvoril', 'vytvorila', 'pripravil', 'απο',
  'сделал', 'сделала', 'сделали', 'создавал', 'создавала', 'создал', 'создала', 'делал', 'делала', 'подготовил', 'подготовила', 'подогнал', 'подогнала', 'добавил', 'добавила',
  'выполнил', 'выполнила', 'выполнены', 'сделаны', 'сделано', 'от', 'перевел', 'перевела', 'предоставлены', 'зробив', 'зробила', 'підготував', 'підготувала', '由',
)
/** Collective credit endings ("the Amara.org community"). */
const COMMUNITY = alt('community', 'communaute', 'comunidad', 'comunita', 'comunidade', 'gemeenschap', 'spolecznosc', 'spolecznosci', 'сообщество', 'сообщества', 'team', 'команда', 'team di', 'equipe', 'equipo', '社区', '社群')
const BROADCASTER = alt(
  'zdf', 'wdr', 'swr', 'ard', 'ndr', 'br', 'mdr', 'hr', 'rbb', 'sr', 'orf', 'srf', 'funk', 'zdf fur funk', 'zdfneo', 'arte', 'dw', 'deutsche welle', 'bbc', 'itv', 'channel 4', 'cbc', 'cbs', 'nbc', 'abc', 'pbs', 'npr',
  'radio canada', 'societe radio canada', 'france televisions', 'france 2', 'france 3', 'tf1', 'rtl', 'rai', 'rtve', 'tve', 'rtp', 'globo', 'mbc', 'kbs', 'sbs', 'jtbc', 'nhk', 'cctv',
  'dr', 'nrk', 'svt', 'yle', 'tvp', 'ceska televize', 'trt', 'ert', 'первый канал', 'россия 1', 'нтв', 'ртр',
)
const YEAR = '(?:19[5-9][0-9]|20[0-4][0-9])'

/** Sentence-level credit grammar; `NAME` is a placeholder the credit check fills per sentence. */
function creditForms(name: string): { strength: Strength; re: RegExp; what: string }[] {
  // A name: up to four name-like words, with lower-case particles between them ("Jan de Vries", "Ludwig van Beethoven").
  const n = `${name}(?: ${opt(alt('de', 'van', 'von', 'der', 'den', 'da', 'di', 'del', 'della', 'la', 'le', 'du', 'dos', 'das', 'ten', 'ter', 'bin', 'al', 'y'))}${name}){0,3}`
  const person = `${opt(alt('the', 'la', 'le', 'el', 'il', 'die', 'der', 'das', 'de'))}${n}${pre(alt('and', 'und', 'et', 'y', 'e', 'i', 'en', 'och', 'og', 'и', '&') + ' ' + n)}`
  const role = (r: string) => `${opt(alt('copyright', 'c', 'с'))}${r}`
  const year = `(?: ${YEAR})?`
  const community = `${opt(alt('the', 'la', 'el', 'il', 'a', 'de', 'der', 'dell', 'da'))}${opt('amara org')}${COMMUNITY}${pre(alt('amara org', 'of amara org', 'd amara org', 'de amara org', 'di amara org', 'da amara org', 'van amara org'))}`
  return [
    { strength: 'strong', what: 'Subtitle credit', re: whole(`${role(SUB_ROLE)}${pre(BY)} ${person}${year}`) },
    { strength: 'strong', what: 'Subtitle credit', re: whole(`${role(SUB_ROLE)}${pre(BY)} ${community}`) },
    { strength: 'strong', what: 'Subtitle credit', re: whole(`${alt('сделал', 'сделала', 'создавал', 'добавил', 'добавила', 'подготовил', 'подготовила', 'перевел и сделал')} ${SUB_ROLE} ${person}`) },
    { strength: 'strong', what: 'Subtitle credit naming two roles', re: whole(`${role(alt(SUB_ROLE, WORK_ROLE))}${pre(BY)} ${person} ${alt(SUB_ROLE, WORK_ROLE)}${pre(BY)} ${person}${year}`) },
    // A credit cut off before the name ("Untertitel von ...", "Subtitles by").
    { strength: 'medium', what: 'Subtitle credit', re: whole(`${role(SUB_ROLE)} ${BY}`) },
    // A translation/editing role needs its joiner: "Переводчик Иванова." can be an answer, "Translated by X" is a credit.
    { strength: 'medium', what: 'Translation or editing credit', re: whole(`${role(WORK_ROLE)} ${BY} ${person}${year}`) },
  ]
}

const BROADCASTER_FORMS: RegExp[] = [
  whole(`${opt(alt('copyright', 'c', 'с'))}${opt(alt(SUB_ROLE, WORK_ROLE) + pre(alt('im auftrag', 'commissioned by', 'for')) + pre(alt('des', 'der', 'von', 'vom', 'de la', 'de', 'by', 'for')))}${BROADCASTER}${pre(alt('fur funk', 'for funk', 'pour', 'für'))} ${YEAR}`),
  whole(`${alt(SUB_ROLE, WORK_ROLE)} ${opt(alt('im auftrag des', 'im auftrag der', 'im auftrag von', 'des', 'der', 'de la', 'de', 'by', 'for', 'par', 'por'))}${BROADCASTER}${pre(alt('fur funk', 'for funk'))}${pre(YEAR)}`),
]

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/** Connectors allowed between outro/CTA clauses ("Thanks for watching and don't forget to subscribe"). */
const JOIN = alt('and', 'и', 'und', 'et', 'y', 'e', 'i', 'en', 'och', 'og', 've', 'a', 'also', 'so', 'ok', 'okay', 'bye', 'bye bye', 'пока', 'всем пока', 'ciao', 'tschuss', 'adios', 'au revoir', 'tchau', 'guys', 'everyone', 'ребята', 'друзья', 'leute')
const OUTRO_RE = mk(`^${opt(JOIN)}${alt(...OUTRO_CLAUSES)}(?: ${JOIN})?$`)
const CTA_RE = mk(`^${opt(JOIN)}${alt(...CTA_CLAUSES)}(?: ${JOIN})?$`)
const OUTRO_OR_CTA = mk(`(?:${alt(...OUTRO_CLAUSES)}|${alt(...CTA_CLAUSES)})`)
const CLAUSE_SEQ = mk(`^${opt(JOIN)}${alt(...OUTRO_CLAUSES, ...CTA_CLAUSES, ...FAREWELLS)}(?: ${opt(JOIN)}${alt(...OUTRO_CLAUSES, ...CTA_CLAUSES, ...FAREWELLS)}){1,3}(?: ${JOIN})?$`)
const URL_RE = mk(`^${opt(JOIN)}${alt(...URL_PLUG_CLAUSES)}$`)
const CJK_PLUG = mk(`^${URL_PLUG_CLAUSES[0]!}$`)

/** Every word of some regex alternations (folded like the text), for cheap pre-checks. */
function vocabulary(...sources: string[]): ReadonlySet<string> {
  return new Set(
    sources
      .join(' ')
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .replace(/[()?:|{}^$]|\[\^ \]\+/g, ' ')
      .split(/\s+/)
      .filter((w) => w !== ''),
  )
}

/** A whole-sentence outro or call to action consists of these words only. */
const OUTRO_VOCAB = vocabulary(JOIN, ...OUTRO_CLAUSES, ...CTA_CLAUSES, ...FAREWELLS)
/** A credit has one of these among its first three words. */
const CREDIT_VOCAB: ReadonlySet<string> = new Set(
  [...vocabulary(SUB_ROLE, WORK_ROLE, BROADCASTER, 'copyright сделал сделала создавал добавил добавила подготовил подготовила перевел')].filter(
    (w) => !['a', 'di', 'de', 'la', 'by', 'the', 'e', 'i', 'y', 'et', 'und', 'and', 'des', 'der'].includes(w) && !/^\d+$/.test(w),
  ),
)

/** Replaces web addresses in raw text by a placeholder word (before folding). */
function markDomains(raw: string): string {
  return raw.replace(DOMAIN_RE, ` ${Z} `).replace(SPOKEN_WWW, ` ${Z} `)
}

/**
 * Tokens of a sentence with whether each looks like part of a name: capitalised or all-caps in the raw
 * text, a Latin word inside Cyrillic text, a dotted initial, a number, or a nickname with digits/underscores.
 */
/** Every word of the role, joiner and community phrases: never taken for a name even when capitalised. */
const ROLE_WORDS: ReadonlySet<string> = new Set(
  [SUB_ROLE, WORK_ROLE, BY, COMMUNITY, 'and und et y e i en och og и amara org the la el il a de der da copyright c с']
    .join(' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[()?:|]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== ''),
)
const CREDIT_FORMS = creditForms('qqname')

function nameTokens(raw: string): { fold: string; name: boolean }[] {
  const out: { fold: string; name: boolean }[] = []
  const cyr = /[\u0400-\u04ff]/u.test(raw)
  for (const w of raw.split(/\s+/)) {
    const f = fold(w)
    if (!f) continue
    const letters = w.replace(/[^\p{L}]/gu, '')
    const cap = /^\p{Lu}/u.test(letters) || (letters.length > 1 && letters === letters.toUpperCase() && letters !== letters.toLowerCase())
    const name = cap || (cyr && /^[a-z]/i.test(letters)) || /\d|_/.test(w) || /^[«"„“]/u.test(w)
    for (const part of f.split(' ')) out.push({ fold: part, name })
  }
  return out
}

/**
 * Whether one sentence (or a whole segment) is a credit: role + joiner + a name, e.g. "Subtitles by
 * Steamteamextra", "Sous-titres réalisés par la communauté d'Amara.org", "Субтитры подготовил Иван Петров",
 * "Untertitelung des ZDF für funk, 2017". A name must look like one in the raw text (see `nameTokens`):
 * "Subtitles by my wife, she did them all" is speech.
 */
function matchCredit(raw: string, folded: string): FamilyMatch | null {
  if (BROADCASTER_FORMS.some((re) => re.test(folded))) return { family: 'broadcaster-credit', strength: 'strong', what: 'Broadcaster subtitle credit' }
  const toks = nameTokens(raw)
  if (toks.length === 0 || toks.length > 14) return null
  // Replace name-looking tokens by a marker, keeping role words and joiners as they are, then match.
  const marked = toks.map((t) => (t.name && !ROLE_WORDS.has(t.fold) ? 'qqname' : t.fold)).join(' ')
  for (const form of CREDIT_FORMS) {
    if (form.re.test(marked)) return { family: 'credit', strength: form.strength, what: form.what }
  }
  return null
}

/**
 * The family a sentence (or a whole segment's text) belongs to, or null for text that may be speech.
 * @param raw the sentence as written (case matters for names).
 */
export function matchFamily(raw: string): FamilyMatch | null {
  const folded = fold(raw)
  if (folded === '') return null
  const latin = latinize(folded)
  for (const f of latin === folded ? [folded] : [folded, latin]) {
    // Whole-sentence grammars: every word is from their vocabulary, but one (a name, an object).
    if (f.split(' ').filter((w) => !OUTRO_VOCAB.has(w)).length > 1) continue
    if (OUTRO_RE.test(f)) return { family: 'outro', strength: 'medium', what: 'Video outro' }
    if (CTA_RE.test(f)) return { family: 'call-to-action', strength: 'medium', what: 'Call to subscribe or like' }
    if (CLAUSE_SEQ.test(f) && OUTRO_OR_CTA.test(f)) return { family: 'outro', strength: 'medium', what: 'Video outro' }
  }
  for (const f of latin === folded ? [folded] : [folded, latin]) {
    if (!f.split(' ', 3).some((w) => CREDIT_VOCAB.has(w))) continue
    const credit = matchCredit(raw, f)
    if (credit) return credit
  }
  if (CJK_PLUG.test(folded)) return { family: 'url-plug', strength: 'medium', what: 'Web address plug' }
  if (!/\.\p{L}|www|https?:/iu.test(raw)) return null
  const withDomains = fold(markDomains(raw))
  if (withDomains.includes(Z) && URL_RE.test(withDomains)) return { family: 'url-plug', strength: 'medium', what: 'Web address plug' }
  return null
}
