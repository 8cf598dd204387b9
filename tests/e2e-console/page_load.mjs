// Times the console's queue page in Debian's Chromium (1440×900, fresh profile): sign in once,
// then N navigations from a blank page to `#/cases` until its first rows are drawn. The first
// navigation runs on a cold cache; the rest reuse the cached assets as a returning user does.
// Prints one line for bench/src/bin/console_load.rs; exits non-zero when the page never draws.
//
//   node page_load.mjs --base http://127.0.0.1:PORT [--user township-01] [--runs 5]

import { chromium } from 'playwright-core'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const opt = { base: null, user: 'township-01', runs: 5 }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1]
if (!opt.base) {
  console.error('usage: node page_load.mjs --base URL [--user NAME] [--runs N]')
  process.exit(2)
}
const runs = Math.max(1, Number(opt.runs))
const tid = (id) => `[data-testid="${id}"]`
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-page-load-'))
let context = null
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
    viewport: { width: 1440, height: 900 },
  })
  const page = await context.newPage()
  const times = []
  for (let i = 0; i < runs; i++) {
    await page.goto('about:blank')
    const t0 = performance.now()
    await page.goto(`${opt.base}/#/cases`)
    if (i === 0) {
      // The first visit meets the login page; signing in is not part of the page's load.
      await page.locator(tid('login-username')).fill(opt.user)
      await page.locator(tid('login-password')).fill('demo')
      await page.locator(tid('login-submit')).click()
      await page.locator('[data-testid^="queue-row-"]').first().waitFor({ timeout: 30_000 })
      continue
    }
    await page.locator('[data-testid^="queue-row-"]').first().waitFor({ timeout: 30_000 })
    times.push(performance.now() - t0)
  }
  if (!times.length) {
    console.log('needs --runs of at least 2 (the first one signs in)')
  } else {
    const sorted = [...times].sort((a, b) => a - b)
    const med = sorted[Math.floor(sorted.length / 2)]
    const max = sorted[sorted.length - 1]
    console.log(
      `median ${med.toFixed(1)} ms, max ${max.toFixed(1)} ms over ${times.length} navigations ` +
        `= ${(med / 1000).toFixed(3)} of the 1 s target`,
    )
  }
} finally {
  if (context) await context.close().catch(() => {})
  fs.rmSync(profile, { recursive: true, force: true })
}
