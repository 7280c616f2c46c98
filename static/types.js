// @ts-check
// The server's types as the page uses them, taken from its domain modules (the HTTP API's in src/domain/api.ts,
// free of Node). JSDoc imports are erased: the browser never loads these modules, and `npm run typecheck` checks the
// page against the server's definitions.
// Other modules name them as `import('./types.js').Transcript`.

/** @typedef {import('../src/domain/transcript.ts').Transcript} Transcript */
/** @typedef {import('../src/domain/transcript.ts').Segment} Segment */
/** @typedef {import('../src/domain/transcript.ts').Word} Word */
/** @typedef {import('../src/domain/transcript.ts').FilterEvidence} FilterEvidence */
/** @typedef {import('../src/domain/transcript-edits.ts').EditOp} EditOp */
/** @typedef {import('../src/domain/api.ts').TranscriptResponse} TranscriptResponse */
/** @typedef {import('../src/domain/api.ts').LibraryItem} LibraryItem */
/** @typedef {import('../src/domain/api.ts').VersionView} VersionView */
/** @typedef {import('../src/domain/api.ts').ExportsResponse} ExportsResponse */
/** @typedef {import('../src/domain/api.ts').RecordingDetail} RecordingDetail */
/** @typedef {import('../src/domain/api.ts').SearchMatch} SearchMatch */
/** @typedef {import('../src/domain/api.ts').NoteMatch} NoteMatch */
/** @typedef {import('../src/domain/api.ts').LibraryTotals} LibraryTotals */
/** @typedef {import('../src/domain/api.ts').UploadedRecording} UploadedRecording */
/** @typedef {import('../src/domain/api.ts').JobOptionsInput} JobOptionsInput */
/** @typedef {import('../src/domain/api.ts').HealthResponse} Health */
/** @typedef {import('../src/domain/api.ts').SetupAnswer} SetupAnswer */
/** @typedef {import('../src/domain/recording.ts').Recording} Recording */
/** @typedef {import('../src/domain/recording.ts').RecordingStatus} RecordingStatus */

/**
 * What the page knows of a recording: the event stream's Recording, completed by the library's fields (language,
 * speakers, cost, …) once listed, what its last job was asked for once fetched, and search hits while searching.
 * @typedef {Recording & Partial<Omit<RecordingDetail, keyof Recording>> & { matches?: SearchMatch[], noteMatches?: NoteMatch[], duplicateOf?: string | null }} KnownRecording
 */

export {}
