// The worker app's end-to-end run (issue 5): the real app window, driven through tauri-driver
// and WebKitWebDriver, against the real demo server, both started here on free ports.
//
// The story: sign in as a demo grid worker; start a patrol; record a finding with a real JPEG
// and "report a case"; see it reach the server; stop the server; record a second finding with
// a photo while offline and see it waiting; restart the server on the same port and folder;
// see the sync finish; ask the server's own HTTP API for both findings, their photos (the
// SHA-256 of the bytes it serves equals the name the device gave them) and the new case; let
// the county centre work the case to on-site verification over the console API, and pass the
// verification in the app with a note and a photo until the server closes the case; end the
// patrol and see that reach the server too. Every screen is saved as a PNG (zh-CN).
//
// Run by `make e2e-app` (under xvfb-run). Settings, all optional:
//   YIWANG_APP_BIN     the app binary      (default /var/tmp/yiwang-target-app/debug/yiwang-app)
//   YIWANG_SERVER_BIN  yiwang-server       (default $CARGO_TARGET_DIR/debug/yiwang-server)
//   TAURI_DRIVER       tauri-driver        (default: from PATH)
//   E2E_OUT            screenshots + logs  (default <repo>/target-e2e)
//   E2E_KEEP=1         keep the temporary data folders (their paths are printed)
// Exit status 0 only when every check held; otherwise the failed check is printed with the
// step it failed in, a screenshot of that moment and the paths of the server and driver logs.

import { remote } from 'webdriverio'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tusUpload } from '../e2e-common/tus.mjs'
import jpeg from 'jpeg-js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const env = process.env
const APP_BIN = path.resolve(env.YIWANG_APP_BIN ?? '/var/tmp/yiwang-target-app/debug/yiwang-app')
const SERVER_BIN = path.resolve(
  env.YIWANG_SERVER_BIN ??
    path.join(env.CARGO_TARGET_DIR ?? '/var/tmp/yiwang-target', 'debug', 'yiwang-server'),
)
const TAURI_DRIVER = env.TAURI_DRIVER ?? 'tauri-driver'
const OUT = path.resolve(env.E2E_OUT ?? path.join(root, 'target-e2e'))
const SHOTS = path.join(OUT, 'screenshots')
const KEEP = env.E2E_KEEP === '1'

const WORKER = 'worker-0001'
const PASSWORD = 'demo'
/** Seeding the reference county from an empty folder takes ~30 s in a debug build. */
const SERVER_START_MS = 300_000
const SCREEN_MS = 30_000
/** The agent syncs ~5 s after a save; a restarted server may meet a backoff: "sync now" wakes it. */
const SYNC_MS = 120_000

// ---------------------------------------------------------------------------------------------
// Reporting

const started = Date.now()
let currentStep = 'setup'
const log = (msg) => console.log(`[e2e-app ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`)

class CheckFailed extends Error {}

/** A check of the story; `why` says what should have held. */
function check(ok, why) {
  if (!ok) throw new CheckFailed(why)
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
// Processes: each started in its own process group, so stopping it stops what it started
// (tauri-driver → WebKitWebDriver → the app). All of them are stopped on any exit.

const children = new Set()

function launch(name, cmd, args, extraEnv, logFile) {
  const out = fs.openSync(logFile, 'a')
  fs.writeSync(out, `\n=== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`)
  const child = spawn(cmd, args, {
    env: extraEnv,
    stdio: ['ignore', out, out],
    detached: true,
  })
  fs.closeSync(out)
  child.label = name
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      child.exitStatus = { code, signal }
      children.delete(child)
      resolve(child.exitStatus)
    })
    child.once('error', (err) => {
      child.exitStatus = { code: null, signal: null, error: err }
      children.delete(child)
      resolve(child.exitStatus)
    })
  })
  children.add(child)
  return child
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

/** SIGTERM the child's group, then SIGKILL it if it has not exited within `graceMs`. */
async function stop(child, graceMs = 10_000) {
  if (!child || child.exitStatus) return
  killGroup(child, 'SIGTERM')
  const timer = new Promise((r) => setTimeout(() => r('timeout'), graceMs))
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    killGroup(child, 'SIGKILL')
    await child.exited
  }
}

/**
 * Processes this run started that left their group (none should): found by the data folder
 * this run gave the app, which no other process has in its environment.
 */
function strayApps(marker) {
  const found = []
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1')
      if (environ.split('\0').includes(marker) && Number(pid) !== process.pid) found.push(Number(pid))
    } catch {
      // Exited meanwhile, or not ours to read.
    }
  }
  return found
}

let appDataMarker = null

function killEverythingNow() {
  for (const child of children) killGroup(child, 'SIGKILL')
  if (appDataMarker) {
    for (const pid of strayApps(appDataMarker)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone.
      }
    }
  }
}

process.on('exit', killEverythingNow)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`interrupted by ${sig}: stopping everything this run started`)
    killEverythingNow()
    if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true })
    process.exit(130)
  })
}

// ---------------------------------------------------------------------------------------------
// Small tools

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

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

function portOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port })
    sock.once('connect', () => {
      sock.destroy()
      resolve(true)
    })
    sock.once('error', () => resolve(false))
  })
}

function tail(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')

/**
 * A real baseline JPEG, 1600×1200: gradients, blocks and noise, different for every `seed`, so
 * each photo of each run has its own hash and the pipeline has real work to do.
 */
function makeJpeg(file, seed) {
  const width = 1600
  const height = 1200
  const data = Buffer.alloc(width * height * 4)
  let s = (seed * 2654435761) >>> 0 || 1
  const noise = () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return (s % 31) - 15
  }
  const hue = (seed * 47) % 255
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      const block = (Math.floor(x / 137) + Math.floor(y / 151) + seed) % 5 === 0
      const r = 50 + (150 * y) / height + 30 * Math.sin(x / 40 + seed)
      const g = 80 + (120 * x) / width + 25 * Math.cos(y / 33)
      const b = hue * 0.5 + 60 + 40 * Math.sin((x + y) / 55)
      const n = noise()
      data[i] = Math.max(0, Math.min(255, (block ? 255 - r : r) + n))
      data[i + 1] = Math.max(0, Math.min(255, (block ? 255 - g : g) + n))
      data[i + 2] = Math.max(0, Math.min(255, (block ? 255 - b : b) + n))
      data[i + 3] = 255
    }
  }
  const bytes = jpeg.encode({ data, width, height }, 88).data
  fs.writeFileSync(file, bytes)
  return bytes
}

/** Every photo the device stored: `<hash>.jpg` files anywhere under its data folder. */
function devicePhotos(dir) {
  const found = new Map()
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name)
      if (entry.isDirectory()) walk(p)
      else if (/^[0-9a-f]{64}\.jpg$/.test(entry.name)) found.set(entry.name.slice(0, 64), p)
    }
  }
  walk(dir)
  return found
}

// ---------------------------------------------------------------------------------------------
// The server's HTTP API, as a second device of the same worker and as the county centre.

class Api {
  constructor(base) {
    this.base = base
  }

  async login(username, deviceId) {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD, device_id: deviceId, device_name: 'e2e checker' }),
    })
    check(res.ok, `the server signs in ${username} (got HTTP ${res.status}: ${await res.clone().text()})`)
    return (await res.json()).token
  }

  async get(token, url) {
    return fetch(`${this.base}${url}`, { headers: { authorization: `Bearer ${token}` } })
  }

  /** Uploads a photo file over tus 1.0.0 in one PATCH, as the console does; its SHA-256. */
  async upload(token, file) {
    return tusUpload(this.base, token, fs.readFileSync(file), check)
  }

  async json(token, url) {
    const res = await this.get(token, url)
    check(res.ok, `GET ${url} answers 200 (got ${res.status}: ${await res.clone().text()})`)
    return res.json()
  }

  /** Everything the user may see, from the empty cursor: the latest record of each id. */
  async pullAll(token) {
    const latest = new Map()
    let cursor = ''
    for (let page = 0; page < 10_000; page++) {
      const q = new URLSearchParams({ limit: '1000' })
      if (cursor) q.set('cursor', cursor)
      const body = await this.json(token, `/api/v1/sync/pull?${q}`)
      for (const c of body.changes) latest.set(`${c.entity}:${c.id}`, c)
      cursor = body.cursor
      if (!body.has_more) break
    }
    const of = (entity) => [...latest.values()].filter((c) => c.entity === entity && !c.deleted).map((c) => c.data)
    return { of }
  }
}

async function waitHealthy(base, child, logFile) {
  const deadline = Date.now() + SERVER_START_MS
  while (Date.now() < deadline) {
    if (child.exitStatus) {
      throw new CheckFailed(
        `yiwang-server exited before it answered /healthz (${JSON.stringify(child.exitStatus)}); ` +
          `its log ends:\n${tail(logFile)}`,
      )
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
// The window

/** @type {WebdriverIO.Browser} */
let browser = null
let shotNo = 0

const sel = (id) => `[data-testid="${id}"]`

async function el(id, timeout = SCREEN_MS) {
  const e = await browser.$(sel(id))
  await e.waitForExist({ timeout, timeoutMsg: `the window shows data-testid="${id}" within ${timeout / 1000} s` })
  return e
}

/** The screen's root is shown (and the transition into it has settled). */
async function onScreen(name, timeout = SCREEN_MS) {
  const e = await el(`screen-${name}`, timeout)
  await e.waitForDisplayed({ timeout, timeoutMsg: `screen "${name}" is displayed within ${timeout / 1000} s` })
  await sleep(350)
  return e
}

/** Click; when a toast or an overlay's fade intercepts the pointer, click through the DOM. */
async function tap(id) {
  const e = await el(id)
  await e.waitForDisplayed({ timeout: SCREEN_MS, timeoutMsg: `data-testid="${id}" is displayed` })
  await clickEl(e)
}

async function clickEl(e) {
  try {
    await e.click()
  } catch (err) {
    if (!/intercept|not interactable|obscured|could not be scrolled/i.test(String(err?.message))) throw err
    await browser.execute((x) => x.click(), e)
  }
}

/** Types into the input or textarea the test id marks (a Vant field wraps its input). */
async function type(id, text) {
  let e = await el(id)
  const tag = (await e.getTagName()).toLowerCase()
  if (tag !== 'input' && tag !== 'textarea') {
    e = await e.$('input, textarea')
    await e.waitForExist({ timeout: SCREEN_MS, timeoutMsg: `data-testid="${id}" holds an input` })
  }
  await e.setValue(text)
  const value = await e.getValue()
  check(value === text, `data-testid="${id}" holds what was typed (${JSON.stringify(text)}), not ${JSON.stringify(value)}`)
}

/** The first whole number in the element's data-count attribute or, else, its text. */
async function numberIn(id) {
  const e = await el(id)
  const raw = (await e.getAttribute('data-count')) ?? (await e.getText())
  const m = String(raw).match(/\d+/)
  check(m, `data-testid="${id}" shows a number (it shows ${JSON.stringify(raw)})`)
  return Number(m[0])
}

async function waitFor(what, fn, timeout = SCREEN_MS, interval = 500) {
  let last
  await browser.waitUntil(
    async () => {
      last = await fn()
      return last.ok
    },
    { timeout, interval, timeoutMsg: `${what} within ${timeout / 1000} s (last seen: ${last?.seen ?? 'nothing'})` },
  )
  return last
}

async function shot(name) {
  shotNo += 1
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`)
  fs.writeFileSync(file, Buffer.from(await browser.takeScreenshot(), 'base64'))
  log(`  screenshot ${path.relative(root, file)}`)
}

/** Goes to a route of the hash router without reloading the page. */
async function go(route) {
  await browser.execute((r) => {
    window.location.hash = r
  }, route)
}

/** Opens a main screen by its bottom tab; screens without the tab bar go by route. */
async function openTab(name) {
  const tab = await browser.$(sel(`tab-${name}`))
  if ((await tab.isExisting()) && (await tab.isDisplayed())) await clickEl(tab)
  else await go(`/${name}`)
  await onScreen(name)
}

/** Waits for the confirmation dialog `what` asks for and confirms it. */
async function confirmDialog(what) {
  const button = await browser.$('.van-dialog__confirm, [data-testid="confirm-ok"]')
  await waitFor(`the app asks to confirm ${what}`, async () => ({
    ok: (await button.isExisting().catch(() => false)) && (await button.isDisplayed().catch(() => false)),
    seen: 'no dialog yet',
  }), 5000, 200)
  await clickEl(button)
  await sleep(400)
}

/** Fills and saves the new-finding form; returns the hashes of the photos the device stored. */
async function recordFinding({ search, code, description, photo, disposition, shotName }) {
  await tap('patrol-new-finding')
  await onScreen('finding-new')
  const before = new Set(devicePhotos(appDir).keys())

  await tap('finding-category')
  await type('category-search', search)
  const option = await el(`category-option-${code}`)
  await option.waitForDisplayed({ timeout: SCREEN_MS, timeoutMsg: `searching "${search}" offers category ${code}` })
  if (shotName) await shot(`${shotName}-category`)
  await clickEl(option)
  await sleep(400)

  await type('finding-description', description)

  const inputEl = await el('finding-photo-input')
  const fileInput = (await inputEl.getTagName()).toLowerCase() === 'input' ? inputEl : await inputEl.$('input[type=file]')
  // A file input takes the path as its keys (WebDriver "Element Send Keys"), hidden or not.
  await fileInput.addValue(photo)
  const stored = await waitFor(
    'the photo is processed by the pipeline: a thumbnail shows and a new photo is in the device folder',
    async () => {
      const thumbs = await browser.$$(sel('finding-photo-thumb'))
      const added = [...devicePhotos(appDir).keys()].filter((h) => !before.has(h))
      return { ok: thumbs.length >= 1 && added.length >= 1, seen: `${thumbs.length} thumbnail(s), ${added.length} new file(s)`, added }
    },
    SCREEN_MS,
  )
  check(stored.added.length === 1, `one photo chosen, one photo stored (stored ${stored.added.length})`)

  await tap(`finding-disposition-${disposition}`)
  await sleep(300)
  if (shotName) await shot(shotName)

  const t0 = Date.now()
  await tap('finding-save')
  await onScreen('patrol')
  const saveMs = Date.now() - t0
  log(`  saved in ${saveMs} ms (back on the patrol screen)`)
  check(saveMs < 10_000, `saving is local and instant, not waiting for the network (took ${saveMs} ms)`)
  return stored.added
}

// ---------------------------------------------------------------------------------------------
// The run

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-e2e-'))
const serverDir = path.join(tmp, 'server')
const appDir = path.join(tmp, 'app')
const logs = {
  server: path.join(OUT, 'server.log'),
  driver: path.join(OUT, 'tauri-driver.log'),
}

async function main() {
  for (const [what, file] of [
    ['the app binary (make app)', APP_BIN],
    ['yiwang-server (cargo build -p yiwang-server)', SERVER_BIN],
  ]) {
    check(fs.existsSync(file), `${what} exists at ${file}`)
  }
  fs.mkdirSync(SHOTS, { recursive: true })
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f))
  for (const f of Object.values(logs)) fs.writeFileSync(f, '')
  fs.mkdirSync(appDir, { recursive: true })
  appDataMarker = `YIWANG_DATA_DIR=${appDir}`

  const run = randomBytes(3).toString('hex')
  const photo1 = path.join(tmp, `street-${run}-1.jpg`)
  const photo2 = path.join(tmp, `street-${run}-2.jpg`)
  makeJpeg(photo1, 1)
  makeJpeg(photo2, 2)
  const photo3 = path.join(tmp, `street-${run}-3.jpg`)
  makeJpeg(photo3, 3)
  // The centre's photo with its "resolved" step: the app knows it only by its metadata.
  const photo4 = path.join(tmp, `street-${run}-4.jpg`)
  makeJpeg(photo4, 4)
  let centrePhoto = null
  let photos3 = []
  const text1 = `e2e ${run}: 人行道堆放建筑垃圾，影响通行`
  const text2 = `e2e ${run}: 路边暴露垃圾，已现场清理`

  const [serverPort, driverPort, nativePort] = [await freePort(), await freePort(), await freePort()]
  const base = `http://127.0.0.1:${serverPort}`
  const api = new Api(base)
  const serverArgs = ['demo', '--data-dir', serverDir, '--listen', `127.0.0.1:${serverPort}`]
  const serverEnv = { ...env, RUST_LOG: env.RUST_LOG ?? 'info' }
  let server = null
  let driver = null
  let failed = false

  try {
    await step(`start the demo server on ${base} (seeds the reference county)`, async () => {
      server = launch('yiwang-server', SERVER_BIN, serverArgs, serverEnv, logs.server)
      await waitHealthy(base, server, logs.server)
    })

    await step('start tauri-driver and open the app window through it', async () => {
      const appEnv = { ...env, YIWANG_DATA_DIR: appDir }
      // The demo login pre-fill is for `make demo`; here the form is typed in.
      for (const k of ['YIWANG_DEMO_SERVER', 'YIWANG_DEMO_USER', 'YIWANG_DEMO_PASSWORD', 'YIWANG_STARTUP_PROBE']) delete appEnv[k]
      driver = launch(
        'tauri-driver',
        TAURI_DRIVER,
        ['--port', String(driverPort), '--native-port', String(nativePort)],
        appEnv,
        logs.driver,
      )
      const deadline = Date.now() + 20_000
      while (!(await portOpen(driverPort))) {
        check(!driver.exitStatus, `tauri-driver keeps running (it exited: ${JSON.stringify(driver.exitStatus)}; log:\n${tail(logs.driver)})`)
        check(Date.now() < deadline, 'tauri-driver listens within 20 s')
        await sleep(200)
      }
      browser = await remote({
        hostname: '127.0.0.1',
        port: driverPort,
        logLevel: 'silent',
        connectionRetryCount: 0,
        capabilities: { 'tauri:options': { application: APP_BIN } },
      })
    })

    await step('sign in as the demo grid worker', async () => {
      await onScreen('login')
      await shot('login')
      await type('login-server', base)
      await type('login-username', WORKER)
      await type('login-password', PASSWORD)
      await tap('login-submit')
      await onScreen('home')
      await waitFor('home shows the worker online', async () => {
        const v = await (await el('home-online')).getAttribute('data-online')
        return { ok: v === 'true', seen: `data-online=${v}` }
      })
      await shot('home')
    })

    let patrolStartedAt
    await step('start a patrol', async () => {
      await tap('home-start-patrol')
      await onScreen('patrol')
      patrolStartedAt = Date.now()
      await el('patrol-elapsed')
      await el('patrol-distance')
      await shot('patrol')
    })

    let photos1
    await step('record a finding with a real JPEG and "report a case" (online)', async () => {
      photos1 = await recordFinding({
        search: 'ldlf',
        code: '03.02',
        description: text1,
        photo: photo1,
        disposition: 'report',
        shotName: 'finding-new',
      })
    })

    await step('see the first finding and its photo reach the server', async () => {
      const token = await api.login(WORKER, `e2e-checker-${run}`)
      await waitFor(
        'the server has the first photo (HEAD /api/v1/photos/by-hash)',
        async () => {
          const res = await fetch(`${base}/api/v1/photos/by-hash/${photos1[0]}`, {
            method: 'HEAD',
            headers: { authorization: `Bearer ${token}` },
          })
          return { ok: res.status === 200, seen: `HTTP ${res.status}` }
        },
        SYNC_MS,
        1000,
      )
      await openTab('home')
      await waitFor(
        'home shows nothing waiting once the first finding is sent',
        async () => {
          const n = await numberIn('home-waiting')
          return { ok: n === 0, seen: `home-waiting=${n}` }
        },
        SYNC_MS,
      )
    })

    await step('stop the server (SIGTERM)', async () => {
      await stop(server)
      check(!(await portOpen(serverPort)), `nothing listens on ${serverPort} once the server is stopped`)
    })

    let photos2
    await step('record a second finding with a photo while offline', async () => {
      await tap('home-open-patrol')
      await onScreen('patrol')
      photos2 = await recordFinding({
        search: '垃圾',
        code: '03.01',
        description: text2,
        photo: photo2,
        disposition: 'resolved_on_spot',
      })
      await shot('patrol-findings')
    })

    await step('see it waiting, offline', async () => {
      await openTab('home')
      await waitFor('home shows the work waiting to sync', async () => {
        const n = await numberIn('home-waiting')
        return { ok: n >= 1, seen: `home-waiting=${n}` }
      })
      await waitFor(
        'home shows the worker offline once a sync attempt fails',
        async () => {
          const v = await (await el('home-online')).getAttribute('data-online')
          return { ok: v === 'false', seen: `data-online=${v}` }
        },
        60_000,
      )
      await shot('home-offline')
      await openTab('sync')
      const waiting = await numberIn('sync-waiting-count')
      check(waiting >= 1, `the sync screen counts the offline finding as waiting (shows ${waiting})`)
      await shot('sync-offline')
    })

    await step('restart the server on the same port and folder; see the sync finish', async () => {
      server = launch('yiwang-server', SERVER_BIN, serverArgs, serverEnv, logs.server)
      await waitHealthy(base, server, logs.server)
      await onScreen('sync')
      await tap('sync-now')
      const phases = new Set()
      await waitFor(
        'the sync screen counts nothing waiting',
        async () => {
          const phase = await (await el('sync-progress')).getAttribute('data-phase')
          phases.add(phase)
          const n = await numberIn('sync-waiting-count')
          return { ok: n === 0, seen: `waiting=${n}, phase=${phase}` }
        },
        SYNC_MS,
        250,
      )
      log(`  sync phases seen: ${[...phases].join(' → ')}`)
      const last = await (await el('sync-last')).getText()
      check(last.trim().length > 0, 'the sync screen shows the last successful sync')
      await shot('sync-done')
      await openTab('home')
      await waitFor('home shows the worker online again, nothing waiting', async () => {
        const v = await (await el('home-online')).getAttribute('data-online')
        const n = await numberIn('home-waiting')
        return { ok: v === 'true' && n === 0, seen: `data-online=${v}, home-waiting=${n}` }
      })
    })

    let caseId
    await step("ask the server's API for both findings, their photos and the new case", async () => {
      const local = devicePhotos(appDir)
      for (const h of [...photos1, ...photos2]) {
        check(sha256(fs.readFileSync(local.get(h))) === h, `the device's photo file ${h}.jpg hashes to its name`)
      }
      const token = await api.login(WORKER, `e2e-checker-${run}`)
      const pulled = await api.pullAll(token)
      const findings = pulled.of('finding')
      const f1 = findings.find((f) => f.description === text1)
      const f2 = findings.find((f) => f.description === text2)
      check(f1, `the server returns the first finding ("${text1}")`)
      check(f2, `the server returns the second, offline finding ("${text2}")`)
      check(f1.disposition === 'report' && f1.category_code === '03.02', `the first finding is a report of 03.02 (got ${f1.disposition} ${f1.category_code})`)
      check(
        f2.disposition === 'resolved_on_spot' && f2.category_code === '03.01',
        `the second finding is 03.01 resolved on the spot (got ${f2.disposition} ${f2.category_code})`,
      )
      check(f1.patrol_id && f1.patrol_id === f2.patrol_id, 'both findings belong to the same patrol')
      check(JSON.stringify(f1.photos) === JSON.stringify(photos1), `the first finding lists the device's photo ${photos1} (got ${f1.photos})`)
      check(JSON.stringify(f2.photos) === JSON.stringify(photos2), `the second finding lists the device's photo ${photos2} (got ${f2.photos})`)
      const metas = new Map(pulled.of('photo').map((p) => [p.sha256, p]))
      for (const h of [...photos1, ...photos2]) {
        const res = await api.get(token, `/api/v1/photos/by-hash/${h}`)
        check(res.ok, `GET /api/v1/photos/by-hash/${h} answers 200 (got ${res.status})`)
        const bytes = Buffer.from(await res.arrayBuffer())
        check(sha256(bytes) === h, `the photo the server serves hashes to ${h} (got ${sha256(bytes)})`)
        check(bytes.equals(fs.readFileSync(local.get(h))), `the server's photo ${h} is byte for byte the device's`)
        check(metas.has(h), `the pull carries the metadata of photo ${h}`)
      }
      check(f1.case_id, 'the "report" finding names the case it opened')
      caseId = f1.case_id
      check(!f2.case_id, 'the finding resolved on the spot opened no case')
      const cases = pulled.of('case')
      const c = cases.find((x) => x.id === caseId)
      check(c, `the worker's pull returns the new case ${caseId}`)
      const centre = await api.login('center', `e2e-centre-${run}`)
      const detail = await api.json(centre, `/api/v1/cases/${encodeURIComponent(caseId)}`)
      check(detail.case.state === 'pending', `the new case waits to be taken up (state ${detail.case.state})`)
      check(detail.finding?.id === f1.id, 'the case detail names the first finding as its origin')
      const detailPhotos = JSON.stringify(detail.photos ?? [])
      check(photos1.every((h) => detailPhotos.includes(h)), 'the case detail shows the finding\'s photo')
      const patrol = pulled.of('patrol').find((p) => p.id === f1.patrol_id)
      check(patrol, 'the server has the patrol')
      log(`  findings ${f1.id}, ${f2.id}; photos ${[...photos1, ...photos2].map((h) => h.slice(0, 12)).join(', ')}; case ${caseId}`)
    })

    await step('see the cases and the new case in the app', async () => {
      await openTab('cases')
      await el(`case-${caseId}`)
      await shot('cases')
      await go(`/cases/${caseId}`)
      await onScreen('case-detail')
      await shot('case-detail')
    })

    await step('the county works the case to on-site verification (console API, as the centre, with a photo)', async () => {
      const centre = await api.login('center', `e2e-centre-${run}`)
      centrePhoto = await api.upload(centre, photo4)
      for (const action of ['claim', 'resolve', 'assign_verify']) {
        const before = await api.json(centre, `/api/v1/cases/${encodeURIComponent(caseId)}`)
        const photos = action === 'resolve' ? { photos: [centrePhoto] } : {}
        const res = await fetch(`${base}/api/v1/cases/${encodeURIComponent(caseId)}/actions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${centre}`, 'content-type': 'application/json' },
          body: JSON.stringify({ base_version: before.case.version, action, note: `e2e: ${action}`, ...photos }),
        })
        check(res.ok, `the county centre may ${action} the case (HTTP ${res.status}: ${await res.text()})`)
      }
    })

    await step('verify the case on site in the app: pass, with a note and a photo', async () => {
      await openTab('sync')
      await tap('sync-now')
      await openTab('tasks')
      await waitFor(
        'the tasks screen lists the case for verification',
        async () => {
          const task = await browser.$(sel(`task-verify-${caseId}`))
          if (await task.isExisting()) return { ok: true }
          // The list reloads on data-changed; going away and back reloads it too.
          await openTab('home')
          await openTab('tasks')
          return { ok: false, seen: 'no task yet' }
        },
        SYNC_MS,
        2000,
      )
      await shot('tasks')
      // The centre's photo came as metadata; the sync fetched its thumbnail, so the timeline
      // shows it (offline too) — not the "photo not on this device" placeholder.
      await go(`/cases/${caseId}`)
      await onScreen('case-detail')
      await waitFor(
        "the case timeline shows the centre's photo from its fetched thumbnail",
        async () => {
          const img = await browser.$(sel(`photo-${centrePhoto}`))
          if (await img.isExisting()) {
            const src = await img.getAttribute('src')
            return { ok: src.startsWith('data:image/jpeg;base64,'), seen: `src ${src.slice(0, 30)}` }
          }
          const missing = await browser.$(sel(`photo-missing-${centrePhoto}`)).isExisting()
          await openTab('tasks')
          await go(`/cases/${caseId}`)
          await onScreen('case-detail')
          return { ok: false, seen: missing ? 'the placeholder' : 'no photo yet' }
        },
        SYNC_MS,
        2000,
      )
      await openTab('tasks')
      await tap(`task-verify-${caseId}`)
      await onScreen('verify')
      await tap('verify-pass')
      await type('verify-note', `e2e ${run}: 现场已清理干净，核查通过`)
      const before = new Set(devicePhotos(appDir).keys())
      const inputEl = await el('verify-photo-input')
      const fileInput = (await inputEl.getTagName()).toLowerCase() === 'input' ? inputEl : await inputEl.$('input[type=file]')
      await fileInput.addValue(photo3)
      const added = await waitFor('the verification photo is processed and shown', async () => {
        const thumbs = await browser.$$(sel('verify-photo-thumb'))
        const added = [...devicePhotos(appDir).keys()].filter((h) => !before.has(h))
        return { ok: thumbs.length >= 1 && added.length === 1, seen: `${thumbs.length} thumbnail(s), ${added.length} new file(s)`, added }
      })
      photos3 = added.added
      await shot('verify')
      await tap('verify-submit')
      await onScreen('case-detail')
      await openTab('sync')
      await tap('sync-now')
      const centre = await api.login('center', `e2e-centre-${run}`)
      const closed = await waitFor(
        'the server closes the case on the worker\'s verification',
        async () => {
          const d = await api.json(centre, `/api/v1/cases/${encodeURIComponent(caseId)}`)
          return { ok: d.case.state === 'closed', seen: `state ${d.case.state}`, d }
        },
        SYNC_MS,
        1000,
      )
      const last = closed.d.events.at(-1)
      const lastText = JSON.stringify(last)
      check(/verify_pass/.test(lastText), `the last event is the worker's verify_pass (${lastText.slice(0, 200)})`)
      check(lastText.includes(photos3[0]), 'the verify_pass event carries the verification photo')
      // Ops go first, photo files right after them: the photo may land a moment later.
      const served = await waitFor(
        'the server serves the verification photo',
        async () => {
          const res = await api.get(centre, `/api/v1/photos/by-hash/${photos3[0]}`)
          return { ok: res.ok, seen: `HTTP ${res.status}`, bytes: res.ok ? Buffer.from(await res.arrayBuffer()) : null }
        },
        SYNC_MS,
        1000,
      )
      check(sha256(served.bytes) === photos3[0], 'the verification photo the server serves hashes to its name')
      await go(`/cases/${caseId}`)
      await onScreen('case-detail')
      await shot('case-detail-closed')
      await openTab('settings')
      await shot('settings')
    })

    await step('end the patrol; the server has it ended', async () => {
      await openTab('home')
      await tap('home-open-patrol')
      await onScreen('patrol')
      const elapsed = await (await el('patrol-elapsed')).getText()
      check(/\d/.test(elapsed), `the patrol screen shows the elapsed time (${elapsed})`)
      const patrolId = await (await el('screen-patrol')).getAttribute('data-patrol-id')
      await tap('patrol-end')
      await confirmDialog('ending the patrol')
      await waitFor('the patrol screen shows the patrol ended', async () => {
        const open = await (await el('screen-patrol')).getAttribute('data-open')
        return { ok: open === 'false', seen: `data-open=${open}` }
      })
      await shot('patrol-ended')
      await go('/home')
      await onScreen('home')
      await el('home-start-patrol')
      await shot('home-after-patrol')
      // Ending a patrol does not wake the agent (docs/DESIGN.md §7: findings, the network coming
      // back, every minute, on demand); ask for it, as a worker going home would.
      await openTab('sync')
      await tap('sync-now')
      const token = await api.login(WORKER, `e2e-checker-${run}`)
      await waitFor(
        'the server has the patrol ended',
        async () => {
          const pulled = await api.pullAll(token)
          const patrols = pulled.of('patrol')
          const p = patrols.find((x) => x.id === patrolId)
          return { ok: Boolean(p?.ended_at), seen: p ? `ended_at=${p.ended_at}` : `no patrol ${patrolId}` }
        },
        SYNC_MS,
        2000,
      )
      log(`  patrol open for ${((Date.now() - patrolStartedAt) / 1000).toFixed(0)} s`)
    })
  } catch (err) {
    failed = true
    throw err
  } finally {
    if (failed && browser) {
      try {
        await shot(`FAILED-${currentStep.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`)
      } catch {
        // The window is gone.
      }
    }
    if (browser) {
      await browser.deleteSession().catch(() => {})
    }
    await stop(driver)
    await stop(server)
    for (const pid of strayApps(appDataMarker)) {
      log(`stopping a leftover app process ${pid}`)
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone.
      }
    }
    if (KEEP) log(`kept the data folders in ${tmp}`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  }
}

try {
  await main()
  log(`PASSED: the app signed in, patrolled, recorded two findings (one offline), synced both and verified the case on site; ${shotNo} screenshots in ${path.relative(root, SHOTS)}/`)
} catch (err) {
  process.exitCode = 1
  // Checks and WebdriverIO's waits say what should have held; anything else is a bug here.
  const expected = err instanceof CheckFailed || /within [\d.]+ s|is displayed|waitUntil/.test(String(err?.message))
  const what = expected && !env.E2E_DEBUG ? err.message : err?.stack ?? String(err)
  console.error(`\n[e2e-app] FAILED in step "${currentStep}":\n  ${what}\n`)
  console.error(`  server log: ${path.relative(root, logs.server)}\n  driver and app log: ${path.relative(root, logs.driver)}`)
  console.error(`  screenshots: ${path.relative(root, SHOTS)}/`)
  console.error(`--- server log (last lines) ---\n${tail(logs.server, 15)}`)
  console.error(`--- tauri-driver / app log (last lines) ---\n${tail(logs.driver, 25)}`)
}
