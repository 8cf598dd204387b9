import { describe, expect, it } from 'vitest'
import { mergeCandidates, mergeSearchText } from './merge'

const c = (id: string, extra: Record<string, unknown> = {}) => ({
  id, state: 'pending', description: id, reported_at: '2026-11-20T01:00:00Z', ...extra,
})

describe('merge candidates', () => {
  it('takes the short id as the queue shows it', () => {
    expect(mergeSearchText(' …c92657b6 ')).toBe('c92657b6')
    expect(mergeSearchText('...c92657b6')).toBe('c92657b6')
    expect(mergeSearchText('东门路灯')).toBe('东门路灯')
  })
  it('leaves out the case itself and cases merged elsewhere', () => {
    const got = mergeCandidates(
      [c('self'), c('merged', { duplicate_of: 'x' }), c('dup', { outcome: 'duplicate', state: 'closed' }), c('old', { state: 'closed' }), c('ok')],
      { id: 'self' },
    )
    expect(got.map((x) => x.id)).toEqual(['ok'])
  })
  it('puts the same grid first, then the nearest, then the newest', () => {
    const here = { lat: 41.1, lon: 122.9 }
    const got = mergeCandidates(
      [
        c('far-newest', { grid_id: 'g2', reported_at: '2026-11-25T01:00:00Z' }),
        c('same-far', { grid_id: 'g1', location: { lat: 41.2, lon: 122.9 } }),
        c('same-near', { grid_id: 'g1', location: { lat: 41.1001, lon: 122.9 } }),
        c('other-old', { grid_id: 'g2', reported_at: '2026-11-01T01:00:00Z' }),
      ],
      { id: 'self', grid_id: 'g1', location: here },
    )
    expect(got.map((x) => x.id)).toEqual(['same-near', 'same-far', 'far-newest', 'other-old'])
    expect(got[0].distanceM).toBe(11)
    expect(got[0].sameGrid).toBe(true)
  })
})
