import { describe, expect, it } from 'vitest'
import { verifierOf } from './verifier'

const org = [
  { id: 'g1', name: '富丽社区第1网格', worker_id: 'worker-0001' },
  { id: 'g2', name: '富丽社区第2网格', worker_id: null },
]
const rows = [{ id: 'g1', name: '富丽社区第1网格', worker_id: 'worker-0001', worker_name: '网格员0001' }]

describe('the verifier of a case', () => {
  it('is the grid worker, by name where the grids list gives it', () => {
    expect(verifierOf('g1', '富丽社区第1网格', org, rows)).toEqual({ kind: 'worker', grid: '富丽社区第1网格', name: '网格员0001', workerId: 'worker-0001' })
    // Before the list answers (or when it fails): the worker's id from the org.
    expect(verifierOf('g1', null, org, [])).toEqual({ kind: 'worker', grid: '富丽社区第1网格', name: null, workerId: 'worker-0001' })
  })
  it('says when the grid has no worker', () => {
    expect(verifierOf('g2', null, org, [])).toEqual({ kind: 'no_worker', grid: '富丽社区第2网格' })
    expect(verifierOf('g1', null, [], [{ id: 'g1', name: 'G', worker_id: null, worker_name: null }])).toEqual({ kind: 'no_worker', grid: 'G' })
  })
  it('has none without a grid, and stays unnamed for a caller who sees no grids (a department)', () => {
    expect(verifierOf(null, null, org, rows)).toEqual({ kind: 'no_grid' })
    expect(verifierOf('g9', '某网格', [], [])).toEqual({ kind: 'worker', grid: '某网格', name: null, workerId: null })
  })
})
