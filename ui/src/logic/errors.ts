// The worker app's text for an error: core's code in our words (`@/i18n/errorMessages`, shared
// with the console), else the backend's message, else a generic text. A code from a newer
// server that this build does not know still shows its message, never an empty toast.
import { codeAndMessage, errorMessage, type Lang } from '@/i18n/errorMessages'

/** The text for an error in `lang`. Chinese shows our words alone; English adds the detail. */
export function errorText(e: unknown, lang: Lang): string {
  const { code, message } = codeAndMessage(e)
  return errorMessage(code, message, lang, lang === 'en')
}
