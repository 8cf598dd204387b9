// The new case in the app, and the county centre working it to on-site verification over the
// console API (with a photo of its own, which the app knows only by its metadata).

import { go, el, onScreen, openTab, shot } from '../lib/driver.mjs'
import { check } from '../lib/report.mjs'

export async function seeCaseInApp({ caseId }) {
  await openTab('cases')
  await el(`case-${caseId}`)
  await shot('cases')
  await go(`/cases/${caseId}`)
  await onScreen('case-detail')
  await shot('case-detail')
}

export async function countyWorksCase(ctx) {
  const { api, base, run, photo4, caseId } = ctx
  const centre = await api.login('center', `e2e-centre-${run}`)
  ctx.centrePhoto = await api.upload(centre, photo4)
  for (const action of ['claim', 'resolve', 'assign_verify']) {
    const before = await api.json(centre, `/api/v1/cases/${encodeURIComponent(caseId)}`)
    const photos = action === 'resolve' ? { photos: [ctx.centrePhoto] } : {}
    const res = await fetch(`${base}/api/v1/cases/${encodeURIComponent(caseId)}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${centre}`, 'content-type': 'application/json' },
      body: JSON.stringify({ base_version: before.case.version, action, note: `e2e: ${action}`, ...photos }),
    })
    check(res.ok, `the county centre may ${action} the case (HTTP ${res.status}: ${await res.text()})`)
  }
}
