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

/** Forgets the session here; tells the server when it can. */
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
