// The township supervisor finds the case in the queue, claims it and dispatches it to the
// department its category names, with the deadline the server previewed.

import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { shot, signIn, takeAction, tid } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

/**
 * The deadline a dispatch stored against the one the server previewed a moment before. A category
 * counted in working hours starts its clock at the dispatch, so during working time the stored
 * deadline is later than the preview by at most the wall time between the two requests (working
 * time never runs faster than the clock); outside working time, or counted in working days, the
 * two are equal.
 */
function checkPreviewedDeadline(stored, previewed, elapsedMs) {
  const late = Date.parse(stored) - Date.parse(previewed)
  check(Number.isFinite(late) && late >= 0 && late <= elapsedMs + 1000,
    `with the deadline the server previewed (${previewed}; stored ${stored}, ${late} ms later, ` +
    `${elapsedMs} ms between preview and dispatch)`)
}

export async function supervisorDispatches(ctx) {
  const { api, base, supervisor, caseId, dept } = ctx
  if (API_ONLY) {
    await api.act(supervisor, caseId, { action: 'claim' })
    const since = Date.now()
    const d = await api.caseOf(supervisor, caseId)
    check(d.dispatch_preview?.default_department === dept.leaf.department, 'the preview names the category\'s department')
    const c = await api.act(supervisor, caseId, { action: 'dispatch', department: dept.leaf.department })
    checkPreviewedDeadline(c.deadline, d.dispatch_preview.deadline, Date.now() - since)
    return
  }
  // The supervisor's tab stays open: later steps come back to it.
  const page = (ctx.page = await signIn(base, SUPERVISOR))
  await page.locator(tid('nav-cases')).click()
  await page.locator(tid('screen-cases')).waitFor({ timeout: UI_MS })
  await page.locator(tid('queue-filter-text')).fill(caseId.slice(-8))
  await page.locator(tid('queue-search')).click()
  const row = page.locator(tid(`queue-row-${caseId}`))
  await row.waitFor({ timeout: UI_MS })
  check((await row.getAttribute('data-state')) === 'pending', 'the queue shows it pending')
  await shot(page, 'queue')
  await row.click()
  await page.locator(tid('screen-case')).waitFor({ timeout: UI_MS })
  await takeAction(page, 'claim', 'claimed')
  const since = Date.now()
  const d = await api.caseOf(supervisor, caseId)
  await takeAction(page, 'dispatch', 'dispatched', async (p) => {
    const chosen = await p.locator(tid('action-department')).inputValue()
    check(chosen === d.dispatch_preview.default_department, `the form picks the category's department (${chosen})`)
  })
  const after = await api.caseOf(supervisor, caseId)
  check(after.case.department === dept.leaf.department, 'dispatched to the department the form showed')
  checkPreviewedDeadline(after.case.deadline, d.dispatch_preview.deadline, Date.now() - since)
}
