// The demo server: started in its own process group and stopped on any exit, success or not
// (the browser is closed by the entry's `finally`). The temporary folder goes with the run
// unless E2E_KEEP=1.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { sleep, tail } from '../../e2e-common/tools.mjs'
import { env, KEEP, SERVER_BIN, SERVER_START_MS, tmp } from './config.mjs'
import { CheckFailed, log } from './report.mjs'

let server = null

function killServerNow() {
  if (server && !server.exitStatus) {
    try {
      process.kill(-server.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

process.on('exit', () => {
  killServerNow()
  if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true })
})
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`interrupted by ${sig}: stopping everything this run started`)
    process.exit(130)
  })
}

/** `yiwang-server ARGS`, its output appended to `logFile`; the environment's YIWANG_* left out. */
export function launchServer(args, logFile) {
  const out = fs.openSync(logFile, 'a')
  const childEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('YIWANG_')))
  childEnv.RUST_LOG = env.RUST_LOG ?? 'warn'
  const child = spawn(SERVER_BIN, args, { env: childEnv, stdio: ['ignore', out, out], detached: true })
  fs.closeSync(out)
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((child.exitStatus = { code, signal })))
    child.once('error', (error) => resolve((child.exitStatus = { error: String(error) })))
  })
  server = child
  return child
}

/** SIGTERM the server's group, then SIGKILL it if it has not exited within 10 s. */
export async function stopServer() {
  if (!server || server.exitStatus) return
  try {
    process.kill(-server.pid, 'SIGTERM')
  } catch {
    return
  }
  const timeout = new Promise((r) => setTimeout(() => r('timeout'), 10_000))
  if ((await Promise.race([server.exited, timeout])) === 'timeout') killServerNow()
}

export async function waitHealthy(base, logFile) {
  const deadline = Date.now() + SERVER_START_MS
  while (Date.now() < deadline) {
    if (server.exitStatus) {
      throw new CheckFailed(`yiwang-server exited before it answered /healthz (${JSON.stringify(server.exitStatus)}); its log ends:\n${tail(logFile)}`)
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return
    } catch {
      // Not listening yet.
    }
    await sleep(300)
  }
  throw new CheckFailed(`yiwang-server answers /healthz within ${SERVER_START_MS / 1000} s`)
}
