// Each dashboard figure links to the case queue with the filter behind it. The stats count
// over a period; the queue filters by report date, so the links name the period's days and the
// states the figure counts. (Rates link to the cases their numerator counts.)
import type { MeasureKey } from './figures'

/** A Beijing-time day `YYYY-MM-DD` of an instant. */
export function beijingDay(t: string | Date): string {
  const d = typeof t === 'string' ? new Date(t) : t
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}

/** The last day a period ending at `to` (exclusive) covers. */
export function lastDayOf(to: string): string {
  return beijingDay(new Date(Date.parse(to) - 1))
}

/** The rates whose figure links to the cases they miss, the ones a leader chases. */
export const FAILURES: Partial<Record<MeasureKey, string>> = { on_time_rate: 'not_on_time', satisfaction_rate: 'dissatisfied' }

/**
 * The queue route query behind a figure over the stats period [from, to): the server lists
 * exactly the cases `/api/v1/stats` counted (`measure=`; a rate lists its numerator, except
 * 按期结案率 and 满意率, which list the cases they miss: not closed on time, not satisfied).
 */
export function figureQuery(measure: MeasureKey, from: string, to: string): Record<string, string> {
  return { measure: FAILURES[measure] ?? measure, from, to }
}

/** A breakdown row (township, department, category…) links to the cases its intake counts. */
export function breakdownQuery(dimension: string, key: string, from: string, to: string, measure = 'intake'): Record<string, string> {
  return { measure, dimension, key, from, to }
}

/** A day of the trend links to the cases counted that (Beijing) day: intake or closed. */
export function dayQuery(day: string, measure: 'intake' | 'closed'): Record<string, string> {
  return { measure, from: day, to: day }
}
