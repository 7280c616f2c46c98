/**
 * JSON as Python writes it. runpod-python posts a worker's result with `json.dumps(..., ensure_ascii=False)`
 * (github.com/runpod/runpod-python `runpod/serverless/modules/rp_http.py` `_handle_result`), whose default
 * `allow_nan=True` writes NaN and ±Infinity as the bare tokens `NaN`, `Infinity`, `-Infinity`
 * (https://docs.python.org/3/library/json.html#infinite-and-nan-number-values). `JSON.parse` refuses them.
 */

/** The bare tokens Python's json module writes for non-finite floats. */
const NON_FINITE_TOKEN = /-?Infinity|NaN/y

/**
 * Rewrites every bare `NaN`, `Infinity` and `-Infinity` token outside strings with `replace(token)`.
 * Strings (with their escapes) are copied unchanged; the result is standard JSON when `replace` returns JSON.
 * Linear in the text's length.
 */
export function rewriteNonFiniteTokens(text: string, replace: (token: 'NaN' | 'Infinity' | '-Infinity') => string): string {
  let out = ''
  let from = 0
  let i = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      i++
      while (i < text.length) {
        const d = text.charCodeAt(i)
        if (d === 0x5c /* \ */) i += 2
        else if (d === 0x22) break
        else i++
      }
      i++
      continue
    }
    if (c === 0x4e /* N */ || c === 0x49 /* I */ || c === 0x2d /* - */) {
      NON_FINITE_TOKEN.lastIndex = i
      const m = NON_FINITE_TOKEN.exec(text)
      if (m) {
        out += text.slice(from, i) + replace(m[0] as 'NaN' | 'Infinity' | '-Infinity')
        i += m[0].length
        from = i
        continue
      }
    }
    i++
  }
  return from === 0 ? text : out + text.slice(from)
}

/**
 * Parses JSON that may hold Python's non-finite tokens, reading each as `null` ("no value"): WhisperX gives
 * NaN word scores and times where it could not align, which the panel treats as missing.
 * @throws SyntaxError when the text is not JSON even so.
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    const rewritten = rewriteNonFiniteTokens(text, () => 'null')
    if (rewritten === text) throw err
    return JSON.parse(rewritten)
  }
}
