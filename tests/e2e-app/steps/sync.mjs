// Back online: the server restarted on the same port and folder, the sync finishing on the
// sync screen and home showing the worker online with nothing waiting.

import { logs, SYNC_MS } from '../lib/config.mjs'
import { el, numberIn, onScreen, openTab, shot, tap, waitFor } from '../lib/driver.mjs'
import { launchServer, waitHealthy } from '../lib/processes.mjs'
import { check, log } from '../lib/report.mjs'

export async function restartAndSync(ctx) {
  ctx.server = launchServer(ctx.serverPort)
  await waitHealthy(ctx.base, ctx.server, logs.server)
  await onScreen('sync')
  await tap('sync-now')
  const phases = new Set()
  await waitFor(
    'the sync screen counts nothing waiting',
    async () => {
      const phase = await (await el('sync-progress')).getAttribute('data-phase')
      phases.add(phase)
      const n = await numberIn('sync-waiting-count')
      return { ok: n === 0, seen: `waiting=${n}, phase=${phase}` }
    },
    SYNC_MS,
    250,
  )
  log(`  sync phases seen: ${[...phases].join(' → ')}`)
  const last = await (await el('sync-last')).getText()
  check(last.trim().length > 0, 'the sync screen shows the last successful sync')
  await shot('sync-done')
  await openTab('home')
  await waitFor('home shows the worker online again, nothing waiting', async () => {
    const v = await (await el('home-online')).getAttribute('data-online')
    const n = await numberIn('home-waiting')
    return { ok: v === 'true' && n === 0, seen: `data-online=${v}, home-waiting=${n}` }
  })
}
