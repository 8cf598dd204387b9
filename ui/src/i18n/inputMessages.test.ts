import { describe, expect, it } from 'vitest'
import { INPUT_FIELDS, INPUT_RULES } from '@/generated/caseRules'
import { FIELD_NAMES, RULE_TEXTS, inputProblemText } from './inputMessages'

describe('input problems', () => {
  it('every field and rule core names has words in both languages', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const f of INPUT_FIELDS) expect(FIELD_NAMES[lang][f], `${lang} ${f}`).toBeTruthy()
      for (const r of INPUT_RULES) expect(RULE_TEXTS[lang][r], `${lang} ${r}`).toBeTruthy()
    }
    // Chinese words, not the wire names.
    for (const f of INPUT_FIELDS) expect(FIELD_NAMES['zh-CN'][f]).not.toMatch(/[a-z_]/)
  })
  it('names the field in words and the limit where it helps', () => {
    expect(inputProblemText({ field: 'until', rule: 'not_after_deadline', limit: '2026-11-21T01:00:00Z' }, 'zh-CN'))
      .toMatch(/^新的截止时间：必须晚于当前期限 (2026-)?11-21 09:00$/)
    expect(inputProblemText({ field: 'until', rule: 'required' }, 'zh-CN')).toBe('新的截止时间：必填')
    expect(inputProblemText({ field: 'note', rule: 'too_long', limit: '2000' }, 'zh-CN')).toBe('说明：不能超过 2000 个字')
    expect(inputProblemText({ field: 'duplicate_of', rule: 'merged_elsewhere', limit: '01a23eee-bd70-77c3-84d0-96c3c6fefedb' }, 'zh-CN'))
      .toBe('重复的原案件：该案件本身已合并至案件 …c6fefedb，请选择那个案件')
    expect(inputProblemText({ field: 'deadline', rule: 'not_in_future' }, 'en')).toBe('Deadline: must be later than now')
  })
})
