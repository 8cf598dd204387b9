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
// worked from its page; a department user who opens another department's case gets the 403 page.
// Last, security issue 12: HTML payloads planted through the real APIs (a finding's and a note's
// description, a grid's, a community's and a worker's name, a hotline case's address and
// contact, a comment) show as text on every console screen that shows them, map and table
// tooltips included; nothing is injected, nothing runs; every answer carries the CSP.
// Screenshots (queue, case page, dashboard, coverage map, hostile text) go to
// $E2E_OUT/console-screenshots/.
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
//
// Here: the steps in order, and starting and stopping everything. The steps themselves are in
// steps/; the server process, the API, the pages, the recount and the hostile-text checks in lib/.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { freePort } from '../e2e-common/tools.mjs'
import { Api } from './lib/api.mjs'
import { API_ONLY, CHROMIUM, CONSOLE_DIR, KEEP, logs, OUT, root, SERVER_BIN, SUPERVISOR, tmp, WORKER } from './lib/config.mjs'
import { closeBrowser, failureShot, openBrowser } from './lib/pages.mjs'
import { stopServer } from './lib/processes.mjs'
import { check, CheckFailed, log, report, step } from './lib/report.mjs'
import { dashboardFigures } from './steps/dashboard.mjs'
import { dashboardPeriods } from './steps/dashboard-periods.mjs'
import { sessionTabs } from './steps/session-tabs.mjs'
import { extensionDecided } from './steps/extension.mjs'
import { mergeByPicking } from './steps/merge.mjs'
import { departmentAfterReturn } from './steps/department-return.mjs'
import { supervisorDispatches } from './steps/dispatch.mjs'
import { otherDepartmentForbidden } from './steps/forbidden.mjs'
import { departmentHandles } from './steps/handle.mjs'
import { plantHostile } from './steps/hostile-plant.mjs'
import { dashboard, gridsAndPatrol, queueAndCases, securityHeaders } from './steps/hostile-screens.mjs'
import { leaderReadsAndUrges } from './steps/leader.mjs'
import { workerReports } from './steps/report.mjs'
import { findDepartment, signInPeople, startServer } from './steps/start.mjs'
import { centreAssignsVerify, supervisorSeesClosed, workerVerifies } from './steps/verify.mjs'

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
  const dataDir = path.join(tmp, 'data')
  // What the steps share; they add what they learn (the users, the case, the hostile texts, …).
  const ctx = {
    port,
    base: `http://127.0.0.1:${port}`,
    dataDir,
    ledgerFile: path.join(dataDir, 'ledger.sqlite'),
  }
  ctx.api = new Api(ctx.base)
  fs.writeFileSync(logs.server, '')
  fs.writeFileSync(logs.browser, '')
  log(`temporary folder ${tmp}${KEEP ? ' (kept)' : ''}; server log ${path.relative(root, logs.server)}`)

  await step('start the demo server on the reference county', () => startServer(ctx))
  if (!API_ONLY) await step('open Chromium at 1440×900 with a fresh profile', openBrowser)
  await signInPeople(ctx)
  await step('find a department user and a category it handles', () => findDepartment(ctx))

  await step(`${WORKER}'s device reports a finding as a case (sync push)`, () => workerReports(ctx))
  await step(`${SUPERVISOR} finds it in the queue, claims and dispatches it`, () => supervisorDispatches(ctx))
  await step(`${ctx.dept.who.user.username} accepts it and reports it handled with a photo`, () => departmentHandles(ctx))
  await step('the county centre assigns on-site verification', () => centreAssignsVerify(ctx))
  await step(`${WORKER}'s device verifies it on site (case.action push)`, () => workerVerifies(ctx))
  await step(`${SUPERVISOR} sees it closed, its chain verified`, () => supervisorSeesClosed(ctx))
  await step("the dashboard's figures moved, and equal /stats and the ledger's recount", () => dashboardFigures(ctx))
  await step('the dashboard by month: 上月 equals the recount, Back and a refresh keep the period, the ranking, the failures behind 按期结案率 and 满意率, a 不满意 case sent for 重办', () =>
    dashboardPeriods(ctx),
  )
  await step(`${ctx.dept.who.user.username} asks for a later deadline; ${SUPERVISOR} sees the date asked for and approves it`, () =>
    extensionDecided(ctx),
  )
  await step(`${SUPERVISOR} merges a repeat call by picking the case it repeats, sees both pages link each other, and undoes the merge`, () =>
    mergeByPicking(ctx),
  )
  await step(`${ctx.dept.who.user.username} returns a case that falls overdue at another department: its figures equal the recount of the cases charged to it, its lists leave the case out, 已退回 shows it`, () =>
    departmentAfterReturn(ctx),
  )
  if (!API_ONLY) {
    await step('the filtered queue survives ‹ 返回, Back and a new tab; signing out there signs out here', () => sessionTabs(ctx))
  }
  await step('a leader reads the closed case with no workflow button, and urges one still being worked', () =>
    leaderReadsAndUrges(ctx),
  )
  await step("a department user cannot open another department's case (403 page)", () => otherDepartmentForbidden(ctx))

  await step('hostile text: HTML payloads planted through the real APIs and the intake form', () => plantHostile(ctx))
  await step("hostile text: the server's answers carry the CSP, nosniff and no-referrer", () => securityHeaders(ctx))
  await step('hostile text: the queue and both case pages show it as text', () => queueAndCases(ctx))
  await step('hostile text: the grids screen and the patrol screen show it as text', () => gridsAndPatrol(ctx))
  await step("hostile text: the dashboard's coverage and chart show it as text", () => dashboard(ctx))
}

let failed = false
try {
  await main()
  log('every check held')
} catch (e) {
  failed = true
  console.error(`\n[e2e-console] FAILED in step "${report.currentStep}": ${e instanceof CheckFailed ? e.message : e.stack}`)
  const file = await failureShot()
  if (file) console.error(`[e2e-console] screenshot of that moment: ${file}`)
  console.error(`[e2e-console] server log: ${logs.server}; browser log: ${logs.browser}`)
} finally {
  await closeBrowser()
  await stopServer()
}
process.exit(failed ? 1 : 0)
