// An extension request seen and decided with its date (issue 17, item 3): the department asks
// for a later deadline; the dispatcher's 延期 dialog shows the current deadline and the date
// asked for, already filled in; a date not later than the current deadline is refused in the
// dialog with the deadline named (the server's own rule); approving as asked sets exactly the
// requested deadline.

import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { focus, openCase, shot, tid, waitState } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

/** `YYYY-MM-DDTHH:mm` in Beijing time, as the date-time field's value holds it. */
const local = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16)

/** Types a time into Element Plus's date-time picker as a person would, and confirms it. */
async function pickTime(input, value) {
  await input.fill(value.replace('T', ' '))
  await input.press('Enter')
}

export async function extensionDecided({ api, base, supervisor, dept, grid, page }) {
  // A case of the supervisor's, dispatched to the department, accepted.
  const made = await api.post(supervisor, '/api/v1/cases', {
    channel: 'hotline8890', category: dept.leaf.code, description: '路灯不亮，配件待采购', grid_id: grid,
  })
  const id = made.case.id
  await api.act(supervisor, id, { action: 'claim' })
  await api.act(supervisor, id, { action: 'dispatch', department: dept.who.user.department_id })
  await api.act(dept.who, id, { action: 'accept' })
  const { case: accepted } = await api.caseOf(supervisor, id)
  check(accepted.deadline, 'the dispatch gave the case a deadline')
  // Two days later than the deadline, on the minute.
  const asked = new Date(Math.floor((Date.parse(accepted.deadline) + 2 * 86400_000) / 60_000) * 60_000).toISOString()
  await api.act(dept.who, id, { action: 'request_extension', until: asked, note: '配件需外省调货' })
  const { case: requested } = await api.caseOf(supervisor, id)
  check(Date.parse(requested.extension_requested) === Date.parse(asked), `the case holds the date asked for (${requested.extension_requested})`)
  if (API_ONLY) {
    await api.act(supervisor, id, { action: 'extend_deadline' })
  } else {
    focus(page)
    await openCase(page, base, id)
    await waitState(page, 'in_progress')
    const asks = page.locator('[data-action="request_extension"]')
    const said = await asks.textContent()
    check(said.includes(local(Date.parse(asked)).slice(5).replace('T', ' ')), `the timeline shows the date asked for: ${said.replace(/\s+/g, ' ')}`)
    // The request is said at the top of the page, with its reason and the buttons that answer it.
    const notice = page.locator(tid('notice-extension'))
    await notice.waitFor({ timeout: UI_MS })
    const noticeText = (await notice.textContent()).replace(/\s+/g, ' ')
    check(noticeText.includes('申请延期至 ' + local(Date.parse(asked)).slice(5).replace('T', ' ')) && noticeText.includes('理由：配件需外省调货'),
      `the top of the page says who asks for which date and why: ${noticeText}`)
    check((await notice.locator(tid('notice-action-refuse_extension')).count()) === 1, 'with 驳回延期 beside 延期')
    await shot(page, 'extension-notice')
    await notice.locator(tid('notice-action-extend_deadline')).click()
    await page.locator(tid('action-form')).waitFor({ timeout: UI_MS })
    const shownAsk = await page.locator(tid('action-requested-until')).getAttribute('data-until')
    check(Date.parse(shownAsk) === Date.parse(asked), `the 延期 dialog shows the date asked for (${shownAsk})`)
    const shownNow = await page.locator(tid('action-current-deadline')).getAttribute('data-deadline')
    check(Date.parse(shownNow) === Date.parse(accepted.deadline), `and the current deadline (${shownNow})`)
    const holder = page.locator(tid('action-until'))
    const field = holder.locator('input')
    check((await holder.getAttribute('data-value')) === local(Date.parse(asked)), `the date field holds the date asked for (${await field.inputValue()})`)
    await page.waitForTimeout(400) // the dialog's fade-in, for the screenshot
    await shot(page, 'extension-dialog')
    // Not later than the current deadline: refused here, naming it, and nothing is sent.
    await pickTime(field, local(Date.parse(accepted.deadline) - 3600_000))
    await page.locator(tid('action-submit')).click()
    const problem = page.locator(tid('action-problem'))
    await problem.waitFor({ timeout: UI_MS })
    const problemText = (await problem.textContent()) ?? ''
    check((await problem.getAttribute('data-problem')) === 'until.not_after_deadline', `an earlier date is refused in the dialog (${problemText})`)
    // In words, naming the field and the limit (issue 17, item 4): no wire names.
    const deadlineShown = local(Date.parse(accepted.deadline)).slice(5).replace('T', ' ')
    check(problemText.includes('新的截止时间') && problemText.includes(deadlineShown) && !/until|[a-z]_[a-z]/.test(problemText),
      `the problem names the field and the current deadline in Chinese: ${problemText}`)
    check((await api.caseOf(supervisor, id)).case.version === requested.version, 'and nothing was sent')
    // As asked.
    await pickTime(field, local(Date.parse(asked)))
    check((await holder.getAttribute('data-value')) === local(Date.parse(asked)), 'the picker took the date typed')
    check((await problem.count()) === 0, 'the stale problem goes once the date changes')
    await page.locator(tid('action-submit')).click()
    await page.locator(`${tid('case-version')}:not([data-version="${requested.version}"])`).waitFor({ state: 'attached', timeout: UI_MS })
  }
  const { case: extended } = await api.caseOf(supervisor, id)
  check(Date.parse(extended.deadline) === Date.parse(asked), `the deadline is the date asked for (${extended.deadline})`)
  check(!extended.extension_requested, 'and no request waits any more')
  if (!API_ONLY) await shot(page, 'extension-approved')
}
