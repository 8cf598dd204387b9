// Security issue 12, the planting: HTML payloads put where users and devices put text, through
// the real APIs. An admin renames a community of the supervisor's township and one of its grids
// (re-imported as GeoJSON with its own geometry) and adds a grid worker for that grid; the
// worker's device patrols it and records a finding reported as a case and a note; the supervisor
// comments on the case and takes a hotline case through the console's intake form (its address
// and contact hostile). Each text is read back from the API exactly as it was typed.

import { randomBytes } from 'node:crypto'
import { op, uuidv7 } from '../lib/api.mjs'
import { API_ONLY, SUPERVISOR, UI_MS } from '../lib/config.mjs'
import { hostileTexts, placesIn, screenPoint, checkNoInjection } from '../lib/hostile.mjs'
import { signIn, tid } from '../lib/pages.mjs'
import { check, log } from '../lib/report.mjs'

export async function plantHostile(ctx) {
  const { api, supervisor, dept } = ctx
  const h = (ctx.hostile = hostileTexts())
  log(`  hostile texts marked ${h.mark}`)
  const admin = await api.login('admin', { client: 'console' })

  // A grid of the story's community other than the story's worker's own (its story is told).
  const grids = await api.json(admin, '/api/v1/admin/grids?polygons=1')
  const own = grids.find((g) => g.id === ctx.grid)
  check(own, `the admin's grid list has ${ctx.grid}`)
  const grid = grids.find((g) => g.community_id === own.community_id && g.id !== own.id && g.polygon) ?? own
  check(grid.polygon, `grid ${grid.id} has a polygon`)

  const units = await api.json(admin, '/api/v1/admin/units')
  const community = units.find((u) => u.id === grid.community_id)
  check(community, `the admin's unit list has ${grid.community_id}`)
  const renamed = await api.post(admin, '/api/v1/admin/units',
    { id: community.id, parent_id: community.parent_id, level: community.level, name: h.community })
  check(!renamed.created && renamed.unit.name === h.community, `community ${community.id} is renamed, its name stored as typed`)

  const username = `e2e-hostile-${h.run}`
  const password = randomBytes(12).toString('hex')
  const res = await api.call(admin, 'POST', '/api/v1/admin/users', {
    username, display_name: h.worker, password, role: 'grid_worker', org_unit_id: community.id, grid_ids: [grid.id],
  })
  check(res.status === 201, `the admin adds grid worker ${username} (got ${res.status}: ${await res.clone().text()})`)
  check((await res.json()).display_name === h.worker, "the worker's display name is stored as typed")

  const feature = { type: 'Feature', properties: { id: grid.id, name: h.grid, kind: grid.kind, community_id: grid.community_id }, geometry: grid.polygon }
  const imported = await api.post(admin, '/api/v1/admin/grids/import', { type: 'FeatureCollection', features: [feature] })
  check(imported.updated === 1 && imported.created === 0, `the import renames grid ${grid.id} (${JSON.stringify(imported)})`)
  const stored = (await api.json(admin, '/api/v1/admin/grids')).find((g) => g.id === grid.id)
  check(stored.name === h.grid && stored.worker_id === username, `grid ${grid.id} has its new name and the new worker (${JSON.stringify(stored)})`)

  // The new worker's device: a patrol of two points, a finding reported as a case, a note.
  const places = placesIn(grid.polygon)
  const [a, b, c, d] = [0, 1, 2, 3].map(places.toward)
  const worker = await api.login(username, { password })
  const patrolId = uuidv7()
  const caseId = uuidv7()
  const t0 = new Date(Date.now() - 60_000).toISOString()
  const t1 = new Date().toISOString()
  const point = ([lat, lon], t) => ({ t, lat, lon, accuracy_m: 5, mock: false })
  const finding = ([lat, lon], description, disposition) => ({
    grid_id: grid.id, patrol_id: patrolId, category_code: dept.leaf.code, description, lat, lon, accuracy_m: 5,
    observed_at: t1, disposition, photos: [], ...(disposition === 'report' ? { case_id: caseId } : {}),
  })
  await api.push(worker, [
    op('patrol.start', patrolId, { grid_id: grid.id, started_at: t0 }),
    op('patrol.track', patrolId, { points: [point(a, t0), point(b, t1)] }),
    op('finding.create', uuidv7(), finding(c, h.description, 'report')),
    op('finding.create', uuidv7(), finding(d, h.note, 'note')),
  ])
  await api.act(supervisor, caseId, { action: 'comment', note: h.comment })

  const intakeId = API_ONLY
    ? (await api.post(supervisor, '/api/v1/cases', {
        channel: 'hotline8890', category: dept.leaf.code, description: h.intakeDescription, address: h.address,
        contact: h.contact, grid_id: grid.id, lat: d[0], lon: d[1],
      })).case.id
    : await intakeInBrowser(ctx, grid, d)

  // The server keeps every text exactly as typed: showing it safely is the console's job.
  const reported = await api.caseOf(supervisor, caseId)
  check(reported.case.description === h.description, 'the case keeps its description as typed')
  check(reported.labels.grid_name === h.grid && reported.labels.community?.name === h.community, "the case's labels carry the new names")
  check(reported.events[0].actor.display_name === h.worker, "the case's report names the new worker")
  const intake = await api.caseOf(supervisor, intakeId)
  check(intake.case.address === h.address && intake.case.contact === h.contact, 'the hotline case keeps its address and contact as typed')
  check(intake.case.location, 'the hotline case has a place')

  ctx.hostilePlaces = { grid, places, patrolId, caseId, intakeId, intakePlace: [intake.case.location.lat, intake.case.location.lon] }
}

/** The supervisor takes the hotline case through the console's intake form; its id. */
async function intakeInBrowser({ base, dept, hostile: h }, grid, place) {
  const p = await signIn(base, SUPERVISOR)
  await p.locator(tid('nav-intake')).click()
  await p.locator(tid('screen-intake')).waitFor({ timeout: UI_MS })
  // The category cascader: typed, then the leaf picked from its suggestions.
  await p.locator(`${tid('intake-category')}[data-ready="true"] input`).fill(dept.leaf.code, { timeout: UI_MS })
  await p.locator(`${tid('intake-category-option')}[data-value="${dept.leaf.code}"]`).click({ timeout: UI_MS })
  await p.locator(`${tid('intake-category')}[data-value="${dept.leaf.code}"]`).waitFor({ timeout: UI_MS })
  await p.locator(tid('intake-description')).fill(h.intakeDescription)
  await p.locator(tid('intake-address')).fill(h.address)
  await p.locator(tid('intake-contact')).fill(h.contact)
  // The place cascader (township → community → grid), searched by the grid's id.
  await p.locator(`${tid('intake-grid')}[data-ready="true"] input`).fill(grid.id, { timeout: UI_MS })
  await p.locator(`${tid('intake-grid-option')}[data-value="g:${grid.id}"]`).click({ timeout: UI_MS })
  await p.locator(`${tid('intake-grid')}[data-grid-id="${grid.id}"]`).waitFor({ timeout: UI_MS })
  // The place: a click inside the grid, on the map that now shows that grid alone.
  await p.locator(`${tid('intake-map')}[data-shapes="1"]`).waitFor({ timeout: UI_MS })
  const deadline = Date.now() + UI_MS
  while (!(await p.locator(tid('intake-place')).getAttribute('data-lat'))) {
    check(Date.now() < deadline, 'a click on the intake map inside the grid sets the place')
    const at = await screenPoint(p, 'intake-map', place)
    if (at?.ok) await p.mouse.click(at.x, at.y)
    await p.waitForTimeout(300)
  }
  await p.locator(tid('intake-submit')).click()
  const result = p.locator(tid('intake-result'))
  await result.waitFor({ timeout: UI_MS })
  await checkNoInjection(p, 'the intake form, sent')
  const id = await result.getAttribute('data-case-id')
  await p.close()
  return id
}
