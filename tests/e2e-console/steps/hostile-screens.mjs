// Security issue 12, the proof: every console screen that shows the planted texts shows them as
// text — the case queue (rows and their overflow tooltips), both case pages (facts, timeline,
// map tooltips), the grids screen (list, tooltip, map, the grid's patrols), the patrol screen
// (header, findings, the pins' tooltips) and the dashboard (coverage table and map, the chart by
// community) — to the township supervisor whose township they are in. The server's answers
// carry the CSP and the other security headers.

import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { checkLiteral, checkNoInjection, checkSecurityHeaders, hoverMap, sweepChart } from '../lib/hostile.mjs'
import { focus, openCase, shot, signIn, tid } from '../lib/pages.mjs'
import { check, log } from '../lib/report.mjs'

export async function securityHeaders({ api, base, supervisor }) {
  const home = await fetch(`${base}/`)
  checkSecurityHeaders(home.headers, 'GET / (the console)')
  if (!API_ONLY) {
    const script = (await home.text()).match(/<script[^>]*\ssrc="\.?\/?(assets\/[^"]+\.js)"/)
    check(script, "the console's index.html loads its script from assets/")
    const js = await fetch(`${base}/${script[1]}`)
    check(js.ok, `GET /${script[1]} answers 200 (got ${js.status})`)
    checkSecurityHeaders(js.headers, `GET /${script[1]} (the console's script)`)
  }
  checkSecurityHeaders((await api.call(supervisor, 'GET', '/api/v1/org')).headers, 'GET /api/v1/org (JSON)')
  checkSecurityHeaders((await fetch(`${base}/api/v1/no-such-thing`)).headers, 'a 404 answer')
}

/** The supervisor's tab for the hostile screens, on the page the browser itself loaded. */
async function supervisorTab(ctx) {
  if (!ctx.hostilePage) {
    ctx.hostilePage = await signIn(ctx.base, SUPERVISOR)
    const doc = await ctx.hostilePage.reload()
    checkSecurityHeaders(doc.headers(), 'the console page as the browser loaded it')
  }
  focus(ctx.hostilePage)
  return ctx.hostilePage
}

/** The Element Plus tooltip a table cell opens when its text overflows, once hovered. */
async function cellTooltip(page, cell, h, where) {
  await cell.hover()
  const tip = page.locator('.el-popper').filter({ hasText: h.mark }).filter({ visible: true })
  await tip.first().waitFor({ timeout: UI_MS }).catch(() => {
    check(false, `${where}: hovering the cut-off cell opens its tooltip with the text`)
  })
  return tip
}

export async function queueAndCases(ctx) {
  if (API_ONLY) return log('  E2E_API_ONLY: no screens to check')
  const { base, hostile: h, hostilePlaces: at } = ctx
  const page = await supervisorTab(ctx)
  await page.locator(tid('nav-cases')).click()
  await page.locator(tid('screen-cases')).waitFor({ timeout: UI_MS })
  await page.locator(tid('queue-filter-text')).fill(h.mark)
  await page.locator(tid('queue-search')).click()
  const row = page.locator(tid(`queue-row-${at.caseId}`))
  await checkLiteral(page, row, [h.description, h.grid], "the queue's row of the reported case")
  await checkLiteral(page, page.locator(tid(`queue-row-${at.intakeId}`)), [h.intakeDescription, h.grid], "the queue's row of the hotline case")
  // Columns: select, id, state, category, description, place, …
  const tip = await cellTooltip(page, row.locator('td').nth(4), h, "the queue's description")
  await checkLiteral(page, tip, [h.description], "the queue's tooltip of the description")
  await page.mouse.move(1, 1)

  await openCase(page, base, at.caseId)
  await checkLiteral(page, page.locator(tid('case-description')), [h.description], "the case page's description")
  await checkLiteral(page, page.locator('dl.kv'), [h.grid, h.community], "the case page's facts (grid, community)")
  await checkLiteral(page, page.locator(tid('case-timeline')), [h.worker, h.community, h.comment],
    "the case page's timeline (the reporting worker, their community, a comment)")
  await hoverMap(page, 'case-map', at.places.toward(0), [h.grid], "the case map's grid")

  await openCase(page, base, at.intakeId)
  await checkLiteral(page, page.locator(tid('case-description')), [h.intakeDescription], "the hotline case's description")
  await checkLiteral(page, page.locator('dl.kv'), [h.address, h.contact, h.grid, h.community],
    "the hotline case's facts (address, contact, grid, community)")
  await hoverMap(page, 'case-map', at.intakePlace, [h.address], "the hotline case's map pin (its address)")
  await checkNoInjection(page, 'the case pages')
}

export async function gridsAndPatrol(ctx) {
  if (API_ONLY) return log('  E2E_API_ONLY: no screens to check')
  const { hostile: h, hostilePlaces: at } = ctx
  const page = await supervisorTab(ctx)
  await page.locator(tid('nav-grids')).click()
  await page.locator(tid('screen-grids')).waitFor({ timeout: UI_MS })
  await page.locator(tid('grids-search')).fill(h.mark)
  const row = page.locator(tid(`grid-row-${at.grid.id}`))
  await checkLiteral(page, row, [h.grid, h.community, h.worker], "the grids list's row (name, community, worker)")
  const tip = await cellTooltip(page, row.locator('td').first(), h, "the grids list's name")
  await checkLiteral(page, tip, [h.grid], "the grids list's tooltip of the name")
  await page.mouse.move(1, 1)
  await hoverMap(page, 'grids-map', at.places.centre, [h.grid], "the grids map's polygon")
  await row.click()
  const open = page.locator(tid(`patrol-open-${at.patrolId}`))
  await open.waitFor({ timeout: UI_MS })
  await checkLiteral(page, page.locator(tid('grid-patrols')), [h.grid, h.worker], "the grid's patrols of the day (its name, the worker)")

  await open.click()
  await page.locator(tid('screen-patrol')).waitFor({ timeout: UI_MS })
  await checkLiteral(page, page.locator(`${tid('screen-patrol')} .card`).first(), [h.grid, h.worker], "the patrol's header (grid, worker)")
  await checkLiteral(page, page.locator(tid('patrol-findings')), [h.description, h.note], "the patrol's findings (a case and a note)")
  await hoverMap(page, 'patrol-track-map', at.places.toward(3), [h.note], "the patrol map's pin of the note")
  await hoverMap(page, 'patrol-track-map', at.places.toward(2), [h.description], "the patrol map's pin of the reported finding")
  // The patrol's grid and worker above, the reported finding's tooltip open on the map.
  await shot(page, 'hostile-text')
}

export async function dashboard(ctx) {
  const { api, supervisor, hostile: h, hostilePlaces: at } = ctx
  // The chart by community must draw the renamed community, or sweeping it proves nothing.
  const stats = await api.json(supervisor, '/api/v1/stats?dimension=community')
  const drawn = [...stats.breakdown].sort((x, y) => (y.measures.intake ?? 0) - (x.measures.intake ?? 0)).slice(0, 20)
  check(drawn.some((r) => r.name === h.community), "the dashboard's chart by community draws the renamed community")
  if (API_ONLY) return log('  E2E_API_ONLY: no screens to check')
  const page = await supervisorTab(ctx)
  await page.locator(tid('nav-dashboard')).click()
  await page.locator(tid('screen-dashboard')).waitFor({ timeout: UI_MS })
  await page.locator(tid('stat-closure_rate')).waitFor({ timeout: UI_MS })

  const table = page.locator(tid('coverage-table'))
  await table.locator('tbody tr').first().waitFor({ timeout: UI_MS })
  const row = table.locator('tbody tr').filter({ hasText: h.gridTag })
  const next = page.locator('.card').filter({ has: table }).locator('.btn-next')
  for (let pages = 1; (await row.count()) === 0; pages++) {
    check(pages < 200 && (await next.isEnabled()), "the dashboard's coverage table lists the renamed grid on some page")
    await next.click()
  }
  await checkLiteral(page, row, [h.grid, h.community, h.worker], "the dashboard's coverage row (grid, community, worker)")
  await hoverMap(page, 'coverage-map', at.places.centre, [h.grid, h.worker], "the coverage map's grid (name, worker)")
  await sweepChart(page, 'chart-township', "the dashboard's chart by community, its tooltips")
  await checkNoInjection(page, 'the dashboard')
}
