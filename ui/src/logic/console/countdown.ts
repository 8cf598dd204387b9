// The deadline of a case as a countdown. The server counts working time on its calendar
// (weekends and holidays off) and gives `remaining_working_minutes` as of the moment it
// answered; the console cannot count working time itself (it does not know the holidays), so
// it shows the server's figure as "working time left" and, beside it, the wall-clock time to the
// deadline, which it can count down to the second. Each says which it is.

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
