// @ts-check
// The server's types as the page uses them, taken from the server's own modules. JSDoc imports are erased: the
// browser never loads these modules, and `npm run typecheck` checks the page against the server's definitions.
// Other modules name them as `import('./types.js').Transcript`.

/** @typedef {import('../src/domain/transcript.ts').Transcript} Transcript */
/** @typedef {import('../src/domain/transcript.ts').Segment} Segment */
/** @typedef {import('../src/domain/transcript.ts').Word} Word */
/** @typedef {import('../src/domain/transcript.ts').FilterEvidence} FilterEvidence */
/** @typedef {import('../src/domain/transcript-edits.ts').EditOp} EditOp */
/** @typedef {import('../src/http/recordings.ts').TranscriptResponse} TranscriptResponse */
/** @typedef {import('../src/http/recordings.ts').LibraryItem} LibraryItem */
/** @typedef {import('../src/services/transcripts.ts').VersionView} VersionView */
/** @typedef {import('../src/http/exports.ts').ExportsResponse} ExportsResponse */
/** @typedef {import('../src/http/recordings.ts').RecordingDetail} RecordingDetail */
/** @typedef {import('../src/http/recordings.ts').SearchMatch} SearchMatch */
/** @typedef {import('../src/http/recordings.ts').NoteMatch} NoteMatch */
/** @typedef {import('../src/http/recordings.ts').LibraryTotals} LibraryTotals */
/** @typedef {import('../src/http/recordings.ts').UploadedRecording} UploadedRecording */
/** @typedef {import('../src/http/recordings.ts').JobOptionsInput} JobOptionsInput */
/** @typedef {import('../src/http/health.ts').HealthResponse} Health */
/** @typedef {import('../src/http/setup.ts').SetupAnswer} SetupAnswer */
/** @typedef {import('../src/domain/recording.ts').Recording} Recording */
/** @typedef {import('../src/domain/recording.ts').RecordingStatus} RecordingStatus */

/**
 * What the page knows of a recording: the event stream's Recording, completed by the library's fields (language,
 * speakers, cost, …) once listed, what its last job was asked for once fetched, and search hits while searching.
 * @typedef {Recording & Partial<Omit<RecordingDetail, keyof Recording>> & { matches?: SearchMatch[], noteMatches?: NoteMatch[], duplicateOf?: string | null }} KnownRecording
 */

export {}
