// A merge by picking, and its undo (issue 17, item 1): a second call about the same wires is
// merged into the first by picking it from the grid's open cases (not by typing an id); the
// confirmation names both cases; both pages link each other; the township undoes the merge and
// the case is worked again. The refusal of a made-up id is the console test's
// (`tests/tests/console/merges.rs`); here the picker offers only real cases.

import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { focus, openCase, shot, takeAction, tid, waitState } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

const short = (id) => id.slice(-8)

export async function mergeByPicking({ api, base, supervisor, dept, grid, page }) {
  const lodge = (description) =>
    api.post(supervisor, '/api/v1/cases', { channel: 'hotline8890', category: dept.leaf.code, description, grid_id: grid })
  const first = (await lodge('小区东门路灯不亮')).case.id
  const again = (await lodge('东门路灯还是不亮（同一处，居民再次来电）')).case.id
  await api.act(supervisor, first, { action: 'claim' })
  await api.act(supervisor, again, { action: 'claim' })
  if (API_ONLY) {
    await api.act(supervisor, again, { action: 'merge_duplicate', duplicate_of: first })
    await api.act(supervisor, again, { action: 'unmerge', note: '合并错了' })
    return
  }
  focus(page)
  await openCase(page, base, again)
  await waitState(page, 'claimed')
  await page.locator(tid('action-merge_duplicate')).click()
  await page.locator(tid('action-form')).waitFor({ timeout: UI_MS })
  // The grid's open cases are offered first; the first call is among them.
  await page.locator(`${tid('merge-picker')}[data-ready="true"]`).waitFor({ timeout: UI_MS })
  await page.locator(`${tid('merge-select')}`).click()
  const option = page.locator(`${tid('merge-option')}[data-id="${first}"]`)
  await option.waitFor({ timeout: UI_MS })
  const offered = await page.locator(tid('merge-option')).evaluateAll((els) => els.map((e) => e.dataset.id))
  check(!offered.includes(again), 'the case itself is not offered')
  await page.waitForTimeout(300)
  await shot(page, 'merge-picker')
  await option.click()
  const version = await page.locator(tid('case-version')).getAttribute('data-version')
  await page.locator(tid('action-submit')).click()
  // The confirmation names both cases, and nothing is sent before it is confirmed.
  const box = page.locator('.el-message-box')
  await box.waitFor({ timeout: UI_MS })
  const said = (await box.textContent()) ?? ''
  check(said.includes(short(first)) && said.includes(short(again)), `the confirmation names both cases: ${said}`)
  check((await api.caseOf(supervisor, again)).case.state === 'claimed', 'nothing is merged before the confirmation')
  await shot(page, 'merge-confirm')
  await box.locator('.el-button--primary').click()
  await page.locator(`${tid('case-version')}:not([data-version="${version}"])`).waitFor({ state: 'attached', timeout: UI_MS })
  await waitState(page, 'closed')
  const merged = (await api.caseOf(supervisor, again)).case
  check(merged.outcome === 'duplicate' && merged.duplicate_of === first, `merged into the case picked (${merged.duplicate_of})`)
  // Both pages link each other.
  const into = page.locator(tid('merged-into-link'))
  await into.waitFor({ timeout: UI_MS })
  await box.waitFor({ state: 'hidden', timeout: UI_MS })
  await page.waitForTimeout(600) // the dialogs' fade-out, for the screenshot
  await shot(page, 'merged-case')
  await into.click()
  await page.locator(`${tid('screen-case')}`).waitFor({ timeout: UI_MS })
  await page.waitForURL(`**/cases/${first}`, { timeout: UI_MS })
  const back = page.locator(`${tid('timeline-duplicate')} a[href*="${again}"]`)
  await back.first().waitFor({ timeout: UI_MS })
  await page.waitForTimeout(500) // the tags' fade-in, for the screenshot
  await shot(page, 'merge-original')
  // The township undoes it: claimed again, no longer a duplicate, off the original's list.
  await openCase(page, base, again)
  await waitState(page, 'closed')
  await takeAction(page, 'unmerge', 'claimed', async (p) => {
    await p.locator(tid('action-note')).fill('不是同一盏灯，撤销合并')
  })
  const undone = (await api.caseOf(supervisor, again)).case
  check(!undone.duplicate_of && !undone.outcome, `the merge is undone (${JSON.stringify({ d: undone.duplicate_of, o: undone.outcome })})`)
  const original = await api.caseOf(supervisor, first)
  check(original.duplicates.length === 0, 'and the original no longer lists it')
  check(SUPERVISOR === supervisor.user.username, 'the township undid its own merge')
}
