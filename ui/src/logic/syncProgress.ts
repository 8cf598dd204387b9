// The sync screen's progress bar: one percentage from the agent's two counters (ops pushed,
// photo bytes uploaded). Each counter with a non-zero total counts half; with only one, it
// counts whole. The bar shows 100 only when both are complete, never more, never NaN.
import type { SyncView } from '@/backend/types'

export type SyncCounters = Pick<SyncView, 'phase' | 'ops_done' | 'ops_total' | 'bytes_done' | 'bytes_total'>

const ACTIVE = ['push', 'upload', 'pull']

function fraction(done: number, total: number): number | null {
  if (!Number.isFinite(total) || total <= 0) return null
  const d = Number.isFinite(done) ? done : 0
  return Math.min(1, Math.max(0, d / total))
}

export function syncPercent(v: SyncCounters): number {
  const parts = [fraction(v.ops_done, v.ops_total), fraction(v.bytes_done, v.bytes_total)].filter(
    (x): x is number => x !== null,
  )
  if (parts.length === 0) return isSyncing(v.phase) ? 0 : 100
  const f = parts.reduce((a, b) => a + b, 0) / parts.length
  // While pulling, the pushed part is done but the round is not: hold at 99 until idle.
  const pct = Math.floor(f * 100)
  return isSyncing(v.phase) ? Math.min(pct, 99) : pct
}

export function isSyncing(phase: string): boolean {
  return ACTIVE.includes(phase)
}
