// Processes: each started in its own process group, so stopping it stops what it started
// (tauri-driver → WebKitWebDriver → the app). All of them are stopped on any exit.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { sleep, portOpen, tail } from '../../e2e-common/tools.mjs'
import { env, KEEP, logs, SERVER_BIN, SERVER_START_MS, serverDir, TAURI_DRIVER, appDir, tmp } from './config.mjs'
import { check, CheckFailed, log } from './report.mjs'

const children = new Set()

export function launch(name, cmd, args, extraEnv, logFile) {
  const out = fs.openSync(logFile, 'a')
  fs.writeSync(out, `\n=== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`)
  const child = spawn(cmd, args, {
    env: extraEnv,
    stdio: ['ignore', out, out],
    detached: true,
  })
  fs.closeSync(out)
  child.label = name
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      child.exitStatus = { code, signal }
      children.delete(child)
      resolve(child.exitStatus)
    })
    child.once('error', (err) => {
      child.exitStatus = { code: null, signal: null, error: err }
      children.delete(child)
      resolve(child.exitStatus)
    })
  })
  children.add(child)
  return child
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

/** SIGTERM the child's group, then SIGKILL it if it has not exited within `graceMs`. */
export async function stop(child, graceMs = 10_000) {
  if (!child || child.exitStatus) return
  killGroup(child, 'SIGTERM')
  const timer = new Promise((r) => setTimeout(() => r('timeout'), graceMs))
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    killGroup(child, 'SIGKILL')
    await child.exited
  }
}

/**
 * Processes this run started that left their group (none should): found by the data folder
 * this run gave the app, which no other process has in its environment.
 */
function strayApps(marker) {
  const found = []
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1')
      if (environ.split('\0').includes(marker) && Number(pid) !== process.pid) found.push(Number(pid))
    } catch {
      // Exited meanwhile, or not ours to read.
    }
  }
  return found
}

let appDataMarker = null

/** From now on, stray app processes are found (and stopped) by the app's data folder. */
export function watchApp(dataDir) {
  appDataMarker = `YIWANG_DATA_DIR=${dataDir}`
}

function killEverythingNow() {
  for (const child of children) killGroup(child, 'SIGKILL')
  if (appDataMarker) {
    for (const pid of strayApps(appDataMarker)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone.
      }
    }
  }
}

process.on('exit', killEverythingNow)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`interrupted by ${sig}: stopping everything this run started`)
    killEverythingNow()
    if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true })
    process.exit(130)
  })
}

/** At the end of the run: the app processes that outlived their group, if any. */
export function stopStrayApps() {
  for (const pid of strayApps(appDataMarker)) {
    log(`stopping a leftover app process ${pid}`)
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The demo server and tauri-driver

/** The demo server on 127.0.0.1:`port` with this run's server folder (a restart reuses both). */
export function launchServer(port) {
  const serverArgs = ['demo', '--data-dir', serverDir, '--listen', `127.0.0.1:${port}`]
  const serverEnv = { ...env, RUST_LOG: env.RUST_LOG ?? 'info' }
  return launch('yiwang-server', SERVER_BIN, serverArgs, serverEnv, logs.server)
}

export async function waitHealthy(base, child, logFile) {
  const deadline = Date.now() + SERVER_START_MS
  while (Date.now() < deadline) {
    if (child.exitStatus) {
      throw new CheckFailed(
        `yiwang-server exited before it answered /healthz (${JSON.stringify(child.exitStatus)}); ` +
          `its log ends:\n${tail(logFile)}`,
      )
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

/** tauri-driver on `driverPort`; the app it starts gets this run's data folder. */
export function launchDriver(driverPort, nativePort) {
  const appEnv = { ...env, YIWANG_DATA_DIR: appDir }
  // The demo login pre-fill is for `make demo`; here the form is typed in.
  for (const k of ['YIWANG_DEMO_SERVER', 'YIWANG_DEMO_USER', 'YIWANG_DEMO_PASSWORD', 'YIWANG_STARTUP_PROBE']) delete appEnv[k]
  return launch(
    'tauri-driver',
    TAURI_DRIVER,
    ['--port', String(driverPort), '--native-port', String(nativePort)],
    appEnv,
    logs.driver,
  )
}

/** tauri-driver listens, and so does the WebKitWebDriver it proxies to (it starts it). */
export async function waitDriverListening(driver, driverPort, nativePort) {
  const deadline = Date.now() + 20_000
  for (const [port, who] of [[driverPort, 'tauri-driver'], [nativePort, 'WebKitWebDriver']]) {
    while (!(await portOpen(port))) {
      check(!driver.exitStatus, `tauri-driver keeps running (it exited: ${JSON.stringify(driver.exitStatus)}; log:\n${tail(logs.driver)})`)
      check(Date.now() < deadline, `${who} listens on ${port} within 20 s`)
      await sleep(200)
    }
  }
}
