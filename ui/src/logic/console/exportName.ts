// The file name an export is saved under: what it is, the filter's gist and when it was taken
// (Beijing time). In words a clerk reads (案件清单_待受理_超期_街道1_20261126-0905.csv) when the
// screen gives the words; otherwise in ASCII. Either way nothing in it can leave the folder.
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

/** The words of a readable export name, in the UI's language. */
export interface ExportWords {
  /** 案件清单 / Cases. */
  title: string
  state: (s: string) => string
  overdue: string
  supervised: string
  /** A unit's, grid's, department's or category's name by its id (the id where unknown). */
  name: (id: string) => string
}

/** Characters no file system or mail client takes in a name, and control characters. */
const UNSAFE = /[\\/:*?"<>|\u0000-\u001f\u007f]+/g

/** `案件清单_待受理、已认领_超期_街道1_2026-11-01至今_20261126-0905.csv`. */
export function readableExportName(kind: ExportKind, v: QueueView, now: Date, w: ExportWords): string {
  const parts = [w.title]
  const states = CASE_STATES.filter((s) => v.filter.states.includes(s))
  if (states.length > 0 && states.length < CASE_STATES.length) parts.push(states.map(w.state).join('、'))
  if (v.filter.overdue === true) parts.push(w.overdue)
  if (v.filter.supervised === true) parts.push(w.supervised)
  for (const x of [v.filter.township, v.filter.community, v.filter.grid, v.filter.department, v.filter.category]) {
    if (x.trim()) parts.push(w.name(x.trim()))
  }
  if (v.filter.from || v.filter.to) parts.push(`${v.filter.from || '…'}~${v.filter.to || '…'}`)
  parts.push(stamp(now))
  const name = parts
    .map((p) => p.replace(UNSAFE, '_').replace(/^[.\s_]+|[.\s_]+$/g, ''))
    .filter(Boolean)
    .join('_')
    .slice(0, 150)
  return `${name}.${kind}`
}
