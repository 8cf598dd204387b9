// The case queue's filters (the query `GET /api/v1/cases` and the exports take, read from the
// server's `CaseFilterQuery`), and their two spellings: the API query string and the console's
// route query (so a dashboard figure can link to "the cases behind it" and a reload keeps them).

import { CASE_STATES, CHANNELS, type CaseState, type Channel } from '@/generated'

export { CASE_STATES, CHANNELS }
export type CaseStateName = CaseState
/** Every state a case is still being worked in: the queue a desk opens on. */
export const OPEN_STATES: readonly CaseStateName[] = CASE_STATES.filter((s) => s !== 'closed')

/** The queue's landing route: the cases still being worked (closed ones are one click away). */
export const OPEN_QUEUE_ROUTE = `/cases?state=${OPEN_STATES.join(',')}`

/** Whether a filter asks for exactly the open states. */
export function isOpenQueue(states: readonly string[]): boolean {
  return states.length === OPEN_STATES.length && OPEN_STATES.every((s) => states.includes(s))
}

export type ChannelName = Channel

/** The 回访 filter (`rating=`): closed cases by the rating the satisfaction figure counts (the
 *  resident's, else the operator's); `unrated`: closed as a real case and not rated at all. */
export const RATING_FILTERS = ['unrated', 'satisfied', 'basically_satisfied', 'dissatisfied'] as const
export type RatingFilter = (typeof RATING_FILTERS)[number]

/** The states a department asks for a later deadline in (延期申请 waits there). */
const AT_DEPARTMENT: readonly CaseStateName[] = ['dispatched', 'in_progress']

export const SORT_KEYS = ['reported_at', 'updated_at', 'deadline'] as const
export type SortKey = (typeof SORT_KEYS)[number]

export interface CaseFilter {
  states: CaseStateName[]
  holderUnit: string
  township: string
  community: string
  grid: string
  category: string
  department: string
  /** null: either. */
  overdue: boolean | null
  supervised: boolean | null
  /** 延期待审批: only cases with a department's request for a later deadline nobody decided yet. */
  extensionRequested: boolean
  /** 回访: closed cases by rating; '' any. */
  rating: RatingFilter | ''
  /** A department's 已退回 view: the cases it returned (or that were taken from it) instead of
   *  the ones charged to it. Only a department may ask (the server refuses it for others). */
  returned: boolean
  channel: ChannelName | ''
  text: string
  /** YYYY-MM-DD (Beijing days; `to` includes its whole day, as the server reads it); with a
   *  `measure`, the figure's period as `/api/v1/stats` gave it (RFC 3339 or days). */
  from: string
  to: string
  /** The cases behind a dashboard figure (`measure=`, a name of the server's FIGURE_NAMES), and
   *  for a breakdown row its `dimension` and `key`. Empty: no figure. */
  measure: string
  dimension: string
  key: string
}

export interface CaseSort {
  key: SortKey
  /** null: the server's default direction for the key. */
  descending: boolean | null
}

export interface QueueView {
  filter: CaseFilter
  sort: CaseSort
  page: number
  pageSize: number
}

export const PAGE_SIZES = [20, 50, 100, 200] as const
export const DEFAULT_PAGE_SIZE = 50

export function emptyFilter(): CaseFilter {
  return {
    states: [], holderUnit: '', township: '', community: '', grid: '', category: '', department: '',
    overdue: null, supervised: null, extensionRequested: false, rating: '', returned: false, channel: '', text: '', from: '', to: '', measure: '', dimension: '', key: '',
  }
}

export function defaultView(): QueueView {
  return { filter: emptyFilter(), sort: { key: 'reported_at', descending: null }, page: 1, pageSize: DEFAULT_PAGE_SIZE }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** A filter problem the user can fix before asking the server; null when the filter is fine. */
export function filterProblem(f: CaseFilter): 'bad_from' | 'bad_to' | 'to_before_from' | null {
  const ok = (s: string) => isDay(s) || (!!f.measure && isInstant(s))
  if (f.from && !ok(f.from)) return 'bad_from'
  if (f.to && !ok(f.to)) return 'bad_to'
  // Days compare as text; instants by time (a figure's `to` is exclusive, so equal is wrong too).
  if (f.from && f.to && isDay(f.from) && isDay(f.to) && f.to < f.from) return 'to_before_from'
  if (f.from && f.to && isInstant(f.from) && isInstant(f.to) && Date.parse(f.to) <= Date.parse(f.from)) return 'to_before_from'
  return null
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

function isInstant(s: string): boolean {
  return INSTANT.test(s) && !Number.isNaN(Date.parse(s))
}

function isDay(s: string): boolean {
  if (!DAY.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s)
}

/** The filter as the API's query pairs, in a stable order; empty filters are left out. */
export function filterParams(f: CaseFilter): [string, string][] {
  const out: [string, string][] = []
  const put = (k: string, v: string) => {
    const t = v.trim()
    if (t) out.push([k, t])
  }
  // Keep the server's order of states whatever order they were ticked in.
  const states = CASE_STATES.filter((s) => f.states.includes(s))
  put('state', states.join(','))
  put('holder_unit', f.holderUnit)
  put('township', f.township)
  put('community', f.community)
  put('grid', f.grid)
  put('category', f.category)
  put('department', f.department)
  if (f.overdue !== null) out.push(['overdue', String(f.overdue)])
  if (f.supervised !== null) out.push(['supervised', String(f.supervised)])
  if (f.extensionRequested) out.push(['extension_requested', 'true'])
  put('rating', f.rating)
  if (f.returned) out.push(['returned', 'true'])
  put('channel', f.channel)
  put('q', f.text)
  put('from', f.from)
  put('to', f.to)
  if (f.measure.trim()) {
    put('measure', f.measure)
    // A breakdown row needs both; the server refuses one without the other.
    if (f.dimension.trim() && f.key.trim()) {
      put('dimension', f.dimension)
      put('key', f.key)
    }
  }
  return out
}

function sortParams(s: CaseSort): [string, string][] {
  const out: [string, string][] = []
  if (s.key !== 'reported_at' || s.descending !== null) out.push(['sort', s.key])
  if (s.descending !== null) out.push(['order', s.descending ? 'desc' : 'asc'])
  return out
}

/** `state=pending&overdue=true&page=2&page_size=50` for `GET /api/v1/cases`. */
export function casesQuery(v: QueueView): string {
  const pairs = [...filterParams(v.filter), ...sortParams(v.sort)]
  pairs.push(['page', String(Math.max(1, Math.floor(v.page)))])
  pairs.push(['page_size', String(v.pageSize)])
  return new URLSearchParams(pairs).toString()
}

/** The query of the exports: the same filter and order, no paging (an export is every match). */
export function exportQuery(v: QueueView): string {
  return new URLSearchParams([...filterParams(v.filter), ...sortParams(v.sort)]).toString()
}

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>

function one(q: RouteQuery, k: string): string {
  const v = q[k]
  const s = Array.isArray(v) ? v[v.length - 1] : v
  return typeof s === 'string' ? s.trim() : ''
}

function bool(s: string): boolean | null {
  if (s === 'true' || s === '1') return true
  if (s === 'false' || s === '0') return false
  return null
}

/** The console route's query for a view (the API's names, so links read the same). */
export function toRouteQuery(v: QueueView): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(filterParams(v.filter))
  for (const [k, val] of sortParams(v.sort)) out[k] = val
  if (v.page > 1) out.page = String(v.page)
  if (v.pageSize !== DEFAULT_PAGE_SIZE) out.page_size = String(v.pageSize)
  return out
}

export interface RouteReadOptions {
  /** The user is a department: only then is `returned` read (others may not ask for it). */
  department?: boolean
}

/** Reads a route query back; unknown values are dropped, never sent to the server. */
export function fromRouteQuery(q: RouteQuery, opts: RouteReadOptions = {}): QueueView {
  const v = defaultView()
  const f = v.filter
  f.states = one(q, 'state')
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is CaseStateName => (CASE_STATES as readonly string[]).includes(s))
  f.holderUnit = one(q, 'holder_unit')
  f.township = one(q, 'township')
  f.community = one(q, 'community')
  f.grid = one(q, 'grid')
  f.category = one(q, 'category')
  f.department = one(q, 'department')
  f.overdue = bool(one(q, 'overdue'))
  f.supervised = bool(one(q, 'supervised'))
  f.extensionRequested = bool(one(q, 'extension_requested')) === true
  const rating = one(q, 'rating')
  f.rating = (RATING_FILTERS as readonly string[]).includes(rating) ? (rating as RatingFilter) : ''
  f.returned = !!opts.department && bool(one(q, 'returned')) === true
  const ch = one(q, 'channel')
  f.channel = (CHANNELS as readonly string[]).includes(ch) ? (ch as ChannelName) : ''
  f.text = one(q, 'q')
  f.measure = /^[a-z_]+$/.test(one(q, 'measure')) ? one(q, 'measure') : ''
  if (f.measure) {
    f.dimension = one(q, 'dimension')
    f.key = one(q, 'key')
  }
  const time = (s: string) => isDay(s) || (!!f.measure && isInstant(s))
  f.from = time(one(q, 'from')) ? one(q, 'from') : ''
  f.to = time(one(q, 'to')) ? one(q, 'to') : ''
  const key = one(q, 'sort')
  if ((SORT_KEYS as readonly string[]).includes(key)) v.sort.key = key as SortKey
  const order = one(q, 'order')
  v.sort.descending = order === 'desc' ? true : order === 'asc' ? false : null
  const page = Number(one(q, 'page'))
  v.page = Number.isInteger(page) && page >= 1 ? page : 1
  const size = Number(one(q, 'page_size'))
  v.pageSize = (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE
  return v
}

/** Element Plus table sort → ours: only the server's sort keys sort; `null` order resets. */
export function sortFromTable(prop: string | null | undefined, order: 'ascending' | 'descending' | null): CaseSort {
  if (!prop || !order || !(SORT_KEYS as readonly string[]).includes(prop)) return { key: 'reported_at', descending: null }
  return { key: prop as SortKey, descending: order === 'descending' }
}

/** How many filters are set (the badge on the "more filters" toggle). */
export function activeFilterCount(f: CaseFilter): number {
  return filterParams(f).length
}

/** A detached copy (the queue edits a draft and applies it; reactive proxies cannot be structuredClone'd). */
export function copyFilter(f: CaseFilter): CaseFilter {
  return { ...f, states: [...f.states] }
}

/** The 延期待审批 chip: on, the requests awaiting a decision (at a department: a state filter
 *  without the department's states is dropped, else nothing could match); off, no such filter. */
export function withExtensionRequested(f: CaseFilter, on: boolean): CaseFilter {
  const out = copyFilter(f)
  out.extensionRequested = on
  if (on && out.states.length > 0 && !out.states.some((s) => AT_DEPARTMENT.includes(s))) out.states = []
  return out
}

/** The 回访 select: a rating is only had by closed cases, so a state filter without `closed`
 *  becomes `closed` (the open queue a desk lands on would show nothing); '' clears it. */
export function withRating(f: CaseFilter, rating: RatingFilter | ''): CaseFilter {
  const out = copyFilter(f)
  out.rating = rating
  if (rating && out.states.length > 0 && !out.states.includes('closed')) out.states = ['closed']
  return out
}

/** A department's 已退回 chip: on, every case it returned whatever its state now; off, back to
 *  its own open queue. */
export function withReturned(f: CaseFilter, on: boolean): CaseFilter {
  const out = copyFilter(f)
  out.returned = on
  out.states = on ? [] : [...OPEN_STATES]
  return out
}
