// The page's only way to talk to the server: typed-by-convention wrappers around /api.
// Errors come back as {error: {code, message}}; they are thrown as ApiError with the server's message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

async function call(method, url, body) {
  const init = { method, headers: {} }
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const res = await fetch(url, init)
  // PANEL_PASSWORD: the session ended (e.g. the panel restarted); the reload shows the password form.
  if (res.status === 401) location.reload()
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'http_' + res.status, message: `The panel answered HTTP ${res.status}.` }
    throw new ApiError(res.status, err.code, err.message)
  }
  return data
}

const rec = (id) => `/api/recordings/${encodeURIComponent(id)}`

export const api = {
  health: () => call('GET', '/api/health'),
  setup: () => call('GET', '/api/setup'),
  setupCheck: (testJob) => call('POST', '/api/setup/check', { testJob }),
  setupFix: (id) => call('POST', `/api/setup/fix/${encodeURIComponent(id)}`),
  list: (q) => call('GET', '/api/recordings' + (q ? `?q=${encodeURIComponent(q)}` : '')),
  get: (id) => call('GET', rec(id)),
  remove: (id) => call('DELETE', rec(id)),
  /** Changes a recording: {recordedAt: "YYYY-MM-DD" | null} and/or {title: string | null} (null: the file name again). Answers the recording as `get` does. */
  patch: (id, change) => call('PATCH', rec(id), change),
  peaks: (id) => call('GET', `${rec(id)}/peaks`),
  transcribe: (id, options) => call('POST', `${rec(id)}/transcribe`, options),
  cancel: (id) => call('POST', `${rec(id)}/cancel`),
  transcript: (id) => call('GET', `${rec(id)}/transcript`),
  // `version`: the transcript version the edit was made on; the server answers 409 if it changed meanwhile.
  edit: (id, ops, version) => call('PATCH', `${rec(id)}/transcript`, version ? { ops, version } : { ops }),
  /** Reverts the newest edit; answers like `edit`. ApiError status 409 when nothing is left to undo. */
  undo: (id) => call('POST', `${rec(id)}/transcript/undo`),
  /** Puts back what undo took back most recently; answers like `edit`. ApiError status 409 when nothing is left to redo. */
  redo: (id) => call('POST', `${rec(id)}/transcript/redo`),
  /** Every transcript version, newest first: [{version, createdAt, jobId, current, edits, renamedSpeakers, speakers}]. */
  versions: (id) => call('GET', `${rec(id)}/versions`),
  /** Makes `version` current again (undoable); answers like `edit`. */
  restore: (id, version) => call('POST', `${rec(id)}/versions/${version}/restore`),
  /** Whether a chat model is configured, and the note templates. @returns {Promise<import('../src/services/notes.ts').NotesStatus>} */
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
  liveStart: (filename) => call('POST', `/api/live?filename=${encodeURIComponent(filename)}`),
  liveChunk: async (session, seq, blob) => {
    const res = await fetch(`/api/live/${encodeURIComponent(session)}/chunks/${seq}`, { method: 'PUT', body: blob })
    if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, `The panel did not store chunk ${seq} (HTTP ${res.status}).`)
  },
  liveFinish: (session) => call('POST', `/api/live/${encodeURIComponent(session)}/finish`),
  audioUrl: (id) => `${rec(id)}/audio`,
  exportUrl: (id, format) => `${rec(id)}/export/${format}`,

  /**
   * Uploads a File with progress (XHR: fetch has no upload progress).
   * @param onProgress (sentBytes, totalBytes) => void
   * @returns the created recording
   */
  upload(file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('PUT', `/api/recordings?filename=${encodeURIComponent(file.name)}`)
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total || file.size)
      xhr.onload = () => {
        let data = null
        try {
          data = JSON.parse(xhr.responseText)
        } catch {
          data = null
        }
        if (xhr.status === 201) resolve(data)
        else {
          const err = data && data.error ? data.error : { code: 'http_' + xhr.status, message: `Upload failed (HTTP ${xhr.status}).` }
          reject(new ApiError(xhr.status, err.code, err.message))
        }
      }
      xhr.onerror = () => reject(new ApiError(0, 'network', 'The panel could not be reached. Is it still running?'))
      xhr.send(file)
    })
  },
}
