// The run's settings (from the environment, all optional: e2e.mjs lists them) and the folders
// it works in: a fresh temporary one for the server's and the app's data, the logs in E2E_OUT.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const root = path.resolve(here, '../../..')
export const env = process.env
export const APP_BIN = path.resolve(env.YIWANG_APP_BIN ?? '/var/tmp/yiwang-target-app/debug/yiwang-app')
export const SERVER_BIN = path.resolve(
  env.YIWANG_SERVER_BIN ??
    path.join(env.CARGO_TARGET_DIR ?? '/var/tmp/yiwang-target', 'debug', 'yiwang-server'),
)
export const TAURI_DRIVER = env.TAURI_DRIVER ?? 'tauri-driver'
export const OUT = path.resolve(env.E2E_OUT ?? path.join(root, 'target-e2e'))
export const SHOTS = path.join(OUT, 'screenshots')
export const KEEP = env.E2E_KEEP === '1'

export const WORKER = 'worker-0001'
export const PASSWORD = 'demo'
/** Seeding the reference county from an empty folder takes ~30 s in a debug build. */
export const SERVER_START_MS = 300_000
export const SCREEN_MS = 30_000
/** The agent syncs ~5 s after a save; a restarted server may meet a backoff: "sync now" wakes it. */
export const SYNC_MS = 120_000

export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-e2e-'))
export const serverDir = path.join(tmp, 'server')
export const appDir = path.join(tmp, 'app')
export const logs = {
  server: path.join(OUT, 'server.log'),
  driver: path.join(OUT, 'tauri-driver.log'),
}
