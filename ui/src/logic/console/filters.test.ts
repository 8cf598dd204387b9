import { describe, expect, it } from 'vitest'
import {
  OPEN_QUEUE_ROUTE, OPEN_STATES, activeFilterCount, casesQuery, defaultView, exportQuery, filterProblem, fromRouteQuery, isOpenQueue, sortFromTable, toRouteQuery,
  withExtensionRequested, withRating, withReturned,
} from './filters'
import { exportFileName, readableExportName } from './exportName'
import { unitsInScope } from './scope'
import { homeFor } from './roles'

describe('case filters → API query', () => {
  it('leaves out empty filters and always names the page', () => {
    expect(casesQuery(defaultView())).toBe('page=1&page_size=50')
  })

  it('writes every filter with the server names, states in workflow order', () => {
    const v = defaultView()
    Object.assign(v.filter, {
      states: ['closed', 'pending'], township: '210882001', community: ' 210882001016 ', grid: 'g1',
      category: '01', department: 'power', overdue: true, supervised: false, channel: 'hotline8890',
      text: '井盖 破损', from: '2026-11-01', to: '2026-11-26', holderUnit: 'u9',
    })
    v.sort = { key: 'deadline', descending: false }
    v.page = 3
    v.pageSize = 20
    const q = new URLSearchParams(casesQuery(v))
    expect(q.get('state')).toBe('pending,closed')
    expect(q.get('community')).toBe('210882001016')
    expect(q.get('overdue')).toBe('true')
    expect(q.get('supervised')).toBe('false')
    expect(q.get('channel')).toBe('hotline8890')
    expect(q.get('q')).toBe('井盖 破损')
    expect(q.get('holder_unit')).toBe('u9')
    expect(q.get('sort')).toBe('deadline')
    expect(q.get('order')).toBe('asc')
    expect(q.get('page')).toBe('3')
    expect(q.get('page_size')).toBe('20')
    expect(activeFilterCount(v.filter)).toBe(13)
    expect(q.get('measure')).toBeNull()
  })

  it('exports carry the filter and order but no paging', () => {
    const v = defaultView()
    v.filter.overdue = true
    v.page = 4
    expect(exportQuery(v)).toBe('overdue=true')
  })

  it('round-trips through the route query and drops what the server would refuse', () => {
    const v = defaultView()
    v.filter.states = ['verifying']
    v.filter.department = 'power'
    v.filter.from = '2026-11-01'
    v.sort = { key: 'updated_at', descending: true }
    v.page = 2
    expect(fromRouteQuery(toRouteQuery(v))).toEqual(v)
    const bad = fromRouteQuery({ state: 'pending,bogus', channel: 'fax', from: '2026-02-30', page: '-1', page_size: '7', sort: 'name', overdue: 'maybe' })
    expect(bad.filter.states).toEqual(['pending'])
    expect(bad.filter.channel).toBe('')
    expect(bad.filter.from).toBe('')
    expect(bad.filter.overdue).toBeNull()
    expect(bad.page).toBe(1)
    expect(bad.pageSize).toBe(50)
    expect(bad.sort.key).toBe('reported_at')
  })

  it('checks dates before asking the server', () => {
    const v = defaultView()
    expect(filterProblem(v.filter)).toBeNull()
    v.filter.from = '2026-11-31'
    expect(filterProblem(v.filter)).toBe('bad_from')
    v.filter.from = '2026-11-20'
    v.filter.to = '2026-11-19'
    expect(filterProblem(v.filter)).toBe('to_before_from')
    v.filter.to = '2026-11-20'
    expect(filterProblem(v.filter)).toBeNull()
  })

  it('sorts only by the keys the server sorts by', () => {
    expect(sortFromTable('deadline', 'descending')).toEqual({ key: 'deadline', descending: true })
    expect(sortFromTable('category_name', 'ascending')).toEqual({ key: 'reported_at', descending: null })
    expect(sortFromTable('deadline', null)).toEqual({ key: 'reported_at', descending: null })
  })
})

describe('export file names', () => {
  const now = new Date('2026-11-26T01:05:00Z') // 09:05 in Beijing
  it('name the filter and the Beijing time, in ASCII', () => {
    const v = defaultView()
    expect(exportFileName('csv', v, now)).toBe('yiwang-cases-20261126-0905.csv')
    v.filter.states = ['claimed', 'pending']
    v.filter.overdue = true
    v.filter.township = '210882001'
    v.filter.category = '01.02'
    v.filter.from = '2026-11-01'
    expect(exportFileName('geojson', v, now)).toBe('yiwang-cases-pending+claimed-overdue-210882001-01.02-2026-11-01_now-20261126-0905.geojson')
  })
  it('reads as words when the screen gives them', () => {
    const v = defaultView()
    const words = { title: '案件清单', state: (s: string) => ({ pending: '待受理', claimed: '已认领' })[s] ?? s, overdue: '超期', supervised: '督办', name: (id: string) => ({ '210882001': '街道1' })[id] ?? id }
    expect(readableExportName('csv', v, now, words)).toBe('案件清单_20261126-0905.csv')
    v.filter.states = ['claimed', 'pending']
    v.filter.overdue = true
    v.filter.township = '210882001'
    v.filter.from = '2026-11-01'
    expect(readableExportName('csv', v, now, words)).toBe('案件清单_待受理、已认领_超期_街道1_2026-11-01~…_20261126-0905.csv')
    v.filter.grid = '../../etc/网格 1'
    expect(readableExportName('csv', v, now, words)).toBe('案件清单_待受理、已认领_超期_街道1_etc_网格 1_2026-11-01~…_20261126-0905.csv')
  })
  it('never lets a value break out of the name', () => {
    const v = defaultView()
    v.filter.grid = '../../etc/网格 1'
    expect(exportFileName('csv', v, now)).toBe('yiwang-cases-.._.._etc_1-20261126-0905.csv')
  })
})

describe('filter choices keep to the user\'s own area', () => {
  const units = [
    { id: 'c', path: '/c/' },
    { id: 't1', path: '/c/t1/' },
    { id: 'm1', path: '/c/t1/m1/' },
    { id: 't2', path: '/c/t2/' },
    { id: 'm2', path: '/c/t2/m2/' },
  ]
  it('a township sees itself and its communities', () => {
    expect(unitsInScope(units, 't1').map((u) => u.id)).toEqual(['t1', 'm1'])
  })
  it('the county, a department (no unit) or an unknown unit see everything', () => {
    expect(unitsInScope(units, 'c')).toHaveLength(5)
    expect(unitsInScope(units, null)).toHaveLength(5)
    expect(unitsInScope(units, 'gone')).toHaveLength(5)
  })
})

describe('the queue opens on the cases still being worked', () => {
  it('the landing route asks for every state but closed, and reads back as the open queue', () => {
    expect(homeFor('township')).toBe(OPEN_QUEUE_ROUTE)
    expect(homeFor('leader')).toBe('/dashboard')
    const v = fromRouteQuery(Object.fromEntries(new URLSearchParams(OPEN_QUEUE_ROUTE.split('?')[1])))
    expect(isOpenQueue(v.filter.states)).toBe(true)
    expect(v.filter.states).not.toContain('closed')
    expect(isOpenQueue([])).toBe(false)
    expect(new URLSearchParams(casesQuery(v)).get('state')).toBe('pending,claimed,dispatched,in_progress,handled,verifying')
  })
})

describe('the 延期待审批, 回访 and 已退回 filters', () => {
  it('go to the API with the server\'s names, only when set', () => {
    const v = defaultView()
    expect(casesQuery(v)).toBe('page=1&page_size=50')
    v.filter.extensionRequested = true
    v.filter.rating = 'unrated'
    v.filter.returned = true
    const q = new URLSearchParams(casesQuery(v))
    expect(q.get('extension_requested')).toBe('true')
    expect(q.get('rating')).toBe('unrated')
    expect(q.get('returned')).toBe('true')
    expect(activeFilterCount(v.filter)).toBe(3)
    // Exports take the same filter.
    expect(new URLSearchParams(exportQuery(v)).get('rating')).toBe('unrated')
  })

  it('round-trip through the URL, so Back, a reload or a shared link restore them', () => {
    const v = defaultView()
    v.filter.states = ['closed']
    v.filter.rating = 'dissatisfied'
    v.filter.extensionRequested = true
    expect(toRouteQuery(v)).toEqual({ state: 'closed', rating: 'dissatisfied', extension_requested: 'true' })
    expect(fromRouteQuery(toRouteQuery(v))).toEqual(v)
    const d = defaultView()
    d.filter.returned = true
    expect(toRouteQuery(d)).toEqual({ returned: 'true' })
    expect(fromRouteQuery(toRouteQuery(d), { department: true })).toEqual(d)
  })

  it('drop what the server would refuse: an unknown rating, and 已退回 for anyone but a department', () => {
    const bad = fromRouteQuery({ rating: 'great', extension_requested: 'maybe', returned: 'true' })
    expect(bad.filter.rating).toBe('')
    expect(bad.filter.extensionRequested).toBe(false)
    expect(bad.filter.returned).toBe(false)
    expect(new URLSearchParams(casesQuery(bad)).has('returned')).toBe(false)
    expect(fromRouteQuery({ returned: '1' }, { department: true }).filter.returned).toBe(true)
    expect(fromRouteQuery({ returned: 'false' }, { department: true }).filter.returned).toBe(false)
  })

  it('a rating asks for closed cases when the states shown would have none', () => {
    const open = fromRouteQuery(Object.fromEntries(new URLSearchParams(OPEN_QUEUE_ROUTE.split('?')[1])))
    expect(withRating(open.filter, 'dissatisfied')).toMatchObject({ rating: 'dissatisfied', states: ['closed'] })
    const all = defaultView().filter
    expect(withRating(all, 'unrated')).toMatchObject({ rating: 'unrated', states: [] })
    const closed = { ...all, states: ['closed' as const, 'handled' as const] }
    expect(withRating(closed, 'satisfied').states).toEqual(['closed', 'handled'])
    // Clearing it leaves the states as they are; the input is never changed.
    expect(withRating({ ...all, states: ['closed'], rating: 'satisfied' }, '')).toMatchObject({ rating: '', states: ['closed'] })
    expect(open.filter.rating).toBe('')
  })

  it('延期待审批 keeps a state filter that has the department\'s states, else shows every state', () => {
    const open = { ...defaultView().filter, states: [...OPEN_STATES] }
    expect(withExtensionRequested(open, true)).toMatchObject({ extensionRequested: true, states: [...OPEN_STATES] })
    expect(withExtensionRequested({ ...open, states: ['closed'] }, true).states).toEqual([])
    expect(withExtensionRequested({ ...open, extensionRequested: true }, false)).toMatchObject({ extensionRequested: false, states: [...OPEN_STATES] })
  })

  it('已退回 shows every state it returned; turning it off goes back to the open queue', () => {
    const open = { ...defaultView().filter, states: [...OPEN_STATES], text: '井盖' }
    expect(withReturned(open, true)).toMatchObject({ returned: true, states: [], text: '井盖' })
    expect(withReturned({ ...open, returned: true, states: [] }, false)).toMatchObject({ returned: false, states: [...OPEN_STATES] })
  })
})
