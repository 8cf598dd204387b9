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
//
// Here: the steps in order, and starting and stopping everything. The steps themselves are in
// steps/, the processes, the window, the server API and the photos in lib/.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { freePort, tail } from '../e2e-common/tools.mjs'
import { Api } from './lib/api.mjs'
import { APP_BIN, appDir, env, KEEP, logs, root, SERVER_BIN, SHOTS, tmp } from './lib/config.mjs'
import { browser, openWindow, shot, shotNo } from './lib/driver.mjs'
import { makeJpeg } from './lib/photos.mjs'
import {
  launchDriver,
  launchServer,
  stop,
  stopStrayApps,
  waitDriverListening,
  waitHealthy,
  watchApp,
} from './lib/processes.mjs'
import { check, CheckFailed, log, report, step } from './lib/report.mjs'
import { countyWorksCase, seeCaseInApp } from './steps/case.mjs'
import { recordOnline, seeFirstSent } from './steps/finding.mjs'
import { recordOffline, seeWaitingOffline, stopServer } from './steps/offline.mjs'
import { checkOnServer } from './steps/on-server.mjs'
import { endPatrol, startPatrol } from './steps/patrol.mjs'
import { signIn } from './steps/sign-in.mjs'
import { restartAndSync } from './steps/sync.mjs'
import { verifyOnSite } from './steps/verify.mjs'

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
  watchApp(appDir)

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
  const text1 = `e2e ${run}: 人行道堆放建筑垃圾，影响通行`
  const text2 = `e2e ${run}: 路边暴露垃圾，已现场清理`

  const [serverPort, driverPort, nativePort] = [await freePort(), await freePort(), await freePort()]
  const base = `http://127.0.0.1:${serverPort}`
  const api = new Api(base)
  // What the steps share; they add what they learn (the photos stored, the case, …).
  const ctx = { run, photo1, photo2, photo3, photo4, text1, text2, serverPort, base, api, server: null, driver: null }
  let failed = false

  try {
    await step(`start the demo server on ${base} (seeds the reference county)`, async () => {
      ctx.server = launchServer(serverPort)
      await waitHealthy(base, ctx.server, logs.server)
    })

    await step('start tauri-driver and open the app window through it', async () => {
      ctx.driver = launchDriver(driverPort, nativePort)
      await waitDriverListening(ctx.driver, driverPort, nativePort)
      await openWindow(driverPort)
    })

    await step('sign in as the demo grid worker', () => signIn(ctx))
    await step('start a patrol', () => startPatrol(ctx))
    await step('record a finding with a real JPEG and "report a case" (online)', () => recordOnline(ctx))
    await step('see the first finding and its photo reach the server', () => seeFirstSent(ctx))
    await step('stop the server (SIGTERM)', () => stopServer(ctx))
    await step('record a second finding with a photo while offline', () => recordOffline(ctx))
    await step('see it waiting, offline', () => seeWaitingOffline(ctx))
    await step('restart the server on the same port and folder; see the sync finish', () => restartAndSync(ctx))
    await step("ask the server's API for both findings, their photos and the new case", () => checkOnServer(ctx))
    await step('see the cases and the new case in the app', () => seeCaseInApp(ctx))
    await step('the county works the case to on-site verification (console API, as the centre, with a photo)', () =>
      countyWorksCase(ctx),
    )
    await step('verify the case on site in the app: pass, with a note and a photo', () => verifyOnSite(ctx))
    await step('end the patrol; the server has it ended', () => endPatrol(ctx))
  } catch (err) {
    failed = true
    throw err
  } finally {
    if (failed && browser) {
      try {
        await shot(`FAILED-${report.currentStep.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`)
      } catch {
        // The window is gone.
      }
    }
    if (browser) {
      await browser.deleteSession().catch(() => {})
    }
    await stop(ctx.driver)
    await stop(ctx.server)
    stopStrayApps()
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
  console.error(`\n[e2e-app] FAILED in step "${report.currentStep}":\n  ${what}\n`)
  console.error(`  server log: ${path.relative(root, logs.server)}\n  driver and app log: ${path.relative(root, logs.driver)}`)
  console.error(`  screenshots: ${path.relative(root, SHOTS)}/`)
  console.error(`--- server log (last lines) ---\n${tail(logs.server, 15)}`)
  console.error(`--- tauri-driver / app log (last lines) ---\n${tail(logs.driver, 25)}`)
  // Once more at the very end: a CI page that keeps only the last lines still says what failed.
  console.error(`[e2e-app] FAILED in step "${report.currentStep}": ${String(err?.message ?? err).split('\n')[0]}`)
}
