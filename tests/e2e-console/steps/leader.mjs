// A leader reads everything and urges (docs/DESIGN.md §1): the closed case shows no workflow
// button, and a case still being worked is urged (督办) from its page.

import { API_ONLY, UI_MS } from '../lib/config.mjs'
import { actionButtons, openCase, signIn, takeAction, tid, waitState } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

/** What a leader may do: nothing that moves a case. */
const LEADER_MAY = new Set(['supervise', 'comment'])

export async function leaderReadsAndUrges({ api, base, leader, caseId }) {
  const d = await api.caseOf(leader, caseId)
  check(d.available_actions.every((k) => LEADER_MAY.has(k)), `a leader may only urge or comment (${d.available_actions})`)
  // A case some department is working on, from the leader's own list.
  const open = await api.json(leader, '/api/v1/cases?state=in_progress&page_size=1')
  check(open.items.length === 1, 'the demo county has a case in progress')
  const busy = open.items[0].id
  const before = (await api.caseOf(leader, busy)).case.supervisions
  check((await api.caseOf(leader, busy)).available_actions.includes('supervise'), 'the server lets a leader urge it')
  if (API_ONLY) {
    await api.act(leader, busy, { action: 'supervise', note: '请加快办理，今日内反馈' })
  } else {
    const p = await signIn(base, 'leader')
    await openCase(p, base, caseId)
    await waitState(p, 'closed')
    const buttons = await actionButtons(p)
    check(buttons.every((k) => LEADER_MAY.has(k)), `the leader's page offers no workflow action (${buttons})`)
    check((await p.locator(tid('case-timeline')).count()) === 1, 'but shows the whole timeline')
    await openCase(p, base, busy)
    await waitState(p, 'in_progress')
    await p.locator(tid('action-supervise')).waitFor({ timeout: UI_MS })
    const offered = await actionButtons(p)
    check(offered.includes('supervise') && offered.every((k) => LEADER_MAY.has(k)),
      `on a case in progress the leader's page offers 督办 and nothing of the workflow (${offered})`)
    await takeAction(p, 'supervise', 'in_progress', async (f) => {
      await f.locator(tid('action-note')).fill('请加快办理，今日内反馈')
    })
    await p.close()
  }
  const after = await api.caseOf(leader, busy)
  check(after.case.supervisions === before + 1, `the urge is on the case (${before} → ${after.case.supervisions})`)
  check(after.case.state === 'in_progress', 'and its state is unchanged')
  check(after.events.at(-1)?.action === 'supervise', 'the timeline ends with the urge')
}
