// The supervisor console's end-to-end run (issue 6): the built console (ui/dist/console) in
// Debian's Chromium, driven by playwright-core at 1440×900, against the real demo server
// (`yiwang-server demo`, reference county) started here on a free port with a fresh folder.
//
// The story: a grid worker's device reports a finding as a case (a push of patrol.start and
// finding.create over the sync API, as the app does); the township supervisor finds it in the
// queue, claims it and dispatches it (to the department the category names, with the deadline
// the server previewed); the department accepts it and reports it handled with a photo (the
// console's form uploads it); the county centre assigns on-site verification; the worker's
// device verifies (a case.action push); the supervisor sees it closed with its chain verified,
// and the dashboard's figures moved accordingly. Then: the dashboard's figures equal
// /api/v1/stats for the same query AND a recount from the ledger file itself (read-only through
// Debian's sqlite3, with the docs/DESIGN.md §4 definitions written out here — not the server's stats
// code); a leader reads the closed case with no workflow button and urges (督办) one still being
// worked from its page; a department user who opens
// another department's case gets the 403 page. Screenshots (queue, case page, dashboard,
// coverage map) go to $E2E_OUT/console-screenshots/.
//
// Run by `make e2e-console`. Settings, all optional:
//   YIWANG_SERVER_BIN  yiwang-server     (default $CARGO_TARGET_DIR/debug/yiwang-server)
//   CONSOLE_DIR        the built console (default <repo>/ui/dist/console)
//   CHROMIUM           the browser       (default /usr/bin/chromium)
//   E2E_OUT            screenshots, logs (default <repo>/target-e2e)
//   E2E_API_ONLY=1     the story's desk steps over the console API instead of the pages
//                      (for a tree whose console is not built yet); every API check still runs
//   E2E_KEEP=1         keep the temporary folder (its path is printed)
// Exit status 0 only when every check held; otherwise the failed check is printed with its
// step, a screenshot of that moment and the server log's path.

import { chromium } from 'playwright-core'
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { tusUpload } from '../e2e-common/tus.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const env = process.env
const SERVER_BIN = path.resolve(
  env.YIWANG_SERVER_BIN ?? path.join(env.CARGO_TARGET_DIR ?? '/var/tmp/yiwang-target', 'debug', 'yiwang-server'),
)
const CONSOLE_DIR = path.resolve(env.CONSOLE_DIR ?? path.join(root, 'ui', 'dist', 'console'))
const CHROMIUM = env.CHROMIUM ?? '/usr/bin/chromium'
const OUT = path.resolve(env.E2E_OUT ?? path.join(root, 'target-e2e'))
const SHOTS = path.join(OUT, 'console-screenshots')
const API_ONLY = env.E2E_API_ONLY === '1'
const KEEP = env.E2E_KEEP === '1'

const PASSWORD = 'demo'
const WORKER = 'worker-0001'
const SUPERVISOR = 'township-01'
/** Seeding the reference county from an empty folder: ~40 s in a debug build. */
const SERVER_START_MS = 400_000
const UI_MS = 30_000
const VIEWPORT = { width: 1440, height: 900 }
/** Every action a case may offer (ActionKind, snake_case). */
const ACTION_KINDS = [
  'report', 'claim', 'escalate', 'dispatch', 'return', 'accept', 'report_handled', 'resolve',
  'assign_verify', 'verify_pass', 'verify_fail', 'close', 'reject_invalid', 'merge_duplicate',
  'reopen', 'supervise', 'comment', 'request_extension', 'extend_deadline', 'refuse_extension', 'rate',
]
/** What a leader may do by docs/DESIGN.md §1 ("reads everything, urges"): nothing that moves a case. */
const LEADER_MAY = new Set(['supervise', 'comment'])

// ---------------------------------------------------------------------------------------------
// Reporting

const started = Date.now()
let currentStep = 'setup'
const log = (msg) => console.log(`[e2e-console ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`)

class CheckFailed extends Error {}

/** A check of the story; `why` says what should have held. */
function check(ok, why) {
  if (!ok) throw new CheckFailed(why)
}

/**
 * The deadline a dispatch stored against the one the server previewed a moment before. A category
 * counted in working hours starts its clock at the dispatch, so during working time the stored
 * deadline is later than the preview by at most the wall time between the two requests (working
 * time never runs faster than the clock); outside working time, or counted in working days, the
 * two are equal.
 */
function checkPreviewedDeadline(stored, previewed, elapsedMs) {
  const late = Date.parse(stored) - Date.parse(previewed)
  check(Number.isFinite(late) && late >= 0 && late <= elapsedMs + 1000,
    `with the deadline the server previewed (${previewed}; stored ${stored}, ${late} ms later, ` +
    `${elapsedMs} ms between preview and dispatch)`)
}

async function step(name, fn) {
  currentStep = name
  const t0 = Date.now()
  log(`▶ ${name}`)
  const result = await fn()
  log(`  ✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  return result
}

// ---------------------------------------------------------------------------------------------
// Processes: the server runs in its own process group; it and the browser are stopped on any
// exit, success or not.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-e2e-console-'))
let server = null
let context = null

function killServerNow() {
  if (server && !server.exitStatus) {
    try {
      process.kill(-server.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

process.on('exit', () => {
  killServerNow()
  if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true })
})
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`interrupted by ${sig}: stopping everything this run started`)
    process.exit(130)
  })
}

function launchServer(args, logFile) {
  const out = fs.openSync(logFile, 'a')
  const childEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('YIWANG_')))
  childEnv.RUST_LOG = env.RUST_LOG ?? 'warn'
  const child = spawn(SERVER_BIN, args, { env: childEnv, stdio: ['ignore', out, out], detached: true })
  fs.closeSync(out)
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((child.exitStatus = { code, signal })))
    child.once('error', (error) => resolve((child.exitStatus = { error: String(error) })))
  })
  return child
}

async function stopServer() {
  if (!server || server.exitStatus) return
  try {
    process.kill(-server.pid, 'SIGTERM')
  } catch {
    return
  }
  const timeout = new Promise((r) => setTimeout(() => r('timeout'), 10_000))
  if ((await Promise.race([server.exited, timeout])) === 'timeout') killServerNow()
}

// ---------------------------------------------------------------------------------------------
// Small tools

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function tail(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** A UUIDv7 (RFC 9562): 48 bits of milliseconds, version 7, variant 10, random bits. */
function uuidv7() {
  const b = randomBytes(16)
  const ms = BigInt(Date.now())
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  b[6] = (b[6] & 0x0f) | 0x70
  b[8] = (b[8] & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A real 640×480 RGB PNG, different for every `seed` (so every run's photo has its own hash). */
function makePng(file, seed) {
  const width = 640
  const height = 480
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1)
    raw[row] = 0 // filter: none
    for (let x = 0; x < width; x++) {
      const i = row + 1 + x * 3
      raw[i] = (x + seed * 7) & 0xff
      raw[i + 1] = (y * 2 + seed) & 0xff
      raw[i + 2] = ((x ^ y) + seed * 13) & 0xff
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type: RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
  fs.writeFileSync(file, png)
  return png
}

// ---------------------------------------------------------------------------------------------
// The server's HTTP API: devices and desks.

class Api {
  constructor(base) {
    this.base = base
  }

  async login(username) {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD, device_id: `e2e-console-${username}`, device_name: 'e2e' }),
    })
    check(res.ok, `the server signs in ${username} (got HTTP ${res.status}: ${await res.clone().text()})`)
    const body = await res.json()
    return { token: body.token, user: body.user }
  }

  async call(who, method, url, body) {
    return fetch(`${this.base}${url}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
  }

  async json(who, url) {
    const res = await this.call(who, 'GET', url)
    check(res.ok, `GET ${url} as ${who.user.username} answers 200 (got ${res.status}: ${await res.clone().text()})`)
    return res.json()
  }

  async caseOf(who, id) {
    return this.json(who, `/api/v1/cases/${id}`)
  }

  /** A desk's action on the case's current version; must succeed. */
  async act(who, id, action) {
    const { case: c } = await this.caseOf(who, id)
    const res = await this.call(who, 'POST', `/api/v1/cases/${id}/actions`, { ...action, base_version: c.version })
    check(res.ok, `${who.user.username} may ${action.action} case ${id} (got ${res.status}: ${await res.clone().text()})`)
    return (await res.json()).case
  }

  /** A device's push; every op must be applied. */
  async push(who, ops) {
    const res = await this.call(who, 'POST', '/api/v1/sync/push', { device_id: `e2e-console-${who.user.username}`, ops })
    check(res.ok, `the push is answered 200 (got ${res.status}: ${await res.clone().text()})`)
    const body = await res.json()
    for (const r of body.results) {
      check(r.status === 'applied', `op ${r.op_id} is applied (got ${JSON.stringify(r)})`)
    }
    return body
  }

  /** Uploads a photo over tus 1.0.0 in one PATCH; returns its SHA-256. */
  async upload(who, bytes) {
    return tusUpload(this.base, who.token, bytes, check, 'handled.png')
  }
}

function op(type, entityId, data) {
  return { op_id: uuidv7(), type, entity_id: entityId, at: new Date().toISOString(), data }
}

async function waitHealthy(base, logFile) {
  const deadline = Date.now() + SERVER_START_MS
  while (Date.now() < deadline) {
    if (server.exitStatus) {
      throw new CheckFailed(`yiwang-server exited before it answered /healthz (${JSON.stringify(server.exitStatus)}); its log ends:\n${tail(logFile)}`)
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return
    } catch {
      // Not listening yet.
    }
    await sleep(300)
  }
  throw new CheckFailed(`yiwang-server answers /healthz within ${SERVER_START_MS / 1000} s`)
}

// ---------------------------------------------------------------------------------------------
// The recount: docs/DESIGN.md §4's measures from the ledger file, read-only, with none of the
// server's code. Cases visible to a unit user: lodged in, or held in, the unit's subtree.

function sqlite(file, sql) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', file, sql], { maxBuffer: 1 << 30, encoding: 'utf8' })
  return out.trim() ? JSON.parse(out) : []
}

function recount(ledgerFile, unitId, period) {
  const from = Date.parse(period.from)
  const to = Date.parse(period.to)
  const now = Date.parse(period.now)
  const inP = (t) => t >= from && t < to
  const unit = unitId.replace(/'/g, "''")
  const rows = sqlite(
    ledgerFile,
    `SELECT e.case_id AS c, e.seq AS s, e.data AS d FROM case_events e
     WHERE e.case_id IN (
       SELECT id FROM cases WHERE instr(origin_path, '/${unit}/') > 0
          OR holder_unit IN (SELECT id FROM org_units WHERE instr(path, '/${unit}/') > 0))
     ORDER BY e.case_id, e.seq`,
  )
  const byCase = new Map()
  for (const r of rows) {
    if (!byCase.has(r.c)) byCase.set(r.c, [])
    byCase.get(r.c).push(JSON.parse(r.d))
  }
  const m = {
    reported: 0, intake: 0, due: 0, closed: 0, closed_on_time: 0, verified: 0, reworked: 0,
    dispatched: 0, extended: 0, rated: 0, satisfied: 0, overdue_now: 0,
  }
  for (const events of byCase.values()) {
    const seen = events.filter((e) => Date.parse(e.at) <= now)
    if (!seen.length || seen[0].action !== 'report') continue
    let state = null
    let outcome = null
    let deadline = null
    let closedAt = null
    let dispatchedAt = null
    let extended = false
    let rating = null
    const verifications = []
    for (const e of seen) {
      const at = Date.parse(e.at)
      if (e.action === 'dispatch' && dispatchedAt === null) dispatchedAt = at
      if (e.action === 'extend_deadline') extended = true
      if (e.action === 'verify_pass') verifications.push([at, true])
      if (e.action === 'verify_fail') verifications.push([at, false])
      if (e.action === 'rate') rating = [e.rating, at]
      if (e.action === 'reopen') {
        rating = null
        closedAt = null
      }
      if (e.effect.state === 'closed' && state !== 'closed') closedAt = at
      state = e.effect.state
      outcome = e.effect.outcome ?? null
      deadline = e.effect.deadline ? Date.parse(e.effect.deadline) : null
    }
    const reportedAt = Date.parse(seen[0].at)
    // 不予立案: a case closed as invalid or duplicate was never opened.
    const real = outcome === null || outcome === 'resolved' || outcome === 'resolved_on_spot'
    if (inP(reportedAt)) {
      m.reported++
      if (real) m.intake++
    }
    if (!real) continue
    const closedIn = state === 'closed' && closedAt !== null && inP(closedAt)
    if (closedIn) {
      m.closed++
      m.due++
      if (deadline === null || closedAt <= deadline) m.closed_on_time++
    } else if (deadline !== null && inP(deadline) && deadline <= now && !(closedAt !== null && closedAt < from)) {
      m.due++
    }
    const vs = verifications.filter(([t]) => inP(t))
    if (vs.length) {
      m.verified++
      if (vs.some(([, pass]) => !pass)) m.reworked++
    }
    if (dispatchedAt !== null && inP(dispatchedAt)) {
      m.dispatched++
      if (extended) m.extended++
    }
    if (rating && inP(rating[1])) {
      m.rated++
      if (rating[0] === 'satisfied' || rating[0] === 'basically_satisfied') m.satisfied++
    }
    if ((state === 'dispatched' || state === 'in_progress') && deadline !== null && deadline < now) m.overdue_now++
  }
  const ratio = (a, b) => (b > 0 ? a / b : null)
  m.closure_rate = ratio(m.closed, m.due)
  m.on_time_rate = ratio(m.closed_on_time, m.due)
  m.rework_rate = ratio(m.reworked, m.verified)
  m.extension_rate = ratio(m.extended, m.dispatched)
  m.satisfaction_rate = ratio(m.satisfied, m.rated)
  return m
}

/** Figures the recount checks: every count and every rate (the mean needs the working calendar). */
const RECOUNTED = [
  'reported', 'intake', 'due', 'closed', 'closed_on_time', 'verified', 'reworked', 'dispatched',
  'extended', 'rated', 'satisfied', 'overdue_now', 'closure_rate', 'on_time_rate', 'rework_rate',
  'extension_rate', 'satisfaction_rate',
]
const same = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) < 1e-9)

function checkRecount(stats, counted, who) {
  log(`  ${who}: recounted ${RECOUNTED.slice(0, 12).map((k) => `${k} ${counted[k]}`).join(', ')}`)
  check(counted.reported > 10 && counted.closed > 10, `${who}: the demo history gives the recount real cases to count`)
  for (const k of RECOUNTED) {
    check(same(stats.total[k], counted[k]), `${who}: stats ${k} = ${stats.total[k]} equals the ledger's recount ${counted[k]}`)
  }
}

// ---------------------------------------------------------------------------------------------
// The pages

const tid = (id) => `[data-testid="${id}"]`
let lastPage = null
const BROWSER_LOG = path.join(OUT, 'e2e-console-browser.log')
const browserLog = (line) => fs.appendFileSync(BROWSER_LOG, `${new Date().toISOString()} ${line}\n`)

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true })
  const file = path.join(SHOTS, `console-${name}.png`)
  await page.screenshot({ path: file })
  log(`  screenshot ${path.relative(root, file)}`)
}

/** A fresh tab signed in as `username` (the console keeps its token in sessionStorage, per tab). */
async function signIn(base, username) {
  const page = await context.newPage()
  lastPage = page
  // What the page says in its console goes to the browser log, for the failure report.
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') browserLog(`${username} ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => browserLog(`${username} uncaught: ${e.message}`))
  await page.goto(`${base}/#/login`)
  await page.locator(tid('login-username')).fill(username)
  await page.locator(tid('login-password')).fill(PASSWORD)
  await page.locator(tid('login-submit')).click()
  await page.locator(tid('user-name')).waitFor({ timeout: UI_MS })
  return page
}

async function openCase(page, base, id) {
  lastPage = page
  const url = `${base}/#/cases/${id}`
  // The same hash again is no navigation at all: reload to read the case afresh.
  if (page.url() === url) await page.reload()
  else await page.goto(url)
  await page.locator(tid('screen-case')).waitFor({ timeout: UI_MS })
}

async function caseState(page) {
  return page.locator(tid('case-state')).getAttribute('data-state')
}

async function waitState(page, state) {
  await page.locator(`${tid('case-state')}[data-state="${state}"]`).waitFor({ timeout: UI_MS })
}

/** Clicks an action's button, fills its form with `fill`, submits, and waits for `next`. */
async function takeAction(page, kind, next, fill = async () => {}) {
  await page.locator(tid(`action-${kind}`)).click()
  await page.locator(tid('action-form')).waitFor({ timeout: UI_MS })
  await fill(page)
  await page.locator(tid('action-submit')).click()
  await waitState(page, next)
}

/** The action buttons a case page shows. */
async function actionButtons(page) {
  const ids = await page.locator('[data-testid^="action-"]').evaluateAll((els) => els.map((e) => e.dataset.testid))
  return ids.map((t) => t.slice('action-'.length)).filter((k) => ACTION_KINDS.includes(k))
}

// ---------------------------------------------------------------------------------------------
// The story

async function main() {
  fs.mkdirSync(OUT, { recursive: true })
  check(fs.existsSync(SERVER_BIN), `${SERVER_BIN} exists (cargo build -p yiwang-server)`)
  if (!API_ONLY) {
    check(
      fs.existsSync(path.join(CONSOLE_DIR, 'index.html')),
      `the console is built in ${CONSOLE_DIR} (cd ui && npm run build:console), or run with E2E_API_ONLY=1`,
    )
    check(fs.existsSync(CHROMIUM), `${CHROMIUM} exists (apt-get install chromium)`)
  }
  execFileSync('sqlite3', ['-version'])
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const dataDir = path.join(tmp, 'data')
  const ledgerFile = path.join(dataDir, 'ledger.sqlite')
  const serverLog = path.join(OUT, 'e2e-console-server.log')
  fs.writeFileSync(serverLog, '')
  fs.writeFileSync(BROWSER_LOG, '')
  log(`temporary folder ${tmp}${KEEP ? ' (kept)' : ''}; server log ${path.relative(root, serverLog)}`)

  await step('start the demo server on the reference county', async () => {
    server = launchServer(
      ['demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--console-dir', CONSOLE_DIR],
      serverLog,
    )
    await waitHealthy(base, serverLog)
    const home = await fetch(`${base}/`)
    const html = await home.text()
    if (API_ONLY) {
      check(home.ok, `/ answers (got ${home.status})`)
    } else {
      check(home.ok && home.headers.get('cache-control') === 'no-cache', '/ serves the console, never cached')
      check(html === fs.readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8'), "/ is the built console's index.html")
    }
  })

  if (!API_ONLY) {
    await step('open Chromium at 1440×900 with a fresh profile', async () => {
      context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
        ],
        viewport: VIEWPORT,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      })
    })
  }

  const api = new Api(base)
  const worker = await api.login(WORKER)
  const supervisor = await api.login(SUPERVISOR)
  const center = await api.login('center')
  const leader = await api.login('leader')
  const grid = worker.user.grid_ids[0]
  check(grid, `${WORKER} owns a grid`)
  const org = await api.json(center, '/api/v1/org')

  // A category whose default department has a demo user, and that user.
  const dept = await step('find a department user and a category it handles', async () => {
    for (let i = 1; i <= 16; i++) {
      const who = await api.login(`dept-${String(i).padStart(2, '0')}`)
      const leaf = org.categories.find((c) => c.parent && c.department === who.user.department_id)
      if (leaf) return { who, leaf }
    }
    throw new CheckFailed('some demo department is the default department of some category')
  })
  const otherDept = await api.login(dept.who.user.username === 'dept-01' ? 'dept-02' : 'dept-01')

  const statsBefore = await api.json(supervisor, '/api/v1/stats')
  const caseId = uuidv7()
  const text = `e2e ${caseId.slice(-8)} 井盖破损，行人有坠落危险`

  await step(`${WORKER}'s device reports a finding as a case (sync push)`, async () => {
    const patrol = uuidv7()
    const finding = uuidv7()
    const t = new Date().toISOString()
    await api.push(worker, [
      op('patrol.start', patrol, { grid_id: grid, started_at: t }),
      op('patrol.track', patrol, { points: [{ t, lat: 40.6305, lon: 122.5012, accuracy_m: 5, mock: false }] }),
      op('finding.create', finding, {
        grid_id: grid, patrol_id: patrol, category_code: dept.leaf.code, description: text,
        lat: 40.6305, lon: 122.5012, accuracy_m: 5, observed_at: t, disposition: 'report',
        photos: [], case_id: caseId,
      }),
    ])
    const d = await api.caseOf(supervisor, caseId)
    check(d.case.state === 'pending', `the case waits to be claimed (state ${d.case.state})`)
    check(d.available_actions.includes('claim'), `${SUPERVISOR} may claim it (${d.available_actions})`)
  })

  let page = null
  await step(`${SUPERVISOR} finds it in the queue, claims and dispatches it`, async () => {
    if (API_ONLY) {
      await api.act(supervisor, caseId, { action: 'claim' })
      const since = Date.now()
      const d = await api.caseOf(supervisor, caseId)
      check(d.dispatch_preview?.default_department === dept.leaf.department, 'the preview names the category\'s department')
      const c = await api.act(supervisor, caseId, { action: 'dispatch', department: dept.leaf.department })
      checkPreviewedDeadline(c.deadline, d.dispatch_preview.deadline, Date.now() - since)
      return
    }
    page = await signIn(base, SUPERVISOR)
    await page.locator(tid('nav-cases')).click()
    await page.locator(tid('screen-cases')).waitFor({ timeout: UI_MS })
    await page.locator(tid('queue-filter-text')).fill(caseId.slice(-8))
    await page.locator(tid('queue-search')).click()
    const row = page.locator(tid(`queue-row-${caseId}`))
    await row.waitFor({ timeout: UI_MS })
    check((await row.getAttribute('data-state')) === 'pending', 'the queue shows it pending')
    await shot(page, 'queue')
    await row.click()
    await page.locator(tid('screen-case')).waitFor({ timeout: UI_MS })
    await takeAction(page, 'claim', 'claimed')
    const since = Date.now()
    const d = await api.caseOf(supervisor, caseId)
    await takeAction(page, 'dispatch', 'dispatched', async (p) => {
      const chosen = await p.locator(tid('action-department')).inputValue()
      check(chosen === d.dispatch_preview.default_department, `the form picks the category's department (${chosen})`)
    })
    const after = await api.caseOf(supervisor, caseId)
    check(after.case.department === dept.leaf.department, 'dispatched to the department the form showed')
    checkPreviewedDeadline(after.case.deadline, d.dispatch_preview.deadline, Date.now() - since)
  })

  const png = makePng(path.join(tmp, 'handled.png'), Date.now() % 9973)
  await step(`${dept.who.user.username} accepts it and reports it handled with a photo`, async () => {
    if (API_ONLY) {
      await api.act(dept.who, caseId, { action: 'accept' })
      const hash = await api.upload(dept.who, png)
      await api.act(dept.who, caseId, { action: 'report_handled', note: '已更换井盖', photos: [hash] })
    } else {
      const p = await signIn(base, dept.who.user.username)
      await openCase(p, base, caseId)
      await takeAction(p, 'accept', 'in_progress')
      await takeAction(p, 'report_handled', 'handled', async (f) => {
        await f.locator(tid('action-note')).fill('已更换井盖')
        await f.locator(tid('action-photo-input')).setInputFiles(path.join(tmp, 'handled.png'))
      })
      await p.close()
    }
    const d = await api.caseOf(dept.who, caseId)
    const handled = d.events.find((e) => e.action === 'report_handled')
    check(handled && handled.photos.length === 1, 'the handled report carries one photo')
    check(handled.photos[0] === sha256(png), "the photo is the file's own bytes (its SHA-256 names it)")
    const stored = d.photos.find((p) => p.sha256 === handled.photos[0])
    check(stored && stored.status === 'stored', 'and the server stored it')
    const served = await api.call(dept.who, 'GET', stored.url)
    check(served.ok && sha256(Buffer.from(await served.arrayBuffer())) === sha256(png), 'it serves the same bytes back')
  })

  await step('the county centre assigns on-site verification', async () => {
    if (API_ONLY) {
      await api.act(center, caseId, { action: 'assign_verify' })
    } else {
      const p = await signIn(base, 'center')
      await openCase(p, base, caseId)
      await takeAction(p, 'assign_verify', 'verifying')
      await p.close()
    }
  })

  await step(`${WORKER}'s device verifies it on site (case.action push)`, async () => {
    const { case: c } = await api.caseOf(worker, caseId)
    check(c.state === 'verifying', `the worker sees it waiting for verification (${c.state})`)
    await api.push(worker, [op('case.action', caseId, { action: 'verify_pass', base_version: c.version, note: '现场核查，已修复' })])
  })

  await step(`${SUPERVISOR} sees it closed, its chain verified`, async () => {
    const d = await api.caseOf(supervisor, caseId)
    check(d.case.state === 'closed' && d.case.outcome === 'resolved', `the case is closed as resolved (${d.case.state})`)
    check(d.chain.status === 'verified', 'its hash chain verifies')
    if (API_ONLY) return
    await openCase(page, base, caseId)
    await waitState(page, 'closed')
    check((await page.locator(tid('case-chain')).getAttribute('data-verified')) === 'true', 'the page marks the chain verified')
    for (const e of d.events) {
      check((await page.locator(tid(`case-event-${e.seq}`)).count()) === 1, `the timeline shows event ${e.seq} (${e.action})`)
    }
    check((await page.locator(tid('case-photo')).count()) >= 1, 'the case page shows the handled photo')
    check((await actionButtons(page)).length <= 3, 'a closed case offers at most rate, supervise and comment')
    await shot(page, 'case')
  })

  await step("the dashboard's figures moved, and equal /stats and the ledger's recount", async () => {
    const after = await api.json(supervisor, '/api/v1/stats')
    for (const k of ['reported', 'intake', 'closed', 'dispatched', 'verified']) {
      check(after.total[k] === statsBefore.total[k] + 1, `${k} went up by one with this case (${statsBefore.total[k]} → ${after.total[k]})`)
    }
    checkRecount(after, recount(ledgerFile, supervisor.user.org_unit_id, after), SUPERVISOR)
    const behind = await api.json(supervisor, `/api/v1/cases?measure=closed&from=${encodeURIComponent(after.from)}&to=${encodeURIComponent(after.to)}&page_size=1`)
    check(behind.total === after.total.closed, `the closed figure links to exactly its ${after.total.closed} cases`)
    if (API_ONLY) return
    // The dashboard's own request, repeated here: the page's figures are the server's figures.
    const seen = page.waitForResponse((r) => r.url().includes('/api/v1/stats') && r.ok(), { timeout: UI_MS })
    await page.locator(tid('nav-dashboard')).click()
    const statsUrl = (await seen).url()
    await page.locator(tid('screen-dashboard')).waitFor({ timeout: UI_MS })
    await page.locator(tid('stat-closure_rate')).waitFor({ timeout: UI_MS })
    const mine = await api.json(supervisor, new URL(statsUrl).pathname + new URL(statsUrl).search)
    checkRecount(mine, recount(ledgerFile, supervisor.user.org_unit_id, mine), `${SUPERVISOR}'s dashboard query`)
    for (const k of ['intake', 'closure_rate', 'on_time_rate', 'rework_rate', 'extension_rate', 'satisfaction_rate', 'overdue_now', 'mean_hours_to_close']) {
      const raw = await page.locator(tid(`stat-${k}`)).getAttribute('data-value')
      const shown = raw === null || raw === '' || raw === 'null' ? null : Number(raw)
      check(same(shown, mine.total[k]), `the dashboard shows ${k} = ${mine.total[k]} (shows ${raw})`)
    }
    await shot(page, 'dashboard')
    const map = page.locator(tid('coverage-map'))
    await map.scrollIntoViewIfNeeded()
    await map.waitFor({ timeout: UI_MS })
    await shot(page, 'coverage')
  })

  await step('a leader reads the closed case with no workflow button, and urges one still being worked', async () => {
    const d = await api.caseOf(leader, caseId)
    check(d.available_actions.every((k) => LEADER_MAY.has(k)), `a leader may only urge or comment (${d.available_actions})`)
    // A case some department is working on, from the leader's own list.
    const open = await api.json(leader, '/api/v1/cases?state=in_progress&page_size=1')
    check(open.items.length === 1, 'the demo county has a case in progress')
    const busy = open.items[0].id
    const before = (await api.caseOf(leader, busy)).case.supervisions
    check((await api.caseOf(leader, busy)).available_actions.includes('supervise'), 'the server lets a leader urge it')
    if (API_ONLY) {
      await api.act(leader, busy, { action: 'supervise', note: '请加快办理，今日内反馈' })
    } else {
      const p = await signIn(base, 'leader')
      await openCase(p, base, caseId)
      await waitState(p, 'closed')
      const buttons = await actionButtons(p)
      check(buttons.every((k) => LEADER_MAY.has(k)), `the leader's page offers no workflow action (${buttons})`)
      check((await p.locator(tid('case-timeline')).count()) === 1, 'but shows the whole timeline')
      await openCase(p, base, busy)
      await waitState(p, 'in_progress')
      await p.locator(tid('action-supervise')).waitFor({ timeout: UI_MS })
      const offered = await actionButtons(p)
      check(offered.includes('supervise') && offered.every((k) => LEADER_MAY.has(k)),
        `on a case in progress the leader's page offers 督办 and nothing of the workflow (${offered})`)
      await takeAction(p, 'supervise', 'in_progress', async (f) => {
        await f.locator(tid('action-note')).fill('请加快办理，今日内反馈')
      })
      await p.close()
    }
    const after = await api.caseOf(leader, busy)
    check(after.case.supervisions === before + 1, `the urge is on the case (${before} → ${after.case.supervisions})`)
    check(after.case.state === 'in_progress', 'and its state is unchanged')
    check(after.events.at(-1)?.action === 'supervise', 'the timeline ends with the urge')
  })

  await step("a department user cannot open another department's case (403 page)", async () => {
    const res = await api.call(otherDept, 'GET', `/api/v1/cases/${caseId}`)
    check(res.status === 403, `the API refuses ${otherDept.user.username} (got ${res.status})`)
    check((await res.json()).error.code === 'out_of_jurisdiction', 'as out_of_jurisdiction')
    if (API_ONLY) return
    const p = await signIn(base, otherDept.user.username)
    await p.goto(`${base}/#/cases/${caseId}`)
    await p.locator(tid('screen-forbidden')).waitFor({ timeout: UI_MS })
    check((await p.locator(tid('case-state')).count()) === 0, 'and shows nothing of the case')
    await p.close()
  })
}

let failed = false
try {
  await main()
  log('every check held')
} catch (e) {
  failed = true
  console.error(`\n[e2e-console] FAILED in step "${currentStep}": ${e instanceof CheckFailed ? e.message : e.stack}`)
  if (lastPage) {
    try {
      fs.mkdirSync(SHOTS, { recursive: true })
      await lastPage.screenshot({ path: path.join(SHOTS, 'FAILED.png') })
      console.error(`[e2e-console] screenshot of that moment: ${path.join(SHOTS, 'FAILED.png')}`)
    } catch {
      // The browser is gone.
    }
  }
  console.error(`[e2e-console] server log: ${path.join(OUT, 'e2e-console-server.log')}; browser log: ${BROWSER_LOG}`)
} finally {
  if (context) await context.close().catch(() => {})
  await stopServer()
}
process.exit(failed ? 1 : 0)
