import { describe, expect, it } from 'vitest'
import { DEFAULT_PERIOD, daysBetween, isDay, periodFromQuery, periodToQuery, rangeProblem, statsQuery } from './periods'

// 2026-12-01 02:30 Beijing time: still November in UTC.
const now = new Date('2026-11-30T18:30:00Z')

describe('dashboard periods', () => {
  it('round-trips through the route query', () => {
    for (const q of [{}, { period: '7' }, { period: '365' }, { period: 'this_month' }, { period: 'last_month' }, { from: '2026-10-01', to: '2026-10-31' }]) {
      expect(periodToQuery(periodFromQuery(q))).toEqual(q)
    }
  })
  it('reads anything else as the default', () => {
    for (const q of [{ period: '31' }, { period: 'yesterday' }, { from: '2026-10-31', to: '2026-10-01' }, { from: '2026-02-30', to: '2026-03-01' }, { from: '2024-01-01', to: '2026-01-02' }, { from: '2026-10-01' }]) {
      expect(periodFromQuery(q)).toEqual(DEFAULT_PERIOD)
    }
    expect(periodFromQuery({ period: ['90', '7'] })).toEqual({ kind: 'days', days: 90 })
  })
  it('asks the server for Beijing-time months', () => {
    expect(statsQuery({ kind: 'this_month' }, now)).toBe('from=2026-12-01&to=2026-12-01')
    expect(statsQuery({ kind: 'last_month' }, now)).toBe('from=2026-11-01&to=2026-11-30')
    expect(statsQuery({ kind: 'last_month' }, new Date('2026-03-10T04:00:00Z'))).toBe('from=2026-02-01&to=2026-02-28')
    expect(statsQuery({ kind: 'last_month' }, new Date('2026-01-05T04:00:00Z'))).toBe('from=2025-12-01&to=2025-12-31')
  })
  it('days from now, the default as the server defines it, ranges as days', () => {
    expect(statsQuery({ kind: 'days', days: 30 }, now)).toBe('')
    expect(statsQuery({ kind: 'days', days: 7 }, now)).toBe(`from=${encodeURIComponent('2026-11-23T18:30:00.000Z')}`)
    expect(statsQuery({ kind: 'range', from: '2026-10-01', to: '2026-10-31' }, now)).toBe('from=2026-10-01&to=2026-10-31')
  })
  it('checks a picked range', () => {
    expect(daysBetween('2026-11-01', '2026-11-30')).toBe(30)
    expect(rangeProblem('2026-11-02', '2026-11-01')).toBe('order')
    expect(rangeProblem('2024-11-01', '2026-11-01')).toBe(null)
    expect(rangeProblem('2024-11-01', '2026-11-02')).toBe('too_long')
    expect(isDay('2026-02-29')).toBe(false)
    expect(isDay('2028-02-29')).toBe(true)
  })
})
