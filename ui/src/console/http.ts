// The console's only way to the server: `fetch` on `/api/v1/*` with the bearer token from the
// session. Errors arrive as `{error: {code, message}}` (sync-server/src/error.rs) and become
// `ApiError`s; the UI branches on `code` and `status` only. A 401 ends the session.
import { sha256 } from '@noble/hashes/sha2.js'
import { stripJpegMetadata } from './jpegStrip'
import { bytesToHex } from '@noble/hashes/utils.js'

const TOKEN_KEY = 'yiwang.console.token'

/** An `invalid_input` refusal's field, rule and limit (yiwang_core::input), when it has them. */
export interface InputDetail {
  field: string
  rule: string
  limit?: string | null
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public input: InputDetail | null = null) {
    super(message)
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY)
}

export function setToken(t: string | null): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t)
  else sessionStorage.removeItem(TOKEN_KEY)
}

type Listener = (e: ApiError) => void
let onUnauthorized: Listener = () => {}
/** Called once by the app: what to do when the server says the session is over. */
export function setUnauthorizedHandler(f: Listener): void {
  onUnauthorized = f
}

async function errorOf(resp: Response): Promise<ApiError> {
  let code = `http_${resp.status}`
  let message = resp.statusText || `HTTP ${resp.status}`
  let input: InputDetail | null = null
  try {
    const body = await resp.json()
    const e = body?.error ?? body
    if (e && typeof e.code === 'string') code = e.code
    if (e && typeof e.message === 'string') message = e.message
    if (e && typeof e.field === 'string' && typeof e.rule === 'string') {
      input = { field: e.field, rule: e.rule, limit: typeof e.limit === 'string' ? e.limit : null }
    }
  } catch {
    // Not JSON (a proxy's error page): keep the status.
  }
  return new ApiError(resp.status, code, message, input)
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const t = token()
  if (t) headers.set('Authorization', `Bearer ${t}`)
  let resp: Response
  try {
    resp = await fetch(path, { ...init, headers })
  } catch (e) {
    throw new ApiError(0, 'offline', e instanceof Error ? e.message : String(e))
  }
  if (!resp.ok) {
    const err = await errorOf(resp)
    if (resp.status === 401 && !path.endsWith('/auth/login')) onUnauthorized(err)
    throw err
  }
  return resp
}

export async function getJson<T>(path: string): Promise<T> {
  return (await request(path, { headers: { Accept: 'application/json' } })).json() as Promise<T>
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const resp = await request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  })
  return resp.json() as Promise<T>
}

/** Fetches with the token and hands back an object URL (photos, which <img> cannot fetch itself). */
export async function blobUrl(path: string): Promise<string> {
  const resp = await request(path)
  return URL.createObjectURL(await resp.blob())
}

/** Fetches with the token and saves the answer as a file named `name`. */
export async function download(path: string, name: string): Promise<number> {
  const resp = await request(path)
  const blob = await resp.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return blob.size
}

/** SHA-256 hex of a file: crypto.subtle where the page is a secure context, else @noble/hashes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (globalThis.crypto?.subtle) {
    const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource)
    return bytesToHex(new Uint8Array(d))
  }
  return bytesToHex(sha256(bytes))
}

function b64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)))
}

/**
 * Uploads a photo the tus way the server speaks (`POST /api/v1/photos`, then one `PATCH`) and
 * returns its SHA-256, the name cases refer to it by. A photo the server already has is not sent.
 * A JPEG is first stripped of its metadata ({@link stripJpegMetadata}), so the hash names the
 * stripped bytes.
 */
export async function uploadPhoto(file: Blob): Promise<string> {
  // Without its Exif (GPS, camera), XMP and IPTC: the server refuses a JPEG that carries them.
  const bytes = stripJpegMetadata(new Uint8Array(await file.arrayBuffer()))
  const hash = await sha256Hex(bytes)
  const created = await request('/api/v1/photos', {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes.length), 'Upload-Metadata': `sha256 ${b64(hash)}` },
  })
  if (created.headers.get('Photo-Stored') === 'true' || created.headers.get('Yiwang-Photo-Stored') === 'true') return hash
  const location = created.headers.get('Location')
  if (!location) throw new ApiError(created.status, 'upload_failed', 'the server named no upload')
  await request(location, {
    method: 'PATCH',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body: bytes as BodyInit,
  })
  return hash
}
