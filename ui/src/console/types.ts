// The console API's answers (sync-server/src/console/*.rs), written by hand from the server's
// structs; only the fields the console reads are typed.
import type { ActionKind, Outcome, Rating } from '@/logic/console/actions'
import type { CaseStateName, ChannelName } from '@/logic/console/filters'

export interface User {
  id: string
  username: string
  display_name: string
  role: string
  org_unit_id: string | null
  department_id?: string | null
  grid_ids: string[]
}

export interface LoginResponse {
  token: string
  user: User
}

export interface Named {
  id: string
  name: string
}

export interface GeoPoint {
  lat: number
  lon: number
  accuracy_m?: number
}

export interface CaseLabels {
  category_name: string | null
  category_class: Named | null
  grid_name: string | null
  community: Named | null
  township: Named | null
  holder_unit_name: string | null
  department_name: string | null
}

export interface CaseSummary extends CaseLabels {
  id: string
  version: number
  state: CaseStateName
  outcome: Outcome | null
  channel: ChannelName
  category: string
  urgent: boolean
  description: string
  address: string | null
  location: GeoPoint | null
  grid_id: string | null
  origin_unit: string
  holder_unit: string
  department: string | null
  deadline: string | null
  overdue: boolean
  supervisions: number
  extensions: number
  reworks: number
  rating: Rating | null
  reported_at: string
  updated_at: string
  closed_at: string | null
}

export interface CaseList {
  items: CaseSummary[]
  total: number
  page: number
  page_size: number
  counts_by_state: Record<string, number>
}

export interface Case {
  id: string
  version: number
  state: CaseStateName
  outcome?: Outcome | null
  channel: ChannelName
  category: string
  urgent: boolean
  description: string
  location?: GeoPoint | null
  address?: string | null
  contact?: string | null
  grid_id?: string | null
  origin_unit: string
  holder_unit: string
  department?: string | null
  deadline?: string | null
  extension_requested?: string | null
  supervisions: number
  extensions: number
  reworks: number
  rating?: Rating | null
  reported_by?: string
  reported_at: string
  updated_at: string
  closed_at?: string | null
}

export interface PhotoView {
  sha256: string
  status: 'stored' | 'pending'
  url: string
  thumb_url: string
  sources: string[]
}

export interface ActorView {
  user_id: string
  display_name: string | null
  role: string
  unit: Named | null
  department: Named | null
}

export interface EventView {
  seq: number
  at: string
  action: ActionKind | 'report'
  actor: ActorView
  note: string | null
  photos: string[]
  input: Record<string, unknown>
  effect: { state?: string; holder_unit?: string; department?: string; deadline?: string; [k: string]: unknown }
  hash: string
}

export interface CaseDetail {
  case: Case
  labels: CaseLabels
  finding: Record<string, unknown> | null
  photos: PhotoView[]
  events: EventView[]
  chain: { status: 'verified' } | { status: 'broken'; error: string }
  available_actions: string[]
  deadline: string | null
  overdue: boolean
  remaining_working_minutes: number | null
  /** What dispatching now would do (only when `dispatch` is available; newer servers). */
  dispatch_preview?: DispatchPreview | null
}

export interface DispatchPreview {
  default_department: string | null
  default_department_name: string | null
  deadline: string
  urgent: boolean
}

export interface UnitView {
  id: string
  parent_id: string | null
  name: string
  level: 'county' | 'township' | 'community'
  path: string
}

export interface GridView {
  id: string
  name: string
  kind: 'urban_rural' | 'school' | 'enterprise'
  community_id: string
  worker_id: string | null
  polygon?: GeoJSON.Polygon | GeoJSON.MultiPolygon | null
}

export interface Department {
  id: string
  name: string
}

export interface Category {
  code: string
  name: string
  name_en?: string
  parent?: string
  deadline?: { unit: string; normal: number; urgent: number }
  department?: string
}

export interface OrgResponse {
  units: UnitView[]
  grids: GridView[]
  departments: Department[]
  categories: Category[]
}

export interface Measures {
  reported: number
  intake: number
  due: number
  closed: number
  closed_on_time: number
  closure_rate: number | null
  on_time_rate: number | null
  verified: number
  reworked: number
  rework_rate: number | null
  dispatched: number
  extended: number
  extension_rate: number | null
  rated: number
  satisfied: number
  satisfaction_rate: number | null
  overdue_now: number
  mean_hours_to_close: number | null
  [k: string]: number | null
}

export interface StatsResponse {
  from: string
  to: string
  now: string
  dimension: string | null
  total: Measures
  breakdown: { key: string; name: string | null; measures: Measures }[]
  by_day: { date: string; intake: number; closed: number }[]
}

export interface CoverageRow {
  grid_id: string
  grid_name: string
  kind: string
  community_id: string
  community_name: string | null
  township_id: string | null
  township_name: string | null
  worker_id: string | null
  worker_name: string | null
  windows: number
}

export interface CoverageTotals {
  id: string
  name: string | null
  grids: number
  covered: number
  partial: number
  none: number
  rate: number | null
}

export interface CoverageResponse {
  date: string
  grids: number
  covered: number
  partial: number
  none: number
  rate: number | null
  rows: CoverageRow[]
  by_township: CoverageTotals[]
  by_community: CoverageTotals[]
}

export interface TrackPoint {
  t: string
  lat: number
  lon: number
  accuracy_m?: number
  mock?: boolean
}

/** One row of `GET /api/v1/patrols?grid=&date=` (`{date, items}`). */
export interface PatrolSummary {
  id: string
  grid_id: string
  grid_name?: string | null
  worker_id: string
  worker_name?: string | null
  started_at: string
  ended_at?: string | null
  date?: string
  window?: 'morning' | 'afternoon' | null
  points?: number
  findings?: number
  reported?: number
}

/** `GET /api/v1/patrols/{id}`: the patrol's fields, flattened, with its track and findings. */
export interface PatrolDetail extends PatrolSummary {
  grid_polygon?: GeoJSON.Geometry | null
  track: TrackPoint[]
  finding_list?: { id?: string; description?: string; disposition?: string; case_id?: string | null; observed_at?: string; lat?: number; lon?: number }[]
}
