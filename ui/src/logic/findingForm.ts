// Validation of the new-finding form, before anything reaches the backend.
//
// The rules are core's (yiwang_core::field::FindingRule, decided once for the device store, the
// server and this form): the limits come from `@/generated/findingRules` and
// `findingForm.test.ts` requires the verdicts of core's own table
// (`@/generated/findingRuleCases.json`):
// - a category is required and must be a leaf of the tree;
// - the description is trimmed and at most MAX_DESCRIPTION_CHARS characters;
// - a "report" (it opens a case others must act on) says what it is: MIN_DESCRIPTION_CHARS;
// - "resolved on the spot" and "note" say it too, or leave the description empty and show it
//   in at least one photo;
// - at most MAX_PHOTOS photos, none twice.
// The form also asks for a disposition before anything else (the worker has not chosen one).
import type { CategoryView, Disposition, FindingRule } from '@/backend/types'
import { MAX_DESCRIPTION_CHARS, MAX_PHOTOS, MIN_DESCRIPTION_CHARS } from '@/generated/findingRules'

export { MAX_DESCRIPTION_CHARS, MAX_PHOTOS, MIN_DESCRIPTION_CHARS }
export const DISPOSITIONS: readonly Disposition[] = ['resolved_on_spot', 'report', 'note']

export interface FindingDraft {
  categoryCode: string | null
  description: string
  /** Empty until the worker picks one. */
  disposition: Disposition | ''
  photos: readonly string[]
}

export type FindingField = 'category' | 'description' | 'photos' | 'disposition'

export interface FieldError {
  field: FindingField
  /** A finding rule of core, or a form-only check: the i18n key under `validation.` */
  key: FindingRule | 'disposition_required' | 'verify_choose' | 'verify_fail_note'
  params?: Record<string, number>
}

/** Characters as the user sees them (a CJK character or an emoji counts once). */
export function charCount(s: string): number {
  return [...s].length
}

function isDisposition(d: string): d is Disposition {
  return (DISPOSITIONS as readonly string[]).includes(d)
}

export function validateFinding(d: FindingDraft, categories: readonly Pick<CategoryView, 'code' | 'leaf'>[]): FieldError[] {
  const errors: FieldError[] = []
  if (!d.categoryCode || !d.categoryCode.trim()) errors.push({ field: 'category', key: 'category_required' })
  else if (!categories.find((c) => c.code === d.categoryCode)?.leaf) errors.push({ field: 'category', key: 'category_not_leaf' })

  if (!isDisposition(d.disposition)) errors.push({ field: 'disposition', key: 'disposition_required' })

  const n = charCount(d.description.trim())
  if (n > MAX_DESCRIPTION_CHARS) {
    errors.push({ field: 'description', key: 'description_too_long', params: { max: MAX_DESCRIPTION_CHARS } })
  } else if (d.disposition === 'report' && n < MIN_DESCRIPTION_CHARS) {
    errors.push({ field: 'description', key: 'report_needs_description', params: { min: MIN_DESCRIPTION_CHARS } })
  } else if (n < MIN_DESCRIPTION_CHARS && !(n === 0 && d.photos.length > 0)) {
    errors.push({ field: 'description', key: 'description_or_photo', params: { min: MIN_DESCRIPTION_CHARS } })
  }

  if (d.photos.length > MAX_PHOTOS) errors.push({ field: 'photos', key: 'too_many_photos', params: { max: MAX_PHOTOS } })
  if (new Set(d.photos).size !== d.photos.length) errors.push({ field: 'photos', key: 'duplicate_photo' })
  return errors
}

/** The verification form: a failed check must say what is still wrong. */
export function validateVerify(passed: boolean | null, note: string, photos: readonly string[]): FieldError[] {
  const errors: FieldError[] = []
  if (passed === null) errors.push({ field: 'disposition', key: 'verify_choose' })
  if (passed === false && charCount(note.trim()) < MIN_DESCRIPTION_CHARS) {
    errors.push({ field: 'description', key: 'verify_fail_note', params: { min: MIN_DESCRIPTION_CHARS } })
  }
  if (charCount(note.trim()) > MAX_DESCRIPTION_CHARS) {
    errors.push({ field: 'description', key: 'description_too_long', params: { max: MAX_DESCRIPTION_CHARS } })
  }
  if (photos.length > MAX_PHOTOS) errors.push({ field: 'photos', key: 'too_many_photos', params: { max: MAX_PHOTOS } })
  return errors
}
