// The cases a duplicate may be merged into, as the merge picker offers them: never the case
// itself, never a case already merged elsewhere (core refuses both), and only open cases — a
// new report about a problem that was closed is the problem back, a case of its own (a first
// try merged today's report into a case closed weeks before, closing it); the same grid's first,
// then the nearest (when both have a place), then the newest.
import { haversine } from './geo'

interface Listed {
  id: string
  state: string
  outcome?: string | null
  duplicate_of?: string | null
  grid_id?: string | null
  location?: { lat: number; lon: number } | null
  description: string
  address?: string | null
  reported_at: string
}

interface Self {
  id: string
  grid_id?: string | null
  location?: { lat: number; lon: number } | null
}

export interface MergeCandidate {
  id: string
  state: string
  description: string
  address: string | null
  reported_at: string
  sameGrid: boolean
  /** Metres between the two places, rounded; null when either has none. */
  distanceM: number | null
}

/** A search as typed: the short id the queue shows ("…c92657b6") finds the case too. */
export function mergeSearchText(q: string): string {
  return q.trim().replace(/^(…|\.\.\.)/, '').trim()
}

export function mergeCandidates(items: readonly Listed[], self: Self | null): MergeCandidate[] {
  const out = items
    .filter((c) => c.id !== self?.id && !c.duplicate_of && c.outcome !== 'duplicate' && c.state !== 'closed')
    .map((c) => ({
      id: c.id,
      state: c.state,
      description: c.description,
      address: c.address ?? null,
      reported_at: c.reported_at,
      sameGrid: !!self?.grid_id && c.grid_id === self.grid_id,
      distanceM: self?.location && c.location ? Math.round(haversine(self.location, c.location)) : null,
    }))
  return out.sort(
    (a, b) =>
      Number(b.sameGrid) - Number(a.sameGrid) ||
      (a.distanceM ?? Infinity) - (b.distanceM ?? Infinity) ||
      b.reported_at.localeCompare(a.reported_at),
  )
}
