// The recount: docs/DESIGN.md §4's measures from the ledger file, read-only through Debian's
// sqlite3, with none of the server's code. Cases visible to a unit user: lodged in, or held in,
// the unit's subtree. A department's figures (`{ department }`): the cases charged to it — the
// department its last event leaves the case with (a dispatch sets it; handling, verifying and
// closing keep it; a return or a reopening clears it), so a case it returned is not its.

import { execFileSync } from 'node:child_process'
import { check, log } from './report.mjs'

function sqlite(file, sql) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', file, sql], { maxBuffer: 1 << 30, encoding: 'utf8' })
  return out.trim() ? JSON.parse(out) : []
}

export function recount(ledgerFile, unitId, period) {
  const from = Date.parse(period.from)
  const to = Date.parse(period.to)
  const now = Date.parse(period.now)
  const inP = (t) => t >= from && t < to
  const department = typeof unitId === 'object' ? unitId.department : null
  const quote = (x) => x.replace(/'/g, "''")
  const which = department
    ? `SELECT id FROM cases WHERE instr(departments, ',${quote(department)},') > 0`
    : `SELECT id FROM cases WHERE instr(origin_path, '/${quote(unitId)}/') > 0
          OR holder_unit IN (SELECT id FROM org_units WHERE instr(path, '/${quote(unitId)}/') > 0)`
  const rows = sqlite(
    ledgerFile,
    `SELECT e.case_id AS c, e.seq AS s, e.data AS d FROM case_events e
     WHERE e.case_id IN (${which})
     ORDER BY e.case_id, e.seq`,
  )
  const byCase = new Map()
  for (const r of rows) {
    if (!byCase.has(r.c)) byCase.set(r.c, [])
    byCase.get(r.c).push(JSON.parse(r.d))
  }
  const m = {
    reported: 0, intake: 0, due: 0, closed: 0, closed_on_time: 0, verified: 0, reworked: 0,
    dispatched: 0, extended: 0, rated: 0, satisfied: 0, overdue_now: 0,
  }
  for (const events of byCase.values()) {
    const seen = events.filter((e) => Date.parse(e.at) <= now)
    if (!seen.length || seen[0].action !== 'report') continue
    let state = null
    let outcome = null
    let deadline = null
    let closedAt = null
    let dispatchedAt = null
    let extended = false
    // One rating of each source; the figure counts the resident's (no `source` = resident), else
    // the operator's.
    const ratings = { resident: null, operator: null }
    const verifications = []
    for (const e of seen) {
      const at = Date.parse(e.at)
      if (e.action === 'dispatch' && dispatchedAt === null) dispatchedAt = at
      if (e.action === 'extend_deadline') extended = true
      if (e.action === 'verify_pass') verifications.push([at, true])
      if (e.action === 'verify_fail') verifications.push([at, false])
      if (e.action === 'rate') ratings[e.source ?? 'resident'] = [e.rating, at]
      if (e.action === 'reopen') {
        ratings.resident = null
        ratings.operator = null
        closedAt = null
      }
      if (e.action === 'unmerge') closedAt = null
      if (e.effect.state === 'closed' && state !== 'closed') closedAt = at
      state = e.effect.state
      outcome = e.effect.outcome ?? null
      deadline = e.effect.deadline ? Date.parse(e.effect.deadline) : null
    }
    if (department && seen[seen.length - 1].effect.department !== department) continue
    const reportedAt = Date.parse(seen[0].at)
    // 不予立案: a case closed as invalid or duplicate was never opened.
    const real = outcome === null || outcome === 'resolved' || outcome === 'resolved_on_spot'
    if (inP(reportedAt)) {
      m.reported++
      if (real) m.intake++
    }
    if (!real) continue
    const closedIn = state === 'closed' && closedAt !== null && inP(closedAt)
    if (closedIn) {
      m.closed++
      m.due++
      if (deadline === null || closedAt <= deadline) m.closed_on_time++
    } else if (deadline !== null && inP(deadline) && deadline <= now && !(closedAt !== null && closedAt < from)) {
      m.due++
    }
    const vs = verifications.filter(([t]) => inP(t))
    if (vs.length) {
      m.verified++
      if (vs.some(([, pass]) => !pass)) m.reworked++
    }
    if (dispatchedAt !== null && inP(dispatchedAt)) {
      m.dispatched++
      if (extended) m.extended++
    }
    const rating = ratings.resident ?? ratings.operator
    if (rating && inP(rating[1])) {
      m.rated++
      if (rating[0] === 'satisfied' || rating[0] === 'basically_satisfied') m.satisfied++
    }
    if ((state === 'dispatched' || state === 'in_progress') && deadline !== null && deadline < now) m.overdue_now++
  }
  const ratio = (a, b) => (b > 0 ? a / b : null)
  m.closure_rate = ratio(m.closed, m.due)
  m.on_time_rate = ratio(m.closed_on_time, m.due)
  m.rework_rate = ratio(m.reworked, m.verified)
  m.extension_rate = ratio(m.extended, m.dispatched)
  m.satisfaction_rate = ratio(m.satisfied, m.rated)
  return m
}

/** Figures the recount checks: every count and every rate (the mean needs the working calendar). */
const RECOUNTED = [
  'reported', 'intake', 'due', 'closed', 'closed_on_time', 'verified', 'reworked', 'dispatched',
  'extended', 'rated', 'satisfied', 'overdue_now', 'closure_rate', 'on_time_rate', 'rework_rate',
  'extension_rate', 'satisfaction_rate',
]
export const same = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) < 1e-9)

export function checkRecount(stats, counted, who, least = 10) {
  log(`  ${who}: recounted ${RECOUNTED.slice(0, 12).map((k) => `${k} ${counted[k]}`).join(', ')}`)
  check(counted.reported > least && counted.closed > least, `${who}: the demo history gives the recount real cases to count`)
  for (const k of RECOUNTED) {
    check(same(stats.total[k], counted[k]), `${who}: stats ${k} = ${stats.total[k]} equals the ledger's recount ${counted[k]}`)
  }
}
