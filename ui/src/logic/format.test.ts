import type { Phase } from '@/backend/types'
import { describe, expect, it } from 'vitest'
import { elapsedSince, formatAgo, formatBytes, formatDateTime, formatDistance, formatElapsed } from './format'
import { syncPercent } from './syncProgress'
import { errorText } from './errors'
import { trackPolyline } from './track'
import { BackendError } from '@/backend/errors'

describe('formatting', () => {
  it('elapsed time', () => {
    expect(formatElapsed(0)).toBe('00:00')
    expect(formatElapsed(65)).toBe('01:05')
    expect(formatElapsed(3725)).toBe('1:02:05')
    expect(formatElapsed(-5)).toBe('00:00')
    expect(formatElapsed(Number.NaN)).toBe('00:00')
  })
  it('distance', () => {
    expect(formatDistance(849.6, 'zh-CN')).toBe('850 米')
    expect(formatDistance(1234, 'zh-CN')).toBe('1.23 公里')
    expect(formatDistance(12345, 'en')).toBe('12.3 km')
    expect(formatDistance(-1, 'en')).toBe('0 m')
  })
  it('bytes', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB')
  })
  it('date-time in Asia/Shanghai, whatever the machine zone', () => {
    const now = new Date('2026-11-26T10:00:00Z')
    expect(formatDateTime('2026-11-26T06:05:00Z', now)).toBe('11-26 14:05')
    expect(formatDateTime('2025-12-31T16:30:00Z', now), 'next day in Shanghai, other year').toBe('2026-01-01 00:30'.replace('2026-', ''))
    expect(formatDateTime('2024-03-01T00:00:00Z', now)).toBe('2024-03-01 08:00')
    expect(formatDateTime(null, now)).toBe('—')
    expect(formatDateTime('not a date', now)).toBe('—')
  })
  it('time ago', () => {
    const now = new Date('2026-11-26T10:00:00Z')
    expect(formatAgo('2026-11-26T09:59:30Z', 'zh-CN', now)).toBe('刚刚')
    expect(formatAgo('2026-11-26T09:55:00Z', 'zh-CN', now)).toBe('5 分钟前')
    expect(formatAgo('2026-11-26T07:00:00Z', 'en', now)).toBe('3 h ago')
    expect(formatAgo('2026-11-24T10:00:00Z', 'zh-CN', now)).toBe('2 天前')
  })
  it('elapsed since a start never goes negative', () => {
    const now = new Date('2026-11-26T10:00:00Z')
    expect(elapsedSince('2026-11-26T09:58:20Z', now)).toBe(100)
    expect(elapsedSince('2026-11-26T10:05:00Z', now)).toBe(0)
  })
})

describe('sync progress', () => {
  const v = { phase: 'push' as Phase, ops_done: 0, ops_total: 0, bytes_done: 0, bytes_total: 0 }
  it('averages ops and bytes when both have totals', () => {
    expect(syncPercent({ ...v, ops_done: 4, ops_total: 4, bytes_done: 0, bytes_total: 1000 })).toBe(50)
    expect(syncPercent({ ...v, phase: 'upload', ops_done: 4, ops_total: 4, bytes_done: 500, bytes_total: 1000 })).toBe(75)
  })
  it('uses the one counter that has a total', () => {
    expect(syncPercent({ ...v, ops_done: 1, ops_total: 3 })).toBe(33)
  })
  it('holds at 99 until the round ends, 100 when idle', () => {
    expect(syncPercent({ ...v, phase: 'pull', ops_done: 3, ops_total: 3 })).toBe(99)
    expect(syncPercent({ ...v, phase: 'idle', ops_done: 3, ops_total: 3 })).toBe(100)
    expect(syncPercent({ ...v, phase: 'idle' })).toBe(100)
    expect(syncPercent({ ...v, phase: 'push' })).toBe(0)
  })
  it('never exceeds 100 nor shows NaN', () => {
    expect(syncPercent({ ...v, phase: 'idle', ops_done: 9, ops_total: 3 })).toBe(100)
    expect(syncPercent({ ...v, phase: 'idle', ops_done: Number.NaN, ops_total: 3 })).toBe(0)
  })
})

describe('error text', () => {
  it('translates a known code', () => {
    expect(errorText(new BackendError('unsynced_work', 'x'), 'zh-CN')).toBe('还有未同步的记录，请先同步')
    expect(errorText({ code: 'offline', message: 'x' }, 'en')).toContain('Cannot reach the server')
  })
  it('falls back to the message, then a generic text', () => {
    expect(errorText(new BackendError('brand_new_code', 'detail'), 'zh-CN')).toBe('detail')
    expect(errorText(null, 'zh-CN')).toBe('出错了，请重试')
  })
})

describe('track drawing', () => {
  it('fits the track into the box, north up', () => {
    const d = trackPolyline([[40.0, 122.0], [40.001, 122.0]], 100, 100, 10)
    // Going north: the second point is above the first (smaller y), same x.
    expect(d.start).toEqual([50, 90])
    expect(d.end).toEqual([50, 10])
  })
  it('draws nothing for an empty track and a dot for one point', () => {
    expect(trackPolyline([], 100, 100).points).toBe('')
    expect(trackPolyline([[40, 122]], 100, 100).start).toEqual([50, 50])
  })
})
