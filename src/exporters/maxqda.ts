/**
 * QDA export in aTrain's `_maxqda.txt` layout (aTrain_core/outputs.py, `create_txt_file` with maxqda=True and speaker
 * detection on), which the aTrain wiki documents for import into MAXQDA (Import → Transcripts → "Transcript with
 * Timestamps"), NVivo ("Import Rows", "Timestamp") and ATLAS.ti (https://github.com/aTrainTranscription/aTrain wiki, Tutorials; the format of its `aTrain_core/outputs.py`).
 */
import type { Exporter, ExportDocument } from './exporter.ts'
import { speakerName, speakerTurns } from '../domain/transcript.ts'
import { cleanText } from './common.ts'
import { formatTimestamp } from './timecode.ts'

/**
 * Renders the kept transcript in aTrain's MAXQDA layout:
 *
 * ```
 * Transcription for <title>
 *
 * Interviewer
 * [00:00:00] - Good morning, Anna. [00:00:05] - Shall we begin?
 *
 * Анна Петрова
 * [00:00:10] - Да, конечно.
 * ```
 *
 * As in aTrain: a header line `Transcription for <id>` (we use the recording's file name as the id); at every speaker
 * change a blank line and the speaker's name on its own line; then each segment as `[HH:MM:SS] - text` (its start,
 * cut to the second like aTrain's `time.gmtime`), segments of one turn separated by a space, not a newline.
 * Differences from aTrain, none of which changes how the file is read: no trailing space after a turn's last segment,
 * and the file ends with a newline. Segments without a speaker get the name "Unknown speaker" (aTrain: "Speaker
 * undefined"). Text is written as is (plain text). LF line endings.
 */
export function renderMaxqda(doc: ExportDocument): string {
  const t = doc.transcript
  let out = `Transcription for ${cleanText(doc.title)}`
  for (const turn of speakerTurns(t)) {
    const segments = turn.segments
      .map((s) => ({ start: s.start, text: cleanText(s.text) }))
      .filter((s) => s.text !== '')
      .map((s) => `[${formatTimestamp(s.start)}] - ${s.text}`)
    if (segments.length === 0) continue
    out += `\n\n${cleanText(speakerName(t, turn.speaker))}\n${segments.join(' ')}`
  }
  return out + '\n'
}

/** The `maxqda` exporter: text/plain, UTF-8, downloaded as `<name>_maxqda.txt` like aTrain's file. */
export const maxqdaExporter: Exporter = {
  format: 'maxqda',
  label: 'MAXQDA',
  timestamps: false,
  extension: 'txt',
  nameSuffix: '_maxqda',
  contentType: 'text/plain; charset=utf-8',
  render: async (doc) => renderMaxqda(doc),
}
