// Signing in as the demo grid worker, the form typed in as a worker would.

import { PASSWORD, WORKER } from '../lib/config.mjs'
import { el, onScreen, shot, tap, type, waitFor } from '../lib/driver.mjs'

export async function signIn({ base }) {
  await onScreen('login')
  await shot('login')
  await type('login-server', base)
  await type('login-username', WORKER)
  await type('login-password', PASSWORD)
  await tap('login-submit')
  await onScreen('home')
  await waitFor('home shows the worker online', async () => {
    const v = await (await el('home-online')).getAttribute('data-online')
    return { ok: v === 'true', seen: `data-online=${v}` }
  })
  await shot('home')
}
