/**
 * The "done when" of the hallucination filter, on the independent evaluation set (eval/filter-segments.tsv)
 * laid over generated audio, with the real speech detector: in Russian and in English at least 95 % of
 * artifacts hidden and at most 1 % of real lines hidden. Needs espeak-ng and sox (installed by .ci/run).
 * `npm run eval:filter` prints the full report for every language.
 */
import { describe, expect, it } from 'vitest'
import { loadItems, rates, runEvaluation } from '../../scripts/eval-filter.ts'

describe('hallucination filter on the independent evaluation set (ru, en)', () => {
  it('meets the targets with the speech map, and hides no real line from the text alone', async () => {
    const res = await runEvaluation(['ru', 'en'])
    for (const lang of ['ru', 'en']) {
      const audio = rates(res.withAudio.filter((o) => o.item.lang === lang))
      const text = rates(res.textOnly.filter((o) => o.item.lang === lang))
      expect(audio.recall, `${lang}: artifacts hidden with the speech map`).toBeGreaterThanOrEqual(0.95)
      expect(audio.falseHideRate, `${lang}: real lines hidden with the speech map`).toBeLessThanOrEqual(0.01)
      expect(text.falseHideRate, `${lang}: real lines hidden from the text alone`).toBeLessThanOrEqual(0.01)
    }
    expect(res.detector).toMatch(/^silero-vad/)
  }, 300_000)

  it('has at least 300 labelled lines in at least 8 languages, half of them real, each with a source', () => {
    const items = loadItems()
    expect(items.length).toBeGreaterThanOrEqual(300)
    expect(new Set(items.map((i) => i.lang)).size).toBeGreaterThanOrEqual(8)
    expect(items.filter((i) => i.label === 'real').length).toBeGreaterThanOrEqual(items.length / 2)
    for (const i of items) expect(i.source).toMatch(/github\.com|\/|public code/)
  })
})
