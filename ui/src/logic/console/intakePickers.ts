// The intake form's pickers: the category cascader (class → leaf), the place cascader
// (township → community → grid, within the caller's jurisdiction), which unit's queue a case
// will wait in once lodged, and the search for a caller's earlier cases. Pure: the screen
// hands in the org data (`GET /api/v1/org`) and the signed-in user's unit.

import { casesQuery, defaultView } from './filters'
import { unitsInScope } from './scope'

export interface PickerCategory {
  code: string
  name: string
  name_en: string
  parent?: string | null
}

export interface PickerUnit {
  id: string
  parent_id?: string | null
  name: string
  level: string
  /** `/county/township/community/`, as the server gives it. */
  path: string
}

export interface PickerGrid {
  id: string
  name: string
  community_id: string
}

/** One node of an `el-cascader`'s options. */
export interface PickOption {
  value: string
  label: string
  /** What a search matches: every name along the path (lower-cased, NFKC) … */
  names: string[]
  /** … and every code or id along it (a search word matches the start of one). */
  codes: string[]
  children?: PickOption[]
}

/** Lower-case, full-width folded, for matching. */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase()
}

/** The words of a search, folded; empty words dropped. */
export function searchWords(keyword: string): string[] {
  return fold(keyword).split(/\s+/).filter(Boolean)
}

/**
 * Whether an option matches a search: every word is inside one of the names along its path,
 * or starts one of its codes (`01.0` finds the leaves 01.01…01.09, not 11.01).
 */
export function optionMatches(o: Pick<PickOption, 'names' | 'codes'>, keyword: string): boolean {
  const words = searchWords(keyword)
  if (words.length === 0) return true
  return words.every((w) => o.names.some((n) => n.includes(w)) || o.codes.some((c) => c.startsWith(w)))
}

/**
 * The category tree for the cascader: each class with its leaves, labelled `code name`
 * (the English name in English; a search matches both names and the code). Classes without
 * leaves are left out: only a leaf can be chosen.
 */
export function categoryOptions(categories: readonly PickerCategory[], lang: 'zh-CN' | 'en'): PickOption[] {
  const name = (c: PickerCategory) => (lang === 'en' && c.name_en ? c.name_en : c.name)
  const leavesOf = new Map<string, PickerCategory[]>()
  for (const c of categories) {
    if (!c.parent) continue
    const list = leavesOf.get(c.parent) ?? []
    list.push(c)
    leavesOf.set(c.parent, list)
  }
  const out: PickOption[] = []
  for (const cls of categories) {
    if (cls.parent) continue
    const leaves = leavesOf.get(cls.code) ?? []
    if (leaves.length === 0) continue
    const clsNames = [fold(cls.name), fold(cls.name_en)]
    out.push({
      value: cls.code,
      label: `${cls.code} ${name(cls)}`,
      names: clsNames,
      codes: [fold(cls.code)],
      children: leaves.map((l) => ({
        value: l.code,
        label: `${l.code} ${name(l)}`,
        names: [...clsNames, fold(l.name), fold(l.name_en)],
        codes: [fold(cls.code), fold(l.code)],
      })),
    })
  }
  return out
}

/** Place values: a unit or a grid (unit and grid ids could in principle be equal). */
export const unitValue = (id: string) => `u:${id}`
export const gridValue = (id: string) => `g:${id}`

export type PlaceChoice = { kind: 'unit' | 'grid'; id: string } | null

export function parsePlaceValue(v: unknown): PlaceChoice {
  if (typeof v !== 'string') return null
  if (v.startsWith('u:') && v.length > 2) return { kind: 'unit', id: v.slice(2) }
  if (v.startsWith('g:') && v.length > 2) return { kind: 'grid', id: v.slice(2) }
  return null
}

/**
 * The place tree for the cascader: township → community → grid, within the caller's
 * jurisdiction. A township or community user starts at their own unit; a county (or city)
 * user at the townships below it. Grids are those the org answer lists (the caller's).
 */
export function placeOptions(units: readonly PickerUnit[], grids: readonly PickerGrid[], ownUnitId: string | null | undefined): PickOption[] {
  const scoped = unitsInScope(units, ownUnitId)
  const own = ownUnitId ? scoped.find((u) => u.id === ownUnitId) : undefined
  const roots = own && (own.level === 'township' || own.level === 'community') ? [own] : scoped.filter((u) => u.level === 'township')
  const childUnits = new Map<string, PickerUnit[]>()
  for (const u of scoped) {
    if (!u.parent_id) continue
    const list = childUnits.get(u.parent_id) ?? []
    list.push(u)
    childUnits.set(u.parent_id, list)
  }
  const gridsOf = new Map<string, PickerGrid[]>()
  for (const g of grids) {
    const list = gridsOf.get(g.community_id) ?? []
    list.push(g)
    gridsOf.set(g.community_id, list)
  }
  const node = (u: PickerUnit, names: string[], codes: string[]): PickOption => {
    const n = [...names, fold(u.name)]
    const c = [...codes, fold(u.id)]
    const children: PickOption[] = [
      ...(childUnits.get(u.id) ?? []).map((k) => node(k, n, c)),
      ...(gridsOf.get(u.id) ?? []).map((g) => ({ value: gridValue(g.id), label: g.name, names: [...n, fold(g.name)], codes: [...c, fold(g.id)] })),
    ]
    return { value: unitValue(u.id), label: u.name, names: n, codes: c, ...(children.length ? { children } : {}) }
  }
  return roots.map((r) => node(r, [], []))
}

/** Where the form's place stands: a grid, a unit, or both (a located grid kept under a unit). */
export interface PlaceState {
  gridId: string
  unitId: string
}

/** Whether the grid lies in the unit (or its subtree). */
export function gridWithin(gridId: string, unitId: string, units: readonly PickerUnit[], grids: readonly PickerGrid[]): boolean {
  const g = grids.find((x) => x.id === gridId)
  const community = g && units.find((u) => u.id === g.community_id)
  const unit = units.find((u) => u.id === unitId)
  return !!community && !!unit && community.path.startsWith(unit.path)
}

/** The cascader's value for the form: the unit when one is chosen, else the grid. */
export function placeValue(p: PlaceState): string {
  return p.unitId ? unitValue(p.unitId) : p.gridId ? gridValue(p.gridId) : ''
}

/**
 * The form's place after a choice in the cascader. A grid replaces everything; a unit keeps the
 * grid already located on the map (`located`) when it lies in that unit, so a township can keep
 * a case it located in one of its grids; cleared, both go.
 */
export function choosePlace(v: unknown, p: PlaceState, located: boolean, units: readonly PickerUnit[], grids: readonly PickerGrid[]): PlaceState {
  const c = parsePlaceValue(v)
  if (!c) return { gridId: '', unitId: '' }
  if (c.kind === 'grid') return { gridId: c.id, unitId: '' }
  const keep = located && !!p.gridId && gridWithin(p.gridId, c.id, units, grids)
  return { gridId: keep ? p.gridId : '', unitId: c.id }
}

export interface LandsIn {
  unit: PickerUnit
  /** Nothing chosen: the case waits at the caller's own unit. */
  own: boolean
}

/**
 * The unit whose 待受理 queue a lodged case lands in, as the server decides it: the unit chosen,
 * else the grid's community, else the caller's own unit. Null while the org is unknown.
 */
export function landsIn(p: PlaceState, units: readonly PickerUnit[], grids: readonly PickerGrid[], ownUnitId: string | null | undefined): LandsIn | null {
  const byId = (id: string | null | undefined) => (id ? units.find((u) => u.id === id) : undefined)
  if (p.unitId) {
    const unit = byId(p.unitId)
    return unit ? { unit, own: false } : null
  }
  if (p.gridId) {
    const unit = byId(grids.find((g) => g.id === p.gridId)?.community_id)
    return unit ? { unit, own: false } : null
  }
  const unit = byId(ownUnitId)
  return unit ? { unit, own: true } : null
}

/**
 * What to find a caller's earlier cases by: the phone number in the contact (the longest run of
 * 7 or more digits) when it holds one, else the contact as typed (a name).
 */
export function callerQuery(contact: string): string {
  const runs = contact.normalize('NFKC').match(/\d{7,}/g) ?? []
  const phone = runs.reduce((best, r) => (r.length > best.length ? r : best), '')
  return phone || contact.trim()
}

/** The most cases the intake form lists for a caller. */
export const CALLER_CASES = 10

/** `GET /api/v1/cases?…` for a caller's cases: matching `text`, newest first, at most 10. */
export function callerCasesQuery(text: string): string {
  const v = defaultView()
  v.filter.text = text
  v.sort = { key: 'reported_at', descending: true }
  v.pageSize = CALLER_CASES
  return casesQuery(v)
}
