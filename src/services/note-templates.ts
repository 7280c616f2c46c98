/**
 * Note templates are Markdown files the user can edit and add: `<NOTES_TEMPLATES_DIR>/<id>.md`, whose first
 * `# Heading` is the title and whose rest is the instruction sent to the model. The folder is read on every
 * request, so an edited or new file is used without a restart.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from '../domain/ports.ts'

export interface NoteTemplate {
  /** The file name without `.md`, e.g. `key-points`. */
  id: string
  title: string
  /** The instruction. */
  text: string
}

/** The template id of the user's own prompt. */
export const CUSTOM_TEMPLATE = 'custom'

/** Shipped templates first, in this order; the user's own files after them, by name. */
const ORDER = ['summary', 'key-points', 'themes', 'questions-answers', 'diary']
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/** Reads a template's text: the first `# ` line is the title (else the id), the rest the instruction. */
export function parseTemplate(id: string, content: string): NoteTemplate {
  const lines = content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n')
  const head = lines.findIndex((l) => l.trim() !== '')
  const heading = head >= 0 ? /^#\s+(.+)$/.exec(lines[head]!.trim()) : null
  const body = heading ? lines.slice(head + 1) : lines
  return { id, title: heading ? heading[1]!.trim() : id, text: body.join('\n').trim() }
}

/**
 * The templates in `dir` (`*.md` files with a usable name and a non-empty instruction).
 * @returns an empty list when the folder does not exist; unreadable files are skipped with a warning.
 */
export async function loadTemplates(dir: string, logger?: Logger): Promise<NoteTemplate[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const templates: NoteTemplate[] = []
  for (const name of names) {
    if (!name.endsWith('.md')) continue
    const id = name.slice(0, -3)
    if (!ID.test(id) || id === CUSTOM_TEMPLATE) {
      logger?.warn('note template skipped: use letters, digits, - and _ in its file name (and not "custom")', { file: name })
      continue
    }
    try {
      const t = parseTemplate(id, await readFile(path.join(dir, name), 'utf8'))
      if (t.text) templates.push(t)
      else logger?.warn('note template skipped: it has no instruction under its title', { file: name })
    } catch (err) {
      logger?.warn('note template could not be read', { file: name, error: err })
    }
  }
  const rank = (id: string) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length)
  return templates.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id))
}
