// Feeds the open patrol's track: browser geolocation (watchPosition in the webview) batched
// into add_track_points. Lives outside the screens so the track keeps growing while the
// worker records a finding. Without geolocation (denied, unavailable, Xvfb) it reports "off"
// and the patrol goes on.
import { reactive } from 'vue'
import type { TrackPointInput } from '@/backend'
import { useBackend } from './state'

export type GeoStatus = 'idle' | 'locating' | 'ok' | 'off'

export const geo = reactive({
  status: 'idle' as GeoStatus,
  last: null as { lat: number; lon: number; accuracy: number | null; at: number } | null,
  /** Bumped when a batch reached the backend, so the patrol screen refreshes. */
  flushed: 0,
})

const FLUSH_MS = 10_000
const FLUSH_POINTS = 10
/** A fix older than this is not used for a finding's location. */
const FRESH_MS = 2 * 60_000
const LOCATE_GIVE_UP_MS = 10_000

let watchId: number | null = null
let timer: ReturnType<typeof setInterval> | null = null
let patrolId: string | null = null
let pending: TrackPointInput[] = []

function hasGeolocation(): boolean {
  return typeof navigator !== 'undefined' && 'geolocation' in navigator
}

function onFix(p: GeolocationPosition): void {
  const { latitude: lat, longitude: lon, accuracy } = p.coords
  geo.status = 'ok'
  geo.last = { lat, lon, accuracy: Number.isFinite(accuracy) ? accuracy : null, at: Date.now() }
  if (patrolId) {
    // A zero-accuracy fix is what mock-location apps produce: mark it (docs/DESIGN.md §7).
    pending.push({ t: new Date(p.timestamp || Date.now()).toISOString(), lat, lon,
      accuracy_m: geo.last.accuracy, mock: accuracy === 0 })
    if (pending.length >= FLUSH_POINTS) void flush()
  }
}

function onError(): void {
  geo.status = 'off'
}

/** Starts watching the position (once); works with or without a patrol. */
export function watchPosition(): void {
  if (watchId !== null) return
  if (!hasGeolocation()) {
    geo.status = 'off'
    return
  }
  geo.status = geo.last ? 'ok' : 'locating'
  watchId = navigator.geolocation.watchPosition(onFix, onError, {
    enableHighAccuracy: true, maximumAge: 5000, timeout: 20000,
  })
  // Some webviews never answer (no provider, a permission prompt nobody sees): after a while
  // say "no location" rather than "locating…" forever. A later fix still turns it to ok.
  setTimeout(() => {
    if (geo.status === 'locating') geo.status = 'off'
  }, LOCATE_GIVE_UP_MS)
}

export function stopWatching(): void {
  if (watchId !== null && hasGeolocation()) navigator.geolocation.clearWatch(watchId)
  watchId = null
}

export async function flush(): Promise<void> {
  if (!patrolId || pending.length === 0) return
  const batch = pending
  pending = []
  try {
    await useBackend().addTrackPoints(patrolId, batch)
    geo.flushed++
  } catch (e) {
    console.error('add_track_points', e)
    // Keep the points for the next try unless the patrol is gone or the points are refused.
    const code = (e as { code?: string }).code
    if (code !== 'not_found' && code !== 'invalid_input') pending = batch.concat(pending)
  }
}

export function startTracking(id: string): void {
  if (patrolId === id) return
  patrolId = id
  pending = []
  watchPosition()
  if (timer === null) timer = setInterval(() => void flush(), FLUSH_MS)
}

export async function stopTracking(): Promise<void> {
  await flush()
  patrolId = null
  if (timer !== null) clearInterval(timer)
  timer = null
}

/** The latest fix if it is fresh enough to locate a finding or a photo. */
export function currentFix(): { lat: number; lon: number; accuracy: number | null } | null {
  if (!geo.last || Date.now() - geo.last.at > FRESH_MS) return null
  return geo.last
}
