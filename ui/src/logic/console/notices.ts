// What the top of a case page says before anything else, read off the case and its timeline:
// a department asks for a later deadline (延期待审批: who, until when, why), or a department
// gave the case back (退回: who, when, why) and it waits at the dispatching desk again. Both are
// in the timeline too, but a dispatcher opening the case should not have to look for them.

export interface NoticeEvent {
  action: string
  at: string
  note?: string | null
  actor: { display_name?: string | null; department?: { name: string } | null; user_id: string }
}

export type CaseNotice =
  | { kind: 'extension'; until: string; by: string | null; note: string | null; at: string | null }
  | { kind: 'returned'; by: string | null; note: string | null; at: string }

/** Actions that leave a case where it was: they never end a return's notice. */
const ASIDE = new Set(['comment', 'supervise', 'rate'])

function who(e: NoticeEvent): string | null {
  return e.actor.department?.name ?? e.actor.display_name ?? e.actor.user_id ?? null
}

/**
 * The notices for a case in `state` with `extensionRequested` (the date a department asked for,
 * awaiting the dispatcher) and its `events` in order.
 */
export function caseNotices(
  state: string,
  extensionRequested: string | null | undefined,
  events: readonly NoticeEvent[],
): CaseNotice[] {
  const out: CaseNotice[] = []
  if (extensionRequested) {
    const ask = [...events].reverse().find((e) => e.action === 'request_extension')
    out.push({
      kind: 'extension',
      until: extensionRequested,
      by: ask ? who(ask) : null,
      note: ask?.note?.trim() || null,
      at: ask?.at ?? null,
    })
  }
  if (state === 'claimed') {
    const last = [...events].reverse().find((e) => !ASIDE.has(e.action))
    if (last?.action === 'return') {
      out.push({ kind: 'returned', by: who(last), note: last.note?.trim() || null, at: last.at })
    }
  }
  return out
}
