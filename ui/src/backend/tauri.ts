// The Backend over Tauri commands. The ONLY module that imports @tauri-apps/* (docs/STYLE.md).
// Command names and argument keys are the contract's; Tauri maps camelCase keys to the Rust
// commands' snake_case parameters.
import { invoke } from '@tauri-apps/api/core'
import { listen, type UnlistenFn } from '@tauri-apps/api/event'
import type { Backend } from './backend'
import { BackendError } from './errors'
import type { SyncView } from './types'

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args)
  } catch (e) {
    throw BackendError.from(e)
  }
}

/** Subscribes now, unsubscribes whenever asked (even before `listen` has resolved). */
function subscribe<T>(event: string, cb: (payload: T) => void): () => void {
  let unlisten: UnlistenFn | null = null
  let cancelled = false
  listen<T>(event, (e) => cb(e.payload)).then(
    (u) => {
      if (cancelled) u()
      else unlisten = u
    },
    (e) => console.error(`listen ${event}`, e),
  )
  return () => {
    cancelled = true
    unlisten?.()
  }
}

export function createTauriBackend(): Backend {
  return {
    appInfo: () => call('app_info'),
    login: (serverUrl, username, password) => call('login', { serverUrl, username, password }),
    logout: () => call('logout'),
    setSettings: (settings) => call('set_settings', { settings }),
    home: () => call('home'),
    categories: () => call('categories'),
    startPatrol: () => call('start_patrol'),
    currentPatrol: () => call('current_patrol'),
    addTrackPoints: (patrolId, points) => call('add_track_points', { patrolId, points }),
    endPatrol: (patrolId) => call('end_patrol', { patrolId }),
    async addPhoto(bytes, lat, lon) {
      // The raw body carries the bytes (no JSON array of numbers); the fix rides in headers.
      const headers: Record<string, string> = {}
      if (lat !== undefined && lon !== undefined) {
        headers['x-lat'] = String(lat)
        headers['x-lon'] = String(lon)
      }
      try {
        return await invoke('add_photo', bytes, { headers })
      } catch (e) {
        throw BackendError.from(e)
      }
    },
    saveFinding: (input) => call('save_finding', { input }),
    findings: (patrolId) => call('findings', { patrolId: patrolId ?? null }),
    myCases: () => call('my_cases'),
    caseDetail: (caseId) => call('case_detail', { caseId }),
    verificationTasks: () => call('verification_tasks'),
    verifyCase: (input) => call('verify_case', { input }),
    photo: (sha256) => call('photo', { sha256 }),
    syncStatus: () => call('sync_status'),
    syncNow: () => call('sync_now'),
    dismissRejected: (opId) => call('dismiss_rejected', { opId }),
    uiReady: () => call('ui_ready'),
    onSyncProgress: (cb) => subscribe<SyncView>('sync-progress', cb),
    onDataChanged: (cb) => subscribe<null>('data-changed', () => cb()),
  }
}
