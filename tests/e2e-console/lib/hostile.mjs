// Security issue 12: what users and devices type is text, on every console screen. The hostile
// texts this run plants, and the checks each screen gets: the text is shown literally, no payload
// ran (no `window.__xss`, no dialog, no script-src CSP violation), and the DOM holds no element
// made from a payload. The DOM check is independent of the CSP: the CSP would stop a handler from
// running, the check catches the markup having been injected at all.

import { randomBytes } from 'node:crypto'
import { sleep } from '../../e2e-common/tools.mjs'
import { UI_MS } from './config.mjs'
import { dialogs, tid } from './pages.mjs'
import { check, CheckFailed, log } from './report.mjs'

const IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
const SCRIPT = '<script>window.__xss=(window.__xss||0)+1</script>'
const SVG = '"><svg onload=window.__xss=(window.__xss||0)+1>'
const ALERT = "<img src=y onerror=alert('xss')>"

/** This run's hostile texts: each starts with `mark` (to find it) and carries HTML payloads. */
export function hostileTexts() {
  const run = randomBytes(3).toString('hex')
  const mark = `XSS${run}`
  return {
    run,
    mark,
    /** Text only the renamed grid's name holds (the community's and the worker's start with `mark` too). */
    gridTag: `${mark}网格甲`,
    description: `${mark} 井盖缺失${IMG}${SCRIPT}请尽快处理`,
    note: `${mark} 巡查记录：路灯不亮${SVG}`,
    grid: `${mark}网格甲${IMG}`,
    community: `${mark}社区${SVG}`,
    worker: `${mark}网格员${SCRIPT}`,
    intakeDescription: `${mark} 热线来电：小区门口污水外溢`,
    address: `${mark} 幸福路${ALERT}号`,
    contact: `张先生 ${IMG}`,
    comment: `${mark} 请社区核实${SVG}`,
  }
}

/** The first ring of a Polygon or MultiPolygon, without its closing position: [lon, lat] pairs. */
function ringOf(geometry) {
  const ring = geometry.type === 'MultiPolygon' ? geometry.coordinates[0][0] : geometry.coordinates[0]
  return ring.slice(0, -1)
}

function inside([lon, lat], ring) {
  let yes = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) yes = !yes
  }
  return yes
}

/**
 * Places inside a grid, as [lat, lon]: `centre`, and `toward(k)`, halfway from the centre to the
 * k-th of four vertices spread round the ring (distinct places for the track, the pins, a hover).
 */
export function placesIn(geometry) {
  const ring = ringOf(geometry)
  const c = [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length]
  check(inside(c, ring), `the grid's centre ${c} lies inside it (the test needs a convex-ish grid)`)
  const toward = (k) => {
    const v = ring[Math.floor((k * ring.length) / 4) % ring.length]
    const p = [c[0] + (v[0] - c[0]) / 2, c[1] + (v[1] - c[1]) / 2]
    check(inside(p, ring), `place ${k} of the grid lies inside it`)
    return [p[1], p[0]]
  }
  return { centre: [c[1], c[0]], toward }
}

/** `text` around `mark`, for a failure message. */
function excerpt(text, mark) {
  const i = Math.max(0, (text ?? '').indexOf(mark))
  return JSON.stringify((text ?? '').slice(Math.max(0, i - 60), i + 200))
}

/** No payload ran and none became an element, anywhere in the page. */
export async function checkNoInjection(page, where) {
  const seen = await page.evaluate(() => ({
    xss: window.__xss,
    elements: [...document.querySelectorAll('img[onerror], svg[onload], [onerror], [onload], img[src="x"], img[src="y"]')]
      .map((e) => e.outerHTML.slice(0, 160)),
    scripts: [...document.querySelectorAll('script:not([src])')].map((e) => e.outerHTML.slice(0, 160)),
    csp: (window.__e2eCsp ?? []).filter((v) => v.startsWith('script-src')),
  }))
  check(seen.elements.length === 0,
    `${where}: no element is made from a payload (the DOM holds ${seen.elements.join(' | ')}): an HTML sink renders user text as markup`)
  check(seen.scripts.length === 0, `${where}: no inline <script> is in the page (found ${seen.scripts.join(' | ')})`)
  check(seen.xss === undefined, `${where}: no payload ran (window.__xss = ${seen.xss})`)
  check(dialogs.length === 0, `${where}: no dialog opened (${dialogs.join('; ')})`)
  check(seen.csp.length === 0, `${where}: nothing tried to run a script the CSP refused (${seen.csp.join('; ')})`)
}

/** The element `locator` shows every one of `literals` as text, and nothing was injected. */
export async function checkLiteral(page, locator, literals, where) {
  const el = locator.first()
  await el.waitFor({ timeout: UI_MS })
  await checkNoInjection(page, where)
  const text = await el.textContent()
  for (const l of literals) {
    check(text.includes(l), `${where} shows ${JSON.stringify(l)} literally, as text (it shows ${excerpt(text, l.slice(0, 9))})`)
  }
}

/**
 * Where [lat, lon] is on the screen in the Leaflet map `mapId` (the map scrolled into view):
 * `{ x, y, ok }`, `ok` when the place is inside the map; null while the page has no such map.
 */
export async function screenPoint(page, mapId, [lat, lon]) {
  return page.evaluate(({ mapId, lat, lon }) => {
    const map = (window.__e2eMaps ?? []).filter((m) => m.getContainer().isConnected && m.getContainer().dataset.testid === mapId).at(-1)
    if (!map) return null
    const box = map.getContainer().getBoundingClientRect()
    if (box.top < 0 || box.bottom > innerHeight) map.getContainer().scrollIntoView({ block: 'center' })
    const r = map.getContainer().getBoundingClientRect()
    const p = map.latLngToContainerPoint([lat, lon])
    const ok = p.x >= 4 && p.y >= 4 && p.x <= r.width - 4 && p.y <= r.height - 4
    return { x: r.left + p.x, y: r.top + p.y, ok }
  }, { mapId, lat, lon })
}

/**
 * Moves the mouse onto [lat, lon] in the map `mapId` until the shape there opens its tooltip,
 * then checks the tooltip shows every one of `literals` as text; returns the tooltip's text.
 */
export async function hoverMap(page, mapId, place, literals, where) {
  await page.locator(`${tid(mapId)}:not([data-shapes="0"])`).waitFor({ timeout: UI_MS })
  const tooltip = page.locator(`${tid(mapId)} .leaflet-tooltip`)
  let text = null
  for (let attempt = 0; attempt < 12; attempt++) {
    const p = await screenPoint(page, mapId, place)
    if (p?.ok) {
      await page.mouse.move(p.x - 6, p.y - 6)
      await page.mouse.move(p.x, p.y, { steps: 3 })
      text = await tooltip.last().textContent({ timeout: 1500 }).catch(() => null)
      await checkNoInjection(page, `${where} (its tooltip open)`)
      if (text !== null && text.includes(literals[0].slice(0, 9))) {
        for (const l of literals) {
          check(text.includes(l), `${where}: the tooltip shows ${JSON.stringify(l)} literally, as text (it shows ${excerpt(text, l.slice(0, 9))})`)
        }
        log(`  ${where}: its tooltip reads ${JSON.stringify(text.length > 90 ? `${text.slice(0, 90)}…` : text)}`)
        return text
      }
    }
    // Not drawn or fitted yet, or the pointer met another shape: leave the map and try again.
    await page.mouse.move(1, 1)
    await sleep(400)
  }
  throw new CheckFailed(`${where}: hovering [${place}] in ${mapId} opens a Leaflet tooltip (last seen: ${JSON.stringify(text)})`)
}

/** Moves the mouse across the ECharts chart `chartId`, category by category, checking each tooltip. */
export async function sweepChart(page, chartId, where) {
  const chart = page.locator(tid(chartId))
  await chart.scrollIntoViewIfNeeded()
  const box = await chart.boundingBox()
  check(box && box.width > 100, `${where}: the chart is drawn`)
  for (let x = box.x + 6; x < box.x + box.width - 6; x += 8) {
    await page.mouse.move(x, box.y + box.height * 0.55)
    await sleep(15)
    await checkNoInjection(page, `${where} (the pointer at x = ${Math.round(x - box.x)} px)`)
  }
  await page.mouse.move(1, 1)
}

/** The security headers every response of the console's server carries. */
export function checkSecurityHeaders(headers, what) {
  const get = (k) => (typeof headers.get === 'function' ? headers.get(k) : headers[k]) ?? ''
  const csp = get('content-security-policy')
  const directive = (name) => csp.split(';').map((d) => d.trim()).find((d) => d.split(/\s+/)[0] === name) ?? ''
  check(directive('script-src') === "script-src 'self'", `${what} carries a CSP whose scripts come from the server only: script-src 'self' (got "${csp}")`)
  check(directive('frame-ancestors') === "frame-ancestors 'none'", `${what}'s CSP forbids framing: frame-ancestors 'none' (got "${csp}")`)
  check(get('x-content-type-options') === 'nosniff', `${what} carries x-content-type-options: nosniff (got "${get('x-content-type-options')}")`)
  check(get('referrer-policy') === 'no-referrer', `${what} carries referrer-policy: no-referrer (got "${get('referrer-policy')}")`)
}
