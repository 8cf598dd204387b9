// The demo server on the reference county, on a free port with a fresh folder, serving the
// built console at `/`; and the demo users the story signs in as.

import fs from 'node:fs'
import path from 'node:path'
import { API_ONLY, CONSOLE_DIR, logs, SUPERVISOR, WORKER } from '../lib/config.mjs'
import { launchServer, waitHealthy } from '../lib/processes.mjs'
import { check, CheckFailed } from '../lib/report.mjs'

export async function startServer({ base, port, dataDir }) {
  launchServer(['demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--console-dir', CONSOLE_DIR], logs.server)
  await waitHealthy(base, logs.server)
  const home = await fetch(`${base}/`)
  const html = await home.text()
  if (API_ONLY) {
    check(home.ok, `/ answers (got ${home.status})`)
  } else {
    check(home.ok && home.headers.get('cache-control') === 'no-cache', '/ serves the console, never cached')
    check(html === fs.readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8'), "/ is the built console's index.html")
  }
}

/** The worker, the supervisor, the county centre and a leader, signed in over the API. */
export async function signInPeople(ctx) {
  const { api } = ctx
  ctx.worker = await api.login(WORKER)
  ctx.supervisor = await api.login(SUPERVISOR)
  ctx.center = await api.login('center')
  ctx.leader = await api.login('leader')
  ctx.grid = ctx.worker.user.grid_ids[0]
  check(ctx.grid, `${WORKER} owns a grid`)
  ctx.org = await api.json(ctx.center, '/api/v1/org')
}

/** A category whose default department has a demo user, that user, and another department's. */
export async function findDepartment(ctx) {
  const { api, org } = ctx
  for (let i = 1; i <= 16 && !ctx.dept; i++) {
    const who = await api.login(`dept-${String(i).padStart(2, '0')}`)
    const leaf = org.categories.find((c) => c.parent && c.department === who.user.department_id)
    if (leaf) ctx.dept = { who, leaf }
  }
  if (!ctx.dept) throw new CheckFailed('some demo department is the default department of some category')
  ctx.otherDept = await api.login(ctx.dept.who.user.username === 'dept-01' ? 'dept-02' : 'dept-01')
}
