// Keeping one's place (issue 17, item 6): the queue's filter and page are in its URL, so the
// case page's "‹ 返回" and the browser's Back both return to the filtered queue; a new tab of the
// same browser opens a shared queue link signed in (one sign-in per browser, handed over between
// tabs, the CSP unchanged); signing out in one tab signs out the other.

import fs from 'node:fs'
import { PASSWORD, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { focus, newTab, shot, tid } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

const FILTERED = '/#/cases?state=closed&sort=reported_at&order=desc&page=2'

async function onFilteredQueue(page, what) {
  await page.locator(tid('screen-cases')).waitFor({ timeout: UI_MS })
  await page.locator('[data-testid^="queue-row-"]').first().waitFor({ timeout: UI_MS })
  const url = new URL(page.url())
  const q = new URLSearchParams(url.hash.split('?')[1] ?? '')
  check(q.get('state') === 'closed' && q.get('page') === '2', `${what}: the queue keeps its filter and page (${url.hash})`)
  const states = await page.locator('[data-testid^="queue-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')))
  check(states.length > 0 && states.every((s) => s === 'closed'), `${what}: the rows are the filter's (${states.length} closed)`)
  const current = await page.locator('.el-pagination .is-active').first().textContent()
  check(current?.trim() === '2', `${what}: the pager shows page 2 (shows ${current})`)
}

export async function sessionTabs({ base, page, supervisor }) {
  focus(page)
  await page.goto(`${base}${FILTERED}`)
  await onFilteredQueue(page, 'the filtered queue')

  // Into a case and out again, by the page's own link, then by the browser's Back.
  await page.locator('[data-testid^="queue-row-"]').first().click()
  await page.locator(tid('screen-case')).waitFor({ timeout: UI_MS })
  await page.locator(tid('case-back')).click()
  await onFilteredQueue(page, '‹ 返回')
  await page.locator('[data-testid^="queue-row-"]').nth(1).click()
  await page.locator(tid('screen-case')).waitFor({ timeout: UI_MS })
  await page.goBack()
  await onFilteredQueue(page, "the browser's Back")

  // The export of this list: a file named in words, with the columns a clerk calls back from.
  const saving = page.waitForEvent('download', { timeout: UI_MS })
  await page.locator(tid('queue-export-csv')).click()
  const file = await saving
  const name = file.suggestedFilename()
  check(/^案件清单_已结案_\d{8}-\d{4}\.csv$/.test(name), `the CSV is saved as ${name}`)
  const text = fs.readFileSync(await file.path(), 'utf8').replace(/^\uFEFF/, '')
  const headers = text.split('\r\n')[0].split(',')
  for (const h of ['来源渠道', '地址', '联系人', '超期', '督办次数']) check(headers.includes(h), `the CSV has the column ${h}`)

  // A second tab of the same browser: the shared link opens signed in, as the same user.
  const tab = await newTab(page.context(), `${SUPERVISOR} (second tab)`)
  await tab.goto(`${base}${FILTERED}`)
  await onFilteredQueue(tab, 'a new tab')
  const who = await tab.locator(tid('user-name')).textContent()
  check(who?.includes(supervisor.user.display_name), `the new tab is signed in as ${supervisor.user.display_name} (shows ${who})`)
  const csp = await tab.evaluate(() => window.__e2eCsp ?? [])
  check(csp.length === 0, `no CSP violation in the new tab: ${csp.join('; ')}`)
  await shot(tab, 'queue-filtered-new-tab')

  // Signing out in the new tab signs the first one out too, and the token is dead.
  const token = await tab.evaluate(() => sessionStorage.getItem('yiwang.console.token'))
  await tab.locator(tid('logout')).click()
  await tab.locator(tid('login-username')).waitFor({ timeout: UI_MS })
  await page.locator(tid('login-username')).waitFor({ timeout: UI_MS })
  check(page.url().includes('#/login'), `the first tab is at the login page (${page.url()})`)
  const r = await fetch(`${base}/api/v1/cases?page_size=1`, { headers: { authorization: `Bearer ${token}` } })
  check(r.status === 401, `the signed-out token is refused (HTTP ${r.status})`)
  await tab.close()

  // Back in for the steps after this one.
  await page.locator(tid('login-username')).fill(SUPERVISOR)
  await page.locator(tid('login-password')).fill(PASSWORD)
  await page.locator(tid('login-submit')).click()
  await page.locator(tid('user-name')).waitFor({ timeout: UI_MS })
}
