// 合并重复件 on a case page: the cases merged into this one take their place in its timeline at
// the time they were merged, beside the case's own events.

/** "…c77cabcf": a case id as the queue shows it. */
export function shortId(id: string): string {
  return id.length > 8 ? `…${id.slice(-8)}` : id
}

export interface TimedEvent {
  at: string
  seq: number
}

export interface MergedDuplicate {
  id: string
  merged_at?: string | null
}

export type TimelineEntry<E, D> =
  | { kind: 'event'; key: string; at: string; event: E }
  | { kind: 'duplicate'; key: string; at: string; duplicate: D }

/**
 * The events in their order with each duplicate after the last event at or before its merge
 * (oldest merge first). A duplicate without a merge time is left out (the list beside shows it).
 */
export function timelineWithDuplicates<E extends TimedEvent, D extends MergedDuplicate>(events: readonly E[], duplicates: readonly D[]): TimelineEntry<E, D>[] {
  const timed = duplicates
    .filter((d) => d.merged_at && !Number.isNaN(Date.parse(d.merged_at)))
    .map((d) => ({ d, t: Date.parse(d.merged_at!) }))
    .sort((a, b) => a.t - b.t)
  const out: TimelineEntry<E, D>[] = []
  let i = 0
  for (const e of events) {
    const t = Date.parse(e.at)
    while (i < timed.length && timed[i].t < t) {
      out.push({ kind: 'duplicate', key: `dup-${timed[i].d.id}`, at: timed[i].d.merged_at!, duplicate: timed[i].d })
      i++
    }
    out.push({ kind: 'event', key: `ev-${e.seq}`, at: e.at, event: e })
  }
  for (; i < timed.length; i++) out.push({ kind: 'duplicate', key: `dup-${timed[i].d.id}`, at: timed[i].d.merged_at!, duplicate: timed[i].d })
  return out
}
