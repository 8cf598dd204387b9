// What the server holds after the sync, asked over its own HTTP API: both findings, their
// photos (the SHA-256 of the bytes it serves equals the name the device gave them) and the
// case the first one opened, as the worker's second device and as the county centre.

import fs from 'node:fs'
import { sha256 } from '../../e2e-common/tools.mjs'
import { appDir, WORKER } from '../lib/config.mjs'
import { devicePhotos } from '../lib/photos.mjs'
import { check, log } from '../lib/report.mjs'

export async function checkOnServer(ctx) {
  const { api, run, text1, text2, photos1, photos2 } = ctx
  const local = devicePhotos(appDir)
  for (const h of [...photos1, ...photos2]) {
    check(sha256(fs.readFileSync(local.get(h))) === h, `the device's photo file ${h}.jpg hashes to its name`)
  }
  const token = await api.login(WORKER, `e2e-checker-${run}`)
  const pulled = await api.pullAll(token)
  const findings = pulled.of('finding')
  const f1 = findings.find((f) => f.description === text1)
  const f2 = findings.find((f) => f.description === text2)
  check(f1, `the server returns the first finding ("${text1}")`)
  check(f2, `the server returns the second, offline finding ("${text2}")`)
  check(f1.disposition === 'report' && f1.category_code === '03.02', `the first finding is a report of 03.02 (got ${f1.disposition} ${f1.category_code})`)
  check(
    f2.disposition === 'resolved_on_spot' && f2.category_code === '03.01',
    `the second finding is 03.01 resolved on the spot (got ${f2.disposition} ${f2.category_code})`,
  )
  check(f1.patrol_id && f1.patrol_id === f2.patrol_id, 'both findings belong to the same patrol')
  check(JSON.stringify(f1.photos) === JSON.stringify(photos1), `the first finding lists the device's photo ${photos1} (got ${f1.photos})`)
  check(JSON.stringify(f2.photos) === JSON.stringify(photos2), `the second finding lists the device's photo ${photos2} (got ${f2.photos})`)
  const metas = new Map(pulled.of('photo').map((p) => [p.sha256, p]))
  for (const h of [...photos1, ...photos2]) {
    const res = await api.get(token, `/api/v1/photos/by-hash/${h}`)
    check(res.ok, `GET /api/v1/photos/by-hash/${h} answers 200 (got ${res.status})`)
    const bytes = Buffer.from(await res.arrayBuffer())
    check(sha256(bytes) === h, `the photo the server serves hashes to ${h} (got ${sha256(bytes)})`)
    check(bytes.equals(fs.readFileSync(local.get(h))), `the server's photo ${h} is byte for byte the device's`)
    check(metas.has(h), `the pull carries the metadata of photo ${h}`)
  }
  check(f1.case_id, 'the "report" finding names the case it opened')
  const caseId = (ctx.caseId = f1.case_id)
  check(!f2.case_id, 'the finding resolved on the spot opened no case')
  const cases = pulled.of('case')
  const c = cases.find((x) => x.id === caseId)
  check(c, `the worker's pull returns the new case ${caseId}`)
  const centre = await api.login('center', `e2e-centre-${run}`)
  const detail = await api.json(centre, `/api/v1/cases/${encodeURIComponent(caseId)}`)
  check(detail.case.state === 'pending', `the new case waits to be taken up (state ${detail.case.state})`)
  check(detail.finding?.id === f1.id, 'the case detail names the first finding as its origin')
  const detailPhotos = JSON.stringify(detail.photos ?? [])
  check(photos1.every((h) => detailPhotos.includes(h)), 'the case detail shows the finding\'s photo')
  const patrol = pulled.of('patrol').find((p) => p.id === f1.patrol_id)
  check(patrol, 'the server has the patrol')
  log(`  findings ${f1.id}, ${f2.id}; photos ${[...photos1, ...photos2].map((h) => h.slice(0, 12)).join(', ')}; case ${caseId}`)
}
