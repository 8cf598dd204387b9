import { describe, expect, it } from 'vitest'
import { shortId, timelineWithDuplicates } from './duplicates'

describe('merged duplicates on the timeline', () => {
  const events = [
    { seq: 1, at: '2026-11-20T01:00:00Z' },
    { seq: 2, at: '2026-11-20T03:00:00Z' },
    { seq: 3, at: '2026-11-22T03:00:00Z' },
  ]
  it('sit at the time they were merged, oldest first; a merge at an event\'s time follows it', () => {
    const dups = [
      { id: 'b', merged_at: '2026-11-23T00:00:00Z' },
      { id: 'a', merged_at: '2026-11-20T03:00:00Z' },
      { id: 'c', merged_at: '2026-11-21T00:00:00Z' },
    ]
    expect(timelineWithDuplicates(events, dups).map((x) => x.key)).toEqual(['ev-1', 'ev-2', 'dup-a', 'dup-c', 'ev-3', 'dup-b'])
  })
  it('leave out a duplicate without a merge time, and keep the events as they are without any', () => {
    expect(timelineWithDuplicates(events, [{ id: 'x', merged_at: null }]).map((x) => x.key)).toEqual(['ev-1', 'ev-2', 'ev-3'])
    expect(timelineWithDuplicates([], [{ id: 'y', merged_at: '2026-11-20T00:00:00Z' }]).map((x) => x.kind)).toEqual(['duplicate'])
  })
  it('short ids are the last eight characters, as the queue shows them', () => {
    expect(shortId('01a23140-c4d0-7779-8702-0d44f074c277')).toBe('…f074c277')
    expect(shortId('abc')).toBe('abc')
  })
})
