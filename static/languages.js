// @ts-check
// The languages Whisper can transcribe, by the codes Whisper uses (note `jw` for Javanese and `haw` for
// Hawaiian): the LANGUAGES table of openai/whisper, whisper/tokenizer.py (99 languages, plus Cantonese,
// `yue`, added with large-v3). Names are shown in the browser's language where it knows them.

/** @type {Record<string, string>} */
export const WHISPER_LANGUAGES = {
  en: 'English', zh: 'Chinese', de: 'German', es: 'Spanish', ru: 'Russian', ko: 'Korean', fr: 'French', ja: 'Japanese',
  pt: 'Portuguese', tr: 'Turkish', pl: 'Polish', ca: 'Catalan', nl: 'Dutch', ar: 'Arabic', sv: 'Swedish', it: 'Italian',
  id: 'Indonesian', hi: 'Hindi', fi: 'Finnish', vi: 'Vietnamese', he: 'Hebrew', uk: 'Ukrainian', el: 'Greek', ms: 'Malay',
  cs: 'Czech', ro: 'Romanian', da: 'Danish', hu: 'Hungarian', ta: 'Tamil', no: 'Norwegian', th: 'Thai', ur: 'Urdu',
  hr: 'Croatian', bg: 'Bulgarian', lt: 'Lithuanian', la: 'Latin', mi: 'Maori', ml: 'Malayalam', cy: 'Welsh', sk: 'Slovak',
  te: 'Telugu', fa: 'Persian', lv: 'Latvian', bn: 'Bengali', sr: 'Serbian', az: 'Azerbaijani', sl: 'Slovenian', kn: 'Kannada',
  et: 'Estonian', mk: 'Macedonian', br: 'Breton', eu: 'Basque', is: 'Icelandic', hy: 'Armenian', ne: 'Nepali', mn: 'Mongolian',
  bs: 'Bosnian', kk: 'Kazakh', sq: 'Albanian', sw: 'Swahili', gl: 'Galician', mr: 'Marathi', pa: 'Punjabi', si: 'Sinhala',
  km: 'Khmer', sn: 'Shona', yo: 'Yoruba', so: 'Somali', af: 'Afrikaans', oc: 'Occitan', ka: 'Georgian', be: 'Belarusian',
  tg: 'Tajik', sd: 'Sindhi', gu: 'Gujarati', am: 'Amharic', yi: 'Yiddish', lo: 'Lao', uz: 'Uzbek', fo: 'Faroese',
  ht: 'Haitian Creole', ps: 'Pashto', tk: 'Turkmen', nn: 'Norwegian Nynorsk', mt: 'Maltese', sa: 'Sanskrit', lb: 'Luxembourgish',
  my: 'Burmese', bo: 'Tibetan', tl: 'Tagalog', mg: 'Malagasy', as: 'Assamese', tt: 'Tatar', haw: 'Hawaiian', ln: 'Lingala',
  ha: 'Hausa', ba: 'Bashkir', jw: 'Javanese', su: 'Sundanese', yue: 'Cantonese',
}

// Whisper's own codes that are not the ISO 639-1 code the browser knows the language by.
/** @type {Record<string, string>} */
const ISO = { jw: 'jv' }

const shown = new Intl.DisplayNames(undefined, { type: 'language', fallback: 'none' })

/**
 * "Russian" for `ru` in the browser's language when it knows it, else Whisper's English name, else the code.
 * @param {string | null | undefined} code
 */
export function languageName(code) {
  if (!code) return ''
  try {
    const name = shown.of(ISO[code] ?? code)
    if (name) return name.charAt(0).toLocaleUpperCase() + name.slice(1)
  } catch {
    // not a language tag the browser accepts
  }
  return WHISPER_LANGUAGES[code] ?? code
}

/**
 * Fills a <select> with "Detect automatically" and every Whisper language sorted by name, and selects `value`
 * (a code, or 'auto'). A code Whisper does not list (an old job's) is kept as an extra option, not dropped.
 * @param {HTMLSelectElement} select
 * @param {string} [value]
 */
export function fillLanguageSelect(select, value = 'auto') {
  const codes = Object.keys(WHISPER_LANGUAGES)
  if (value && value !== 'auto' && !codes.includes(value)) codes.push(value)
  const collator = new Intl.Collator()
  const options = codes.map((c) => ({ c, name: languageName(c) })).sort((a, b) => collator.compare(a.name, b.name))
  select.replaceChildren(new Option('Detect automatically', 'auto'), ...options.map(({ c, name }) => new Option(`${name} (${c})`, c)))
  select.value = value || 'auto'
}
