#!/usr/bin/env node
// Walks the built console in Debian's Chromium against a running yiwang-server (demo data),
// checks the console contract's data-testid hooks on the way, and saves screenshots at 1440×900.
//
//   npm run build:console
//   node console/scripts/screens.mjs [outDir] [--api=http://127.0.0.1:18080] [--lang=en]
//
// The built pages are served by `vite preview --mode console`, which proxies /api to --api.
// Exits non-zero on a failed check. It changes data on the server (claims a case).
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const uiDir = resolve(here, '../..')
const args = process.argv.slice(2)
const api = args.find((a) => a.startsWith('--api='))?.slice(6) ?? 'http://127.0.0.1:18080'
const lang = args.find((a) => a.startsWith('--lang='))?.slice(7) ?? 'zh-CN'
const outDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(uiDir, 'scripts/out/console'))
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

async function apiLogin(user) {
  const r = await fetch(`${api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: 'demo', device_id: `screens-${user}`, device_name: 'screens' }),
  })
  return (await r.json()).token
}
async function apiGet(token, path) {
  const r = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return { status: r.status, body: await r.json() }
}

const port = await freePort()
const preview = spawn(process.execPath, [join(uiDir, 'node_modules/vite/bin/vite.js'), 'preview', '--mode', 'console', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
  cwd: uiDir, env: { ...process.env, YIWANG_API: api }, stdio: ['ignore', 'pipe', 'inherit'],
})
const base = `http://127.0.0.1:${port}/`
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(base)).ok) break
  } catch {}
  await new Promise((r) => setTimeout(r, 200))
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
})
const foreign = []
let current = null
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  const page = await ctx.newPage()
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url())
  })
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`     console: ${m.text()}`)
  })
  current = page
  return page
}
const tid = (page, id) => page.locator(`[data-testid="${id}"]`)
const shot = async (page, name) => {
  // The pointer off the page, so no tooltip sits over the screenshot.
  await page.mouse.move(1439, 899)
  await page.waitForTimeout(250)
  await page.screenshot({ path: join(outDir, `${name}.png`) })
}
const q = lang === 'en' ? '?lang=en' : ''

async function login(page, user) {
  await page.goto(`${base}${q}#/login`)
  await tid(page, 'login-username').fill(user)
  await tid(page, 'login-password').fill('demo')
  await tid(page, 'login-submit').click()
  await tid(page, 'user-name').waitFor()
}

try {
  // A fresh pending case to work on (the demo may have claimed them all by now).
  {
    const tk = await apiLogin('township-01')
    const org = await apiGet(tk, '/api/v1/org')
    const r = await fetch(`${api}/api/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tk}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'wechat', category: '01.01', description: '微信群反映：井盖破损，需尽快处理。', grid_id: org.body.grids[0].id }),
    })
    check(r.status === 201, `a pending case lodged through the API (${r.status})`)
  }
  // --- township supervisor ------------------------------------------------------------
  const page = await newPage()
  await page.goto(`${base}${q}#/login`)
  await tid(page, 'login-username').fill('township-01')
  await tid(page, 'login-password').fill('wrong')
  await tid(page, 'login-submit').click()
  await tid(page, 'login-error').waitFor()
  check(true, 'a wrong password shows login-error')
  await shot(page, '00-login')
  await login(page, 'township-01')
  check((await tid(page, 'user-role').getAttribute('data-role')) === 'township', 'user-role says township')
  for (const n of ['nav-cases', 'nav-intake', 'nav-dashboard', 'nav-grids']) check(await tid(page, n).isVisible(), `${n} shown to a township`)
  await tid(page, 'screen-cases').waitFor()
  await page.waitForSelector('[data-testid^="queue-row-"]')
  const total = Number(await tid(page, 'queue-total').getAttribute('data-total'))
  const token = await apiLogin('township-01')
  const direct = await apiGet(token, '/api/v1/cases?page_size=50')
  check(total === direct.body.total, `queue-total ${total} equals the API's ${direct.body.total}`)
  const rows = await page.locator('[data-testid^="queue-row-"]').count()
  check(rows === Math.min(50, direct.body.total), `first page has ${rows} rows`)
  for (const s of ['pending', 'claimed', 'dispatched', 'in_progress', 'handled', 'verifying', 'closed']) {
    const n = Number(await tid(page, `queue-count-${s}`).getAttribute('data-count'))
    check(n === direct.body.counts_by_state[s], `queue-count-${s} = ${n}`)
  }
  await shot(page, '01-queue')

  // Filter: overdue only.
  await tid(page, 'queue-filter-overdue').check()
  await tid(page, 'queue-search').click()
  await page.waitForURL(/overdue=true/)
  await page.waitForFunction(() => document.querySelector('[data-testid="queue-total"]')?.getAttribute('data-total') !== '')
  const overdue = await apiGet(token, '/api/v1/cases?overdue=true&page_size=1')
  await page.waitForFunction((n) => document.querySelector('[data-testid="queue-total"]')?.getAttribute('data-total') === String(n), overdue.body.total)
  check(true, `overdue filter: ${overdue.body.total} cases`)
  await shot(page, '02-queue-overdue')
  // Export CSV of the filter.
  const [dl] = await Promise.all([page.waitForEvent('download'), tid(page, 'queue-export-csv').click()])
  const csvName = dl.suggestedFilename()
  check(/^yiwang-cases-overdue-\d{8}-\d{4}\.csv$/.test(csvName), `CSV saved as ${csvName}`)
  await dl.saveAs(join(outDir, csvName))

  // A pending case: claim it on its page.
  await tid(page, 'queue-filter-overdue').uncheck()
  await tid(page, 'queue-filter-state').selectOption('pending')
  await tid(page, 'queue-search').click()
  await page.waitForURL(/state=pending/)
  await page.waitForSelector('[data-testid^="queue-row-"][data-state="pending"]')
  const pendingRow = page.locator('[data-testid^="queue-row-"][data-state="pending"]').first()
  const caseId = (await pendingRow.getAttribute('data-testid')).slice('queue-row-'.length)
  await pendingRow.click()
  await tid(page, 'screen-case').waitFor()
  await tid(page, 'case-timeline').waitFor()
  check((await tid(page, 'case-state').getAttribute('data-state')) === 'pending', 'case page shows pending')
  check((await tid(page, 'case-chain').getAttribute('data-verified')) === 'true', 'chain verified')
  await tid(page, 'action-claim').waitFor()
  const before = Number(await tid(page, 'case-version').getAttribute('data-version'))
  await tid(page, 'action-claim').click()
  await tid(page, 'action-form').waitFor()
  await tid(page, 'action-submit').click()
  await page.waitForFunction((v) => Number(document.querySelector('[data-testid="case-version"]')?.getAttribute('data-version')) === v + 1, before)
  check((await tid(page, 'case-state').getAttribute('data-state')) === 'claimed', `case ${caseId} claimed`)
  check(await tid(page, `case-event-${before + 1}`).isVisible(), 'the claim is on the timeline')
  await tid(page, 'action-dispatch').click()
  await tid(page, 'action-form').waitFor()
  check((await tid(page, 'action-department').inputValue()) !== '', 'dispatch defaults to the category department')
  await page.waitForTimeout(300)
  await shot(page, '03-case-dispatch-form')
  await page.keyboard.press('Escape')
  await tid(page, 'action-form').waitFor({ state: 'hidden' })

  // Resolve it here with a photo: the upload (tus), the photo on the page, the lightbox.
  const jpeg = Buffer.from(await page.evaluate(async () => {
    const c = document.createElement('canvas')
    c.width = 640
    c.height = 480
    const g = c.getContext('2d')
    g.fillStyle = '#8fb3d9'
    g.fillRect(0, 0, 640, 480)
    g.fillStyle = '#5a3e2b'
    g.fillRect(120, 260, 400, 160)
    g.fillStyle = '#222'
    g.font = '40px sans-serif'
    g.fillText('console ' + new Date().toISOString(), 20, 80)
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.85))
    return [...new Uint8Array(await blob.arrayBuffer())]
  }))
  await tid(page, 'action-resolve').click()
  await tid(page, 'action-form').waitFor()
  await tid(page, 'action-photo-input').setInputFiles({ name: 'fix.jpg', mimeType: 'image/jpeg', buffer: jpeg })
  await page.waitForFunction(() => document.querySelector('[data-testid="action-photos"]')?.getAttribute('data-count') === '1')
  await tid(page, 'action-note').fill('街道协调现场处置完毕')
  await tid(page, 'action-submit').click()
  await page.waitForFunction(() => document.querySelector('[data-testid="case-state"]')?.getAttribute('data-state') === 'handled')
  check(true, 'resolved with a photo: handled')
  await page.waitForSelector('[data-testid="case-photo"][data-loaded="true"]')
  check(true, 'the photo is fetched with the token and shown')
  await tid(page, 'case-photo').first().click()
  await tid(page, 'lightbox').locator('img').waitFor()
  await shot(page, '04-case-lightbox')
  await page.keyboard.press('Escape')
  await tid(page, 'lightbox').waitFor({ state: 'hidden' })
  await shot(page, '04-case-handled')

  // A case with photos, for the screenshot of the case page.
  const withPhotos = await apiGet(token, '/api/v1/cases?state=in_progress&page_size=20')
  let shown = withPhotos.body.items[0]?.id
  for (const c of withPhotos.body.items) {
    const d = await apiGet(token, `/api/v1/cases/${c.id}`)
    if (d.body.photos?.length) {
      shown = c.id
      break
    }
  }
  await page.goto(`${base}${q}#/cases/${shown}`)
  await tid(page, 'case-timeline').waitFor()
  await tid(page, 'case-deadline').waitFor()
  await page.waitForTimeout(800)
  check((await tid(page, 'case-map').count()) === 1, 'case-map present')
  await shot(page, '04-case')

  // Dashboard: the figures are the API's.
  await tid(page, 'nav-dashboard').click()
  await tid(page, 'screen-dashboard').waitFor()
  await page.waitForFunction(() => document.querySelector('[data-testid="stat-intake"]')?.getAttribute('data-value') !== '')
  const stats = await apiGet(token, '/api/v1/stats')
  for (const m of ['intake', 'overdue_now', 'closure_rate', 'on_time_rate', 'rework_rate', 'extension_rate', 'satisfaction_rate', 'mean_hours_to_close']) {
    const v = await tid(page, `stat-${m}`).getAttribute('data-value')
    const want = stats.body.total[m]
    const close = want === null ? v === '' : Math.abs(Number(v) - want) <= Math.max(1e-9, Math.abs(want) * 0.02)
    check(close, `stat-${m} ${v} ≈ API ${want}`)
  }
  await page.waitForTimeout(1500)
  await shot(page, '05-dashboard')
  await tid(page, 'coverage-map').scrollIntoViewIfNeeded()
  await page.waitForTimeout(500)
  await shot(page, '06-coverage')
  // Each figure links to the cases behind it: the list is as long as the figure.
  for (const m of ['intake', 'overdue_now', 'closure_rate']) {
    await tid(page, 'nav-dashboard').click()
    await page.waitForFunction(() => document.querySelector('[data-testid="stat-intake"]')?.getAttribute('data-value') !== '')
    const count = { intake: 'intake', overdue_now: 'overdue_now', closure_rate: 'closed' }[m]
    await tid(page, `stat-${m}`).click()
    await page.waitForURL(new RegExp(`measure=${m}`))
    await tid(page, 'queue-figure').waitFor()
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-total"]')?.getAttribute('data-total') !== '')
    const n = Number(await tid(page, 'queue-total').getAttribute('data-total'))
    const fresh = await apiGet(token, '/api/v1/stats')
    check(n === fresh.body.total[count], `the ${m} figure links to ${n} cases; stats ${count} = ${fresh.body.total[count]}`)
  }
  await shot(page, '02-queue-figure')

  await tid(page, 'nav-grids').click()
  await tid(page, 'screen-grids').waitFor()
  await page.waitForSelector('[data-testid^="grid-row-"]')
  const cov = await apiGet(token, '/api/v1/coverage')
  const patrolled = cov.body.rows.find((r) => r.windows > 0)
  if (patrolled) {
    await tid(page, 'grids-search').fill(patrolled.grid_id)
    await tid(page, `grid-row-${patrolled.grid_id}`).click()
    await page.waitForSelector('[data-testid^="patrol-open-"]')
    await shot(page, '07-grids')
    await page.locator('[data-testid^="patrol-open-"]').first().click()
    await tid(page, 'patrol-track-map').waitFor()
    await page.waitForTimeout(500)
    const points = Number(await tid(page, 'patrol-points').getAttribute('data-count'))
    check(points > 0, `the patrol's track has ${points} points`)
    await shot(page, '07-patrol')
  } else {
    await page.locator('[data-testid^="grid-row-"]').first().click()
    await shot(page, '07-grids')
  }

  await tid(page, 'nav-intake').click()
  await tid(page, 'screen-intake').waitFor()
  await tid(page, 'intake-channel').selectOption('hotline8890')
  await page.waitForSelector('[data-testid="intake-category"] option[value="01.01"]', { state: 'attached' })
  await tid(page, 'intake-category').selectOption('01.01')
  await tid(page, 'intake-description').fill('市民来电：胜利路口井盖缺失，夜间危险。')
  const grid = await page.locator('[data-testid="intake-grid"] option').nth(1).getAttribute('value')
  await tid(page, 'intake-grid').selectOption(grid)
  await page.waitForTimeout(1500)
  await shot(page, '08-intake')
  await tid(page, 'intake-submit').click()
  await tid(page, 'intake-result').waitFor()
  check(!!(await tid(page, 'intake-result').getAttribute('data-case-id')), 'intake lodged a case')

  // Batch claim: two fresh pending cases, one claimed behind the console's back first (its
  // version on screen is stale): one success, one refusal.
  {
    const tk = await apiLogin('township-01')
    const org = await apiGet(tk, '/api/v1/org')
    const ids = []
    for (const text of ['批量认领甲：路灯不亮', '批量认领乙：路灯不亮']) {
      const r = await fetch(`${api}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tk}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'service_hall', category: '01.01', description: text, grid_id: org.body.grids[1].id }),
      })
      ids.push((await r.json()).case.id)
    }
    await page.goto(`${base}${q}#/cases?state=pending&q=${encodeURIComponent('批量认领')}`)
    for (const id of ids) await tid(page, `queue-select-${id}`).check()
    const c = await apiLogin('community-001')
    const r = await fetch(`${api}/api/v1/cases/${ids[0]}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c}`, 'content-type': 'application/json' },
      body: JSON.stringify({ base_version: 1, action: 'claim' }),
    })
    check(r.status === 200, `community-001 claims ${ids[0].slice(-8)} first (${r.status})`)
    await tid(page, 'queue-batch-claim').click()
    await tid(page, 'queue-batch-result').waitFor()
    const ok = await tid(page, 'queue-batch-result').getAttribute('data-ok')
    const refused = await tid(page, 'queue-batch-result').getAttribute('data-refused')
    check(ok === '1' && refused === '1', `batch claim: ${ok} claimed, ${refused} refused (stale)`)
    await shot(page, '02-queue-batch-claim')
  }

  // --- leader: reads, no action buttons ------------------------------------------------
  const lp = await newPage()
  await login(lp, 'leader')
  check(!(await tid(lp, 'nav-intake').count()), 'a leader has no intake')
  await lp.goto(`${base}${q}#/cases/${shown}`)
  await tid(lp, 'case-timeline').waitFor()
  check((await lp.locator('[data-testid^="action-"]').count()) === 0, 'a leader sees no action buttons')
  await lp.goto(`${base}${q}#/intake`)
  await tid(lp, 'screen-forbidden').waitFor()
  check(true, 'a leader sent to intake gets the 403 page')

  // --- department: another department's case is 403 -------------------------------------
  const dp = await newPage()
  await login(dp, 'dept-01')
  const dtoken = await apiLogin('dept-01')
  const mine = await apiGet(dtoken, '/api/v1/cases?page_size=1')
  const center = await apiLogin('center')
  const all = await apiGet(center, '/api/v1/cases?state=in_progress&page_size=50')
  const other = all.body.items.find((c) => c.department && c.department !== mine.body.items[0]?.department)
  if (other) {
    await dp.goto(`${base}${q}#/cases/${other.id}`)
    await tid(dp, 'screen-forbidden').waitFor()
    check(true, `dept-01 opening ${other.department}'s case gets the 403 page`)
    await shot(dp, '09-forbidden')
  }
  check(foreign.length === 0, `no request outside the page's origin (${foreign.slice(0, 3).join(', ')})`)
} catch (e) {
  check(false, `walk failed: ${e.stack ?? e}`)
  if (current) await shot(current, 'zz-failure').catch(() => {})
} finally {
  await browser.close()
  preview.kill()
}
console.log(failures.length ? `${failures.length} check(s) failed` : 'all checks passed')
process.exit(failures.length ? 1 : 0)
