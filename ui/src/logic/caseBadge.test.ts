import { describe, expect, it } from 'vitest'
import { CASE_STATES, caseMarks, stateBadge } from './caseBadge'

describe('state badges', () => {
  it('labels every state in both languages', () => {
    const zh = CASE_STATES.map((s) => stateBadge(s, 'zh-CN').label)
    expect(zh).toEqual(['待受理', '已认领', '已分派', '办理中', '已处置', '待核查', '已结案'])
    expect(stateBadge('in_progress', 'en').label).toBe('In progress')
    expect(new Set(CASE_STATES.map((s) => stateBadge(s, 'en').label)).size, 'labels are distinct').toBe(7)
  })
  it('colours what needs the worker (verifying) as a warning and closed as success', () => {
    expect(stateBadge('verifying', 'zh-CN').type).toBe('warning')
    expect(stateBadge('closed', 'zh-CN').type).toBe('success')
  })
  it('shows an unknown state by its name', () => {
    expect(stateBadge('archived', 'zh-CN')).toEqual({ label: 'archived', type: 'default' })
  })
  it('marks overdue (not once closed), urged with the count, and waiting sync', () => {
    const base = { state: 'dispatched', overdue: true, urgent: false, supervised: 2, sync: 'waiting' }
    expect(caseMarks(base, 'zh-CN').map((m) => m.label)).toEqual(['已超期', '督办 ×2', '待同步'])
    expect(caseMarks({ ...base, urgent: true }, 'zh-CN')[0], 'an urgent case says so first').toEqual({ kind: 'urgent', label: '紧急', type: 'danger' })
    expect(caseMarks({ ...base, urgent: true, state: 'closed' }, 'en').map((m) => m.kind), 'not once closed').toEqual(['urged', 'waiting'])
    expect(caseMarks({ ...base, state: 'closed' }, 'en').map((m) => m.kind)).toEqual(['urged', 'waiting'])
    expect(caseMarks({ ...base, overdue: false, supervised: 0, sync: 'sent' }, 'zh-CN')).toEqual([])
  })
})
