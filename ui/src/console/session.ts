// The signed-in user and the reference data every screen uses (org units, departments,
// categories, the caller's grids), loaded once per session.
import { reactive } from 'vue'
import { ApiError, getJson, postJson, request, setToken, token } from './http'
import type { LoginRequest, LoginResponse, OrgResponse, User } from './apiTypes'

const USER_KEY = 'yiwang.console.user'
const DEVICE_KEY = 'yiwang.console.device'

export const session = reactive({
  user: null as User | null,
  org: null as OrgResponse | null,
})

function restore(): void {
  const raw = sessionStorage.getItem(USER_KEY)
  if (raw && token()) {
    try {
      session.user = JSON.parse(raw) as User
    } catch {
      sessionStorage.removeItem(USER_KEY)
    }
  }
}
restore()

// One sign-in per browser: the token stays in each tab's sessionStorage (never localStorage, so
// it is gone once the browser's last console tab closes), and a tab opened without one asks the
// others for theirs over a BroadcastChannel (same origin only; nothing the CSP has to allow).
// Signing out in one tab signs out every tab.
type Message = { type: 'ask' } | { type: 'session'; token: string; user: User } | { type: 'logout' }
const channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('yiwang.console.session') : null
let onSignedOutElsewhere: () => void = () => {}
/** What this tab does when another tab signs out (the router sends it to the login page). */
export function setSignedOutElsewhereHandler(f: () => void): void {
  onSignedOutElsewhere = f
}
channel?.addEventListener('message', (e: MessageEvent<Message>) => {
  const m = e.data
  const mine = token()
  // A plain copy of the user: a reactive proxy cannot be posted (structured clone).
  if (m?.type === 'ask' && mine && session.user) channel.postMessage({ type: 'session', token: mine, user: JSON.parse(JSON.stringify(session.user)) as User } satisfies Message)
  else if (m?.type === 'logout' && session.user) {
    clear()
    onSignedOutElsewhere()
  }
})

/** How long a new tab waits for another tab's answer before showing the login page. */
const ASK_MS = 250
/**
 * Settles once this tab knows whether it is signed in: at once when it holds a session, else
 * when another tab hands it one or nobody answers within `ASK_MS`. The router waits for it.
 */
export const sessionReady: Promise<void> =
  session.user || !channel
    ? Promise.resolve()
    : new Promise((resolve) => {
        const done = () => {
          channel.removeEventListener('message', take)
          resolve()
        }
        const take = (e: MessageEvent<Message>) => {
          const m = e.data
          if (m?.type !== 'session' || session.user || typeof m.token !== 'string') return
          setToken(m.token)
          session.user = m.user
          sessionStorage.setItem(USER_KEY, JSON.stringify(m.user))
          done()
        }
        channel.addEventListener('message', take)
        channel.postMessage({ type: 'ask' } satisfies Message)
        setTimeout(done, ASK_MS)
      })

/** A stable id for this browser: the server keys tokens by device. */
function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY)
  if (!id) {
    id = `console-${crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`
    localStorage.setItem(DEVICE_KEY, id)
  }
  return id
}

export async function login(username: string, password: string): Promise<User> {
  const r = await postJson<LoginResponse>('/api/v1/auth/login', {
    username: username.trim(),
    password,
    device_id: deviceId(),
    device_name: `Console (${navigator.userAgent.includes('Chrome') ? 'Chromium' : 'browser'})`,
    // A console session: it ends after 12 idle hours and 7 days at the most.
    client: 'console',
  } satisfies LoginRequest)
  setToken(r.token)
  session.user = r.user
  session.org = null
  sessionStorage.setItem(USER_KEY, JSON.stringify(r.user))
  return r.user
}

/** Forgets the session here and in the browser's other tabs; tells the server when it can. */
export async function logout(): Promise<void> {
  const had = token()
  if (had) {
    try {
      await request('/api/v1/auth/logout', { method: 'POST' })
    } catch (e) {
      if (!(e instanceof ApiError)) throw e
    }
  }
  clear()
  channel?.postMessage({ type: 'logout' } satisfies Message)
}

export function clear(): void {
  setToken(null)
  sessionStorage.removeItem(USER_KEY)
  session.user = null
  session.org = null
  polygons = null
}

let loading: Promise<OrgResponse> | null = null
/** Units, departments, categories and the caller's grids (no polygons). */
export function org(): Promise<OrgResponse> {
  if (session.org) return Promise.resolve(session.org)
  loading ??= getJson<OrgResponse>('/api/v1/org')
    .then((o) => {
      session.org = o
      return o
    })
    .finally(() => {
      loading = null
    })
  return loading
}

let polygons: Promise<Map<string, GeoJSON.Geometry>> | null = null
/**
 * The polygons of the caller's grids, by grid id, fetched once per session (`/api/v1/org?polygons=1`;
 * a department has none).
 */
export function gridPolygons(): Promise<Map<string, GeoJSON.Geometry>> {
  polygons ??= getJson<OrgResponse>('/api/v1/org?polygons=1')
    .then((o) => new Map(o.grids.filter((g) => g.polygon).map((g) => [g.id, g.polygon as GeoJSON.Geometry])))
    .catch((e) => {
      polygons = null
      throw e
    })
  return polygons
}
