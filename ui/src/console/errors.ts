// An ApiError as the user reads it: core's code in our words (`@/i18n/errorMessages`, shared
// with the worker app) with the server's detail where it helps, else the server's message.
import { ApiError } from './http'
import { consoleLang } from '@/i18n/console'
import { codeAndMessage, errorMessage } from '@/i18n/errorMessages'
import { inputProblemText, isInputProblem, type InputProblem } from '@/i18n/inputMessages'
import type { Router } from 'vue-router'

/** What the user reads for a failure: an input refusal as its field and rule in our words (the
 *  same table the forms' own checks use), any other code in our words with the detail. */
export function errorText(e: unknown, labels: Partial<Record<string, string>> = {}): string {
  const lang = consoleLang()
  if (e instanceof ApiError && e.input && isInputProblem(e.input.field, e.input.rule, lang)) {
    return inputProblemText(e.input as InputProblem, lang, labels[e.input.field])
  }
  const { code, message } = e instanceof ApiError ? { code: e.code, message: e.message } : codeAndMessage(e)
  return errorMessage(code, message, lang)
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
