// The run's settings (from the environment, all optional: console.mjs lists them), the demo
// users it signs in as, its time limits, and the folders it works in: a fresh temporary one for
// the server's data and the browser's profile, the screenshots and logs in E2E_OUT.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const root = path.resolve(here, '../../..')
export const env = process.env
export const SERVER_BIN = path.resolve(
  env.YIWANG_SERVER_BIN ?? path.join(env.CARGO_TARGET_DIR ?? '/var/tmp/yiwang-target', 'debug', 'yiwang-server'),
)
export const CONSOLE_DIR = path.resolve(env.CONSOLE_DIR ?? path.join(root, 'ui', 'dist', 'console'))
export const CHROMIUM = env.CHROMIUM ?? '/usr/bin/chromium'
export const OUT = path.resolve(env.E2E_OUT ?? path.join(root, 'target-e2e'))
export const SHOTS = path.join(OUT, 'console-screenshots')
export const API_ONLY = env.E2E_API_ONLY === '1'
export const KEEP = env.E2E_KEEP === '1'
export const logs = {
  server: path.join(OUT, 'e2e-console-server.log'),
  browser: path.join(OUT, 'e2e-console-browser.log'),
}

export const PASSWORD = 'demo'
export const WORKER = 'worker-0001'
export const SUPERVISOR = 'township-01'
/** Seeding the reference county from an empty folder: ~40 s in a debug build. */
export const SERVER_START_MS = 400_000
export const UI_MS = 30_000
export const VIEWPORT = { width: 1440, height: 900 }

export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-e2e-console-'))
