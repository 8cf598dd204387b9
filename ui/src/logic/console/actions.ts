// Case actions in the console: which buttons show for the server's `available_actions`, the
// form each one opens, and the body `POST /api/v1/cases/{id}/actions` takes (the core's
// `CaseActionData`: `{base_version, action, ...fields}`, snake_case).

import type { ActionKind, Outcome, Rating, RatingSource } from '@/generated'
import { MAX_TEXT_CHARS } from '@/generated/caseRules'
import type { InputProblem } from '@/i18n/inputMessages'

export type { ActionKind, Outcome, Rating, RatingSource } from '@/generated'
export { OUTCOMES, RATINGS, RATING_SOURCES } from '@/generated'

/**
 * The buttons in the order the console draws them: the workflow's forward steps first, comment
 * last. Every action of core but `report` (a case is reported with `POST /api/v1/cases`); a
 * `Record` over core's `ActionKind`, so an action core adds fails the type check until it has
 * its place here.
 */
const BUTTON_ORDER: Record<Exclude<ActionKind, 'report'>, number> = {
  claim: 0, dispatch: 1, accept: 2, report_handled: 3, resolve: 4, assign_verify: 5, verify_pass: 6,
  verify_fail: 7, close: 8, escalate: 9, return: 10, reject_invalid: 11, merge_duplicate: 12, unmerge: 13, reopen: 14,
  supervise: 15, request_extension: 16, extend_deadline: 17, refuse_extension: 18, rate: 19, comment: 20,
}
export const ACTION_KINDS = (Object.keys(BUTTON_ORDER) as Exclude<ActionKind, 'report'>[]).sort(
  (a, b) => BUTTON_ORDER[a] - BUTTON_ORDER[b],
)

/** The forward step of the workflow is drawn as the primary button. */
const PRIMARY: readonly ActionKind[] = ['claim', 'dispatch', 'accept', 'report_handled', 'resolve', 'assign_verify', 'verify_pass', 'close', 'rate']
/** Steps that send a case back or end it without a fix: drawn as warnings. */
const WARNING: readonly ActionKind[] = ['escalate', 'return', 'reject_invalid', 'merge_duplicate', 'unmerge', 'verify_fail', 'reopen', 'refuse_extension']

export type ButtonType = 'primary' | 'warning' | 'default'

export interface ActionButton {
  kind: ActionKind
  type: ButtonType
}

/**
 * The buttons for the server's list, in the workflow's order (forward steps first, comment
 * last). Names the console does not know (a newer server) are left out rather than guessed;
 * `allowed` (the role's own limit, `actionsFor`) narrows the list further.
 */
export function actionButtons(available: readonly string[], allowed: readonly string[] | null = null): ActionButton[] {
  return ACTION_KINDS.filter((k) => available.includes(k) && (allowed === null || allowed.includes(k))).map((kind) => ({
    kind,
    type: PRIMARY.includes(kind) ? 'primary' : WARNING.includes(kind) ? 'warning' : 'default',
  }))
}

/** `or_photo`: a note or at least one photo (what a department did, said or shown). */
export type NoteRule = 'required' | 'optional' | 'or_photo'

export interface ActionForm {
  note: NoteRule
  department: boolean
  photos: boolean
  outcome: boolean
  rating: boolean
  until: 'required' | 'optional' | null
  duplicateOf: boolean
  /** A dispatch may set a deadline shorter than the category's (an urgent case). */
  deadline: boolean
}

/** The fields of each action's form; a note is required where it is the reason. */
export function formFor(kind: ActionKind): ActionForm {
  const f: ActionForm = { note: 'optional', department: false, photos: false, outcome: false, rating: false, until: null, duplicateOf: false, deadline: false }
  switch (kind) {
    case 'escalate': case 'return': case 'reject_invalid': case 'reopen': case 'supervise':
    case 'verify_fail': case 'comment': case 'refuse_extension': case 'unmerge':
      f.note = 'required'
      break
    case 'dispatch':
      f.department = true
      f.deadline = true
      break
    // What was done, said or shown: by a department (处理反馈) or the unit itself (本级办结).
    case 'report_handled': case 'resolve':
      f.photos = true
      f.note = 'or_photo'
      break
    case 'verify_pass':
      f.photos = true
      break
    case 'close':
      f.outcome = true
      break
    case 'rate':
      f.rating = true
      break
    case 'request_extension':
      f.until = 'required'
      f.note = 'required'
      break
    case 'extend_deadline':
      f.until = 'optional'
      break
    case 'merge_duplicate':
      f.duplicateOf = true
      break
  }
  if (kind === 'verify_fail') f.photos = true
  return f
}

export interface ActionInput {
  note: string
  department: string
  photos: string[]
  outcome: Outcome | ''
  rating: Rating | ''
  /** Whose rating it is: 群众评价 (the resident's, from a 回访 call) or 办理人员评价. */
  ratingSource: RatingSource | ''
  /** A local date-time the picker gives, `YYYY-MM-DDTHH:mm` (Beijing time), or RFC 3339. */
  until: string
  duplicateOf: string
  /** A dispatch's shorter deadline, as `until` is given; empty: the category's. */
  deadline: string
}

export function emptyInput(): ActionInput {
  return { note: '', department: '', photos: [], outcome: '', rating: '', ratingSource: '', until: '', duplicateOf: '', deadline: '' }
}

export type { InputProblem } from '@/i18n/inputMessages'

/** Core's limit on a note (yiwang_core::workflow::MAX_TEXT_CHARS), characters. */
export const MAX_NOTE = MAX_TEXT_CHARS

/** `2026-11-30T17:00` (Beijing) → `2026-11-30T17:00:00+08:00`; RFC 3339 passes through. */
export function untilToRfc3339(s: string): string | null {
  const t = s.trim()
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$/.exec(t)
  const out = local ? `${local[1]}T${local[2]}${local[3] ?? ':00'}+08:00` : t
  return Number.isNaN(Date.parse(out)) || !/^\d{4}-\d{2}-\d{2}T/.test(out) ? null : out
}

export type Built = { ok: true; body: Record<string, unknown> } | { ok: false; problem: InputProblem }

const problem = (p: InputProblem): Built => ({ ok: false, problem: p })

/** `2026-11-30T09:00:00Z` → `2026-11-30T17:00`, the Beijing time a date-time field shows. */
export function rfc3339ToLocalInput(s: string | null | undefined): string {
  const t = s ? Date.parse(s) : NaN
  return Number.isNaN(t) ? '' : new Date(t + 8 * 3600_000).toISOString().slice(0, 16)
}

/** What a new deadline is held to: the case's current deadline, and a requested one. */
export interface UntilContext {
  /** The case's deadline now (a new one must be later, as the server's rule says). */
  deadline?: string | null
  /** The date a department asked for (`extension_requested`): approving takes it when none is given. */
  requested?: string | null
  /** The deadline the category gives a dispatch now (the server's preview): a dispatch may set
   *  an earlier one, never a later one. */
  categoryDeadline?: string | null
  /** The case acted on: a merge names another. */
  caseId?: string
}

/** The request body for an action, or the first problem with the input. The deadline rules are
 *  core's (`workflow::decide`, request_extension and extend_deadline): later than the current
 *  deadline and than now; an approval without a date takes the requested one, and needs one. */
export function buildActionBody(kind: ActionKind, baseVersion: number, input: ActionInput, now: Date, ctx: UntilContext = {}): Built {
  const form = formFor(kind)
  const body: Record<string, unknown> = { base_version: baseVersion, action: kind }
  const note = input.note.trim()
  if (form.note === 'required' && note.length === 0) return problem({ field: 'note', rule: 'required' })
  if (form.note === 'or_photo' && note.length === 0 && input.photos.length === 0) return problem({ field: 'note', rule: 'note_or_photo' })
  // Characters as core counts them (a CJK character once, an emoji once).
  if ([...note].length > MAX_NOTE) return problem({ field: 'note', rule: 'too_long', limit: String(MAX_NOTE) })
  // Every action's note is optional on the wire (`Option<String>`): send it only when given.
  if (note) body.note = note
  if (form.department && input.department) body.department = input.department
  if (form.photos && input.photos.length > 0) body.photos = [...input.photos]
  if (form.outcome && input.outcome) body.outcome = input.outcome
  if (form.rating) {
    if (!input.ratingSource) return problem({ field: 'source', rule: 'required' })
    if (!input.rating) return problem({ field: 'rating', rule: 'required' })
    body.rating = input.rating
    body.source = input.ratingSource
  }
  if (form.until) {
    if (!input.until.trim()) {
      if (form.until === 'required' || !ctx.requested) return problem({ field: 'until', rule: 'required' })
    } else {
      const until = untilToRfc3339(input.until)
      if (!until) return problem({ field: 'until', rule: 'required' })
      // Core's order (workflow::check_new_deadline): the current deadline, then now.
      if (ctx.deadline && Date.parse(until) <= Date.parse(ctx.deadline)) {
        return problem({ field: 'until', rule: 'not_after_deadline', limit: ctx.deadline })
      }
      if (Date.parse(until) <= now.getTime()) return problem({ field: 'until', rule: 'not_in_future' })
      body.until = until
    }
  }
  if (form.deadline && input.deadline.trim()) {
    const d = untilToRfc3339(input.deadline)
    if (!d) return problem({ field: 'deadline', rule: 'required' })
    if (Date.parse(d) <= now.getTime()) return problem({ field: 'deadline', rule: 'not_in_future' })
    if (ctx.categoryDeadline && Date.parse(d) > Date.parse(ctx.categoryDeadline)) {
      return problem({ field: 'deadline', rule: 'later_than_category_deadline', limit: ctx.categoryDeadline })
    }
    body.deadline = d
  }
  if (form.duplicateOf) {
    const d = input.duplicateOf.trim()
    if (!d) return problem({ field: 'duplicate_of', rule: 'required' })
    if (ctx.caseId && d === ctx.caseId) return problem({ field: 'duplicate_of', rule: 'same_case' })
    body.duplicate_of = d
  }
  return { ok: true, body }
}

export interface DeadlineRule {
  unit: 'working_hours' | 'working_days' | string
  normal: number
  urgent: number
}

/** The deadline a dispatch will set, as the category's rule gives it: {amount, unit}. */
export function dispatchDeadline(rule: DeadlineRule | null | undefined, urgent: boolean): { amount: number; unit: string } | null {
  if (!rule) return null
  return { amount: urgent ? rule.urgent : rule.normal, unit: rule.unit }
}

export interface BatchOutcome {
  id: string
  ok: boolean
  code?: string
  message?: string
}

/** Counts of a batch claim's answers, for the summary toast. */
export function summarizeBatch(results: BatchOutcome[]): { ok: number; refused: number; byCode: Record<string, number> } {
  const byCode: Record<string, number> = {}
  let ok = 0
  for (const r of results) {
    if (r.ok) ok++
    else byCode[r.code ?? 'unknown'] = (byCode[r.code ?? 'unknown'] ?? 0) + 1
  }
  return { ok, refused: results.length - ok, byCode }
}
