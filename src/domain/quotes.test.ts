import { describe, expect, it } from 'vitest'
import { buildQuoteIndex, checkQuote, checkQuotes, extractQuotes, formatCitation, matchWords, parseCitation, type QuoteSource } from './quotes.ts'

const segments: QuoteSource[] = [
  { id: 's1', start: 0, text: 'Thank you for coming in today.' },
  { id: 's2', start: 4.2, text: "I've worked on the night shift at the hospital for eleven years." },
  { id: 's3', start: 12, text: 'What changed when the new rota came in?' },
  { id: 's4', start: 15.5, text: 'Honestly, everything. We lost the overlap between shifts, and handovers became rushed.' },
  { id: 's5', start: 25, text: 'Мы работали по двенадцать часов, и никто не спрашивал, устали ли мы.' },
  { id: 's6', start: 3700, text: 'And handovers became rushed again in the winter.' },
]

describe('matchWords', () => {
  it('folds case, punctuation, apostrophes and ё', () => {
    expect(matchWords('“Honestly, EVERYTHING!” — I’ve')).toEqual(['honestly', 'everything', 'ive'])
    expect(matchWords('Всё ещё')).toEqual(['все', 'еще'])
  })
})

describe('citations', () => {
  it('parses and formats [mm:ss] and [h:mm:ss]', () => {
    expect(parseCitation('[12:03]')).toBe(723)
    expect(parseCitation('[1:02:03]')).toBe(3723)
    expect(parseCitation('12:03')).toBeNull()
    expect(formatCitation(723.9)).toBe('[12:03]')
    expect(formatCitation(3723)).toBe('[1:02:03]')
  })
})

describe('extractQuotes', () => {
  it('finds quotes in straight, curly and guillemet marks with the cited time after (or before) them', () => {
    const note = [
      '- Night work: "I\'ve worked on the night shift" [00:04]',
      '- [00:15] Rota: “We lost the overlap between shifts”',
      '- Усталость: «никто не спрашивал, устали ли мы» [00:25]',
      '- A term in quotes: "rota" is not a quotation',
      '> Honestly, everything. [00:15]',
    ].join('\n')
    expect(extractQuotes(note)).toEqual([
      { text: "I've worked on the night shift", cited: 4 },
      { text: 'We lost the overlap between shifts', cited: 15 },
      { text: 'никто не спрашивал, устали ли мы', cited: 25 },
      { text: 'Honestly, everything.', cited: 15 },
    ])
  })
})

describe('checkQuotes', () => {
  it('verifies exact quotes and links them to their segment', () => {
    const [q] = checkQuotes('"We lost the overlap between shifts, and handovers became rushed" [00:15]', segments)
    expect(q).toMatchObject({ verified: true, segmentId: 's4', start: 15.5, similarity: 1 })
  })

  it('tolerates case, punctuation and small differences', () => {
    const [a, b, c] = checkQuotes(
      [
        '"i have worked on the night-shift at the hospital for eleven years" [00:04]', // "I've" → "i have": one word more
        '"WE LOST THE OVERLAP BETWEEN SHIFTS; HANDOVERS BECAME RUSHED" [00:15]', // case, punctuation, "and" dropped
        '«Мы работали по двенадцать часов и никто не спрашивал устали ли мы» [00:25]',
      ].join('\n'),
      segments,
    )
    expect(a).toMatchObject({ verified: true, segmentId: 's2' })
    expect(b).toMatchObject({ verified: true, segmentId: 's4' })
    expect(c).toMatchObject({ verified: true, segmentId: 's5' })
    expect(a!.similarity).toBeLessThan(1)
  })

  it('finds a quote that runs across two segments', () => {
    const [q] = checkQuotes('"What changed when the new rota came in? Honestly, everything." [00:12]', segments)
    expect(q).toMatchObject({ verified: true, segmentId: 's3' })
  })

  it('catches an invented quote and a quote with a changed meaning', () => {
    const [invented, changed] = checkQuotes(
      ['"The managers never listened to the nurses at all" [00:15]', '"I worked on the day shift at the clinic for two years" [00:04]'].join('\n'),
      segments,
    )
    expect(invented).toMatchObject({ verified: false, segmentId: null, start: null })
    expect(changed).toMatchObject({ verified: false })
  })

  it('prefers the occurrence nearest the cited time when the words occur twice', () => {
    const index = buildQuoteIndex(segments)
    expect(checkQuote({ text: 'handovers became rushed', cited: 15 }, index).segmentId).toBe('s4')
    expect(checkQuote({ text: 'handovers became rushed', cited: 3700 }, index).segmentId).toBe('s6')
  })

  it('checks a quote with an ellipsis piece by piece, in order', () => {
    const index = buildQuoteIndex(segments)
    expect(checkQuote({ text: 'Honestly, everything … handovers became rushed', cited: 15 }, index).verified).toBe(true)
    expect(checkQuote({ text: 'Honestly, everything … the managers were cruel', cited: 15 }, index).verified).toBe(false)
  })

  it('finds the one segment among 3,000 near-identical ones (its speed: npm run bench -- notes)', () => {
    const long: QuoteSource[] = Array.from({ length: 3000 }, (_, i) => ({ id: `x${i}`, start: i * 3.6, text: `and then the the we talked about topic number ${i} and the shift at the ward for a while` }))
    const q = checkQuote({ text: 'we talked about topic number 2718 and the shift at the ward', cited: null }, buildQuoteIndex(long))
    expect(q).toMatchObject({ verified: true, segmentId: 'x2718' })
  })
})
