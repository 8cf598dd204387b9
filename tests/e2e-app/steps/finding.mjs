// A finding recorded online: the new-finding form with a real JPEG, "report a case", and the
// finding and its photo reaching the server. The form is the offline step's too.

import { appDir, SCREEN_MS, SYNC_MS, WORKER } from '../lib/config.mjs'
import { clickEl, el, fileInput, numberIn, onScreen, openTab, sel, shot, tap, type, waitFor, browser } from '../lib/driver.mjs'
import { devicePhotos } from '../lib/photos.mjs'
import { check, log } from '../lib/report.mjs'
import { sleep } from '../../e2e-common/tools.mjs'

/** Fills and saves the new-finding form; returns the hashes of the photos the device stored. */
export async function recordFinding({ search, code, description, photo, disposition, shotName }) {
  await tap('patrol-new-finding')
  await onScreen('finding-new')
  const before = new Set(devicePhotos(appDir).keys())

  await tap('finding-category')
  await type('category-search', search)
  const option = await el(`category-option-${code}`)
  await option.waitForDisplayed({ timeout: SCREEN_MS, timeoutMsg: `searching "${search}" offers category ${code}` })
  if (shotName) await shot(`${shotName}-category`)
  await clickEl(option)
  await sleep(400)

  await type('finding-description', description)

  // A file input takes the path as its keys (WebDriver "Element Send Keys"), hidden or not.
  await (await fileInput('finding-photo-input')).addValue(photo)
  const stored = await waitFor(
    'the photo is processed by the pipeline: a thumbnail shows and a new photo is in the device folder',
    async () => {
      const thumbs = await browser.$$(sel('finding-photo-thumb'))
      const added = [...devicePhotos(appDir).keys()].filter((h) => !before.has(h))
      return { ok: thumbs.length >= 1 && added.length >= 1, seen: `${thumbs.length} thumbnail(s), ${added.length} new file(s)`, added }
    },
    SCREEN_MS,
  )
  check(stored.added.length === 1, `one photo chosen, one photo stored (stored ${stored.added.length})`)

  await tap(`finding-disposition-${disposition}`)
  await sleep(300)
  if (shotName) await shot(shotName)

  const t0 = Date.now()
  await tap('finding-save')
  await onScreen('patrol')
  const saveMs = Date.now() - t0
  log(`  saved in ${saveMs} ms (back on the patrol screen)`)
  check(saveMs < 10_000, `saving is local and instant, not waiting for the network (took ${saveMs} ms)`)
  return stored.added
}

export async function recordOnline(ctx) {
  ctx.photos1 = await recordFinding({
    search: 'ldlf',
    code: '03.02',
    description: ctx.text1,
    photo: ctx.photo1,
    disposition: 'report',
    shotName: 'finding-new',
  })
}

export async function seeFirstSent({ api, base, run, photos1 }) {
  const token = await api.login(WORKER, `e2e-checker-${run}`)
  await waitFor(
    'the server has the first photo (HEAD /api/v1/photos/by-hash)',
    async () => {
      const res = await fetch(`${base}/api/v1/photos/by-hash/${photos1[0]}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}` },
      })
      return { ok: res.status === 200, seen: `HTTP ${res.status}` }
    },
    SYNC_MS,
    1000,
  )
  await openTab('home')
  await waitFor(
    'home shows nothing waiting once the first finding is sent',
    async () => {
      const n = await numberIn('home-waiting')
      return { ok: n === 0, seen: `home-waiting=${n}` }
    },
    SYNC_MS,
  )
}
