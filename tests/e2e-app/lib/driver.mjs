// The window: the WebdriverIO session through tauri-driver, and what the steps do with it —
// find by test id, wait, click, type, read numbers, move between screens, save screenshots.

import { remote } from 'webdriverio'
import fs from 'node:fs'
import path from 'node:path'
import { sleep } from '../../e2e-common/tools.mjs'
import { APP_BIN, root, SCREEN_MS, SHOTS } from './config.mjs'
import { check, log } from './report.mjs'

/** @type {WebdriverIO.Browser} */
export let browser = null
/** Screenshots saved so far; the next one is numbered after them. */
export let shotNo = 0

/** Opens the app window through the tauri-driver listening on `driverPort`. */
export async function openWindow(driverPort) {
  // tauri-driver answers before WebKitWebDriver behind it does, and a loaded machine can refuse
  // the first session: three tries, each logged, before the step fails with the last error.
  for (let attempt = 1; ; attempt++) {
    try {
      browser = await remote({
        hostname: '127.0.0.1',
        port: driverPort,
        logLevel: 'silent',
        connectionRetryCount: 0,
        capabilities: { 'tauri:options': { application: APP_BIN } },
      })
      return
    } catch (err) {
      if (attempt >= 3) throw err
      log(`  the window did not open (try ${attempt} of 3): ${String(err?.message ?? err).split('\n')[0]}`)
      await sleep(2000 * attempt)
    }
  }
}

export const sel = (id) => `[data-testid="${id}"]`

export async function el(id, timeout = SCREEN_MS) {
  const e = await browser.$(sel(id))
  await e.waitForExist({ timeout, timeoutMsg: `the window shows data-testid="${id}" within ${timeout / 1000} s` })
  return e
}

/** The screen's root is shown (and the transition into it has settled). */
export async function onScreen(name, timeout = SCREEN_MS) {
  const e = await el(`screen-${name}`, timeout)
  await e.waitForDisplayed({ timeout, timeoutMsg: `screen "${name}" is displayed within ${timeout / 1000} s` })
  await sleep(350)
  return e
}

/** Click; when a toast or an overlay's fade intercepts the pointer, click through the DOM. */
export async function tap(id) {
  const e = await el(id)
  await e.waitForDisplayed({ timeout: SCREEN_MS, timeoutMsg: `data-testid="${id}" is displayed` })
  await clickEl(e)
}

export async function clickEl(e) {
  try {
    await e.click()
  } catch (err) {
    if (!/intercept|not interactable|obscured|could not be scrolled/i.test(String(err?.message))) throw err
    await browser.execute((x) => x.click(), e)
  }
}

/** Types into the input or textarea the test id marks (a Vant field wraps its input). */
export async function type(id, text) {
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
export async function numberIn(id) {
  const e = await el(id)
  const raw = (await e.getAttribute('data-count')) ?? (await e.getText())
  const m = String(raw).match(/\d+/)
  check(m, `data-testid="${id}" shows a number (it shows ${JSON.stringify(raw)})`)
  return Number(m[0])
}

export async function waitFor(what, fn, timeout = SCREEN_MS, interval = 500) {
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

export async function shot(name) {
  shotNo += 1
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`)
  fs.writeFileSync(file, Buffer.from(await browser.takeScreenshot(), 'base64'))
  log(`  screenshot ${path.relative(root, file)}`)
}

/** Goes to a route of the hash router without reloading the page. */
export async function go(route) {
  await browser.execute((r) => {
    window.location.hash = r
  }, route)
}

/** Opens a main screen by its bottom tab; screens without the tab bar go by route. */
export async function openTab(name) {
  const tab = await browser.$(sel(`tab-${name}`))
  if ((await tab.isExisting()) && (await tab.isDisplayed())) await clickEl(tab)
  else await go(`/${name}`)
  await onScreen(name)
}

/** Waits for the confirmation dialog `what` asks for and confirms it. */
export async function confirmDialog(what) {
  const button = await browser.$('.van-dialog__confirm, [data-testid="confirm-ok"]')
  await waitFor(`the app asks to confirm ${what}`, async () => ({
    ok: (await button.isExisting().catch(() => false)) && (await button.isDisplayed().catch(() => false)),
    seen: 'no dialog yet',
  }), 5000, 200)
  await clickEl(button)
  await sleep(400)
}

/** The file input inside the element the test id marks (or that element, when it is one). */
export async function fileInput(id) {
  const inputEl = await el(id)
  return (await inputEl.getTagName()).toLowerCase() === 'input' ? inputEl : await inputEl.$('input[type=file]')
}
