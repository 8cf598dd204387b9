import { describe, expect, it } from 'vitest'
import {
  callerCasesQuery, callerQuery, categoryOptions, choosePlace, gridValue, gridWithin, landsIn, optionMatches, parsePlaceValue,
  placeOptions, placeValue, unitValue, type PickOption, type PickerGrid, type PickerUnit,
} from './intakePickers'

const categories = [
  { code: '01', name: '公共设施', name_en: 'Public facilities' },
  { code: '01.01', name: '井盖缺失或破损', name_en: 'Missing or broken manhole cover', parent: '01' },
  { code: '01.02', name: '电线裸露或私拉乱接', name_en: 'Exposed or illegal wiring', parent: '01' },
  { code: '09', name: '空类', name_en: 'Empty class' },
  { code: '11', name: '市容环境', name_en: 'City appearance' },
  { code: '11.01', name: '暴露垃圾', name_en: 'Exposed rubbish', parent: '11' },
]

const units: PickerUnit[] = [
  { id: 'c', name: '大石桥市', level: 'county', path: '/c/' },
  { id: 't1', parent_id: 'c', name: '钢都街道', level: 'township', path: '/c/t1/' },
  { id: 'm1', parent_id: 't1', name: '富丽社区', level: 'community', path: '/c/t1/m1/' },
  { id: 'm2', parent_id: 't1', name: '石桥社区', level: 'community', path: '/c/t1/m2/' },
  { id: 't2', parent_id: 'c', name: '青花街道', level: 'township', path: '/c/t2/' },
  { id: 'm3', parent_id: 't2', name: '青花社区', level: 'community', path: '/c/t2/m3/' },
]
const grids: PickerGrid[] = [
  { id: 'm1-01', name: '富丽社区第1网格', community_id: 'm1' },
  { id: 'm1-02', name: '富丽社区第2网格', community_id: 'm1' },
  { id: 'm3-01', name: '青花社区第1网格', community_id: 'm3' },
]

/** Every option of a tree, depth first. */
function flat(os: PickOption[]): PickOption[] {
  return os.flatMap((o) => [o, ...flat(o.children ?? [])])
}

describe('category options', () => {
  it('are classes with their leaves, labelled by code and name in the UI language', () => {
    const zh = categoryOptions(categories, 'zh-CN')
    expect(zh.map((o) => o.value)).toEqual(['01', '11']) // the class without leaves is left out
    expect(zh[0].children?.map((o) => [o.value, o.label])).toEqual([['01.01', '01.01 井盖缺失或破损'], ['01.02', '01.02 电线裸露或私拉乱接']])
    expect(categoryOptions(categories, 'en')[1].children?.[0].label).toBe('11.01 Exposed rubbish')
  })
  it('are found by name (either language), class name or the start of a code', () => {
    const leaves = flat(categoryOptions(categories, 'zh-CN')).filter((o) => !o.children)
    const find = (k: string) => leaves.filter((o) => optionMatches(o, k)).map((o) => o.value)
    expect(find('井盖')).toEqual(['01.01'])
    expect(find('01.01')).toEqual(['01.01'])
    expect(find('01.0')).toEqual(['01.01', '01.02'])
    expect(find('1.01')).toEqual([]) // codes match from their start: not 01.01 nor 11.01
    expect(find('公共设施')).toEqual(['01.01', '01.02'])
    expect(find('MANHOLE')).toEqual(['01.01'])
    expect(find('公共 电线')).toEqual(['01.02']) // every word must match
    expect(find('  ')).toEqual(['01.01', '01.02', '11.01'])
    expect(find('１１')).toEqual(['11.01']) // full-width digits fold
  })
})

describe('place options', () => {
  it('start at the townships for the county, below them communities then grids', () => {
    const o = placeOptions(units, grids, 'c')
    expect(o.map((x) => [x.value, x.label])).toEqual([[unitValue('t1'), '钢都街道'], [unitValue('t2'), '青花街道']])
    expect(o[0].children?.map((x) => x.value)).toEqual([unitValue('m1'), unitValue('m2')])
    expect(o[0].children?.[0].children?.map((x) => [x.value, x.label])).toEqual([[gridValue('m1-01'), '富丽社区第1网格'], [gridValue('m1-02'), '富丽社区第2网格']])
    expect(o[0].children?.[1].children).toBeUndefined() // a community without grids is a leaf
  })
  it("start at a township's or community's own unit", () => {
    expect(placeOptions(units, grids, 't1').map((x) => x.value)).toEqual([unitValue('t1')])
    const m = placeOptions(units, grids.filter((g) => g.community_id === 'm1'), 'm1')
    expect(m.map((x) => x.value)).toEqual([unitValue('m1')])
    expect(m[0].children?.length).toBe(2)
  })
  it('are found by any name along the path or the start of an id', () => {
    const all = flat(placeOptions(units, grids, 'c'))
    const find = (k: string) => all.filter((o) => optionMatches(o, k)).map((o) => o.value)
    expect(find('m1-01')).toEqual([gridValue('m1-01')])
    expect(find('富丽')).toEqual([unitValue('m1'), gridValue('m1-01'), gridValue('m1-02')])
    expect(find('钢都 第2')).toEqual([gridValue('m1-02')])
    expect(find('t2')).toEqual([unitValue('t2'), unitValue('m3'), gridValue('m3-01')])
  })
  it('values name a unit or a grid', () => {
    expect(parsePlaceValue('u:t1')).toEqual({ kind: 'unit', id: 't1' })
    expect(parsePlaceValue('g:m1-01')).toEqual({ kind: 'grid', id: 'm1-01' })
    expect(parsePlaceValue('')).toBeNull()
    expect(parsePlaceValue(null)).toBeNull()
    expect(parsePlaceValue(['u:t1'])).toBeNull()
    expect(placeValue({ gridId: 'm1-01', unitId: '' })).toBe('g:m1-01')
    expect(placeValue({ gridId: 'm1-01', unitId: 't1' })).toBe('u:t1')
    expect(placeValue({ gridId: '', unitId: '' })).toBe('')
  })
})

describe('choosing a place', () => {
  const none = { gridId: '', unitId: '' }
  it('a grid replaces everything; clearing clears both', () => {
    expect(choosePlace('g:m1-02', { gridId: 'm1-01', unitId: 't1' }, true, units, grids)).toEqual({ gridId: 'm1-02', unitId: '' })
    expect(choosePlace(null, { gridId: 'm1-01', unitId: 't1' }, true, units, grids)).toEqual(none)
  })
  it('a unit keeps a grid located on the map inside it, and no other', () => {
    const located = { gridId: 'm1-01', unitId: '' }
    expect(choosePlace('u:t1', located, true, units, grids)).toEqual({ gridId: 'm1-01', unitId: 't1' })
    expect(choosePlace('u:m1', located, true, units, grids)).toEqual({ gridId: 'm1-01', unitId: 'm1' })
    expect(choosePlace('u:m2', located, true, units, grids)).toEqual({ gridId: '', unitId: 'm2' })
    expect(choosePlace('u:t1', located, false, units, grids)).toEqual({ gridId: '', unitId: 't1' }) // picked, not located
    expect(gridWithin('m3-01', 't1', units, grids)).toBe(false)
    expect(gridWithin('nope', 't1', units, grids)).toBe(false)
  })
})

describe('where a lodged case lands', () => {
  it('the unit chosen, else the grid’s community, else the caller’s own unit', () => {
    expect(landsIn({ gridId: 'm1-01', unitId: 't1' }, units, grids, 't1')).toMatchObject({ unit: { id: 't1', name: '钢都街道' }, own: false })
    expect(landsIn({ gridId: 'm1-01', unitId: '' }, units, grids, 't1')).toMatchObject({ unit: { id: 'm1', name: '富丽社区' }, own: false })
    expect(landsIn({ gridId: '', unitId: '' }, units, grids, 't1')).toMatchObject({ unit: { id: 't1' }, own: true })
    expect(landsIn({ gridId: '', unitId: '' }, units, grids, 'c')).toMatchObject({ unit: { id: 'c', name: '大石桥市' }, own: true })
  })
  it('nothing while the units are not known', () => {
    expect(landsIn({ gridId: '', unitId: '' }, [], [], 't1')).toBeNull()
    expect(landsIn({ gridId: 'x', unitId: '' }, units, grids, 't1')).toBeNull()
    expect(landsIn({ gridId: '', unitId: '' }, units, grids, null)).toBeNull()
  })
})

describe("finding a caller's cases", () => {
  it('searches by the phone number when the contact holds one, else by the contact', () => {
    expect(callerQuery('王先生 13800138000')).toBe('13800138000')
    expect(callerQuery('李女士 0417-5601234 / 13912345678')).toBe('13912345678')
    expect(callerQuery('１３８００１３８０００')).toBe('13800138000')
    expect(callerQuery('  王先生  ')).toBe('王先生')
    expect(callerQuery('王先生 分机 123')).toBe('王先生 分机 123')
  })
  it('asks for the newest ten', () => {
    const q = new URLSearchParams(callerCasesQuery('13800138000'))
    expect([q.get('q'), q.get('sort'), q.get('order'), q.get('page'), q.get('page_size')]).toEqual(['13800138000', 'reported_at', 'desc', '1', '10'])
    expect([...q.keys()].sort()).toEqual(['order', 'page', 'page_size', 'q', 'sort'])
    expect(new URLSearchParams(callerCasesQuery('王 & 李')).get('q')).toBe('王 & 李')
  })
})
