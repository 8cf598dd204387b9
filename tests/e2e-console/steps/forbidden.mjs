// A department user who opens another department's case gets the 403 page, and the API refuses
// it as out_of_jurisdiction.

import { API_ONLY, UI_MS } from '../lib/config.mjs'
import { signIn, tid } from '../lib/pages.mjs'
import { check } from '../lib/report.mjs'

export async function otherDepartmentForbidden({ api, base, otherDept, caseId }) {
  const res = await api.call(otherDept, 'GET', `/api/v1/cases/${caseId}`)
  check(res.status === 403, `the API refuses ${otherDept.user.username} (got ${res.status})`)
  check((await res.json()).error.code === 'out_of_jurisdiction', 'as out_of_jurisdiction')
  if (API_ONLY) return
  const p = await signIn(base, otherDept.user.username)
  await p.goto(`${base}/#/cases/${caseId}`)
  await p.locator(tid('screen-forbidden')).waitFor({ timeout: UI_MS })
  check((await p.locator(tid('case-state')).count()) === 0, 'and shows nothing of the case')
  await p.close()
}
