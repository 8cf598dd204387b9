import { describe, expect, it } from 'vitest'
import { normalizeQuery, searchCategories } from './categorySearch'
import { mockCategories } from '@/backend/mock-data'

const all = mockCategories()
const codes = (q: string) => searchCategories(all, q).map((h) => h.category.code)

describe('category search', () => {
  it('offers only leaves, in tree order, for an empty query', () => {
    const hits = searchCategories(all, '  ')
    expect(hits.length, 'every leaf of the seed tree').toBe(all.filter((c) => c.leaf).length)
    expect(hits.every((h) => h.category.leaf), 'a class cannot be picked').toBe(true)
    expect(hits[0].category.code).toBe('01.01')
  })

  it('finds by characters', () => {
    expect(codes('乱堆')).toEqual(['03.02'])
    expect(codes('纠纷'), 'names containing it, then the leaf found through its class 矛盾纠纷').toEqual(['10.01', '10.07', '10.03'])
  })

  it('finds by full pinyin, with spaces and capitals ignored', () => {
    expect(codes('luandui')).toEqual(['03.02'])
    expect(codes('Luan Dui Luan Fang')).toEqual(['03.02'])
  })

  it('finds by initials', () => {
    expect(codes('ldlf')).toEqual(['03.02'])
    expect(codes('xftd')).toEqual(['11.03'])
  })

  it('ranks exact, then prefix, then contains, then class path', () => {
    // "lajitong…" starts with laji (prefix), "baolulaji" ends with it (contains),
    // "fenshaolaji…" contains it.
    const hits = searchCategories(all, 'laji')
    expect(hits.map((h) => h.category.code)).toEqual(['03.03', '03.01', '03.04'])
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 2])
    // The exact name beats a name that merely contains it.
    const exact = searchCategories(all, '道路积水')
    expect(exact[0].category.code).toBe('02.07')
    expect(exact[0].rank).toBe(0)
  })

  it('matches leaves through their class name', () => {
    const hits = searchCategories(all, '安全隐患')
    // 11.01 contains the words itself; the other two leaves come through the path.
    expect(hits[0].category.code).toBe('11.01')
    expect(hits.slice(1).map((h) => [h.category.code, h.rank])).toEqual([['11.02', 3], ['11.03', 3]])
  })

  it('returns nothing for a query that matches nothing', () => {
    expect(codes('zzzz')).toEqual([])
  })

  it('normalizes full-width letters and apostrophes', () => {
    expect(normalizeQuery('ＬＤ’lf')).toBe('ldlf')
  })
})
