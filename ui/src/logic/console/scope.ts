// The part of the county a user's filters offer: the units at or below their own unit (a
// township supervisor picks among their township's communities, not the county's 17
// townships). A user without a unit (a department) or at the county sees every unit. The
// server decides what anyone may read; this only keeps the choices to those that can match.

export interface ScopedUnit {
  id: string
  path: string
}

export function unitsInScope<U extends ScopedUnit>(units: readonly U[], myUnitId: string | null | undefined): U[] {
  const mine = myUnitId ? units.find((u) => u.id === myUnitId) : undefined
  if (!mine) return [...units]
  return units.filter((u) => u.path.startsWith(mine.path))
}
