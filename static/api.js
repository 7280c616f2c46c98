// @ts-check
// The page's only way to talk to the server: wrappers around /api, typed with the server's own response types.
// Errors come back as {error: {code, message}}; they are thrown as ApiError with the server's message.

/** @typedef {import('./types.js').TranscriptResponse} TranscriptResponse */
/** @typedef {import('./types.js').LibraryItem} LibraryItem */
/** @typedef {import('./types.js').VersionView} VersionView */
/** @typedef {import('./types.js').EditOp} EditOp */
/** @typedef {import('./types.js').ExportsResponse} ExportsResponse */

/** @typedef {import('../src/domain/api.ts').PanelEvent} PanelEvent */

/**
 * Listens to one kind of the server's events (GET /api/events) with its data typed as the server sends it;
 * returns the function that stops listening.
 * @template {PanelEvent['type']} K
 * @param {EventSource} source
 * @param {K} type
 * @param {(event: Extract<PanelEvent, { type: K }>) => void} handler
 * @returns {() => void}
 */
export function onServerEvent(source, type, handler) {
  /** @param {MessageEvent<string>} e */
  const listener = (e) => handler(JSON.parse(e.data))
  source.addEventListener(type, listener)
  return () => source.removeEventListener(type, listener)
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: the panel could not be reached)
   * @param {string} code the server's error code (`conflict`, `not_found`, …) or `http_<status>`
   * @param {string} message the server's words for the user
   */
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * The HTTP status of a failed call (an ApiError), or 0 for anything else.
 * @param {unknown} err
 */
export const statusOf = (err) => (err instanceof ApiError ? err.status : 0)

/**
 * What to tell the user about a failure.
 * @param {unknown} err
 */
export const messageOf = (err) => (err instanceof Error ? err.message : String(err))

/**
 * The server's `{error: {code, message}}` from a parsed body, or null.
 * @param {unknown} data
 * @returns {{ code: string, message: string } | null}
 */
const errorIn = (data) => {
  const error = data && typeof data === 'object' && 'error' in data ? data.error : null
  return error && typeof error === 'object' && 'code' in error && 'message' in error ? { code: String(error.code), message: String(error.message) } : null
}

/**
 * One JSON call. The answer is typed by the wrapper below that names the route (the server's own type for it).
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body] sent as JSON
 * @returns {Promise<any>}
 * @throws ApiError with the server's message when the answer is not 2xx
 */
async function call(method, url, body) {
  /** @type {RequestInit & { headers: Record<string, string> }} */
  const init = { method, headers: {} }
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const res = await fetch(url, init)
  // PANEL_PASSWORD: the session ended (e.g. the panel restarted); the reload shows the password form.
  if (res.status === 401) location.reload()
  const text = await res.text()
  /** @type {unknown} */
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!res.ok) {
    const err = errorIn(data) ?? { code: 'http_' + res.status, message: `The panel answered HTTP ${res.status}.` }
    throw new ApiError(res.status, err.code, err.message)
  }
  return data
}

/** @param {string} id */
const rec = (id) => `/api/recordings/${encodeURIComponent(id)}`

export const api = {
  /** @returns {Promise<import('./types.js').Health>} */
  health: () => call('GET', '/api/health'),
  /** @returns {Promise<import('./types.js').SetupAnswer>} */
  setup: () => call('GET', '/api/setup'),
  /** @param {boolean} testJob @returns {Promise<import('./types.js').SetupAnswer>} */
  setupCheck: (testJob) => call('POST', '/api/setup/check', { testJob }),
  /** @param {string} id a check's id @returns {Promise<import('./types.js').SetupAnswer>} */
  setupFix: (id) => call('POST', `/api/setup/fix/${encodeURIComponent(id)}`),
  /** The export formats and timestamp choices the panel offers. @returns {Promise<ExportsResponse>} */
  exports: () => call('GET', '/api/exports'),
  /**
   * The library, or the recordings `q` finds (with `matches`).
   * @param {string} [q]
   * @returns {Promise<{ recordings: LibraryItem[], totals: import('./types.js').LibraryTotals }>}
   */
  list: (q) => call('GET', '/api/recordings' + (q ? `?q=${encodeURIComponent(q)}` : '')),
  /** @param {string} id @returns {Promise<import('./types.js').RecordingDetail>} */
  get: (id) => call('GET', rec(id)),
  /** @param {string} id @returns {Promise<unknown>} */
  remove: (id) => call('DELETE', rec(id)),
  /**
   * Changes a recording: {recordedAt: "YYYY-MM-DD" | null} and/or {title: string | null} (null: the file name again).
   * Answers the recording as `get` does.
   * @param {string} id
   * @param {{ recordedAt?: string | null, title?: string | null }} change
   * @returns {Promise<import('./types.js').RecordingDetail>}
   */
  patch: (id, change) => call('PATCH', rec(id), change),
  /** @param {string} id @returns {Promise<{ duration: number, peaks: number[] }>} */
  peaks: (id) => call('GET', `${rec(id)}/peaks`),
  /** @param {string} id @param {import('./types.js').JobOptionsInput} options @returns {Promise<LibraryItem>} */
  transcribe: (id, options) => call('POST', `${rec(id)}/transcribe`, options),
  /** @param {string} id @returns {Promise<LibraryItem>} */
  cancel: (id) => call('POST', `${rec(id)}/cancel`),
  /** @param {string} id @returns {Promise<TranscriptResponse>} */
  transcript: (id) => call('GET', `${rec(id)}/transcript`),
  /**
   * Applies edit ops. ApiError status 409 when the transcript changed since revision `version`.
   * @param {string} id
   * @param {EditOp[]} ops
   * @param {number} [version] the revision the edit was made on
   * @returns {Promise<TranscriptResponse>}
   */
  edit: (id, ops, version) => call('PATCH', `${rec(id)}/transcript`, version ? { ops, version } : { ops }),
  /** Reverts the newest edit; answers like `edit`. ApiError status 409 when nothing is left to undo. @param {string} id @returns {Promise<TranscriptResponse>} */
  undo: (id) => call('POST', `${rec(id)}/transcript/undo`),
  /** Puts back what undo took back most recently; answers like `edit`. ApiError status 409 when nothing is left to redo. @param {string} id @returns {Promise<TranscriptResponse>} */
  redo: (id) => call('POST', `${rec(id)}/transcript/redo`),
  /** Every transcript version, newest first. @param {string} id @returns {Promise<VersionView[]>} */
  versions: (id) => call('GET', `${rec(id)}/versions`),
  /** Makes `version` current again (undoable); answers like `edit`. @param {string} id @param {number} version @returns {Promise<TranscriptResponse>} */
  restore: (id, version) => call('POST', `${rec(id)}/versions/${version}/restore`),
  /** Whether a chat model is configured, and the note templates. @returns {Promise<import('../src/domain/api.ts').NotesStatus>} */
  notesStatus: () => call('GET', '/api/notes'),
  /** A recording's notes, newest first. @param {string} id @returns {Promise<Omit<import('../src/domain/notes.ts').Note, 'recordingId'>[]>} */
  notes: (id) => call('GET', `${rec(id)}/notes`),
  /**
   * Starts a note; answers the note being written (its text streams over /api/events).
   * @param {string} id
   * @param {{ template: string } | { prompt: string }} request
   * @returns {Promise<Omit<import('../src/domain/notes.ts').Note, 'recordingId'>>}
   */
  createNote: (id, request) => call('POST', `${rec(id)}/notes`, request),
  /** Stops a note being written (what was written is kept). @param {string} id @param {string} noteId */
  stopNote: (id, noteId) => call('POST', `${rec(id)}/notes/${encodeURIComponent(noteId)}/stop`),
  /** @param {string} id @param {string} noteId */
  deleteNote: (id, noteId) => call('DELETE', `${rec(id)}/notes/${encodeURIComponent(noteId)}`),
  /**
   * Starts a microphone session, with live text when `liveText` (and the panel has it).
   * @param {string} filename @param {boolean} liveText
   * @returns {Promise<{ sessionId: string, live: import('../src/domain/live-text.ts').LiveTextView | null }>}
   */
  liveStart: (filename, liveText) => call('POST', `/api/live?filename=${encodeURIComponent(filename)}&liveText=${liveText ? 'on' : 'off'}`),
  /**
   * The session's live text so far.
   * @param {string} session @returns {Promise<import('../src/domain/live-text.ts').LiveTextView>}
   */
  liveText: (session) => call('GET', `/api/live/${encodeURIComponent(session)}`),
  /**
   * Stores one chunk of a live recording.
   * @param {string} session
   * @param {number} seq
   * @param {Blob} blob
   */
  liveChunk: async (session, seq, blob) => {
    const res = await fetch(`/api/live/${encodeURIComponent(session)}/chunks/${seq}`, { method: 'PUT', body: blob })
    if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, `The panel did not store chunk ${seq} (HTTP ${res.status}).`)
  },
  /** @param {string} session @returns {Promise<import('./types.js').UploadedRecording>} */
  liveFinish: (session) => call('POST', `/api/live/${encodeURIComponent(session)}/finish`),
  /** @param {string} id */
  audioUrl: (id) => `${rec(id)}/audio`,
  /** @param {string} id @param {string} format */
  exportUrl: (id, format) => `${rec(id)}/export/${format}`,

  /**
   * Uploads a File with progress (XHR: fetch has no upload progress).
   * @param {File} file
   * @param {(sentBytes: number, totalBytes: number) => void} onProgress
   * @returns {Promise<import('./types.js').UploadedRecording>} the created recording
   */
  upload(file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('PUT', `/api/recordings?filename=${encodeURIComponent(file.name)}`)
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total || file.size)
      xhr.onload = () => {
        /** @type {unknown} */
        let data = null
        try {
          data = JSON.parse(xhr.responseText)
        } catch {
          data = null
        }
        if (xhr.status === 201) resolve(/** @type {import('./types.js').UploadedRecording} */ (data))
        else {
          const err = errorIn(data) ?? { code: 'http_' + xhr.status, message: `Upload failed (HTTP ${xhr.status}).` }
          reject(new ApiError(xhr.status, err.code, err.message))
        }
      }
      xhr.onerror = () => reject(new ApiError(0, 'network', 'The panel could not be reached. Is it still running?'))
      xhr.send(file)
    })
  },
}
