import { describe, expect, it } from 'vitest'
import { caseNotices, type NoticeEvent } from './notices'

const power = { user_id: 'dept-01', display_name: '供电公司办理员', department: { name: '供电公司' } }
const township = { user_id: 'township-01', display_name: '街道1调度员', department: null }
const ev = (action: string, at: string, actor: NoticeEvent['actor'] = township, note: string | null = null): NoticeEvent => ({ action, at, actor, note })

describe('caseNotices', () => {
  it('says who asked for an extension, until when and why, from the latest request', () => {
    const events = [
      ev('report', '2026-12-01T01:00:00Z'),
      ev('dispatch', '2026-12-01T02:00:00Z'),
      ev('request_extension', '2026-12-02T02:00:00Z', power, '旧的理由'),
      ev('refuse_extension', '2026-12-02T03:00:00Z', township, '不同意'),
      ev('request_extension', '2026-12-03T02:00:00Z', power, ' 需要更换变压器 '),
    ]
    expect(caseNotices('in_progress', '2026-12-08T09:30:00Z', events)).toEqual([
      { kind: 'extension', until: '2026-12-08T09:30:00Z', by: '供电公司', note: '需要更换变压器', at: '2026-12-03T02:00:00Z' },
    ])
  })

  it('says nothing of an extension once it was decided', () => {
    const events = [ev('dispatch', '2026-12-01T02:00:00Z'), ev('request_extension', '2026-12-02T02:00:00Z', power, 'x')]
    expect(caseNotices('in_progress', null, events)).toEqual([])
  })

  it('says a department returned the case while it waits claimed, comments and urging aside', () => {
    const events = [
      ev('dispatch', '2026-12-01T02:00:00Z'),
      ev('return', '2026-12-01T05:00:00Z', power, '不属于本单位职责'),
      ev('comment', '2026-12-01T06:00:00Z', township, '联系住建'),
      ev('supervise', '2026-12-01T07:00:00Z'),
    ]
    expect(caseNotices('claimed', null, events)).toEqual([
      { kind: 'returned', by: '供电公司', note: '不属于本单位职责', at: '2026-12-01T05:00:00Z' },
    ])
  })

  it('forgets a return once the case moved on, and a claim without a return says nothing', () => {
    const returned = [ev('dispatch', '2026-12-01T02:00:00Z'), ev('return', '2026-12-01T05:00:00Z', power)]
    expect(caseNotices('dispatched', null, [...returned, ev('dispatch', '2026-12-01T08:00:00Z')])).toEqual([])
    expect(caseNotices('claimed', null, [ev('report', '2026-12-01T01:00:00Z'), ev('claim', '2026-12-01T02:00:00Z')])).toEqual([])
    expect(caseNotices('claimed', null, [])).toEqual([])
  })
})
