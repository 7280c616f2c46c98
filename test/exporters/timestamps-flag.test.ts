/**
 * Which exporters the timestamps option changes: the page offers the option for exactly those (GET /api/exports),
 * so the registry's `timestamps` flag must say the truth about each exporter's output.
 */
import { describe, expect, it } from 'vitest'
import { EXPORTERS } from '../../src/exporters/index.ts'
import { parseTimestampMode } from '../../src/exporters/stamps.ts'
import { sampleDocument } from '../fixtures/exports/sample.ts'

describe('the timestamps flag of each exporter', () => {
  it('says truly which formats the timestamps option changes (the page offers it for those only)', async () => {
    for (const e of EXPORTERS.values()) {
      const turn = await e.render({ ...sampleDocument(), timestamps: parseTimestampMode('turn') })
      const none = await e.render({ ...sampleDocument(), timestamps: parseTimestampMode('none') })
      expect({ format: e.format, changes: Buffer.compare(Buffer.from(turn), Buffer.from(none)) !== 0 }).toEqual({ format: e.format, changes: e.timestamps })
    }
    expect([...EXPORTERS.values()].filter((e) => e.timestamps).map((e) => e.format)).toEqual(['docx', 'md', 'txt'])
  })

})
