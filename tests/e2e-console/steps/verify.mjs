// On-site verification: the county centre assigns it, the worker's device passes it (a
// case.action push), and the supervisor sees the case closed with its hash chain verified.

import { op } from '../lib/api.mjs'
import { API_ONLY } from '../lib/config.mjs'
import { actionButtons, openCase, shot, signIn, takeAction, tid, waitState } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

export async function centreAssignsVerify({ api, base, center, caseId }) {
  if (API_ONLY) {
    await api.act(center, caseId, { action: 'assign_verify' })
  } else {
    const p = await signIn(base, 'center')
    await openCase(p, base, caseId)
    await takeAction(p, 'assign_verify', 'verifying', async (page) => {
      // The dialog says who will check the case, as the page does beside the button.
      const said = await page.locator(tid('action-verifier')).textContent()
      check(said.includes('现场核查') && said.includes('网格'), `the 派发核查 dialog names who verifies: ${said}`)
    })
    await p.close()
  }
}

export async function workerVerifies({ api, worker, caseId }) {
  const { case: c } = await api.caseOf(worker, caseId)
  check(c.state === 'verifying', `the worker sees it waiting for verification (${c.state})`)
  await api.push(worker, [op('case.action', caseId, { action: 'verify_pass', base_version: c.version, note: '现场核查，已修复' })])
}

export async function supervisorSeesClosed({ api, base, supervisor, caseId, page }) {
  const d = await api.caseOf(supervisor, caseId)
  check(d.case.state === 'closed' && d.case.outcome === 'resolved', `the case is closed as resolved (${d.case.state})`)
  check(d.chain.status === 'verified', 'its hash chain verifies')
  if (API_ONLY) return
  await openCase(page, base, caseId)
  await waitState(page, 'closed')
  check((await page.locator(tid('case-chain')).getAttribute('data-verified')) === 'true', 'the page marks the chain verified')
  for (const e of d.events) {
    check((await page.locator(tid(`case-event-${e.seq}`)).count()) === 1, `the timeline shows event ${e.seq} (${e.action})`)
  }
  check((await page.locator(tid('case-photo')).count()) >= 1, 'the case page shows the handled photo')
  check((await actionButtons(page)).length <= 3, 'a closed case offers at most rate, supervise and comment')
  await shot(page, 'case')
}
