import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@/generated'
import { ERROR_MESSAGES, errorMessage } from './errorMessages'

describe('error messages', () => {
  it('every code of core has a Chinese and an English text', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const missing = ERROR_CODES.filter((c) => !ERROR_MESSAGES[lang][c]?.trim())
      expect(missing, `codes without a ${lang} text`).toEqual([])
      const extra = Object.keys(ERROR_MESSAGES[lang]).filter((c) => !(ERROR_CODES as readonly string[]).includes(c))
      expect(extra, `${lang} texts for codes core does not have`).toEqual([])
    }
  })
  it('the Chinese texts are Chinese', () => {
    const latinOnly = ERROR_CODES.filter((c) => !/[\u4e00-\u9fff]/.test(ERROR_MESSAGES['zh-CN'][c]))
    expect(latinOnly).toEqual([])
  })
  it('a known code reads in our words, with the detail where it helps', () => {
    expect(errorMessage('stale_state', 'case changed', 'zh-CN')).toBe('案件已被他人更新，请刷新后再操作')
    expect(errorMessage('invalid_input', 'note: required', 'zh-CN')).toBe('输入有误：note: required')
    expect(errorMessage('invalid_input', 'note: required', 'zh-CN', false)).toBe('输入有误')
  })
  it('a code from a newer server shows the message that came with it', () => {
    expect(errorMessage('quota_exceeded_v9', '今日上报已达上限', 'zh-CN')).toBe('今日上报已达上限')
    expect(errorMessage(null, '', 'zh-CN')).toBe('出错了，请重试')
  })
})
