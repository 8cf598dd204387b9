// The file name an export is saved under: what it is, the filter's gist and when it was taken
// (Beijing time), ASCII only so every file system and mail client keeps it.
import type { QueueView } from './filters'
import { CASE_STATES } from './filters'

export type ExportKind = 'csv' | 'geojson'

function stamp(now: Date): string {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  })
  const p = Object.fromEntries(f.formatToParts(now).map((x) => [x.type, x.value]))
  return `${p.year}${p.month}${p.day}-${p.hour}${p.minute}`
}

/** `yiwang-cases-pending+claimed-overdue-20261126-0905.csv`. */
export function exportFileName(kind: ExportKind, v: QueueView, now: Date): string {
  const parts = ['yiwang-cases']
  const states = CASE_STATES.filter((s) => v.filter.states.includes(s))
  if (states.length > 0 && states.length < CASE_STATES.length) parts.push(states.join('+'))
  if (v.filter.overdue === true) parts.push('overdue')
  if (v.filter.supervised === true) parts.push('supervised')
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '')
  for (const x of [v.filter.township, v.filter.community, v.filter.grid, v.filter.department, v.filter.category]) {
    const s = safe(x)
    if (s) parts.push(s)
  }
  if (v.filter.from || v.filter.to) parts.push(`${v.filter.from || 'start'}_${v.filter.to || 'now'}`)
  parts.push(stamp(now))
  return `${parts.join('-')}.${kind}`
}
