#!/usr/bin/env node
// Walks the built worker app (mock backend) in Debian's Chromium and saves a screenshot of
// every screen, checking on the way that the contract's data-testid hooks exist (inputs are
// real <input>s) and that the page makes no request outside the preview server.
//
//   npm run build:worker && node scripts/screens.mjs [outDir] [--lang=en]
//
// Needs /usr/bin/chromium (or CHROMIUM=path). Exits non-zero on a failed check.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const uiDir = resolve(here, '..')
const args = process.argv.slice(2)
const lang = args.find((a) => a.startsWith('--lang='))?.slice(7) ?? 'zh-CN'
const outDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(uiDir, 'scripts/out'))
mkdirSync(outDir, { recursive: true })

const failures = []
const check = (ok, what) => {
  if (!ok) failures.push(what)
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

// A real JPEG, made in the page from a canvas (no fixture file needed).
async function makeJpeg(page, label) {
  const b64 = await page.evaluate(async (text) => {
    const c = document.createElement('canvas')
    c.width = 640
    c.height = 480
    const g = c.getContext('2d')
    g.fillStyle = '#8fb3d9'
    g.fillRect(0, 0, 640, 480)
    g.fillStyle = '#5a3e2b'
    g.fillRect(120, 260, 400, 160)
    g.fillStyle = '#222'
    g.font = '48px sans-serif'
    g.fillText(text, 40, 80)
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.85))
    const buf = new Uint8Array(await blob.arrayBuffer())
    let s = ''
    for (const b of buf) s += String.fromCharCode(b)
    return btoa(s)
  }, label)
  return Buffer.from(b64, 'base64')
}

const port = await freePort()
const preview = spawn(process.execPath, [join(uiDir, 'node_modules/vite/bin/vite.js'), 'preview', '--mode', 'worker', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
  cwd: uiDir,
  stdio: ['ignore', 'pipe', 'inherit'],
})
const base = `http://127.0.0.1:${port}/`
let browser
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base)).ok) break
    } catch {}
    if (i > 100) throw new Error('vite preview did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: lang })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  const errors = []
  const foreign = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('request', (r) => {
    const u = r.url()
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u)
  })
  const tid = (id) => page.locator(`[data-testid="${id}"]`)
  const shot = async (name) => {
    await page.waitForTimeout(400)
    await page.screenshot({ path: join(outDir, `${name}.png`) })
  }
  const tag = async (id) => tid(id).first().evaluate((e) => e.tagName)

  await page.goto(base)
  await tid('screen-login').waitFor()
  if (lang === 'en') await page.evaluate(() => localStorage.setItem('yiwang.mock.language', 'en'))
  if (lang === 'en') await page.reload()
  await tid('screen-login').waitFor()
  for (const id of ['login-server', 'login-username', 'login-password']) check((await tag(id)) === 'INPUT', `${id} is an <input>`)
  check((await tid('login-server').inputValue()).startsWith('http'), 'demo login pre-fills the server')
  await tid('login-password').fill('wrong')
  await tid('login-submit').click()
  await tid('login-error').waitFor()
  check((await tid('login-error').textContent()).length > 0, 'a wrong password shows an error')
  await shot('01-login-error')
  await tid('login-password').fill('demo')
  await shot('01-login')
  await tid('login-submit').click()
  await tid('screen-home').waitFor()
  check((await tid('home-online').getAttribute('data-online')) === 'true', 'home shows online')
  await shot('02-home')

  await tid('home-start-patrol').click()
  await tid('screen-patrol').waitFor()
  const e1 = await tid('patrol-elapsed').textContent()
  await page.waitForTimeout(2100)
  const e2 = await tid('patrol-elapsed').textContent()
  check(e1 !== e2, `elapsed time ticks (${e1} → ${e2})`)
  check((await tid('patrol-gps').getAttribute('data-status')) === 'off', 'no geolocation shows as off (无定位)')
  await shot('03-patrol')

  await tid('patrol-new-finding').click()
  await tid('screen-finding-new').waitFor()
  await tid('finding-save').click()
  await shot('04-finding-invalid')
  await tid('finding-category').click()
  await tid('category-search').waitFor()
  check((await tag('category-search')) === 'INPUT', 'category-search is an <input>')
  await tid('category-search').fill('ldlf')
  await page.waitForTimeout(200)
  await shot('05-category-picker')
  await tid('category-option-03.02').click()
  check((await tid('finding-category').getAttribute('data-code')) === '03.02', 'picked category 03.02 by initials')
  check((await tag('finding-description')) === 'TEXTAREA', 'finding-description is a <textarea>')
  await tid('finding-description').fill('建设路18号楼道口堆放装修垃圾，占用消防通道')
  check((await tag('finding-photo-input')) === 'INPUT', 'finding-photo-input is an <input>')
  const jpeg1 = await makeJpeg(page, '现场 1')
  const jpeg2 = await makeJpeg(page, '现场 2')
  await tid('finding-photo-input').setInputFiles([
    { name: 'a.jpg', mimeType: 'image/jpeg', buffer: jpeg1 },
    { name: 'b.jpg', mimeType: 'image/jpeg', buffer: jpeg2 },
  ])
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="finding-photo-thumb"]').length === 2)
  check(true, 'two photos became two thumbnails')
  await tid('finding-disposition-report').click()
  await shot('06-finding-new')
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
  await shot('06b-finding-new-bottom')
  await tid('finding-save').click()
  await tid('screen-patrol').waitFor()
  check((await tid('patrol-finding').count()) === 1, 'the saved finding is listed on the patrol')
  await shot('07-patrol-with-finding')

  await page.goto(`${base}#/home`)
  await tid('screen-home').waitFor()
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="home-waiting"]')?.textContent) > 0)
  check(true, 'home counts waiting items')

  await tid('tab-sync').click()
  await tid('screen-sync').waitFor()
  const waitingBefore = Number(await tid('sync-waiting-count').textContent())
  check(waitingBefore > 0, `sync shows ${waitingBefore} waiting`)
  await shot('08-sync-waiting')
  await tid('sync-now').click()
  await page.waitForFunction(() => ['push', 'upload', 'pull'].includes(document.querySelector('[data-testid="sync-progress"]')?.dataset.phase ?? ''))
  await page.waitForTimeout(300)
  await shot('09-sync-progress')
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-progress"]')?.dataset.phase === 'idle', null, { timeout: 20000 })
  check(Number(await tid('sync-waiting-count').textContent()) === 0, 'sync ends with nothing waiting')
  await shot('10-sync-done')

  await tid('tab-cases').click()
  await tid('screen-cases').waitFor()
  await shot('11-cases')
  await page.goto(`${base}#/cases/c-0002`)
  await tid('screen-case-detail').waitFor()
  check((await tid('case-mark-overdue').count()) === 1 && (await tid('case-mark-urged').count()) === 1, 'overdue and urged marks on case c-0002')
  await shot('12-case-detail')

  await tid('tab-tasks').click().catch(() => page.goto(`${base}#/tasks`))
  await page.goto(`${base}#/tasks`)
  await tid('screen-tasks').waitFor()
  await shot('13-tasks')
  await page.goto(`${base}#/tasks/c-0001/verify`)
  await tid('screen-verify').waitFor()
  await tid('verify-fail').click()
  await tid('verify-submit').click()
  await shot('14-verify-needs-note')
  await tid('verify-note').fill('电线仍有一段裸露')
  await tid('verify-submit').click()
  await tid('screen-case-detail').waitFor()
  check((await tid('case-pending').count()) === 1, 'the queued verification shows as pending on the case')
  await shot('15-case-after-verify')

  await page.goto(`${base}#/settings`)
  await tid('screen-settings').waitFor()
  await shot('16-settings')
  await tid('settings-logout').click()
  await page.locator('.van-dialog__confirm').click()
  await tid('settings-logout-refused').waitFor()
  check(true, 'logout with unsynced work is refused and says so')
  await shot('17-logout-refused')
  await page.locator('.van-dialog__confirm').click()
  await tid('screen-sync').waitFor()

  // A second device with a position: the track grows through watchPosition → addTrackPoints.
  const geoCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: lang,
    permissions: ['geolocation'], geolocation: { latitude: 40.6301, longitude: 122.5012, accuracy: 8 } })
  const gp = await geoCtx.newPage()
  gp.setDefaultTimeout(20000)
  const gt = (id) => gp.locator(`[data-testid="${id}"]`)
  await gp.goto(base)
  await gt('login-submit').click()
  await gt('home-start-patrol').click()
  await gt('screen-patrol').waitFor()
  for (let i = 1; i <= 12; i++) {
    await geoCtx.setGeolocation({ latitude: 40.6301 + i * 0.0004, longitude: 122.5012 + (i % 4) * 0.0005, accuracy: 8 })
    await gp.waitForTimeout(250)
  }
  await gp.waitForFunction(() => Number(document.querySelector('[data-testid="patrol-track"]')?.dataset.points) > 0)
  check((await gt('patrol-gps').getAttribute('data-status')) === 'ok', 'a position shows as located')
  check(Number(await gt('patrol-distance').getAttribute('data-meters')) > 100, 'the distance grows with the track')
  await gp.waitForTimeout(400)
  await gp.screenshot({ path: join(outDir, '03b-patrol-track.png') })
  await geoCtx.close()

  check(errors.length === 0, `no console errors${errors.length ? ': ' + errors.join(' | ') : ''}`)
  check(foreign.length === 0, `no request outside the app${foreign.length ? ': ' + foreign.join(' ') : ''}`)
} catch (e) {
  failures.push(String(e?.stack ?? e))
  console.error(e)
} finally {
  await browser?.close()
  preview.kill('SIGTERM')
}
console.log(`screenshots in ${outDir}`)
if (failures.length) {
  console.error(`${failures.length} check(s) failed`)
  process.exit(1)
}
