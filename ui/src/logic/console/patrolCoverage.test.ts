import { describe, expect, it } from 'vitest'
import { patrolCoverage } from './patrolCoverage'

describe('patrolCoverage', () => {
  it('names why a patrol does not count', () => {
    expect(patrolCoverage({ counts_for_coverage: true, points: 8, window: 'morning' })).toBe('counts')
    expect(patrolCoverage({ counts_for_coverage: false, points: 0, window: 'morning' })).toBe('no_track')
    expect(patrolCoverage({ counts_for_coverage: false, points: 5, window: null })).toBe('outside_windows')
    expect(patrolCoverage({ counts_for_coverage: false, points: 5, window: 'afternoon' })).toBe('started_after_receipt')
  })
})
