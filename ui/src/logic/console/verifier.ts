// Who verifies a case on site (派发核查 → 待核查): the grid worker of the case's grid. The org
// response (`/api/v1/org`) names each grid's worker by id; `/api/v1/grids` adds the worker's
// name. A department sees neither (its org has no grids), so the worker may stay unnamed.

export interface OrgGrid {
  id: string
  name: string
  worker_id?: string | null
}

export interface GridWorkerRow {
  id: string
  name: string
  worker_id?: string | null
  worker_name?: string | null
}

export type Verifier =
  /** The case has no grid: nobody can verify it on site (the server refuses 派发核查). */
  | { kind: 'no_grid' }
  /** The grid has no worker. */
  | { kind: 'no_worker'; grid: string }
  /** The grid's worker; `name` null when the caller cannot see who it is. */
  | { kind: 'worker'; grid: string; name: string | null; workerId: string | null }

/**
 * The verifier of a case in grid `gridId` (`gridLabel`: the grid's name as the detail gives it),
 * from the caller's org grids and the `/api/v1/grids` rows of its community (either may be empty).
 */
export function verifierOf(
  gridId: string | null | undefined,
  gridLabel: string | null | undefined,
  orgGrids: readonly OrgGrid[],
  rows: readonly GridWorkerRow[],
): Verifier {
  if (!gridId) return { kind: 'no_grid' }
  const row = rows.find((r) => r.id === gridId)
  const og = orgGrids.find((g) => g.id === gridId)
  const grid = gridLabel || row?.name || og?.name || gridId
  if (row) {
    if (!row.worker_id) return { kind: 'no_worker', grid }
    return { kind: 'worker', grid, name: row.worker_name || row.worker_id, workerId: row.worker_id }
  }
  if (og) {
    if (!og.worker_id) return { kind: 'no_worker', grid }
    return { kind: 'worker', grid, name: null, workerId: og.worker_id }
  }
  return { kind: 'worker', grid, name: null, workerId: null }
}
