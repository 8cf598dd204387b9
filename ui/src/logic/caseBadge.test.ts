import { describe, expect, it } from 'vitest'
import { CASE_STATES, caseMarks, stateBadge } from './caseBadge'
import type { CaseSummary } from '@/backend/types'

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
  it('marks overdue, urged with the count, and waiting sync', () => {
    const base: Pick<CaseSummary, 'state' | 'deadline_status' | 'urgent' | 'supervised' | 'sync'> = {
      state: 'dispatched', deadline_status: 'overdue', urgent: false, supervised: 2, sync: 'waiting',
    }
    expect(caseMarks(base, 'zh-CN').map((m) => m.label)).toEqual(['已超期', '督办 ×2', '待同步'])
    expect(caseMarks({ ...base, urgent: true }, 'zh-CN')[0], 'an urgent case says so first').toEqual({ kind: 'urgent', label: '紧急', type: 'danger' })
    expect(caseMarks({ ...base, deadline_status: 'running', supervised: 0, sync: 'sent' }, 'zh-CN')).toEqual([])
  })
  it('a case handled after its deadline reads 超期办结, not overdue, as on the console', () => {
    const late = { state: 'closed', deadline_status: 'handled_late', urgent: true, supervised: 0, sync: 'sent' } as const
    expect(caseMarks(late, 'zh-CN').map((m) => m.label)).toEqual(['超期办结'])
    expect(caseMarks({ ...late, deadline_status: 'handled_on_time' }, 'en')).toEqual([])
  })
})
