// Starting the patrol, and ending it at the end of the story until the server has it ended.

import { SYNC_MS, WORKER } from '../lib/config.mjs'
import { confirmDialog, el, go, onScreen, openTab, shot, tap, waitFor } from '../lib/driver.mjs'
import { check, log } from '../lib/report.mjs'

export async function startPatrol(ctx) {
  await tap('home-start-patrol')
  await onScreen('patrol')
  ctx.patrolStartedAt = Date.now()
  await el('patrol-elapsed')
  await el('patrol-distance')
  await shot('patrol')
}

export async function endPatrol({ api, run, patrolStartedAt }) {
  await openTab('home')
  await tap('home-open-patrol')
  await onScreen('patrol')
  const elapsed = await (await el('patrol-elapsed')).getText()
  check(/\d/.test(elapsed), `the patrol screen shows the elapsed time (${elapsed})`)
  const patrolId = await (await el('screen-patrol')).getAttribute('data-patrol-id')
  await tap('patrol-end')
  await confirmDialog('ending the patrol')
  await waitFor('the patrol screen shows the patrol ended', async () => {
    const open = await (await el('screen-patrol')).getAttribute('data-open')
    return { ok: open === 'false', seen: `data-open=${open}` }
  })
  await shot('patrol-ended')
  await go('/home')
  await onScreen('home')
  await el('home-start-patrol')
  await shot('home-after-patrol')
  // Ending a patrol does not wake the agent (docs/DESIGN.md §7: findings, the network coming
  // back, every minute, on demand); ask for it, as a worker going home would.
  await openTab('sync')
  await tap('sync-now')
  const token = await api.login(WORKER, `e2e-checker-${run}`)
  await waitFor(
    'the server has the patrol ended',
    async () => {
      const pulled = await api.pullAll(token)
      const patrols = pulled.of('patrol')
      const p = patrols.find((x) => x.id === patrolId)
      return { ok: Boolean(p?.ended_at), seen: p ? `ended_at=${p.ended_at}` : `no patrol ${patrolId}` }
    },
    SYNC_MS,
    2000,
  )
  log(`  patrol open for ${((Date.now() - patrolStartedAt) / 1000).toFixed(0)} s`)
}
