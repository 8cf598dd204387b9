import { describe, expect, it } from 'vitest'
import { MAX_NOTE, actionButtons, buildActionBody, dispatchDeadline, emptyInput, formFor, rfc3339ToLocalInput, summarizeBatch, untilToRfc3339 } from './actions'
import { countdown, formatSpan, split, workingHoursMinutes } from './countdown'
import { actionsFor, canBatchClaim, canIntake, homeFor, navFor } from './roles'

const now = new Date('2026-11-26T01:00:00Z')

describe('action buttons', () => {
  it('show exactly the known actions the server lists, in workflow order', () => {
    const b = actionButtons(['comment', 'supervise', 'dispatch', 'escalate', 'teleport'])
    expect(b.map((x) => x.kind)).toEqual(['dispatch', 'escalate', 'supervise', 'comment'])
    expect(b[0].type).toBe('primary')
    expect(b[1].type).toBe('warning')
    expect(b[3].type).toBe('default')
  })
  it("keep to the role's own limit: a leader urges and comments, nothing else", () => {
    const leader = actionsFor('leader')
    expect(actionButtons(['claim', 'dispatch', 'supervise', 'close', 'comment'], leader).map((x) => x.kind)).toEqual(['supervise', 'comment'])
    expect(actionButtons(['claim', 'close'], leader)).toEqual([])
    expect(actionsFor('township')).toBeNull()
    expect(actionButtons(['claim', 'supervise'], actionsFor('township')).map((x) => x.kind)).toEqual(['claim', 'supervise'])
    expect(actionButtons([])).toEqual([])
  })
})

describe('action bodies', () => {
  it('claim needs nothing and names the version', () => {
    expect(buildActionBody('claim', 3, emptyInput(), now)).toEqual({ ok: true, body: { base_version: 3, action: 'claim' } })
  })
  it('a reason is required where the note is the reason', () => {
    for (const k of ['escalate', 'return', 'supervise', 'reject_invalid', 'reopen'] as const) {
      expect(formFor(k).note).toBe('required')
      expect(buildActionBody(k, 1, { ...emptyInput(), note: '   ' }, now)).toEqual({ ok: false, problem: { field: 'note', rule: 'required' } })
    }
    const r = buildActionBody('escalate', 1, { ...emptyInput(), note: '  不属本级  ' }, now)
    expect(r).toEqual({ ok: true, body: { base_version: 1, action: 'escalate', note: '不属本级' } })
  })
  it('dispatch sends the chosen department, else lets the server take the default', () => {
    expect(buildActionBody('dispatch', 2, { ...emptyInput(), department: 'power' }, now))
      .toEqual({ ok: true, body: { base_version: 2, action: 'dispatch', department: 'power' } })
    expect(buildActionBody('dispatch', 2, emptyInput(), now)).toEqual({ ok: true, body: { base_version: 2, action: 'dispatch' } })
  })
  it('a handled report says what was done or shows it', () => {
    expect(buildActionBody('report_handled', 5, emptyInput(), now)).toEqual({ ok: false, problem: { field: 'note', rule: 'note_or_photo' } })
    // 本级办结 alike (core: both say or show what was done).
    expect(buildActionBody('resolve', 5, emptyInput(), now)).toEqual({ ok: false, problem: { field: 'note', rule: 'note_or_photo' } })
    expect(buildActionBody('report_handled', 5, { ...emptyInput(), note: '已更换' }, now))
      .toEqual({ ok: true, body: { base_version: 5, action: 'report_handled', note: '已更换' } })
    expect(formFor('report_handled').note).toBe('or_photo')
  })
  it('only the fields of the form travel', () => {
    const input = { ...emptyInput(), department: 'power', outcome: 'invalid' as const, photos: ['a'.repeat(64)] }
    const r = buildActionBody('report_handled', 5, input, now)
    expect(r).toEqual({ ok: true, body: { base_version: 5, action: 'report_handled', photos: ['a'.repeat(64)] } })
    expect(buildActionBody('close', 5, input, now)).toEqual({ ok: true, body: { base_version: 5, action: 'close', outcome: 'invalid' } })
  })
  it('rate needs whose rating it is and the rating', () => {
    expect(buildActionBody('rate', 9, emptyInput(), now)).toEqual({ ok: false, problem: { field: 'source', rule: 'required' } })
    expect(buildActionBody('rate', 9, { ...emptyInput(), rating: 'satisfied' }, now))
      .toEqual({ ok: false, problem: { field: 'source', rule: 'required' } })
    expect(buildActionBody('rate', 9, { ...emptyInput(), ratingSource: 'resident' }, now))
      .toEqual({ ok: false, problem: { field: 'rating', rule: 'required' } })
    expect(buildActionBody('rate', 9, { ...emptyInput(), rating: 'satisfied', ratingSource: 'resident' }, now))
      .toEqual({ ok: true, body: { base_version: 9, action: 'rate', rating: 'satisfied', source: 'resident' } })
    expect(buildActionBody('rate', 9, { ...emptyInput(), rating: 'dissatisfied', ratingSource: 'operator' }, now))
      .toEqual({ ok: true, body: { base_version: 9, action: 'rate', rating: 'dissatisfied', source: 'operator' } })
  })
  it('an extension names a later Beijing time', () => {
    expect(untilToRfc3339('2026-11-30T17:00')).toBe('2026-11-30T17:00:00+08:00')
    expect(untilToRfc3339('2026-11-30 17:00:30')).toBe('2026-11-30T17:00:30+08:00')
    expect(untilToRfc3339('tomorrow')).toBeNull()
    expect(buildActionBody('request_extension', 4, { ...emptyInput(), note: '材料未到' }, now)).toEqual({ ok: false, problem: { field: 'until', rule: 'required' } })
    expect(buildActionBody('extend_deadline', 4, { ...emptyInput(), until: '2026-11-26T08:59' }, now)).toEqual({ ok: false, problem: { field: 'until', rule: 'not_in_future' } })
    // Approving without a date takes the requested one, and needs one (core's rule).
    const requested = { deadline: '2026-11-28T09:00:00Z', requested: '2026-11-30T09:00:00Z' }
    expect(buildActionBody('extend_deadline', 4, emptyInput(), now, requested)).toEqual({ ok: true, body: { base_version: 4, action: 'extend_deadline' } })
    expect(buildActionBody('extend_deadline', 4, emptyInput(), now, { deadline: requested.deadline })).toEqual({ ok: false, problem: { field: 'until', rule: 'required' } })
    // Later than now is not enough: later than the current deadline, as the server checks.
    expect(buildActionBody('request_extension', 4, { ...emptyInput(), until: '2026-11-28T12:00', note: '材料未到' }, now, requested))
      .toEqual({ ok: false, problem: { field: 'until', rule: 'not_after_deadline', limit: requested.deadline } })
    expect(buildActionBody('request_extension', 4, { ...emptyInput(), until: '2026-11-28T18:00', note: '材料未到' }, now, requested))
      .toEqual({ ok: true, body: { base_version: 4, action: 'request_extension', note: '材料未到', until: '2026-11-28T18:00:00+08:00' } })
    expect(rfc3339ToLocalInput('2026-11-30T09:00:00Z')).toBe('2026-11-30T17:00')
    expect(rfc3339ToLocalInput(null)).toBe('')
    expect(buildActionBody('extend_deadline', 4, { ...emptyInput(), until: '2026-12-01T09:00' }, now))
      .toEqual({ ok: true, body: { base_version: 4, action: 'extend_deadline', until: '2026-12-01T09:00:00+08:00' } })
  })
  it("a dispatch may shorten the category deadline, never lengthen it (core's rule)", () => {
    const ctx = { categoryDeadline: '2026-11-26T09:00:00Z' } // 17:00 Beijing
    expect(buildActionBody('dispatch', 2, { ...emptyInput(), deadline: '2026-11-26T12:00' }, now, ctx))
      .toEqual({ ok: true, body: { base_version: 2, action: 'dispatch', deadline: '2026-11-26T12:00:00+08:00' } })
    expect(buildActionBody('dispatch', 2, { ...emptyInput(), deadline: '2026-11-26T17:01' }, now, ctx))
      .toEqual({ ok: false, problem: { field: 'deadline', rule: 'later_than_category_deadline', limit: ctx.categoryDeadline } })
    expect(buildActionBody('dispatch', 2, { ...emptyInput(), deadline: '2026-11-26T08:00' }, now, ctx))
      .toEqual({ ok: false, problem: { field: 'deadline', rule: 'not_in_future' } })
  })
  it('a merge names another case', () => {
    expect(buildActionBody('merge_duplicate', 3, emptyInput(), now, { caseId: 'c1' }))
      .toEqual({ ok: false, problem: { field: 'duplicate_of', rule: 'required' } })
    expect(buildActionBody('merge_duplicate', 3, { ...emptyInput(), duplicateOf: 'c1' }, now, { caseId: 'c1' }))
      .toEqual({ ok: false, problem: { field: 'duplicate_of', rule: 'same_case' } })
    expect(buildActionBody('merge_duplicate', 3, { ...emptyInput(), duplicateOf: 'c2' }, now, { caseId: 'c1' }))
      .toEqual({ ok: true, body: { base_version: 3, action: 'merge_duplicate', duplicate_of: 'c2' } })
  })
  it('a note is held to core\'s length, counted in characters', () => {
    const long = '字'.repeat(MAX_NOTE + 1)
    expect(buildActionBody('comment', 1, { ...emptyInput(), note: long }, now))
      .toEqual({ ok: false, problem: { field: 'note', rule: 'too_long', limit: String(MAX_NOTE) } })
    expect(buildActionBody('comment', 1, { ...emptyInput(), note: '字'.repeat(MAX_NOTE) }, now).ok).toBe(true)
  })
  it('the dispatch deadline follows urgency', () => {
    const rule = { unit: 'working_hours', normal: 24, urgent: 4 }
    expect(dispatchDeadline(rule, false)).toEqual({ amount: 24, unit: 'working_hours' })
    expect(dispatchDeadline(rule, true)).toEqual({ amount: 4, unit: 'working_hours' })
    expect(dispatchDeadline(undefined, true)).toBeNull()
  })
  it('a batch summary counts refusals by code', () => {
    expect(summarizeBatch([{ id: 'a', ok: true }, { id: 'b', ok: false, code: 'stale_state' }, { id: 'c', ok: false, code: 'stale_state' }, { id: 'd', ok: false }]))
      .toEqual({ ok: 1, refused: 3, byCode: { stale_state: 2, unknown: 1 } })
  })
})

describe('deadline countdown', () => {
  const base = { fetchedAt: now, now, closed: false }
  it('uses the server working minutes when given', () => {
    const c = countdown({ ...base, deadline: '2026-12-07T09:30:00Z', remainingWorkingMinutes: 3780 })
    expect(c.basis).toBe('working')
    expect(c.overdue).toBe(false)
    expect(c.urgent).toBe(false)
    expect(workingHoursMinutes(c.workingMinutes!)).toEqual({ hours: 63, minutes: 0 })
    expect(c.wall).toEqual({ days: 11, hours: 8, minutes: 30, seconds: 0 })
  })
  it('falls back to wall-clock time and marks overdue', () => {
    const c = countdown({ ...base, deadline: '2026-11-25T23:58:55Z', remainingWorkingMinutes: null })
    expect(c.basis).toBe('wall')
    expect(c.overdue).toBe(true)
    expect(formatSpan(c.wall, 'zh-CN')).toBe('01:01:05')
    expect(formatSpan(split(2 * 86400_000 + 3723_000), 'en')).toBe('2d 01:02:03')
  })
  it('warns under one working day and shows nothing when closed or without a deadline', () => {
    expect(countdown({ ...base, deadline: '2026-11-26T03:00:00Z', remainingWorkingMinutes: 120 }).urgent).toBe(true)
    expect(countdown({ ...base, deadline: null, remainingWorkingMinutes: null }).none).toBe(true)
    expect(countdown({ ...base, closed: true, deadline: '2026-11-27T00:00:00Z', remainingWorkingMinutes: 60 }).none).toBe(true)
  })
})

describe('roles', () => {
  it('each role sees its nav and nothing more', () => {
    expect(navFor('township')).toEqual(['cases', 'intake', 'dashboard', 'grids'])
    expect(navFor('leader')).toEqual(['cases', 'dashboard', 'grids'])
    expect(navFor('department')).toEqual(['cases', 'dashboard'])
    expect(navFor('stranger')).toEqual([])
    expect(canIntake('department')).toBe(false)
    expect(canBatchClaim('leader')).toBe(false)
    expect(canBatchClaim('center')).toBe(true)
    expect(homeFor('leader')).toBe('/dashboard')
  })
})
