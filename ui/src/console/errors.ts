// An ApiError as the user reads it: the text for its code, else the server's message.
import { ApiError } from './http'
import { consoleI18n } from '@/i18n/console'
import type { Router } from 'vue-router'

const KNOWN = [
  'offline', 'bad_credentials', 'unauthenticated', 'throttled', 'stale_state', 'out_of_jurisdiction', 'not_holder',
  'forbidden_role', 'forbidden', 'invalid_transition', 'invalid_input', 'not_found', 'export_too_large', 'invalid_query',
  'already_rated', 'no_extension_requested', 'no_parent_unit',
]

export function errorText(e: unknown): string {
  const t = consoleI18n.global.t
  if (e instanceof ApiError) {
    if (KNOWN.includes(e.code)) return t(`errors.${e.code}`, { message: e.message })
    return t('errors.unknown', { message: e.message || e.code })
  }
  return t('errors.unknown', { message: e instanceof Error ? e.message : String(e) })
}

/** A page's data load failed: 403 → the forbidden page, 404 → not found; else the caller shows it. */
export function routeForError(e: unknown, router: Router): boolean {
  if (e instanceof ApiError && e.status === 403) {
    void router.replace('/forbidden')
    return true
  }
  if (e instanceof ApiError && e.status === 404) {
    void router.replace('/not-found')
    return true
  }
  return false
}
