// The Tauri backend against a stand-in for the webview's IPC (window.__TAURI_INTERNALS__):
// command names, camelCase argument keys, the raw photo body with its headers, error wrapping
// and events — the parts of the contract a typo would break without any type error.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BackendError } from './errors'
import { createTauriBackend } from './tauri'

interface Call {
  cmd: string
  args: unknown
  options?: { headers?: Record<string, string> }
}

let calls: Call[] = []
let reply: (c: Call) => unknown = () => null
const callbacks = new Map<number, (data: unknown) => void>()

beforeEach(() => {
  calls = []
  callbacks.clear()
  reply = () => null
  let next = 1
  const w = {
    __TAURI_INTERNALS__: {
      invoke: async (cmd: string, args: unknown, options?: Call['options']) => {
        const c = { cmd, args, options }
        calls.push(c)
        return reply(c)
      },
      transformCallback: (cb: (data: unknown) => void) => {
        const id = next++
        callbacks.set(id, cb)
        return id
      },
    },
    __TAURI_EVENT_PLUGIN_INTERNALS__: { unregisterListener: () => {} },
  }
  ;(globalThis as unknown as { window: unknown }).window = w
})

afterEach(() => {
  delete (globalThis as { window?: unknown }).window
})

describe('tauri backend', () => {
  it('calls the contract commands with camelCase keys', async () => {
    const b = createTauriBackend()
    await b.login('http://s', 'worker-0001', 'pw')
    await b.caseDetail('c1')
    await b.addTrackPoints('p1', [])
    await b.endPatrol('p1')
    await b.findings()
    await b.findings('p1')
    await b.verifyCase({ case_id: 'c1', passed: true, note: '', photos: [] })
    await b.uiReady()
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['login', { serverUrl: 'http://s', username: 'worker-0001', password: 'pw' }],
      ['case_detail', { caseId: 'c1' }],
      ['add_track_points', { patrolId: 'p1', points: [] }],
      ['end_patrol', { patrolId: 'p1' }],
      ['findings', { patrolId: null }],
      ['findings', { patrolId: 'p1' }],
      ['verify_case', { input: { case_id: 'c1', passed: true, note: '', photos: [] } }],
      ['ui_ready', {}],
    ])
  })

  it('sends photo bytes as the raw body, the fix in headers', async () => {
    const b = createTauriBackend()
    const bytes = new Uint8Array([0xff, 0xd8, 0xff])
    await b.addPhoto(bytes, 40.5, 122.25)
    await b.addPhoto(bytes)
    expect(calls[0].cmd).toBe('add_photo')
    expect(calls[0].args, 'the Uint8Array itself, not JSON').toBe(bytes)
    expect(calls[0].options?.headers).toEqual({ 'x-lat': '40.5', 'x-lon': '122.25' })
    expect(calls[1].options?.headers).toEqual({})
  })

  it('turns a command error into a BackendError with its code', async () => {
    const b = createTauriBackend()
    reply = () => Promise.reject({ code: 'unsynced_work', message: '3 ops wait' })
    const e = await b.logout().catch((x: unknown) => x)
    expect(e).toBeInstanceOf(BackendError)
    expect((e as BackendError).code).toBe('unsynced_work')
    expect((e as BackendError).message).toBe('3 ops wait')
    reply = () => Promise.reject('boom')
    expect(((await b.home().catch((x: unknown) => x)) as BackendError).code, 'a bare string is internal').toBe('internal')
  })

  it('delivers sync-progress payloads until unsubscribed', async () => {
    const b = createTauriBackend()
    reply = (c) => (c.cmd === 'plugin:event|listen' ? 7 : null)
    const seen: string[] = []
    const off = b.onSyncProgress((s) => seen.push(s.phase))
    await new Promise((r) => setTimeout(r, 0))
    const listen = calls.find((c) => c.cmd === 'plugin:event|listen')!
    expect((listen.args as { event: string }).event).toBe('sync-progress')
    const handler = callbacks.get((listen.args as { handler: number }).handler)!
    handler({ event: 'sync-progress', id: 7, payload: { phase: 'push' } })
    off()
    await new Promise((r) => setTimeout(r, 0))
    expect(seen).toEqual(['push'])
    expect(calls.some((c) => c.cmd === 'plugin:event|unlisten'), 'unsubscribing unlistens').toBe(true)
  })
})
