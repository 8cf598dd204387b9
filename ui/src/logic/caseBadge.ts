// Case state badges: CaseState (core's enum, docs/DESIGN.md §4) → label in the UI language and a Vant
// tag type; plus the urgent, overdue / handled-late, urged (督办) and waiting marks a case card
// carries. "Overdue" and "handled late" are core's deadline rule (`Case::deadline_status`), as
// the console shows them.
import type { CaseState, CaseSummary } from '@/backend/types'
import { CASE_STATES } from '@/generated'

export { CASE_STATES }
export type Lang = 'zh-CN' | 'en'
export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

const LABELS: Record<CaseState, { 'zh-CN': string; en: string; type: TagType }> = {
  pending: { 'zh-CN': '待受理', en: 'Pending', type: 'warning' },
  claimed: { 'zh-CN': '已认领', en: 'Claimed', type: 'primary' },
  dispatched: { 'zh-CN': '已分派', en: 'Dispatched', type: 'primary' },
  in_progress: { 'zh-CN': '办理中', en: 'In progress', type: 'primary' },
  handled: { 'zh-CN': '已处置', en: 'Handled', type: 'success' },
  verifying: { 'zh-CN': '待核查', en: 'To verify', type: 'warning' },
  closed: { 'zh-CN': '已结案', en: 'Closed', type: 'success' },
}

export interface Badge {
  label: string
  type: TagType
}

/** An unknown state (a newer server) shows its raw name, never breaks the list. */
export function stateBadge(state: string, lang: Lang): Badge {
  const l = (LABELS as Record<string, (typeof LABELS)[CaseState] | undefined>)[state]
  return l ? { label: l[lang], type: l.type } : { label: state, type: 'default' }
}

export interface Mark {
  kind: 'urgent' | 'overdue' | 'handled_late' | 'urged' | 'waiting'
  label: string
  type: TagType
}

/** Marks beside the state: 紧急 (not once closed), 已超期 or 超期办结, 督办×n, 待同步. */
export function caseMarks(
  c: Pick<CaseSummary, 'state' | 'deadline_status' | 'urgent' | 'supervised' | 'sync'>,
  lang: Lang,
): Mark[] {
  const marks: Mark[] = []
  if (c.urgent && c.state !== 'closed') marks.push({ kind: 'urgent', label: lang === 'en' ? 'Urgent' : '紧急', type: 'danger' })
  if (c.deadline_status === 'overdue') marks.push({ kind: 'overdue', label: lang === 'en' ? 'Overdue' : '已超期', type: 'danger' })
  if (c.deadline_status === 'handled_late') {
    marks.push({ kind: 'handled_late', label: lang === 'en' ? 'Handled late' : '超期办结', type: 'warning' })
  }
  if (c.supervised > 0) {
    const label = lang === 'en' ? `Urged ×${c.supervised}` : `督办 ×${c.supervised}`
    marks.push({ kind: 'urged', label, type: 'danger' })
  }
  if (c.sync === 'waiting') marks.push({ kind: 'waiting', label: lang === 'en' ? 'Waiting to sync' : '待同步', type: 'default' })
  return marks
}
