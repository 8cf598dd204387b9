// The on-site verification in the app: the task listed, the centre's photo shown from its
// fetched thumbnail, the verification passed with a note and a photo, and the server closing
// the case on it and serving that photo.

import { appDir, SYNC_MS } from '../lib/config.mjs'
import { browser, fileInput, go, onScreen, openTab, sel, shot, tap, type, waitFor } from '../lib/driver.mjs'
import { devicePhotos } from '../lib/photos.mjs'
import { check } from '../lib/report.mjs'
import { sha256 } from '../../e2e-common/tools.mjs'

export async function verifyOnSite({ api, run, photo3, caseId, centrePhoto }) {
  await openTab('sync')
  await tap('sync-now')
  await openTab('tasks')
  await waitFor(
    'the tasks screen lists the case for verification',
    async () => {
      const task = await browser.$(sel(`task-verify-${caseId}`))
      if (await task.isExisting()) return { ok: true }
      // The list reloads on data-changed; going away and back reloads it too.
      await openTab('home')
      await openTab('tasks')
      return { ok: false, seen: 'no task yet' }
    },
    SYNC_MS,
    2000,
  )
  await shot('tasks')
  // The centre's photo came as metadata; the sync fetched its thumbnail, so the timeline
  // shows it (offline too) — not the "photo not on this device" placeholder.
  await go(`/cases/${caseId}`)
  await onScreen('case-detail')
  await waitFor(
    "the case timeline shows the centre's photo from its fetched thumbnail",
    async () => {
      const img = await browser.$(sel(`photo-${centrePhoto}`))
      if (await img.isExisting()) {
        const src = await img.getAttribute('src')
        return { ok: src.startsWith('data:image/jpeg;base64,'), seen: `src ${src.slice(0, 30)}` }
      }
      const missing = await browser.$(sel(`photo-missing-${centrePhoto}`)).isExisting()
      await openTab('tasks')
      await go(`/cases/${caseId}`)
      await onScreen('case-detail')
      return { ok: false, seen: missing ? 'the placeholder' : 'no photo yet' }
    },
    SYNC_MS,
    2000,
  )
  await openTab('tasks')
  await tap(`task-verify-${caseId}`)
  await onScreen('verify')
  await tap('verify-pass')
  await type('verify-note', `e2e ${run}: 现场已清理干净，核查通过`)
  const before = new Set(devicePhotos(appDir).keys())
  await (await fileInput('verify-photo-input')).addValue(photo3)
  const added = await waitFor('the verification photo is processed and shown', async () => {
    const thumbs = await browser.$$(sel('verify-photo-thumb'))
    const added = [...devicePhotos(appDir).keys()].filter((h) => !before.has(h))
    return { ok: thumbs.length >= 1 && added.length === 1, seen: `${thumbs.length} thumbnail(s), ${added.length} new file(s)`, added }
  })
  const photos3 = added.added
  await shot('verify')
  await tap('verify-submit')
  await onScreen('case-detail')
  await openTab('sync')
  await tap('sync-now')
  const centre = await api.login('center', `e2e-centre-${run}`)
  const closed = await waitFor(
    'the server closes the case on the worker\'s verification',
    async () => {
      const d = await api.json(centre, `/api/v1/cases/${encodeURIComponent(caseId)}`)
      return { ok: d.case.state === 'closed', seen: `state ${d.case.state}`, d }
    },
    SYNC_MS,
    1000,
  )
  const last = closed.d.events.at(-1)
  const lastText = JSON.stringify(last)
  check(/verify_pass/.test(lastText), `the last event is the worker's verify_pass (${lastText.slice(0, 200)})`)
  check(lastText.includes(photos3[0]), 'the verify_pass event carries the verification photo')
  // Ops go first, photo files right after them: the photo may land a moment later.
  const served = await waitFor(
    'the server serves the verification photo',
    async () => {
      const res = await api.get(centre, `/api/v1/photos/by-hash/${photos3[0]}`)
      return { ok: res.ok, seen: `HTTP ${res.status}`, bytes: res.ok ? Buffer.from(await res.arrayBuffer()) : null }
    },
    SYNC_MS,
    1000,
  )
  check(sha256(served.bytes) === photos3[0], 'the verification photo the server serves hashes to its name')
  await go(`/cases/${caseId}`)
  await onScreen('case-detail')
  await shot('case-detail-closed')
  await openTab('settings')
  await shot('settings')
}
