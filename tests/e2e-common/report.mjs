// What both end-to-end runs report with: a timed log line tagged with the run's name, the steps
// of the story, and checks whose message says what should have held. No dependencies.

export class CheckFailed extends Error {}

/** A check of the story; `why` says what should have held. */
export function check(ok, why) {
  if (!ok) throw new CheckFailed(why)
}

/**
 * The log and the steps of one run, its lines tagged `[<tag> <seconds since start> s]`;
 * `currentStep` is the step running now ('setup' before the first), for the failure report.
 */
export function reporter(tag) {
  const started = Date.now()
  const report = { currentStep: 'setup' }
  const log = (msg) => console.log(`[${tag} ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`)

  async function step(name, fn) {
    report.currentStep = name
    const t0 = Date.now()
    log(`▶ ${name}`)
    const result = await fn()
    log(`  ✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    return result
  }

  return Object.assign(report, { log, step })
}
