// BackendError lives apart from index.ts so that tauri.ts and mock.ts import it without a cycle.

/** Every rejection of a Backend method is a BackendError; the UI branches on `code` only. */
export class BackendError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'BackendError'
    this.code = code
  }

  /** Wraps whatever a command rejected with (`{code, message}`, a string, an Error). */
  static from(e: unknown): BackendError {
    if (e instanceof BackendError) return e
    if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
      const o = e as { code: string; message?: unknown }
      return new BackendError(o.code, typeof o.message === 'string' ? o.message : o.code)
    }
    if (e instanceof Error) return new BackendError('internal', e.message)
    return new BackendError('internal', typeof e === 'string' ? e : JSON.stringify(e))
  }
}
