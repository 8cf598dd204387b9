// What the console shows to each role (docs/DESIGN.md §1). The server decides every request; the
// console only avoids drawing what the server would refuse.

import { OPEN_QUEUE_ROUTE } from './filters'

import { ROLES, type Role } from '@/generated'

export { ROLES, type Role }

export type NavItem = 'cases' | 'intake' | 'dashboard' | 'grids'

/** `POST /api/v1/cases` takes these roles (the server's `intake` handler). */
const INTAKE: readonly Role[] = ['community', 'township', 'center']
/** Roles that may claim a pending case of their units (docs/DESIGN.md §4 "claim"). */
const CLAIM: readonly Role[] = ['community', 'township', 'center']
/** Roles with grids below them (`/api/v1/org` lists none for a department). */
const GRIDS: readonly Role[] = ['community', 'township', 'center', 'leader', 'admin']

export function navFor(role: string): NavItem[] {
  const r = role as Role
  if (!(ROLES as readonly string[]).includes(role)) return []
  const out: NavItem[] = ['cases']
  if (INTAKE.includes(r)) out.push('intake')
  out.push('dashboard')
  if (GRIDS.includes(r)) out.push('grids')
  return out
}

export function canIntake(role: string): boolean {
  return INTAKE.includes(role as Role)
}

export function canBatchClaim(role: string): boolean {
  return CLAIM.includes(role as Role)
}

/**
 * The actions a role may ever take, or `null` for "whatever the server lists". A leader reads
 * everything and urges (docs/DESIGN.md §1): only 督办 and comments, whatever a stale list might say.
 */
export function actionsFor(role: string): readonly string[] | null {
  return role === 'leader' ? ['supervise', 'comment'] : null
}

/** The route a role lands on after login: a leader's dashboard, everyone else's open cases. */
export function homeFor(role: string): string {
  return role === 'leader' ? '/dashboard' : OPEN_QUEUE_ROUTE
}

/** Where a nav item leads: the case queue opens on the cases still being worked. */
export function navRoute(item: NavItem): string {
  return item === 'cases' ? OPEN_QUEUE_ROUTE : `/${item}`
}

/** May this role open a route (by its nav item)? `cases` also covers the case page. */
export function mayOpen(role: string, item: NavItem): boolean {
  return navFor(role).includes(item)
}
