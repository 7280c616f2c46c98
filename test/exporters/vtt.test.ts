import { describe, expect, it } from 'vitest'
import { escapeVtt, renderVtt } from '../../src/exporters/vtt.ts'
import { sampleDocument, sampleTranscript } from '../fixtures/exports/sample.ts'

describe('WebVTT export', () => {
  it('escapes &, < and > in text and voice names', () => {
    expect(escapeVtt('a <b> & c --> d')).toBe('a &lt;b&gt; &amp; c --&gt; d')
    const t = sampleTranscript()
    t.speakers[0]!.name = 'Q&A <host>'
    const vtt = renderVtt(sampleDocument(t))
    expect(vtt).toContain('<v Q&amp;A &lt;host&gt;>Good morning')
    expect(vtt).not.toMatch(/-->.*-->/)
  })

  it('starts with the WEBVTT signature and a blank line', () => {
    expect(renderVtt(sampleDocument()).startsWith('WEBVTT\n\n00:00:00.520 --> 00:00:04.800\n')).toBe(true)
  })
})
