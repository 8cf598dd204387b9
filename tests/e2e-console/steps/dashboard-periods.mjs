// The dashboard's periods as assessments use them (issue 17, item 10): 上月 (last month, Beijing
// time) asks the server for exactly that month and shows its figures, which the ledger's own
// recount confirms; the period is in the URL, so Back and a refresh restore it; the ranking lists
// every unit of the breakdown, the best on-time rate first.

import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { focus, shot, takeAction, tid } from '../lib/pages.mjs'
import { checkRecount, recount, same } from '../lib/recount.mjs'
import { check } from '../lib/report.mjs'

/** Beijing-time `YYYY-MM-DD` of an instant. */
const beijing = (t) => new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 10)

/** The first and last day of the Beijing month before the one `now` falls in. */
function lastMonth(now) {
  const [y, m] = beijing(now).split('-').map(Number)
  const first = new Date(Date.UTC(y, m - 2, 1))
  const last = new Date(Date.UTC(y, m - 1, 0))
  return [first.toISOString().slice(0, 10), last.toISOString().slice(0, 10)]
}

async function shownFigures(page, span) {
  await page.locator(tid('dashboard-period-span')).filter({ hasText: span }).waitFor({ timeout: UI_MS })
  const raw = await page.locator(tid('stat-intake')).getAttribute('data-value')
  return Number(raw)
}

export async function dashboardPeriods({ api, supervisor, center, ledgerFile, page }) {
  if (API_ONLY) return
  focus(page)
  await page.locator(tid('nav-dashboard')).click()
  await page.locator(tid('screen-dashboard')).waitFor({ timeout: UI_MS })

  // 本月, then 上月: each a URL of its own, each the server's figures for that month.
  await page.locator(tid('period-this-month')).click()
  await page.waitForURL(/period=this_month/, { timeout: UI_MS })
  const thisMonthFrom = `${beijing(new Date()).slice(0, 7)}-01`
  const thisMonth = await shownFigures(page, thisMonthFrom)
  const asked = page.waitForResponse((r) => r.url().includes('/api/v1/stats') && r.ok(), { timeout: UI_MS })
  await page.locator(tid('period-last-month')).click()
  await page.waitForURL(/period=last_month/, { timeout: UI_MS })
  const [from, to] = lastMonth(new Date())
  const statsUrl = new URL((await asked).url())
  check(statsUrl.searchParams.get('from') === from && statsUrl.searchParams.get('to') === to,
    `上月 asks for ${from} to ${to} (asked ${statsUrl.search})`)
  const shown = await shownFigures(page, from)
  const month = await api.json(supervisor, `/api/v1/stats?from=${from}&to=${to}`)
  check(same(shown, month.total.intake), `上月 shows the month's intake ${month.total.intake} (shows ${shown})`)
  checkRecount(month, recount(ledgerFile, supervisor.user.org_unit_id, month), `${SUPERVISOR}, last month`)
  await shot(page, 'dashboard-last-month')

  // Back is 本月 again, with its own figures; a refresh keeps 上月 after going forward.
  await page.goBack()
  await page.waitForURL(/period=this_month/, { timeout: UI_MS })
  check((await shownFigures(page, thisMonthFrom)) === thisMonth, 'Back shows 本月 and its figures again')
  await page.goForward()
  await page.waitForURL(/period=last_month/, { timeout: UI_MS })
  await page.reload()
  check(same(await shownFigures(page, from), month.total.intake), 'a refresh keeps 上月 and its figures')

  // The ranking: every unit of the breakdown, the best on-time rate first.
  // The unit breakdown the screen asked for (a township's is by community), as the API gives it.
  const unitDim = (statsUrl.searchParams.get('dimension') ?? '').split(',')[0]
  const unitRows = (await api.json(supervisor, `/api/v1/stats?dimension=${unitDim}&from=${from}&to=${to}`)).breakdown
  const ranking = page.locator(tid('ranking-table'))
  await ranking.scrollIntoViewIfNeeded()
  const rows = Number(await ranking.getAttribute('data-rows'))
  check(unitRows.length > 1 && rows === unitRows.length, `the ranking lists every ${unitDim} (${rows} of ${unitRows.length})`)
  const rates = await ranking.locator(`tbody ${tid('rank-on_time_rate')}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))
  const values = rates.map((r) => (r === '' ? -1 : Number(r)))
  check(values.every((v, i) => i === 0 || values[i - 1] >= v), `the ranking puts the best 按期结案率 first: ${rates.slice(0, 5).join(', ')}…`)
  await shot(page, 'dashboard-ranking')

  // The rates a leader chases open their failures: 按期结案率 the cases not closed on time.
  await page.locator(tid('stat-on_time_rate')).click()
  await page.waitForURL(/measure=not_on_time/, { timeout: UI_MS })
  const late = page.locator(`${tid('queue-total')}[data-total]:not([data-total=""])`)
  await late.waitFor({ timeout: UI_MS })
  check(Number(await late.getAttribute('data-total')) === month.total.due - month.total.closed_on_time,
    `按期结案率 lists the ${month.total.due - month.total.closed_on_time} cases due and not closed on time`)
  await page.goBack()
  await page.waitForURL(/period=last_month/, { timeout: UI_MS })

  // 回访 不满意: found from 满意率, and sent for 重办 the way the workflow allows it: the township
  // asks in a 备注 (only the county centre reopens), and the centre reopens it.
  await shownFigures(page, from)
  await page.locator(tid('stat-satisfaction_rate')).click()
  await page.waitForURL(/measure=dissatisfied/, { timeout: UI_MS })
  await page.locator(`${tid('queue-total')}[data-total]:not([data-total=""])`).waitFor({ timeout: UI_MS })
  const unhappy = Number(await page.locator(tid('queue-total')).getAttribute('data-total'))
  check(unhappy === month.total.rated - month.total.satisfied && unhappy > 0,
    `满意率 lists the ${month.total.rated - month.total.satisfied} cases rated and not satisfied (lists ${unhappy})`)
  const row = page.locator('[data-testid^="queue-row-"]').first()
  const id = (await row.getAttribute('data-testid')).replace('queue-row-', '')
  const marks = await page.locator(`[data-testid^="queue-row-"] ${tid('mark-rating')}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-rating')))
  check(marks.length > 0 && marks.every((r) => r === 'dissatisfied'), `each row is marked 不满意 (${marks.length} marks)`)
  // The same case found again from the queue by its 回访 filter, outside the dashboard.
  await page.locator(tid('nav-cases')).click()
  await page.locator(tid('screen-cases')).waitFor({ timeout: UI_MS })
  await page.locator(tid('filter-rating')).selectOption('dissatisfied')
  await page.waitForURL(/rating=dissatisfied/, { timeout: UI_MS })
  await page.locator(`${tid('filter-rating')}[data-rating="dissatisfied"]`).waitFor({ timeout: UI_MS })
  await page.locator(`${tid('queue-total')}[data-total]:not([data-total=""])`).waitFor({ timeout: UI_MS })
  const filtered = await api.json(supervisor, '/api/v1/cases?rating=dissatisfied&page_size=200')
  check(filtered.items.some((c) => c.id === id), `the 回访 filter 不满意 lists the case (${filtered.total} cases)`)
  check(filtered.items.every((c) => (c.rating ?? c.operator_rating) === 'dissatisfied'), 'and only 不满意 cases')
  const filteredRow = page.locator(tid(`queue-row-${id}`))
  if ((await filteredRow.count()) === 0) await page.locator(tid('queue-filter-text')).fill(id)
  if ((await filteredRow.count()) === 0) await page.locator(tid('queue-search')).click()
  await filteredRow.waitFor({ timeout: UI_MS })
  await page.waitForTimeout(400)
  await shot(page, 'queue-dissatisfied')
  await filteredRow.click()
  await page.locator(tid('case-dissatisfied')).waitFor({ timeout: UI_MS })
  check((await page.locator(tid('case-dissatisfied')).getAttribute('data-may-reopen')) === 'false',
    'the township is told the centre reopens, and how to ask')
  await shot(page, 'case-dissatisfied')
  await takeAction(page, 'comment', 'closed', async (f) => {
    await f.locator(tid('action-note')).fill('回访不满意：路灯仍不亮，申请重办')
  })
  const seen = await api.caseOf(center, id)
  check(seen.events.some((e) => e.action === 'comment' && (e.note ?? '').includes('申请重办')), "the centre sees the township's request")
  check(seen.available_actions.includes('reopen'), 'and may reopen it')
  await api.act(center, id, { action: 'reopen', note: '回访不满意，重新办理' })
  const reopened = (await api.caseOf(supervisor, id)).case
  check(reopened.state !== 'closed', `the case is being worked again (${reopened.state})`)
}
