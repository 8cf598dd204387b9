// An in-memory Backend: what `vite dev` shows in a plain browser and what the Vitest tests
// drive. It keeps the facade's rules that the screens depend on (error codes, outbox states,
// logout refusal, patrol_open, ≤ 9 photos, note required on a failed verification) so the UI
// can be exercised without the Rust side. It is not a second implementation of the facade.
import type { Backend } from './backend'
import { BackendError } from './errors'
import { mockCategories, placeholderPhoto, toBase64 } from './mock-data'
import { MAX_PHOTOS, validateFinding } from '@/logic/findingForm'
import type {
  ActionKind,
  AppInfo,
  CaseDetail,
  CaseState,
  GridView,
  OpType,
  PatrolSlot,
  PatrolWindow,
  Phase,
  Role,
  CaseSummary,
  CategoryView,
  FindingView,
  HomeView,
  OutboxItem,
  PatrolView,
  PhotoView,
  SessionView,
  Settings,
  SyncView,
  TimelineEntry,
} from './types'

export interface MockOptions {
  /** Start signed in as the demo worker (tests); default: signed out. */
  signedIn?: boolean
  /** Network reachable; default true. */
  online?: boolean
  /** Delay between sync steps in ms; default 250. */
  stepMs?: number
  /** Sync this long after a saved finding, as the agent does; null: never by itself. */
  autoSyncMs?: number | null
  /** Keep the language in localStorage (browser dev); default false. */
  persistLanguage?: boolean
  now?: () => Date
}

export interface MockBackend extends Backend {
  /** Test/dev control: cut or restore the network. */
  setOnline(online: boolean): void
  /** Resolves when a running sync has finished (immediately when idle). */
  idle(): Promise<void>
}

const DEMO_PASSWORD = 'demo'
const MAX_PHOTO_BYTES = 40 * 1024 * 1024

interface PhotoRec {
  view: PhotoView
  full: string
  uploaded: boolean
}

interface Op extends OutboxItem {
  caseId?: string
  /** The worker read the refusal ("知道了"): off the list and the badges. */
  dismissed?: boolean
  apply?: () => void
  photoBytes: number
}

function uuid(): string {
  return globalThis.crypto.randomUUID()
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const buf = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')
}

function imageMime(b: Uint8Array): string | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png'
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45) return 'image/webp'
  if (b.length >= 4 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif'
  return null
}

/** Pixel size from a PNG header or a JPEG SOF marker; 0×0 when not found. */
function imageSize(b: Uint8Array, mime: string): [number, number] {
  if (mime === 'image/png' && b.length > 24) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
    return [v.getUint32(16), v.getUint32(20)]
  }
  if (mime === 'image/jpeg') {
    let i = 2
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return [0, 0]
      const marker = b[i + 1]
      const len = (b[i + 2] << 8) | b[i + 3]
      if (marker >= 0xc0 && marker <= 0xc3) {
        return [(b[i + 7] << 8) | b[i + 8], (b[i + 5] << 8) | b[i + 6]]
      }
      i += 2 + len
    }
  }
  return [0, 0]
}

function haversine(a: [number, number], b: [number, number]): number {
  const r = 6371000
  const rad = Math.PI / 180
  const dLat = (b[0] - a[0]) * rad
  const dLon = (b[1] - a[1]) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2
  return 2 * r * Math.asin(Math.min(1, Math.sqrt(h)))
}

function clone<T>(v: T): T {
  return structuredClone(v)
}

export function createMockBackend(opts: MockOptions = {}): MockBackend {
  const now = opts.now ?? (() => new Date())
  const stepMs = opts.stepMs ?? 250
  const autoSyncMs = opts.autoSyncMs === undefined ? 5000 : opts.autoSyncMs
  const iso = (offsetMin = 0) => new Date(now().getTime() + offsetMin * 60000).toISOString()
  const storage = opts.persistLanguage && typeof localStorage !== 'undefined' ? localStorage : null

  let online = opts.online ?? true
  const settings: Settings = {
    language: storage?.getItem('yiwang.mock.language') === 'en' ? 'en' : 'zh-CN',
    watermark: true,
    server_url: 'http://127.0.0.1:8080',
    insecure_http: false,
  }
  const worker: SessionView = {
    server_url: settings.server_url,
    username: 'worker-0001',
    display_name: '张晓梅',
    role: 'grid_worker',
    needs_login: false,
  }
  let session: SessionView | null = opts.signedIn ? clone(worker) : null
  /** Users who signed in on this device before: offline login checks against these. */
  const verifiers = new Map<string, string>(opts.signedIn ? [[worker.username, DEMO_PASSWORD]] : [])
  const categories: CategoryView[] = mockCategories()
  const grid: GridView = { id: 'g-0001', name: '富丽社区第3网格', kind: 'urban_rural', community_name: '富丽社区', township_name: '钢都街道' }
  const photos = new Map<string, PhotoRec>()
  const patrols: PatrolView[] = []
  const findings: FindingView[] = []
  const cases = new Map<string, CaseDetail>()
  const ops: Op[] = []
  let lastSyncAt: string | null = iso(-42)
  let lastError: string | null = null
  let phase: Phase = 'idle'
  let progress = { ops_done: 0, ops_total: 0, bytes_done: 0, bytes_total: 0 }
  let running: Promise<void> | null = null
  const syncListeners = new Set<(s: SyncView) => void>()
  const dataListeners = new Set<() => void>()

  // ---- seed: a morning patrol done, five cases of the grid, one rejected op ----
  const seedPhoto = (label: string, hue: number): PhotoView => {
    const url = placeholderPhoto(label, hue)
    const sha = `seed${hue.toString(16).padStart(4, '0')}`.padEnd(64, '0')
    const view = { sha256: sha, width: 320, height: 240, bytes: url.length, thumb_data_url: url }
    photos.set(sha, { view, full: url, uploaded: true })
    return view
  }
  // This morning's patrol, 08:00–09:00 in Asia/Shanghai (00:00 UTC of the Shanghai date).
  const sh = new Date(now().getTime() + 8 * 3600_000)
  const morning = Date.UTC(sh.getUTCFullYear(), sh.getUTCMonth(), sh.getUTCDate())
  if (morning + 3600_000 < now().getTime()) patrols.push({
    id: 'p-seed-morning', grid_id: grid.id, started_at: new Date(morning).toISOString(),
    ended_at: new Date(morning + 3600_000).toISOString(),
    elapsed_seconds: 3600, distance_m: 2380, points: 4,
    track: [[40.6301, 122.5012], [40.6312, 122.5031], [40.6325, 122.5044], [40.6331, 122.5020]],
    findings: [], sync: 'sent',
  })
  const entry = (seq: number, atMin: number, action: ActionKind, actor: string, role: Role,
    unit: string | null, note: string | null, extra: Partial<TimelineEntry> = {}): TimelineEntry => ({
    seq, at: iso(atMin), action, actor_name: actor, actor_role: role, unit_name: unit, note,
    photos: [], deadline: null, outcome: null, rating: null, ...extra,
  })
  const addCase = (id: string, state: CaseState, cat: string, desc: string, reportedMin: number,
    timeline: TimelineEntry[], extra: Partial<CaseSummary> = {}, detail: Partial<CaseDetail> = {}) => {
    const c = categories.find((x) => x.code === cat)!
    cases.set(id, {
      summary: {
        id, state, category_name: c.name, description: desc, reported_at: iso(reportedMin),
        deadline: null, overdue: false, deadline_status: 'no_deadline', urgent: false, supervised: 0, holder_unit_name: '富丽社区',
        department_name: null, version: timeline.length, sync: 'sent', ...extra,
      },
      outcome: null, address: '钢都街道富丽社区 建设路 18 号', lat: 40.6312, lon: 122.5031,
      grid_name: grid.name, timeline, chain_verified: true, can_verify: state === 'verifying',
      pending: [], ...detail,
    })
  }
  addCase('c-0001', 'verifying', '01.02', '建设路18号楼道口电线裸露，离地面不足1米', -4320, [
    entry(1, -4320, 'report', '张晓梅', 'grid_worker', '富丽社区', '建设路18号楼道口电线裸露', { photos: [seedPhoto('电线裸露', 20)] }),
    entry(2, -4200, 'escalate', '李娜', 'community', '富丽社区', '社区无处置权限，上报街道'),
    entry(3, -4100, 'escalate', '王强', 'township', '钢都街道', '上报市党群服务中心'),
    entry(4, -4000, 'dispatch', '刘洋', 'center', '市党群服务中心', '请供电公司处置', { deadline: iso(-2500) }),
    entry(5, -3900, 'accept', '赵刚', 'department', '供电公司', null),
    entry(6, -3000, 'report_handled', '赵刚', 'department', '供电公司', '已重新敷设并加装护套', { photos: [seedPhoto('已处置', 140)] }),
    entry(7, -2900, 'assign_verify', '刘洋', 'center', '市党群服务中心', '请网格员现场核查'),
  ], { deadline: iso(-2500), holder_unit_name: '市党群服务中心', department_name: '供电公司' })
  addCase('c-0002', 'dispatched', '03.02', '小区东门外建筑垃圾堆放，占用人行道', -7200, [
    entry(1, -7200, 'report', '张晓梅', 'grid_worker', '富丽社区', null, { photos: [seedPhoto('乱堆乱放', 40)] }),
    entry(2, -7100, 'claim', '王强', 'township', '钢都街道', null),
    entry(3, -7000, 'dispatch', '王强', 'township', '钢都街道', null, { deadline: iso(-1440) }),
    entry(4, -1200, 'supervise', '陈书记', 'leader', '市委', '逾期未办结，请加快处置'),
    entry(5, -600, 'supervise', '刘洋', 'center', '市党群服务中心', '再次督办'),
  ], { deadline: iso(-1440), overdue: true, supervised: 2, holder_unit_name: '钢都街道', department_name: '城市管理综合行政执法局' })
  addCase('c-0003', 'pending', '11.02', '3号楼大厅有电动车推入楼内充电', -90, [
    entry(1, -90, 'report', '张晓梅', 'grid_worker', '富丽社区', null),
  ])
  addCase('c-0004', 'closed', '02.01', '建设路与平安街交口路面坑洼', -20000, [
    entry(1, -20000, 'report', '张晓梅', 'grid_worker', '富丽社区', null),
    entry(2, -19900, 'claim', '王强', 'township', '钢都街道', null),
    entry(3, -19800, 'dispatch', '王强', 'township', '钢都街道', null, { deadline: iso(-12000) }),
    entry(4, -19000, 'accept', '孙伟', 'department', '交通运输局', null),
    entry(5, -15000, 'report_handled', '孙伟', 'department', '交通运输局', '已修补'),
    entry(6, -14000, 'assign_verify', '王强', 'township', '钢都街道', null),
    entry(7, -13000, 'verify_pass', '张晓梅', 'grid_worker', '富丽社区', '现场已修复', { outcome: 'resolved' }),
    entry(8, -12000, 'rate', '李娜', 'community', '富丽社区', '回访群众：满意', { rating: 3 }),
  ], { holder_unit_name: '钢都街道', department_name: '交通运输局' }, { outcome: 'resolved' })
  addCase('c-0005', 'verifying', '09.01', '菜市场门口占道经营，早市后未清理', -3000, [
    entry(1, -3000, 'report', '张晓梅', 'grid_worker', '富丽社区', null),
    entry(2, -2950, 'claim', '李娜', 'community', '富丽社区', null),
    entry(3, -1500, 'resolve', '李娜', 'community', '富丽社区', '已劝离并清理'),
    entry(4, -1400, 'assign_verify', '李娜', 'community', '富丽社区', null),
  ])
  ops.push({
    op_id: uuid(), kind: 'case.action', label: '核查 · 路灯不亮或损坏 · 平安街路灯', created_at: iso(-1500),
    state: 'rejected', error_code: 'stale_state', error: 'case was reopened after this verification was decided',
    photoBytes: 0,
  })

  // ---- helpers ----
  const need = (): SessionView => {
    if (!session) throw new BackendError('not_logged_in', 'sign in first')
    return session
  }
  const waitingOps = () => ops.filter((o) => o.state === 'waiting')
  const photosWaiting = () => [...photos.values()].filter((p) => !p.uploaded)
  const openPatrol = () => patrols.find((p) => p.ended_at === null) ?? null
  const elapsed = (p: PatrolView) => {
    const end = p.ended_at ? Date.parse(p.ended_at) : now().getTime()
    return Math.max(0, Math.round((end - Date.parse(p.started_at)) / 1000))
  }
  const patrolView = (p: PatrolView): PatrolView => clone({
    ...p, elapsed_seconds: elapsed(p), findings: findings.filter((f) => patrolOf.get(f.id) === p.id),
  })
  const patrolOf = new Map<string, string>()
  const queue = (kind: OpType, label: string, extra: Partial<Op> = {}): Op => {
    const op: Op = { op_id: uuid(), kind, label, created_at: iso(), state: 'waiting', error_code: null, error: null, photoBytes: 0, ...extra }
    ops.push(op)
    return op
  }
  const syncView = (): SyncView => ({
    phase, ...progress, last_error: lastError, last_sync_at: lastSyncAt, online,
    needs_login: session?.needs_login ?? false,
    waiting: clone(waitingOps().map(strip)), rejected: clone(ops.filter((o) => o.state === 'rejected' && !o.dismissed).map(strip)),
    photos_waiting: photosWaiting().length,
  })
  const strip = (o: Op): OutboxItem => ({
    op_id: o.op_id, kind: o.kind, label: o.label, created_at: o.created_at, state: o.state,
    error_code: o.error_code, error: o.error,
  })
  const emit = () => {
    const v = syncView()
    syncListeners.forEach((cb) => cb(clone(v)))
  }
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
  // Patrol windows are the county's (Asia/Shanghai) morning and afternoon.
  const shanghai = (d: Date) => new Date(d.getTime() + 8 * 3600_000)
  const todayKey = (d: Date) => shanghai(d).toISOString().slice(0, 10)

  async function runSync(): Promise<void> {
    if (!online) {
      phase = 'backoff'
      lastError = 'network unreachable'
      emit()
      return
    }
    if (session?.needs_login) {
      phase = 'needs_login'
      emit()
      return
    }
    const batch = waitingOps()
    const upload = photosWaiting()
    progress = { ops_done: 0, ops_total: batch.length, bytes_done: 0, bytes_total: upload.reduce((n, p) => n + p.view.bytes, 0) }
    lastError = null
    phase = 'push'
    emit()
    for (const op of batch) {
      await sleep(stepMs)
      if (!online) return fail()
      op.state = 'sent'
      op.apply?.()
      progress.ops_done++
      emit()
    }
    phase = 'upload'
    for (const p of upload) {
      await sleep(stepMs)
      if (!online) return fail()
      p.uploaded = true
      progress.bytes_done += p.view.bytes
      emit()
    }
    phase = 'pull'
    emit()
    await sleep(stepMs)
    for (const f of findings) if (f.sync === 'waiting') f.sync = 'sent'
    for (const p of patrols) if (p.sync === 'waiting') p.sync = 'sent'
    for (const c of cases.values()) {
      c.pending = c.pending.filter((o) => waitingOps().some((w) => w.op_id === o.op_id))
      if (c.pending.length === 0) c.summary.sync = 'sent'
    }
    lastSyncAt = iso()
    phase = 'idle'
    emit()
    if (batch.length > 0) dataListeners.forEach((cb) => cb())
  }
  function fail() {
    phase = 'backoff'
    lastError = 'network unreachable'
    emit()
  }
  function startSync(): Promise<void> {
    if (!running) running = runSync().finally(() => { running = null })
    return running
  }
  function scheduleSync() {
    if (autoSyncMs !== null) setTimeout(() => { if (online) void startSync() }, autoSyncMs)
  }

  const api: MockBackend = {
    async appInfo(): Promise<AppInfo> {
      return {
        device_id: 'dev-7f3a9c21', device_name: '网格通 · 浏览器预览', version: '0.1.0 (mock)',
        session: session ? clone(session) : null, settings: clone(settings),
        demo_login: { server_url: settings.server_url, username: worker.username, password: DEMO_PASSWORD },
      }
    },
    async login(serverUrl, username, password) {
      if (!/^https?:\/\/\S+$/.test(serverUrl.trim())) throw new BackendError('invalid_input', 'server address must start with http:// or https://')
      if (!username.trim() || !password) throw new BackendError('invalid_input', 'user name and password are required')
      if (session && session.username !== username && (waitingOps().length > 0 || photosWaiting().length > 0)) {
        throw new BackendError('unsynced_work', `${session.username} has unsynced work on this device`)
      }
      const user = username === worker.username ? worker : { ...worker, username, display_name: username }
      if (!online) {
        if (verifiers.get(username) === password) {
          session = { ...clone(user), server_url: serverUrl, needs_login: true }
          return clone(session)
        }
        throw new BackendError('offline', 'server unreachable and no earlier sign-in on this device')
      }
      if (password !== DEMO_PASSWORD) throw new BackendError('wrong_credentials', 'wrong user name or password')
      verifiers.set(username, password)
      session = { ...clone(user), server_url: serverUrl, needs_login: false }
      settings.server_url = serverUrl
      scheduleSync()
      return clone(session)
    },
    async logout() {
      need()
      const n = waitingOps().length + photosWaiting().length
      if (n > 0) throw new BackendError('unsynced_work', `${n} items wait to sync`)
      session = null
    },
    async setSettings(s) {
      if (s.language !== 'zh-CN' && s.language !== 'en') throw new BackendError('invalid_input', `unknown language ${s.language}`)
      if (s.server_url.trim() !== '' && !/^https?:\/\/\S+$/.test(s.server_url.trim())) throw new BackendError('invalid_server_url', 'server address must start with https://')
      Object.assign(settings, clone(s), { server_url: s.server_url.trim() })
      storage?.setItem('yiwang.mock.language', settings.language)
      return clone(settings)
    },
    async home(): Promise<HomeView> {
      const s = need()
      const today = todayKey(now())
      const slot = (window: PatrolWindow): PatrolSlot => {
        const mine = patrols.filter((p) => todayKey(new Date(p.started_at)) === today &&
          (shanghai(new Date(p.started_at)).getUTCHours() < 12) === (window === 'morning'))
        const open = mine.find((p) => p.ended_at === null)
        const done = mine.find((p) => p.ended_at !== null)
        return { window, done: !!done, in_progress: !!open, patrol_id: (open ?? done)?.id ?? null }
      }
      const open = openPatrol()
      return {
        display_name: s.display_name, grid: clone(grid), today: [slot('morning'), slot('afternoon')],
        open_patrol: open ? patrolView(open) : null, waiting_sync: waitingOps().length,
        rejected: ops.filter((o) => o.state === 'rejected' && !o.dismissed).length, online, last_sync_at: lastSyncAt,
        verification_tasks: [...cases.values()].filter((c) => c.summary.state === 'verifying').length,
        my_open_cases: [...cases.values()].filter((c) => c.summary.state !== 'closed').length,
      }
    },
    async categories() {
      need()
      return clone(categories)
    },
    async startPatrol() {
      need()
      if (openPatrol()) throw new BackendError('patrol_open', 'a patrol is already open')
      const p: PatrolView = { id: uuid(), grid_id: grid.id, started_at: iso(), ended_at: null, elapsed_seconds: 0,
        distance_m: 0, points: 0, track: [], findings: [], sync: 'waiting' }
      patrols.push(p)
      queue('patrol.start', `巡查开始 · ${grid.name}`)
      return patrolView(p)
    },
    async currentPatrol() {
      need()
      const p = openPatrol()
      return p ? patrolView(p) : null
    },
    async addTrackPoints(patrolId, points) {
      need()
      const p = patrols.find((x) => x.id === patrolId)
      if (!p) throw new BackendError('not_found', `no patrol ${patrolId}`)
      if (p.ended_at) throw new BackendError('invalid_input', 'the patrol has ended')
      for (const pt of points) {
        if (!Number.isFinite(pt.lat) || !Number.isFinite(pt.lon) || Math.abs(pt.lat) > 90 || Math.abs(pt.lon) > 180) {
          throw new BackendError('invalid_input', `bad point ${pt.lat},${pt.lon}`)
        }
      }
      for (const pt of points) {
        const last = p.track[p.track.length - 1]
        if (last) p.distance_m += haversine(last, [pt.lat, pt.lon])
        p.track.push([pt.lat, pt.lon])
        p.points++
      }
      if (points.length) queue('patrol.track', `巡查轨迹 · ${points.length} 点`)
      return patrolView(p)
    },
    async endPatrol(patrolId) {
      need()
      const p = patrols.find((x) => x.id === patrolId)
      if (!p) throw new BackendError('not_found', `no patrol ${patrolId}`)
      if (!p.ended_at) {
        p.ended_at = iso()
        queue('patrol.end', `巡查结束 · ${grid.name}`)
      }
      return patrolView(p)
    },
    async addPhoto(bytes) {
      need()
      if (bytes.length > MAX_PHOTO_BYTES) throw new BackendError('photo_too_large', `${bytes.length} bytes`)
      const mime = imageMime(bytes)
      if (!mime) throw new BackendError('photo_unreadable', 'not an image')
      const sha256 = await sha256Hex(bytes)
      const [width, height] = imageSize(bytes, mime)
      const url = `data:${mime};base64,${toBase64(bytes)}`
      const view: PhotoView = { sha256, width, height, bytes: bytes.length, thumb_data_url: url }
      if (!photos.has(sha256)) photos.set(sha256, { view, full: url, uploaded: false })
      return clone(view)
    },
    async saveFinding(input) {
      need()
      if (input.photos.length > MAX_PHOTOS) throw new BackendError('too_many_photos', `${input.photos.length} photos, at most ${MAX_PHOTOS}`)
      // The facade's own check: core's finding rule, which the form shares.
      const problems = validateFinding({
        categoryCode: input.category_code, description: input.description, disposition: input.disposition, photos: input.photos,
      }, categories)
      if (problems.length) throw new BackendError('invalid_input', problems.map((p) => p.key).join(', '))
      const cat = categories.find((c) => c.code === input.category_code)!
      const unknown = input.photos.find((h) => !photos.has(h))
      if (unknown) throw new BackendError('invalid_input', `unknown photo ${unknown}`)
      if (input.patrol_id && !patrols.some((p) => p.id === input.patrol_id)) throw new BackendError('not_found', 'no such patrol')
      const id = uuid()
      const caseId = input.disposition === 'report' ? uuid() : null
      const quality = input.lat === null || input.lon === null ? 'missing'
        : input.mock_location || input.accuracy_m === 0 ? 'mock' : 'good'
      const f: FindingView = {
        id, category_code: cat.code, category_name: cat.name, description: input.description.trim(),
        disposition: input.disposition, observed_at: iso(), location_quality: quality, lat: input.lat, lon: input.lon,
        photos: input.photos.map((h) => clone(photos.get(h)!.view)), sync: 'waiting', sync_error: null, case_id: caseId,
      }
      findings.unshift(f)
      if (input.patrol_id) patrolOf.set(id, input.patrol_id)
      queue('finding.create', `${cat.name} · ${f.description || '（无描述）'}`)
      if (caseId) {
        addCase(caseId, 'pending', cat.code, f.description, 0, [
          entry(1, 0, 'report', session!.display_name, 'grid_worker', grid.community_name, null, { photos: clone(f.photos) }),
        ], { sync: 'waiting', department_name: null, urgent: input.urgent })
      }
      scheduleSync()
      return clone(f)
    },
    async findings(patrolId) {
      need()
      return clone(findings.filter((f) => !patrolId || patrolOf.get(f.id) === patrolId).slice(0, 200))
    },
    async myCases() {
      need()
      return [...cases.values()].map((c) => clone(c.summary))
        .sort((a, b) => b.reported_at.localeCompare(a.reported_at))
    },
    async caseDetail(caseId) {
      need()
      const c = cases.get(caseId)
      if (!c) throw new BackendError('not_found', `no case ${caseId}`)
      return clone(c)
    },
    async verificationTasks() {
      need()
      return [...cases.values()].filter((c) => c.summary.state === 'verifying').map((c) => clone(c.summary))
    },
    async verifyCase(input) {
      const s = need()
      const c = cases.get(input.case_id)
      if (!c) throw new BackendError('not_found', `no case ${input.case_id}`)
      if (!c.can_verify || c.summary.state !== 'verifying') throw new BackendError('stale_state', `case is ${c.summary.state}, not verifying`)
      if (!input.passed && !input.note.trim()) throw new BackendError('invalid_input', 'a failed verification needs a note')
      if (input.photos.length > 9) throw new BackendError('too_many_photos', `${input.photos.length} photos, at most 9`)
      const unknown = input.photos.find((h) => !photos.has(h))
      if (unknown) throw new BackendError('invalid_input', `unknown photo ${unknown}`)
      const action = input.passed ? 'verify_pass' : 'verify_fail'
      const op = queue('case.action', `${input.passed ? '核查通过' : '核查不通过'} · ${c.summary.category_name}`, {
        caseId: c.summary.id,
        apply: () => {
          c.timeline.push(entry(c.timeline.length + 1, 0, action, s.display_name, 'grid_worker', grid.community_name,
            input.note.trim() || null, { photos: input.photos.map((h) => clone(photos.get(h)!.view)), outcome: input.passed ? 'resolved' : null }))
          c.summary.state = input.passed ? 'closed' : 'dispatched'
          c.summary.version++
          if (input.passed) c.outcome = 'resolved'
        },
      })
      c.can_verify = false
      c.summary.sync = 'waiting'
      c.pending.push(strip(op))
      scheduleSync()
      return clone(c)
    },
    async photo(sha256) {
      need()
      const p = photos.get(sha256)
      if (!p) throw new BackendError('not_found', `no photo ${sha256}`)
      return { ...clone(p.view), thumb_data_url: p.full }
    },
    async syncStatus() {
      return syncView()
    },
    async syncNow() {
      need()
      void startSync()
    },
    async dismissRejected(opId) {
      need()
      const op = ops.find((o) => o.op_id === opId && o.state === 'rejected' && !o.dismissed)
      if (!op) throw new BackendError('not_found', `no refused op ${opId} to dismiss`)
      op.dismissed = true
      emit()
      return syncView()
    },
    async uiReady() {},
    onSyncProgress(cb) {
      syncListeners.add(cb)
      return () => syncListeners.delete(cb)
    },
    onDataChanged(cb) {
      dataListeners.add(cb)
      return () => dataListeners.delete(cb)
    },
    setOnline(v) {
      online = v
      if (v && (waitingOps().length || photosWaiting().length)) void startSync()
      else emit()
    },
    idle() {
      return running ?? Promise.resolve()
    },
  }
  return api
}
