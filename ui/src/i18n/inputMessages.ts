// What an input problem reads as: the field in words and the rule it breaks, with its limit —
// one table for the server's `invalid_input` refusals (which carry core's `field`, `rule` and
// `limit`, yiwang_core::input) and for the console's own checks before sending (which name the
// same rules, `@/logic/console/actions`), so a rule reads alike whoever finds it broken. Typed by
// the generated lists: a field or rule core adds fails the type check until it has its words.
import type { InputField, InputRule } from '@/generated'
import { formatDateTime } from '@/logic/format'
import type { Lang } from './errorMessages'

/** Fields only the console's forms have (the server takes them as part of the body's shape). */
export type FormField = InputField | 'rating' | 'source'

/** A field and the rule its value breaks; `limit` where it helps (a length, a deadline, a case). */
export interface InputProblem {
  field: FormField
  rule: InputRule
  limit?: string | null
}

export const FIELD_NAMES: Record<Lang, Record<FormField, string>> = {
  'zh-CN': {
    note: '说明',
    description: '问题描述',
    address: '地址',
    contact: '联系人',
    location: '位置',
    category: '问题类别',
    grid_id: '网格',
    unit: '单位',
    channel: '来源渠道',
    department: '处置部门',
    deadline: '处置期限',
    until: '新的截止时间',
    duplicate_of: '重复的原案件',
    outcome: '结案方式',
    photos: '照片',
    rating: '评价',
    source: '评价来源',
  },
  en: {
    note: 'Note',
    description: 'Description',
    address: 'Address',
    contact: 'Contact',
    location: 'Location',
    category: 'Category',
    grid_id: 'Grid',
    unit: 'Unit',
    channel: 'Channel',
    department: 'Department',
    deadline: 'Deadline',
    until: 'New deadline',
    duplicate_of: 'Original case',
    outcome: 'Outcome',
    photos: 'Photos',
    rating: 'Rating',
    source: 'Rating source',
  },
}

/** `{limit}` is replaced by the refusal's limit, formatted for its rule. */
export const RULE_TEXTS: Record<Lang, Record<InputRule, string>> = {
  'zh-CN': {
    required: '必填',
    too_long: '不能超过 {limit} 个字',
    too_many: '最多 {limit} 个',
    unknown: '找不到（或不在你的管辖范围内），请从列表中选择',
    not_leaf: '请选到具体的小类',
    category_gone: '案件的类别已被删除，请联系管理员',
    not_coordinate: '不是有效的经纬度',
    grid_channel_only: '网格员只能通过网格上报',
    note_or_photo: '请写明做了什么，或附上处理后的照片',
    no_grid_worker: '案件没有所属网格，无法派网格员核查',
    use_reject_or_merge: '无效或重复的案件请用“不予立案”或“合并重复件”',
    not_after_deadline: '必须晚于当前期限 {limit}',
    not_in_future: '必须晚于现在',
    later_than_category_deadline: '只能缩短类别规定的期限（最晚 {limit}），不能延长',
    same_case: '不能合并到案件自身',
    merged_elsewhere: '该案件本身已合并至案件 {limit}，请选择那个案件',
  },
  en: {
    required: 'required',
    too_long: 'at most {limit} characters',
    too_many: 'at most {limit}',
    unknown: 'not found (or outside your jurisdiction); pick one from the list',
    not_leaf: 'pick a sub-category',
    category_gone: "the case's category was removed; ask the administrator",
    not_coordinate: 'not a valid coordinate',
    grid_channel_only: 'a grid worker reports through the grid',
    note_or_photo: 'say what was done, or attach a photo of it',
    no_grid_worker: 'the case has no grid, so no grid worker can verify it',
    use_reject_or_merge: 'use “Reject as invalid” or “Merge duplicate” for those',
    not_after_deadline: 'must be later than the current deadline {limit}',
    not_in_future: 'must be later than now',
    later_than_category_deadline: "may shorten the category's deadline ({limit}), not lengthen it",
    same_case: 'a case cannot be a duplicate of itself',
    merged_elsewhere: 'that case was itself merged into case {limit}; pick that one',
  },
}

/** The rules whose limit is a time, and those whose limit is a case id. */
const TIME_LIMIT: readonly InputRule[] = ['not_after_deadline', 'later_than_category_deadline']
const CASE_LIMIT: readonly InputRule[] = ['merged_elsewhere']

function limitText(rule: InputRule, limit: string | null | undefined): string {
  if (!limit) return ''
  if (TIME_LIMIT.includes(rule)) return formatDateTime(limit)
  if (CASE_LIMIT.includes(rule)) return `…${limit.slice(-8)}`
  return limit
}

/** "新的截止时间：必须晚于当前期限 11-21 09:00". `label`: the form's own name for the field,
 *  where the form calls it something more exact (a note that is the reason: 原因, 督办意见). */
export function inputProblemText(p: InputProblem, lang: Lang, label?: string): string {
  const field = label || (FIELD_NAMES[lang][p.field] ?? p.field)
  const rule = (RULE_TEXTS[lang][p.rule] ?? p.rule).replace('{limit}', limitText(p.rule, p.limit))
  return lang === 'en' ? `${field}: ${rule}` : `${field}：${rule}`
}

/** Whether a server's error names a field and rule this build knows. */
export function isInputProblem(field: unknown, rule: unknown, lang: Lang = 'zh-CN'): boolean {
  return typeof field === 'string' && typeof rule === 'string' && field in FIELD_NAMES[lang] && rule in RULE_TEXTS[lang]
}
