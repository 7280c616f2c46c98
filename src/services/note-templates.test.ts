import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadTemplates, parseTemplate } from './note-templates.ts'

const SHIPPED = path.resolve(import.meta.dirname, '..', '..', 'templates', 'notes')

describe('note templates', () => {
  it('ships the five templates, each with a title and an instruction', async () => {
    const templates = await loadTemplates(SHIPPED)
    expect(templates.map((t) => [t.id, t.title])).toEqual([
      ['summary', 'Summary'],
      ['key-points', 'Key points with quotes'],
      ['themes', 'Themes (for qualitative coding)'],
      ['questions-answers', 'Questions and answers'],
      ['diary', 'Personal diary notes'],
    ])
    for (const t of templates) expect(t.text.length).toBeGreaterThan(100)
  })

  it('reads a file the user edited or added on the next request, and skips unusable ones', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scribe-templates-'))
    cpSync(SHIPPED, dir, { recursive: true })
    writeFileSync(path.join(dir, 'summary.md'), '# Short summary\n\nThree sentences, no more.\n')
    writeFileSync(path.join(dir, 'decisions.md'), '\uFEFF# Decisions\r\nList every decision, who made it and when.\r\n')
    writeFileSync(path.join(dir, 'custom.md'), '# Clash\n\nThe id of the own prompt.')
    writeFileSync(path.join(dir, 'empty.md'), '# Only a title\n')
    writeFileSync(path.join(dir, 'notes.txt'), 'not a template')
    const warnings: string[] = []
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) }
    const templates = await loadTemplates(dir, logger)
    expect(templates.map((t) => t.id)).toEqual(['summary', 'key-points', 'themes', 'questions-answers', 'diary', 'decisions'])
    expect(templates[0]).toEqual({ id: 'summary', title: 'Short summary', text: 'Three sentences, no more.' })
    expect(templates.at(-1)).toEqual({ id: 'decisions', title: 'Decisions', text: 'List every decision, who made it and when.' })
    expect(warnings).toHaveLength(2)
  })

  it('takes the id as the title of a file without a heading, and an empty list for a missing folder', async () => {
    expect(parseTemplate('plain', 'Just do it.\n')).toEqual({ id: 'plain', title: 'plain', text: 'Just do it.' })
    expect(await loadTemplates('/nonexistent/templates')).toEqual([])
  })
})
