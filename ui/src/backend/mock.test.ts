// The in-memory backend keeps the facade's rules the screens depend on; these tests pin them so
// `vite dev` and the screenshots show real behaviour (refusals included), not a happy path.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BackendError } from './errors'
import { createMockBackend } from './mock'
import type { FindingInput, SyncView } from './types'

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9])

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    expect(e, 'every rejection is a BackendError').toBeInstanceOf(BackendError)
    return (e as BackendError).code
  }
  return 'resolved'
}

const fast = () => createMockBackend({ signedIn: true, stepMs: 1, autoSyncMs: null })

describe('mock backend', () => {
  it('signs in online, then offline with the same password only', async () => {
    const b = createMockBackend({ stepMs: 1, autoSyncMs: null })
    expect(await code(b.login('http://x', 'worker-0001', 'nope'))).toBe('wrong_credentials')
    expect((await b.login('http://x', 'worker-0001', 'demo')).needs_login).toBe(false)
    await b.logout()
    b.setOnline(false)
    expect(await code(b.login('http://x', 'worker-0001', 'wrong'))).toBe('offline')
    expect(await code(b.login('http://x', 'worker-0002', 'demo')), 'never signed in here').toBe('offline')
    expect((await b.login('http://x', 'worker-0001', 'demo')).needs_login, 'offline session').toBe(true)
  })

  it('refuses a second open patrol', async () => {
    const b = fast()
    await b.startPatrol()
    expect(await code(b.startPatrol())).toBe('patrol_open')
  })

  it('hashes photo bytes with SHA-256 and refuses what is not an image', async () => {
    const b = fast()
    const p = await b.addPhoto(JPEG)
    expect(p.sha256).toBe(createHash('sha256').update(JPEG).digest('hex'))
    expect(p.thumb_data_url?.startsWith('data:image/jpeg;base64,')).toBe(true)
    expect(await code(b.addPhoto(new TextEncoder().encode('hello')))).toBe('photo_unreadable')
  })

  it('saves a report finding instantly, opening a case that waits to sync', async () => {
    const b = fast()
    const p = await b.addPhoto(JPEG)
    const f = await b.saveFinding({ patrol_id: null, category_code: '03.02', description: '乱堆', lat: 40.6, lon: 122.5,
      accuracy_m: 0, mock_location: false, disposition: 'report', photos: [p.sha256], urgent: false })
    expect(f.sync).toBe('waiting')
    expect(f.location_quality, 'a zero-accuracy fix is marked').toBe('mock')
    const c = await b.caseDetail(f.case_id!)
    expect(c.summary.state).toBe('pending')
    expect((await b.home()).waiting_sync).toBe(1)
    expect(await code(b.saveFinding({ ...baseInput, category_code: '03' })), 'a class is not a leaf').toBe('invalid_input')
    expect(await code(b.saveFinding({ ...baseInput, photos: Array(10).fill(p.sha256) }))).toBe('too_many_photos')
  })

  it('refuses to log out while work waits, allows it once synced', async () => {
    const b = fast()
    await b.startPatrol()
    expect(await code(b.logout())).toBe('unsynced_work')
    const seen: SyncView[] = []
    b.onSyncProgress((s) => seen.push(s))
    await b.syncNow()
    await b.idle()
    const last = seen[seen.length - 1]
    expect(last.phase).toBe('idle')
    expect(last.waiting).toEqual([])
    expect(seen.some((s) => s.phase === 'push' && s.ops_total === 1), 'progress was reported while pushing').toBe(true)
    expect(last.rejected.length, 'the rejected item stays visible').toBe(1)
    await b.logout()
  })

  it('lets the worker dismiss a refusal once read', async () => {
    const b = fast()
    const before = await b.syncStatus()
    expect(before.rejected.length).toBe(1)
    expect((await b.home()).rejected).toBe(1)
    const after = await b.dismissRejected(before.rejected[0].op_id)
    expect(after.rejected).toEqual([])
    expect((await b.home()).rejected, 'the badge clears').toBe(0)
    expect(await code(b.dismissRejected(before.rejected[0].op_id)), 'once only').toBe('not_found')
  })

  it('keeps the outbox while offline', async () => {
    const b = fast()
    await b.startPatrol()
    b.setOnline(false)
    await b.syncNow()
    await b.idle()
    const s = await b.syncStatus()
    expect(s.phase).toBe('backoff')
    expect(s.waiting.length).toBe(1)
  })

  it('needs a note on a failed verification, and queues it at the case', async () => {
    const b = fast()
    const [task] = await b.verificationTasks()
    expect(await code(b.verifyCase({ case_id: task.id, passed: false, note: ' ', photos: [] }))).toBe('invalid_input')
    const d = await b.verifyCase({ case_id: task.id, passed: false, note: '仍未修复', photos: [] })
    expect(d.pending.map((o) => o.kind)).toEqual(['case.action'])
    expect(await code(b.verifyCase({ case_id: task.id, passed: true, note: '', photos: [] })), 'decided already').toBe('stale_state')
    await b.syncNow()
    await b.idle()
    const after = await b.caseDetail(task.id)
    expect(after.summary.state, 'a failed check sends the case back').toBe('dispatched')
    expect(after.timeline[after.timeline.length - 1].action).toBe('verify_fail')
    expect(after.pending).toEqual([])
  })
})

const baseInput: FindingInput = { patrol_id: null, category_code: '03.02', description: '乱堆乱放', lat: null, lon: null,
  accuracy_m: null, mock_location: false, disposition: 'note', photos: [] as string[], urgent: false }
