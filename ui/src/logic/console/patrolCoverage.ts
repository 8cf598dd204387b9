// Why a patrol does or does not count for patrol coverage (巡查率). The server decides
// (`counts_for_coverage`, core's `PatrolFacts::counts`); this only names the reason for the
// screen, from what the patrol view already says.

/** What the screens show about one patrol's place in coverage. */
export type PatrolCoverage = 'counts' | 'no_track' | 'outside_windows' | 'started_after_receipt'

export interface PatrolCoverageFacts {
  counts_for_coverage: boolean
  points: number
  window?: string | null
}

export function patrolCoverage(p: PatrolCoverageFacts): PatrolCoverage {
  if (p.counts_for_coverage) return 'counts'
  if (p.points === 0) return 'no_track'
  if (!p.window) return 'outside_windows'
  // The remaining rule: its claimed start is later than the server received it (plus 5 minutes).
  return 'started_after_receipt'
}
