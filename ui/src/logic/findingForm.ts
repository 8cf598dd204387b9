// Validation of the new-finding form, before anything reaches the backend.
//
// The rules (decided for issue 5, documented in ui/README.md):
// - a category is required and must be a leaf of the tree;
// - the description is trimmed and at most 500 characters;
// - a "report" (it opens a case others must act on) needs a description of at least 2 characters;
// - "resolved on the spot" and "note" may leave the description empty when at least one photo
//   shows what was seen; otherwise they need 2 characters too;
// - at most 9 photos;
// - the disposition is one of resolved_on_spot | report | note.
import type { CategoryView } from '@/backend/types'

export const MAX_PHOTOS = 9
export const MIN_DESCRIPTION = 2
export const MAX_DESCRIPTION = 500
export const DISPOSITIONS = ['resolved_on_spot', 'report', 'note'] as const
export type Disposition = (typeof DISPOSITIONS)[number]

export interface FindingDraft {
  categoryCode: string | null
  description: string
  disposition: string
  photos: readonly string[]
}

export type FindingField = 'category' | 'description' | 'photos' | 'disposition'

export interface FieldError {
  field: FindingField
  /** i18n key under `validation.` */
  key: string
  params?: Record<string, number>
}

/** Characters as the user sees them (a CJK character or an emoji counts once). */
export function charCount(s: string): number {
  return [...s].length
}

export function validateFinding(d: FindingDraft, categories: readonly CategoryView[]): FieldError[] {
  const errors: FieldError[] = []
  const cat = d.categoryCode ? categories.find((c) => c.code === d.categoryCode) : undefined
  if (!d.categoryCode) errors.push({ field: 'category', key: 'categoryRequired' })
  else if (!cat || !cat.leaf) errors.push({ field: 'category', key: 'categoryLeaf' })

  if (!(DISPOSITIONS as readonly string[]).includes(d.disposition)) {
    errors.push({ field: 'disposition', key: 'dispositionRequired' })
  }

  const n = charCount(d.description.trim())
  if (n > MAX_DESCRIPTION) {
    errors.push({ field: 'description', key: 'descriptionTooLong', params: { max: MAX_DESCRIPTION } })
  } else if (d.disposition === 'report' && n < MIN_DESCRIPTION) {
    errors.push({ field: 'description', key: 'reportNeedsDescription', params: { min: MIN_DESCRIPTION } })
  } else if (n < MIN_DESCRIPTION && !(n === 0 && d.photos.length > 0)) {
    errors.push({ field: 'description', key: 'descriptionOrPhoto', params: { min: MIN_DESCRIPTION } })
  }

  if (d.photos.length > MAX_PHOTOS) {
    errors.push({ field: 'photos', key: 'tooManyPhotos', params: { max: MAX_PHOTOS } })
  }
  return errors
}

/** The verification form: a failed check must say what is still wrong. */
export function validateVerify(passed: boolean | null, note: string, photos: readonly string[]): FieldError[] {
  const errors: FieldError[] = []
  if (passed === null) errors.push({ field: 'disposition', key: 'verifyChoose' })
  if (passed === false && charCount(note.trim()) < MIN_DESCRIPTION) {
    errors.push({ field: 'description', key: 'verifyFailNote', params: { min: MIN_DESCRIPTION } })
  }
  if (charCount(note.trim()) > MAX_DESCRIPTION) {
    errors.push({ field: 'description', key: 'descriptionTooLong', params: { max: MAX_DESCRIPTION } })
  }
  if (photos.length > MAX_PHOTOS) errors.push({ field: 'photos', key: 'tooManyPhotos', params: { max: MAX_PHOTOS } })
  return errors
}
