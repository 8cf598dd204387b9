// The department accepts the case and reports it handled with a photo (the console's form
// uploads it over tus); the server stores the photo and serves its very bytes back.

import path from 'node:path'
import { sha256 } from '../../e2e-common/tools.mjs'
import { API_ONLY, tmp, UI_MS } from '../lib/config.mjs'
import { openCase, signIn, takeAction, tid } from '../lib/pages.mjs'
import { makePng } from '../lib/png.mjs'
import { check } from '../lib/report.mjs'

export async function departmentHandles({ api, base, caseId, dept }) {
  const file = path.join(tmp, 'handled.png')
  const png = makePng(file, Date.now() % 9973)
  if (API_ONLY) {
    await api.act(dept.who, caseId, { action: 'accept' })
    const hash = await api.upload(dept.who, png)
    await api.act(dept.who, caseId, { action: 'report_handled', note: '已更换井盖', photos: [hash] })
  } else {
    const p = await signIn(base, dept.who.user.username)
    await openCase(p, base, caseId)
    await takeAction(p, 'accept', 'in_progress')
    await takeAction(p, 'report_handled', 'handled', async (f) => {
      await f.locator(tid('action-note')).fill('已更换井盖')
      await f.locator(tid('action-photo-input')).setInputFiles(file)
      // Uploaded and shown as a thumbnail before the form is sent.
      await f.locator(`${tid('action-photos')}[data-count="1"][data-busy="0"]`).waitFor({ timeout: UI_MS })
      await f.locator(tid('action-photo')).locator('img').waitFor({ timeout: UI_MS })
    })
    await p.close()
  }
  const d = await api.caseOf(dept.who, caseId)
  const handled = d.events.find((e) => e.action === 'report_handled')
  check(handled && handled.photos.length === 1, 'the handled report carries one photo')
  check(handled.photos[0] === sha256(png), "the photo is the file's own bytes (its SHA-256 names it)")
  const stored = d.photos.find((p) => p.sha256 === handled.photos[0])
  check(stored && stored.status === 'stored', 'and the server stored it')
  const served = await api.call(dept.who, 'GET', stored.url)
  check(served.ok && sha256(Buffer.from(await served.arrayBuffer())) === sha256(png), 'it serves the same bytes back')
}
