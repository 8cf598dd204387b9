// BackendError.code → the i18n key of the text the user sees. Unknown codes fall back to the
// backend's message, so a newer facade never shows an empty toast.
export const KNOWN_ERROR_CODES = [
  'invalid_input', 'not_found', 'not_logged_in', 'wrong_credentials', 'offline', 'not_our_server',
  'unsynced_work', 'patrol_open', 'no_grid', 'photo_too_large', 'photo_unreadable', 'too_many_photos',
  'stale_state', 'internal', 'throttled',
] as const

export type Translate = (key: string) => string

/** The text for an error: the translation of its code, else its message, else a generic text. */
export function errorText(e: unknown, t: Translate): string {
  const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : null
  if (code && (KNOWN_ERROR_CODES as readonly string[]).includes(code)) return t(`errors.${code}`)
  if (e instanceof Error && e.message) return e.message
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string') {
    return (e as { message: string }).message
  }
  return t('errors.unknown')
}
