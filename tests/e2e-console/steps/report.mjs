// The grid worker's device reports a finding as a case: a push of patrol.start, patrol.track
// and finding.create over the sync API, as the app does.

import { op, uuidv7 } from '../lib/api.mjs'
import { SUPERVISOR } from '../lib/config.mjs'
import { check } from '../lib/report.mjs'

export async function workerReports(ctx) {
  const { api, worker, supervisor, grid, dept } = ctx
  ctx.statsBefore = await api.json(supervisor, '/api/v1/stats')
  ctx.caseId = uuidv7()
  ctx.text = `e2e ${ctx.caseId.slice(-8)} 井盖破损，行人有坠落危险`
  const patrol = uuidv7()
  const finding = uuidv7()
  const t = new Date().toISOString()
  await api.push(worker, [
    op('patrol.start', patrol, { grid_id: grid, started_at: t }),
    op('patrol.track', patrol, { points: [{ t, lat: 40.6305, lon: 122.5012, accuracy_m: 5, mock: false }] }),
    op('finding.create', finding, {
      grid_id: grid, patrol_id: patrol, category_code: dept.leaf.code, description: ctx.text,
      lat: 40.6305, lon: 122.5012, accuracy_m: 5, observed_at: t, disposition: 'report',
      photos: [], case_id: ctx.caseId,
    }),
  ])
  const d = await api.caseOf(supervisor, ctx.caseId)
  check(d.case.state === 'pending', `the case waits to be claimed (state ${d.case.state})`)
  check(d.available_actions.includes('claim'), `${SUPERVISOR} may claim it (${d.available_actions})`)
}
