// The dashboard's statistics period as the assessments use them: the last 7/30/90/365 days,
// this month (本月) or last month (上月) in Beijing time, or a range of days. Kept in the route
// query (`period=30`, `period=this_month`, `period=last_month`, or `from=YYYY-MM-DD&to=…`),
// so Back, a refresh and a shared link show the same figures.

export type Period =
  | { kind: 'days'; days: (typeof DAY_PERIODS)[number] }
  | { kind: 'this_month' }
  | { kind: 'last_month' }
  | { kind: 'range'; from: string; to: string }

export const DAY_PERIODS = [7, 30, 90, 365] as const
/** The longest range the server answers (`console::figures::MAX_PERIOD_DAYS`, 731 days). */
export const MAX_RANGE_DAYS = 731
export const DEFAULT_PERIOD: Period = { kind: 'days', days: 30 }

const DAY = /^\d{4}-\d{2}-\d{2}$/

function one(v: unknown): string {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : ''
}

/** A real calendar day `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  if (!DAY.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

/** Days from `from` to `to`, both counted (`2026-11-01`..`2026-11-30` is 30). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400_000) + 1
}

/** The period a route query names; anything unreadable is the default (30 days). */
export function periodFromQuery(q: Record<string, unknown>): Period {
  const p = one(q.period)
  if (p === 'this_month' || p === 'last_month') return { kind: p }
  const n = Number(p)
  if ((DAY_PERIODS as readonly number[]).includes(n)) return { kind: 'days', days: n as (typeof DAY_PERIODS)[number] }
  const from = one(q.from)
  const to = one(q.to)
  if (isDay(from) && isDay(to) && from <= to && daysBetween(from, to) <= MAX_RANGE_DAYS) return { kind: 'range', from, to }
  return DEFAULT_PERIOD
}

/** The route query of a period (the default's is empty). */
export function periodToQuery(p: Period): Record<string, string> {
  switch (p.kind) {
    case 'days': return p.days === 30 ? {} : { period: String(p.days) }
    case 'this_month':
    case 'last_month': return { period: p.kind }
    case 'range': return { from: p.from, to: p.to }
  }
}

/** The Beijing-time day of an instant. */
function beijingDay(t: Date): string {
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}

/** The first day of the month `months` after the month of `day` (negative: before). */
function monthStart(day: string, months: number): string {
  const [y, m] = day.split('-').map(Number)
  const d = new Date(Date.UTC(y, m - 1 + months, 1))
  return d.toISOString().slice(0, 10)
}

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86400_000).toISOString().slice(0, 10)
}

/**
 * The `/api/v1/stats` query of a period at `now` ('' for the server's own default, 30 days to
 * now): days as `from=<instant>`, months and ranges as Beijing days (`to` a day means through
 * its end).
 */
export function statsQuery(p: Period, now: Date): string {
  switch (p.kind) {
    case 'days':
      return p.days === 30 ? '' : `from=${encodeURIComponent(new Date(now.getTime() - p.days * 86400_000).toISOString())}`
    case 'this_month': {
      const today = beijingDay(now)
      return `from=${monthStart(today, 0)}&to=${today}`
    }
    case 'last_month': {
      const first = monthStart(beijingDay(now), 0)
      return `from=${monthStart(first, -1)}&to=${dayBefore(first)}`
    }
    case 'range':
      return `from=${p.from}&to=${p.to}`
  }
}

/** Why a picked range cannot be asked for, or null. */
export function rangeProblem(from: string, to: string): 'order' | 'too_long' | null {
  if (from > to) return 'order'
  if (daysBetween(from, to) > MAX_RANGE_DAYS) return 'too_long'
  return null
}
