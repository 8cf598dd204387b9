// Offline: the server stopped, a second finding with a photo recorded anyway, and the app
// showing it waiting and the worker offline.

import { portOpen } from '../../e2e-common/tools.mjs'
import { el, numberIn, onScreen, openTab, shot, tap, waitFor } from '../lib/driver.mjs'
import { stop } from '../lib/processes.mjs'
import { check } from '../lib/report.mjs'
import { recordFinding } from './finding.mjs'

export async function stopServer({ server, serverPort }) {
  await stop(server)
  check(!(await portOpen(serverPort)), `nothing listens on ${serverPort} once the server is stopped`)
}

export async function recordOffline(ctx) {
  await tap('home-open-patrol')
  await onScreen('patrol')
  ctx.photos2 = await recordFinding({
    search: '垃圾',
    code: '03.01',
    description: ctx.text2,
    photo: ctx.photo2,
    disposition: 'resolved_on_spot',
  })
  await shot('patrol-findings')
}

export async function seeWaitingOffline() {
  await openTab('home')
  await waitFor('home shows the work waiting to sync', async () => {
    const n = await numberIn('home-waiting')
    return { ok: n >= 1, seen: `home-waiting=${n}` }
  })
  await waitFor(
    'home shows the worker offline once a sync attempt fails',
    async () => {
      const v = await (await el('home-online')).getAttribute('data-online')
      return { ok: v === 'false', seen: `data-online=${v}` }
    },
    60_000,
  )
  await shot('home-offline')
  await openTab('sync')
  const waiting = await numberIn('sync-waiting-count')
  check(waiting >= 1, `the sync screen counts the offline finding as waiting (shows ${waiting})`)
  await shot('sync-offline')
}
