/**
 * Carrying the names a user gave speakers over to a new transcript of the same recording. Diarization labels
 * are arbitrary per run (pyannote numbers speakers in order of appearance, and a new run may split or merge
 * differently), so speakers are matched by when they speak, not by label: a new speaker takes an old speaker's
 * name when most of the new speaker's speech overlaps that old speaker's speech in time.
 */
import { defaultSpeakerName, keptSegments, type Transcript } from './transcript.ts'

/** Share of a new speaker's speech (seconds) that must overlap one old speaker's for the name to carry over. */
export const CARRY_MIN_OVERLAP = 0.5

/** Names the user gave speakers (a name other than the default one derived from the diarization label), in list order. */
export function givenSpeakerNames(speakers: readonly { id: string; name: string }[]): string[] {
  return speakers.filter((s) => s.name !== defaultSpeakerName(s.id)).map((s) => s.name)
}

/** How many speakers the user named (see givenSpeakerNames). */
export function renamedSpeakerCount(speakers: readonly { id: string; name: string }[]): number {
  return givenSpeakerNames(speakers).length
}

/** Time intervals [start, end] in seconds of each speaker's kept segments, sorted by start. */
function speechBySpeaker(t: Transcript): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>()
  for (const seg of keptSegments(t)) {
    if (seg.speaker === null || seg.end <= seg.start) continue
    const list = out.get(seg.speaker) ?? []
    list.push([seg.start, seg.end])
    out.set(seg.speaker, list)
  }
  for (const list of out.values()) list.sort((a, b) => a[0] - b[0])
  return out
}

/** Seconds during which two sorted interval lists overlap (two pointers; each list may overlap itself a little). */
export function overlapSeconds(a: readonly [number, number][], b: readonly [number, number][]): number {
  let total = 0
  let j0 = 0
  for (const [s, e] of a) {
    while (j0 < b.length && b[j0]![1] <= s) j0++
    for (let j = j0; j < b.length && b[j]![0] < e; j++) total += Math.max(0, Math.min(e, b[j]![1]) - Math.max(s, b[j]![0]))
  }
  return total
}

const duration = (list: readonly [number, number][]) => list.reduce((n, [s, e]) => n + (e - s), 0)

/**
 * Gives speakers of `next` the names the user gave matching speakers of `previous`.
 * Pairs are taken greedily by overlap, each speaker at most once; a pair counts when the overlap is at least
 * CARRY_MIN_OVERLAP of the new speaker's speech. Only names the user chose carry over (a default "Speaker 2" does not).
 * @param previous the transcript being replaced (seconds), @param next the new worker result
 * @returns a copy of `next` with names applied, and which new speaker got which name
 */
export function carrySpeakerNames(previous: Transcript, next: Transcript): { transcript: Transcript; carried: { speaker: string; name: string }[] } {
  const oldSpeech = speechBySpeaker(previous)
  const newSpeech = speechBySpeaker(next)
  const named = previous.speakers.filter((s) => s.name !== defaultSpeakerName(s.id) && oldSpeech.has(s.id))
  const pairs: { from: string; to: string; overlap: number }[] = []
  for (const [to, speech] of newSpeech) {
    const own = duration(speech)
    for (const s of named) {
      const overlap = overlapSeconds(speech, oldSpeech.get(s.id)!)
      if (overlap > 0 && overlap >= CARRY_MIN_OVERLAP * own) pairs.push({ from: s.id, to, overlap })
    }
  }
  pairs.sort((a, b) => b.overlap - a.overlap)
  const usedOld = new Set<string>()
  const usedNew = new Set<string>()
  const transcript = structuredClone(next)
  const carried: { speaker: string; name: string }[] = []
  for (const p of pairs) {
    if (usedOld.has(p.from) || usedNew.has(p.to)) continue
    const target = transcript.speakers.find((s) => s.id === p.to)
    if (!target) continue
    usedOld.add(p.from)
    usedNew.add(p.to)
    target.name = previous.speakers.find((s) => s.id === p.from)!.name
    carried.push({ speaker: p.to, name: target.name })
  }
  return { transcript, carried }
}
