import { describe, expect, it } from 'vitest'
import { deadlinePanel, hoursMinutesUp, panelTicks, type PanelInput } from './countdown'

// 2026-11-26 09:00 Beijing.
const now = new Date('2026-11-26T01:00:00Z')
const base: PanelInput = {
  state: 'in_progress', status: 'running', deadline: '2026-11-27T01:00:00Z', handledAt: null, closedAt: null,
  remainingWorkingMinutes: 480, fetchedAt: now, now,
}

describe('deadline panel: after 处理反馈 the outcome, not a countdown', () => {
  it('handled on time names when it was handled and the deadline, and does not tick', () => {
    const p = deadlinePanel({ ...base, state: 'handled', status: 'handled_on_time', handledAt: '2026-11-20T06:00:00Z', deadline: '2026-11-21T01:00:00Z' })
    expect(p).toEqual({ kind: 'handled', onTime: true, state: 'handled', deadline: '2026-11-21T01:00:00Z', handledAt: '2026-11-20T06:00:00Z', closedAt: null, late: null })
    expect(panelTicks(p)).toBe(false)
  })

  it('handled late says by how much, in clock time, rounded up to the minute', () => {
    const p = deadlinePanel({ ...base, state: 'verifying', status: 'handled_late', deadline: '2026-11-21T01:00:00Z', handledAt: '2026-11-22T04:00:30Z' })
    expect(p.kind).toBe('handled')
    if (p.kind !== 'handled') return
    expect(p.onTime).toBe(false)
    expect(p.late).toEqual({ hours: 27, minutes: 1 })
    expect(panelTicks(p)).toBe(false)
  })

  it('a closed case is judged when it was handled, and says when it closed', () => {
    const p = deadlinePanel({ ...base, state: 'closed', status: 'handled_late', deadline: '2026-11-21T01:00:00Z', handledAt: '2026-11-21T01:40:00Z', closedAt: '2026-11-23T02:00:00Z' })
    expect(p).toMatchObject({ kind: 'handled', onTime: false, closedAt: '2026-11-23T02:00:00Z', late: { hours: 0, minutes: 40 } })
  })

  it('an old record without handled_at is judged at its closure', () => {
    const p = deadlinePanel({ ...base, state: 'closed', status: 'handled_on_time', handledAt: null, closedAt: '2026-11-20T00:00:00Z', deadline: '2026-11-21T01:00:00Z' })
    expect(p).toMatchObject({ kind: 'handled', onTime: true, handledAt: '2026-11-20T00:00:00Z' })
    // Handled but not closed, with no time at all: the verdict without a time.
    const q = deadlinePanel({ ...base, state: 'handled', status: 'handled_late', handledAt: null, deadline: '2026-11-21T01:00:00Z' })
    expect(q).toMatchObject({ kind: 'handled', onTime: false, handledAt: null, late: null })
  })

  it('a handled case never counts down, whatever the working minutes', () => {
    for (const state of ['handled', 'verifying', 'closed']) {
      const p = deadlinePanel({ ...base, state, status: 'no_deadline', deadline: null, handledAt: '2026-11-20T06:00:00Z' })
      expect(p.kind).toBe('none')
      expect(panelTicks(p)).toBe(false)
    }
  })
})

describe('deadline panel: at the department', () => {
  it('running: the server\'s working time left and the clock', () => {
    const p = deadlinePanel({ ...base, remainingWorkingMinutes: 3780, deadline: '2026-12-07T09:30:00Z' })
    expect(p).toMatchObject({ kind: 'running', working: { hours: 63, minutes: 0 }, urgent: false })
    expect(panelTicks(p)).toBe(true)
    expect(deadlinePanel({ ...base, remainingWorkingMinutes: 120 })).toMatchObject({ kind: 'running', urgent: true })
    // Without the server's figure, the clock alone (and under 8 h is urgent).
    expect(deadlinePanel({ ...base, remainingWorkingMinutes: null, deadline: '2026-11-26T03:00:00Z' }))
      .toMatchObject({ kind: 'running', working: null, urgent: true, wall: { days: 0, hours: 2, minutes: 0, seconds: 0 } })
  })

  it('overdue: the working time past it, never "0 h 0 min left"', () => {
    const p = deadlinePanel({ ...base, status: 'overdue', deadline: '2026-11-24T01:00:00Z', remainingWorkingMinutes: -725 })
    expect(p).toEqual({ kind: 'overdue', deadline: '2026-11-24T01:00:00Z', working: { hours: 12, minutes: 5 }, offHours: false, stale: false, wall: { days: 2, hours: 0, minutes: 0, seconds: 0 } })
    expect(panelTicks(p)).toBe(true)
  })

  it('overdue at night: no working time has passed yet, and it says so instead of 0 h 0 min', () => {
    const p = deadlinePanel({ ...base, status: 'overdue', deadline: '2026-11-25T12:00:00Z', remainingWorkingMinutes: 0 })
    expect(p).toMatchObject({ kind: 'overdue', working: null, offHours: true, stale: false })
  })

  it('the clock passing the deadline on an open page turns the countdown into overdue, to be asked again', () => {
    const later = new Date('2026-11-27T01:00:05Z')
    const p = deadlinePanel({ ...base, now: later, remainingWorkingMinutes: 30 })
    expect(p).toMatchObject({ kind: 'overdue', working: null, offHours: false, stale: true, wall: { days: 0, hours: 0, minutes: 0, seconds: 5 } })
  })

  it('not dispatched (or returned): no deadline, even if an old one is still on the record', () => {
    expect(deadlinePanel({ ...base, state: 'claimed', status: 'no_deadline' })).toEqual({ kind: 'none', state: 'claimed', handledAt: null, closedAt: null })
    expect(deadlinePanel({ ...base, state: 'pending', status: 'no_deadline', deadline: null }).kind).toBe('none')
  })
})

describe('hours and minutes', () => {
  it('round up and never go negative', () => {
    expect(hoursMinutesUp(1)).toEqual({ hours: 0, minutes: 1 })
    expect(hoursMinutesUp(3600_000)).toEqual({ hours: 1, minutes: 0 })
    expect(hoursMinutesUp(-5)).toEqual({ hours: 0, minutes: 0 })
  })
})
