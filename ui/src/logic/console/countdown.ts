// The deadline of a case as a countdown. The server counts working time on its calendar
// (weekends and holidays off) and gives `remaining_working_minutes` as of the moment it
// answered; the console cannot count working time itself (it does not know the holidays), so
// it shows the server's figure as "working time left" and, beside it, the wall-clock time to the
// deadline, which it can count down to the second. Each says which it is.

import type { DeadlineStatus } from '@/generated'

export interface DeadlineInput {
  deadline: string | null | undefined
  remainingWorkingMinutes: number | null | undefined
  /** When the server gave the figures (the detail's fetch time). */
  fetchedAt: Date
  now: Date
  closed: boolean
}

export interface Span {
  days: number
  hours: number
  minutes: number
  seconds: number
}

export interface Countdown {
  /** No deadline (not dispatched yet), or the case is closed. */
  none: boolean
  overdue: boolean
  /** Working time left (negative: working time past), as of `fetchedAt`; null when not given. */
  workingMinutes: number | null
  /** Wall-clock time to the deadline from `now`, always positive; see `overdue` for the sign. */
  wall: Span
  /** 'working' when the server gave working minutes, else 'wall'. */
  basis: 'working' | 'wall'
  /** Less than one working day (8 h) left: the UI warns. */
  urgent: boolean
}

export function split(ms: number): Span {
  const s = Math.floor(Math.abs(ms) / 1000)
  return {
    days: Math.floor(s / 86400),
    hours: Math.floor((s % 86400) / 3600),
    minutes: Math.floor((s % 3600) / 60),
    seconds: s % 60,
  }
}

export function countdown(x: DeadlineInput): Countdown {
  const zero: Span = { days: 0, hours: 0, minutes: 0, seconds: 0 }
  const t = x.deadline ? Date.parse(x.deadline) : NaN
  if (x.closed || Number.isNaN(t)) {
    return { none: true, overdue: false, workingMinutes: null, wall: zero, basis: 'wall', urgent: false }
  }
  const left = t - x.now.getTime()
  const working = typeof x.remainingWorkingMinutes === 'number' && Number.isFinite(x.remainingWorkingMinutes)
    ? x.remainingWorkingMinutes
    : null
  const overdue = left < 0
  const basis = working === null ? 'wall' : 'working'
  const urgent = !overdue && (working !== null ? working < 8 * 60 : left < 8 * 3600_000)
  return { none: false, overdue, workingMinutes: working, wall: split(left), basis, urgent }
}

/** 3780 → {hours: 63, minutes: 0}: working time is read in hours (a working day is 8 h). */
export function workingHoursMinutes(minutes: number): { hours: number; minutes: number } {
  const m = Math.abs(Math.trunc(minutes))
  return { hours: Math.floor(m / 60), minutes: m % 60 }
}

/** "2天 03:04:05" / "2d 03:04:05"; under a day "03:04:05". */
export function formatSpan(s: Span, lang: 'zh-CN' | 'en'): string {
  const hms = [s.hours, s.minutes, s.seconds].map((n) => String(n).padStart(2, '0')).join(':')
  if (s.days === 0) return hms
  return lang === 'en' ? `${s.days}d ${hms}` : `${s.days}天 ${hms}`
}

// ---------------------------------------------------------------------------------------------
// The deadline panel of a case page: what it says depends on where the case stands against its
// deadline (the server's `deadline_status`), not only on the clock. A countdown is only for a
// case still at a department; once handled (处理反馈 / 本级办结), verifying or closed the case is
// judged at the moment it was handled, and the panel says how that came out, without a clock.

/** The detail's `deadline_status` (core's `DeadlineStatus`). */
export type DeadlineStatusName = DeadlineStatus

export interface PanelInput {
  state: string
  status: DeadlineStatusName
  deadline: string | null | undefined
  /** When the case was last reported handled (`case.handled_at`). */
  handledAt: string | null | undefined
  closedAt: string | null | undefined
  remainingWorkingMinutes: number | null | undefined
  /** When the server gave the figures (the detail's fetch time). */
  fetchedAt: Date
  now: Date
}

export interface HoursMinutes {
  hours: number
  minutes: number
}

export type DeadlinePanel =
  /** No deadline runs: not dispatched (or taken back from the department), or handled/closed
   *  without ever having had one. `handledAt`/`closedAt` say when it was, where it was. */
  | { kind: 'none'; state: string; handledAt: string | null; closedAt: string | null }
  /** Handled, verifying or closed with a deadline: on time or late, judged when it was handled.
   *  `late` is the clock time past the deadline (null when on time or when not known). */
  | { kind: 'handled'; onTime: boolean; state: string; deadline: string; handledAt: string | null; closedAt: string | null; late: HoursMinutes | null }
  /** At the department, before the deadline: a countdown. `working` is the server's working
   *  time left as of its answer (null when it gave none); `wall` counts down on the clock. */
  | { kind: 'running'; deadline: string; working: HoursMinutes | null; wall: Span; urgent: boolean }
  /** At the department, past the deadline. `working` is the working time past it (the server's
   *  figure); `offHours`: the server says no working time has passed since the deadline yet (it
   *  passed at night or on a holiday); `stale`: the server said it was running and the clock has
   *  since passed the deadline (the page should ask again). `wall`: clock time past it. */
  | { kind: 'overdue'; deadline: string; working: HoursMinutes | null; offHours: boolean; stale: boolean; wall: Span }

/** Minutes, rounded up, as hours and minutes: 61.2 min → 1 h 2 min; never "0 h 0 min" for a
 *  positive amount. */
export function hoursMinutesUp(ms: number): HoursMinutes {
  const m = Math.max(0, Math.ceil(ms / 60_000))
  return { hours: Math.floor(m / 60), minutes: m % 60 }
}

const AFTER_HANDLING = new Set(['handled', 'verifying', 'closed'])

export function deadlinePanel(x: PanelInput): DeadlinePanel {
  const handledAt = x.handledAt || (x.state === 'closed' ? x.closedAt || null : null)
  const closedAt = x.state === 'closed' ? x.closedAt || null : null
  const deadline = x.deadline && !Number.isNaN(Date.parse(x.deadline)) ? x.deadline : null
  if (x.status === 'handled_on_time' || x.status === 'handled_late') {
    if (!deadline) return { kind: 'none', state: x.state, handledAt, closedAt }
    const onTime = x.status === 'handled_on_time'
    const past = handledAt ? Date.parse(handledAt) - Date.parse(deadline) : NaN
    const late = !onTime && Number.isFinite(past) && past > 0 ? hoursMinutesUp(past) : null
    return { kind: 'handled', onTime, state: x.state, deadline, handledAt, closedAt, late }
  }
  // No deadline runs, or the state says the case is no longer worked against one (a status
  // that disagrees with the state is not counted down either).
  if (x.status === 'no_deadline' || !deadline || AFTER_HANDLING.has(x.state)) {
    return { kind: 'none', state: x.state, handledAt, closedAt }
  }
  const left = Date.parse(deadline) - x.now.getTime()
  const given = typeof x.remainingWorkingMinutes === 'number' && Number.isFinite(x.remainingWorkingMinutes)
    ? Math.trunc(x.remainingWorkingMinutes)
    : null
  if (x.status === 'overdue' || left < 0) {
    const stale = x.status !== 'overdue'
    const working = !stale && given !== null && given < 0 ? workingHoursMinutes(given) : null
    const offHours = !stale && given !== null && given >= 0
    return { kind: 'overdue', deadline, working, offHours, stale, wall: split(left) }
  }
  const working = given !== null ? workingHoursMinutes(Math.max(0, given)) : null
  const urgent = given !== null ? given < 8 * 60 : left < 8 * 3600_000
  return { kind: 'running', deadline, working, wall: split(left), urgent }
}

/** Whether the panel counts down (a clock that ticks): only while the case is at a department. */
export function panelTicks(p: DeadlinePanel): boolean {
  return p.kind === 'running' || p.kind === 'overdue'
}
