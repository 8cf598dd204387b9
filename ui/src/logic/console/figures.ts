// The dashboard's figures as people read them: rates as percentages, hours with one decimal,
// counts with thousands separators. A missing figure (a rate over zero cases) is "—", never 0.
import type { Lang } from '@/logic/caseBadge'

/** 0.954 → "95.4%"; 1 → "100%"; null/NaN → "—". */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  const p = Math.round(rate * 1000) / 10
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)}%`
}

/** 11050 → "11,050"; null → "—". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return Math.round(n).toLocaleString('en-US')
}

/** 36.26 → "36.3 小时" / "36.3 h"; null → "—". */
export function formatHours(h: number | null | undefined, lang: Lang): string {
  if (h === null || h === undefined || !Number.isFinite(h)) return '—'
  const s = h >= 100 ? Math.round(h).toString() : h.toFixed(1)
  return lang === 'en' ? `${s} h` : `${s} 小时`
}

/** The raw value a `data-value` hook carries: the server's number as JSON writes it; null → "". */
export function rawValue(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '' : String(n)
}

/** The measures the dashboard shows, in order, with how each reads. */
export const DASHBOARD_MEASURES = [
  { key: 'intake', kind: 'count' },
  { key: 'closure_rate', kind: 'rate' },
  { key: 'on_time_rate', kind: 'rate' },
  { key: 'rework_rate', kind: 'rate' },
  { key: 'extension_rate', kind: 'rate' },
  { key: 'satisfaction_rate', kind: 'rate' },
  { key: 'overdue_now', kind: 'count' },
  { key: 'mean_hours_to_close', kind: 'hours' },
] as const

export type MeasureKey = (typeof DASHBOARD_MEASURES)[number]['key']

export function formatMeasure(kind: 'count' | 'rate' | 'hours', v: number | null | undefined, lang: Lang): string {
  if (kind === 'rate') return formatRate(v)
  if (kind === 'hours') return formatHours(v, lang)
  return formatCount(v)
}

/** A coverage row's state from its patrol windows: 2 covered, 1 partial, 0 none. */
export function coverageClass(windows: number): 'covered' | 'partial' | 'none' {
  return windows >= 2 ? 'covered' : windows === 1 ? 'partial' : 'none'
}

export const COVERAGE_COLORS = { covered: '#2e9d5b', partial: '#e6a23c', none: '#d9534f' } as const
