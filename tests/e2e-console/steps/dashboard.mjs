// The dashboard's figures moved with the case, and equal /api/v1/stats for the same query AND
// a recount from the ledger file itself (lib/recount.mjs, not the server's stats code).

import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { focus, shot, tid } from '../lib/pages.mjs'
import { checkRecount, recount, same } from '../lib/recount.mjs'
import { check } from '../lib/report.mjs'

export async function dashboardFigures({ api, supervisor, statsBefore, ledgerFile, page }) {
  const after = await api.json(supervisor, '/api/v1/stats')
  for (const k of ['reported', 'intake', 'closed', 'dispatched', 'verified']) {
    check(after.total[k] === statsBefore.total[k] + 1, `${k} went up by one with this case (${statsBefore.total[k]} → ${after.total[k]})`)
  }
  checkRecount(after, recount(ledgerFile, supervisor.user.org_unit_id, after), SUPERVISOR)
  const behind = await api.json(supervisor, `/api/v1/cases?measure=closed&from=${encodeURIComponent(after.from)}&to=${encodeURIComponent(after.to)}&page_size=1`)
  check(behind.total === after.total.closed, `the closed figure links to exactly its ${after.total.closed} cases`)
  if (API_ONLY) return
  focus(page)
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
}
