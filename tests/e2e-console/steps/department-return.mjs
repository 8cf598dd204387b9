// A department is not charged with a case it returned (issue 17, item 2): the department
// returns a case, the township sends it to another department with a short deadline (a dispatch
// may shorten the category's) and it falls overdue there. The returning department's dashboard
// equals /stats and the ledger's recount of the cases charged to it, its overdue list and queue
// leave the case out, and its 已退回 view shows it; the department now holding it is charged.

import { API_ONLY, UI_MS } from '../lib/config.mjs'
import { focus, openCase, shot, signIn, tid, waitState } from '../lib/pages.mjs'
import { checkRecount, recount, same } from '../lib/recount.mjs'
import { check, log } from '../lib/report.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export async function departmentAfterReturn(ctx) {
  const { api, base, supervisor, dept, grid, ledgerFile, page: desk } = ctx
  const mine = dept.who.user.department_id
  const org = await api.json(supervisor, '/api/v1/org')
  const other = org.departments.find((d) => d.id !== mine)
  check(other, 'the county has a second department')
  const made = await api.post(supervisor, '/api/v1/cases', {
    channel: 'hotline8890', category: dept.leaf.code, description: '线路问题，供电公司认为应由他部门处理', grid_id: grid,
  })
  const id = made.case.id
  await api.act(supervisor, id, { action: 'claim' })
  await api.act(supervisor, id, { action: 'dispatch', department: mine })
  await api.act(dept.who, id, { action: 'return', note: '非本部门职责，请转交' })
  if (!API_ONLY) {
    // The dispatcher opening the returned case reads who gave it back, and why, at the top.
    focus(desk)
    await openCase(desk, base, id)
    await waitState(desk, 'claimed')
    const notice = desk.locator(tid('notice-returned'))
    await notice.waitFor({ timeout: UI_MS })
    const said = (await notice.textContent()).replace(/\s+/g, ' ')
    check(said.includes('退回本案件') && said.includes('理由：非本部门职责，请转交'), `the returned case says so at the top: ${said}`)
    await shot(desk, 'returned-notice')
  }
  // To the other department, due in five seconds: overdue there a moment later.
  const due = new Date(Date.now() + 5000).toISOString()
  await api.act(supervisor, id, { action: 'dispatch', department: other.id, deadline: due })
  const dispatched = (await api.caseOf(supervisor, id)).case
  check(Date.parse(dispatched.deadline) === Date.parse(due), `the dispatch took the shorter deadline (${dispatched.deadline})`)
  await sleep(Math.max(0, Date.parse(due) - Date.now()) + 1500)

  const stats = await api.json(dept.who, '/api/v1/stats')
  checkRecount(stats, recount(ledgerFile, { department: mine }, stats), `${dept.who.user.username}'s figures`, 0)
  const overdueList = await api.json(dept.who, `/api/v1/cases?measure=overdue_now&from=${encodeURIComponent(stats.from)}&to=${encodeURIComponent(stats.to)}&page_size=200`)
  check(!overdueList.items.some((c) => c.id === id), 'the returned case is not behind its 当前超期 figure')
  const queue = await api.json(dept.who, '/api/v1/cases?overdue=true&page_size=200')
  check(!queue.items.some((c) => c.id === id), 'nor in its overdue queue')
  const returned = await api.json(dept.who, '/api/v1/cases?returned=true&page_size=200')
  check(returned.items.some((c) => c.id === id), 'its 已退回 view lists it')
  const centre = await api.json(supervisor, `/api/v1/cases?measure=overdue_now&dimension=department&key=${encodeURIComponent(other.id)}&from=${encodeURIComponent(stats.from)}&to=${encodeURIComponent(stats.to)}&page_size=200`)
  check(centre.items.some((c) => c.id === id), `the department holding it (${other.name}) is charged with it`)
  if (API_ONLY) return

  const page = await signIn(base, dept.who.user.username)
  ctx.deptPage = page
  focus(page)
  const seen = page.waitForResponse((r) => r.url().includes('/api/v1/stats') && r.ok(), { timeout: UI_MS })
  await page.locator(tid('nav-dashboard')).click()
  const statsUrl = (await seen).url()
  await page.locator(tid('stat-overdue_now')).waitFor({ timeout: UI_MS })
  const shown = await api.json(dept.who, new URL(statsUrl).pathname + new URL(statsUrl).search)
  checkRecount(shown, recount(ledgerFile, { department: mine }, shown), `${dept.who.user.username}'s dashboard query`, 0)
  for (const k of ['intake', 'closure_rate', 'on_time_rate', 'overdue_now', 'satisfaction_rate']) {
    const raw = await page.locator(tid(`stat-${k}`)).getAttribute('data-value')
    const value = raw === null || raw === '' || raw === 'null' ? null : Number(raw)
    check(same(value, shown.total[k]), `the department's dashboard shows ${k} = ${shown.total[k]} (shows ${raw})`)
  }
  await shot(page, 'department-dashboard')
  // The queue's 已退回 view: the case, marked as returned.
  await page.goto(`${base}/#/cases?returned=true`)
  await page.locator(tid('screen-cases')).waitFor({ timeout: UI_MS })
  const row = page.locator(tid(`queue-row-${id}`))
  await row.first().waitFor({ timeout: UI_MS })
  check((await row.first().locator(tid('row-returned')).count()) > 0, 'the row reads 已退回')
  await row.first().locator(tid('row-returned')).waitFor({ state: 'visible', timeout: UI_MS })
  await page.waitForTimeout(500) // the tags' fade-in, for the screenshot
  await shot(page, 'department-returned')
  log(`  ${dept.who.user.username}: overdue_now ${shown.total.overdue_now}; the case returned is at ${other.name}`)
}
