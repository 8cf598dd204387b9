// The browser and what the steps do with its pages: Chromium with a fresh profile, a tab signed
// in per user, a case page opened and acted on, screenshots. Every tab's console errors, uncaught
// errors and dialogs go to the browser log; the last tab used is the one a failure screenshots.

import { chromium } from 'playwright-core'
import fs from 'node:fs'
import path from 'node:path'
import { CHROMIUM, logs, PASSWORD, root, SHOTS, tmp, UI_MS, VIEWPORT } from './config.mjs'
import { log } from './report.mjs'

export const tid = (id) => `[data-testid="${id}"]`

/** Every action a case may offer (ActionKind, snake_case). */
const ACTION_KINDS = [
  'report', 'claim', 'escalate', 'dispatch', 'return', 'accept', 'report_handled', 'resolve',
  'assign_verify', 'verify_pass', 'verify_fail', 'close', 'reject_invalid', 'merge_duplicate', 'unmerge',
  'reopen', 'supervise', 'comment', 'request_extension', 'extend_deadline', 'refuse_extension', 'rate',
]

let browser = null
let lastPage = null
/** Every dialog (alert, confirm, prompt) any tab opened: the console opens none. */
export const dialogs = []

const browserLog = (line) => fs.appendFileSync(logs.browser, `${new Date().toISOString()} ${line}\n`)

/**
 * Runs in every page before its own scripts. The console's Leaflet (its UMD build sets
 * `window.L`) gets an init hook that only records each map, so a step can turn a latitude and
 * longitude into a point on the screen and move the real mouse there; and every Content Security
 * Policy violation is recorded. Neither changes what the console does.
 */
function pageHooks() {
  let leaflet
  Object.defineProperty(window, 'L', {
    configurable: true,
    get: () => leaflet,
    set(v) {
      leaflet = v
      try {
        v?.Map?.addInitHook?.(function () {
          ;(window.__e2eMaps ??= []).push(this)
        })
      } catch {
        // Not Leaflet after all.
      }
    },
  })
  document.addEventListener('securitypolicyviolation', (e) => {
    ;(window.__e2eCsp ??= []).push(`${e.violatedDirective}: ${e.blockedURI} ${e.sample ?? ''}`.trim())
  })
}

export async function openBrowser() {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  })
}

/**
 * A browser profile of its own (a fresh, isolated context): the console keeps one sign-in per
 * browser, shared by its tabs, so each user the run signs in gets a profile.
 */
export async function newProfile() {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  await context.addInitScript(pageHooks)
  return context
}

/** The tab a failure screenshot should show from now on. */
export function focus(page) {
  lastPage = page
}

export async function closeBrowser() {
  if (browser) await browser.close().catch(() => {})
  browser = null
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true })
  const file = path.join(SHOTS, `console-${name}.png`)
  await page.screenshot({ path: file })
  log(`  screenshot ${path.relative(root, file)}`)
}

/** After a failure: the last tab used, as it is now, in FAILED.png; its path, or null. */
export async function failureShot() {
  if (!lastPage) return null
  try {
    fs.mkdirSync(SHOTS, { recursive: true })
    const file = path.join(SHOTS, 'FAILED.png')
    await lastPage.screenshot({ path: file })
    return file
  } catch {
    return null // The browser is gone.
  }
}

/** A tab of `context`; what it says in its console (errors, warnings, uncaught errors) and every
 *  dialog go to the browser log as `who`'s, for the failure report. */
export async function newTab(context, who) {
  const page = await context.newPage()
  lastPage = page
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') browserLog(`${who} ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => browserLog(`${who} uncaught: ${e.message}`))
  page.on('dialog', (d) => {
    dialogs.push(`${who}: ${d.type()} "${d.message()}"`)
    browserLog(`${who} dialog ${d.type()}: ${d.message()}`)
    d.dismiss().catch(() => {})
  })
  return page
}

/** A tab signed in as `username`, in a browser profile of its own. */
export async function signIn(base, username, password = PASSWORD) {
  const page = await newTab(await newProfile(), username)
  await page.goto(`${base}/#/login`)
  await page.locator(tid('login-username')).fill(username)
  await page.locator(tid('login-password')).fill(password)
  await page.locator(tid('login-submit')).click()
  await page.locator(tid('user-name')).waitFor({ timeout: UI_MS })
  return page
}

export async function openCase(page, base, id) {
  lastPage = page
  const url = `${base}/#/cases/${id}`
  // The same hash again is no navigation at all: reload to read the case afresh.
  if (page.url() === url) await page.reload()
  else await page.goto(url)
  await page.locator(tid('screen-case')).waitFor({ timeout: UI_MS })
}

export async function waitState(page, state) {
  await page.locator(`${tid('case-state')}[data-state="${state}"]`).waitFor({ timeout: UI_MS })
}

/**
 * Clicks an action's button, fills its form with `fill`, submits, and waits for the page to show
 * the case's next version in state `next` (an action that keeps the state, such as 督办, is done
 * only when the version moves).
 */
export async function takeAction(page, kind, next, fill = async () => {}) {
  const version = await page.locator(tid('case-version')).getAttribute('data-version')
  await page.locator(tid(`action-${kind}`)).click()
  await page.locator(tid('action-form')).waitFor({ timeout: UI_MS })
  await fill(page)
  await page.locator(tid('action-submit')).click()
  await page.locator(`${tid('case-version')}:not([data-version="${version}"])`).waitFor({ state: 'attached', timeout: UI_MS })
  await waitState(page, next)
}

/** The action buttons a case page shows. */
export async function actionButtons(page) {
  const ids = await page.locator('[data-testid^="action-"]').evaluateAll((els) => els.map((e) => e.dataset.testid))
  return ids.map((t) => t.slice('action-'.length)).filter((k) => ACTION_KINDS.includes(k))
}
