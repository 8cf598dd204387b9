import { describe, expect, it } from 'vitest'
import { coverageClass, formatCount, formatHours, formatMeasure, formatRate, rawValue } from './figures'
import { beijingDay, breakdownQuery, dayQuery, figureQuery, lastDayOf } from './statsLinks'
import { casesQuery, filterProblem, fromRouteQuery } from './filters'

describe('figures', () => {
  it('rates read as percentages with at most one decimal', () => {
    expect(formatRate(0.9544159544159544)).toBe('95.4%')
    expect(formatRate(1)).toBe('100%')
    expect(formatRate(0)).toBe('0%')
    expect(formatRate(0.04210526)).toBe('4.2%')
    expect(formatRate(null)).toBe('—')
    expect(formatRate(NaN)).toBe('—')
  })
  it('counts and hours', () => {
    expect(formatCount(11050)).toBe('11,050')
    expect(formatCount(undefined)).toBe('—')
    expect(formatHours(36.26, 'zh-CN')).toBe('36.3 小时')
    expect(formatHours(120.4, 'en')).toBe('120 h')
    expect(formatMeasure('rate', 0.5, 'en')).toBe('50%')
  })
  it('data-value carries the raw number, not the text', () => {
    expect(rawValue(0.9544159544159544)).toBe('0.9544159544159544')
    expect(rawValue(null)).toBe('')
  })
  it('coverage classes', () => {
    expect([0, 1, 2].map(coverageClass)).toEqual(['none', 'partial', 'covered'])
  })
})

describe('figure links', () => {
  const from = '2026-10-27T22:52:53.401Z' // 10-28 06:52 in Beijing
  const to = '2026-11-26T16:00:00Z' // 11-27 00:00 in Beijing: the period ends with 11-26
  it('name Beijing days', () => {
    expect(beijingDay(from)).toBe('2026-10-28')
    expect(lastDayOf(to)).toBe('2026-11-26')
  })
  it('link each figure to the cases the server counted for it, over the same period', () => {
    expect(figureQuery('closure_rate', from, to)).toEqual({ measure: 'closure_rate', from, to })
    // The rates a leader chases link to their failures.
    expect(figureQuery('on_time_rate', from, to)).toEqual({ measure: 'not_on_time', from, to })
    expect(figureQuery('satisfaction_rate', from, to)).toEqual({ measure: 'dissatisfied', from, to })
    expect(breakdownQuery('category_class', '01', from, to)).toEqual({ measure: 'intake', dimension: 'category_class', key: '01', from, to })
    expect(dayQuery('2026-11-20', 'closed')).toEqual({ measure: 'closed', from: '2026-11-20', to: '2026-11-20' })
  })
  it('survive the trip through the queue route into the API query', () => {
    const v = fromRouteQuery(breakdownQuery('department', 'power', from, to))
    const q = new URLSearchParams(casesQuery(v))
    expect(q.get('measure')).toBe('intake')
    expect(q.get('dimension')).toBe('department')
    expect(q.get('key')).toBe('power')
    expect(q.get('from')).toBe(from)
    expect(q.get('to')).toBe(to)
    expect(filterProblem(v.filter)).toBeNull()
    // Without a measure, a time is not a report-date filter the form can hold.
    expect(fromRouteQuery({ from, to }).filter.from).toBe('')
    // A dimension without its key is dropped rather than refused by the server.
    expect(new URLSearchParams(casesQuery(fromRouteQuery({ measure: 'closed', dimension: 'township' }))).get('dimension')).toBeNull()
  })
})
