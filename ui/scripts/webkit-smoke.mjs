#!/usr/bin/env node
// The built worker page (mock backend) in WebKitGTK — the engine of the Tauri window on Linux —
// driven through WebKitWebDriver + MiniBrowser with plain WebDriver HTTP calls: sign in, start
// a patrol, pick a category by pinyin, attach a JPEG through the file input, save. A quick
// check of engine compatibility and of the test hooks without building the Tauri app.
//
//   npm run build:worker && xvfb-run -a node scripts/webkit-smoke.mjs [photo.jpg] [screenshot.png]
//
// Needs WebKitWebDriver (Debian: webkit2gtk-driver) and a display (Xvfb).
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const jpeg = resolve(process.argv[2] ?? '/usr/share/doc/nodejs/thin-white-stripe.jpg')
const shotPath = process.argv[3] ? resolve(process.argv[3]) : null
const MINIBROWSER = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser']
  .find((p) => existsSync(p))
if (!existsSync(jpeg)) throw new Error(`no photo at ${jpeg}: pass a JPEG path`)
if (!MINIBROWSER) throw new Error('MiniBrowser not found (Debian: libwebkit2gtk-4.1-0)')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const freePort = () => new Promise((res, rej) => {
  const s = createServer()
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)) })
  s.on('error', rej)
})

const [wdPort, webPort] = [await freePort(), await freePort()]
const preview = spawn(process.execPath, [join(uiDir, 'node_modules/vite/bin/vite.js'), 'preview', '--mode', 'worker',
  '--port', String(webPort), '--strictPort', '--host', '127.0.0.1'], { cwd: uiDir, stdio: 'ignore' })
const driver = spawn('WebKitWebDriver', [`--port=${wdPort}`], { stdio: 'ignore' })
const W = `http://127.0.0.1:${wdPort}`

async function req(method, path, body) {
  const r = await fetch(W + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined })
  const j = await r.json()
  if (j.value && j.value.error) throw new Error(`${method} ${path}: ${j.value.error}: ${j.value.message}`)
  return j.value
}

let sid
try {
  for (let i = 0; ; i++) {
    try { await fetch(`${W}/status`); await fetch(`http://127.0.0.1:${webPort}/`); break } catch { if (i > 100) throw new Error('driver or preview did not start'); await sleep(100) }
  }
  const s = await req('POST', '/session', { capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } } })
  sid = s.sessionId
  console.log(`${s.capabilities.browserName} ${s.capabilities.browserVersion}`)
  const find = async (id) => {
    for (let i = 0; i < 75; i++) {
      try {
        const v = await req('POST', `/session/${sid}/element`, { using: 'css selector', value: `[data-testid="${id}"]` })
        return Object.values(v)[0]
      } catch { await sleep(200) }
    }
    throw new Error(`no element [data-testid="${id}"]`)
  }
  const click = async (id) => req('POST', `/session/${sid}/element/${await find(id)}/click`, {})
  const type = async (id, text) => req('POST', `/session/${sid}/element/${await find(id)}/value`, { text })

  await req('POST', `/session/${sid}/url`, { url: `http://127.0.0.1:${webPort}/` })
  await find('screen-login')
  await req('POST', `/session/${sid}/element/${await find('login-password')}/clear`, {})
  await type('login-password', 'demo')
  await click('login-submit')
  await find('screen-home')
  await click('home-start-patrol')
  await find('screen-patrol')
  await click('patrol-new-finding')
  await find('screen-finding-new')
  await click('finding-category')
  await type('category-search', 'luandui')
  await click('category-option-03.02')
  await type('finding-description', '楼道堆放杂物')
  await type('finding-photo-input', jpeg)
  await find('finding-photo-thumb')
  console.log('ok   a JPEG set on the file input became a thumbnail')
  if (shotPath) writeFileSync(shotPath, Buffer.from(await req('GET', `/session/${sid}/screenshot`), 'base64'))
  await click('finding-disposition-report')
  await click('finding-save')
  await find('patrol-finding')
  console.log('ok   the saved finding is listed on the patrol')
} catch (e) {
  console.error(`FAIL ${e.message}`)
  process.exitCode = 1
} finally {
  if (sid) await req('DELETE', `/session/${sid}`).catch(() => {})
  driver.kill()
  preview.kill()
}
