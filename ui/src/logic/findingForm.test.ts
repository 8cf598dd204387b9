import { describe, expect, it } from 'vitest'
import { charCount, validateFinding, validateVerify, type FindingDraft } from './findingForm'
import { mockCategories } from '@/backend/mock-data'

const cats = mockCategories()
const ok: FindingDraft = { categoryCode: '03.02', description: '楼道堆放杂物', disposition: 'report', photos: [] }
const keys = (d: Partial<FindingDraft>) => validateFinding({ ...ok, ...d }, cats).map((e) => `${e.field}:${e.key}`)

describe('finding form validation', () => {
  it('accepts a complete report', () => {
    expect(keys({})).toEqual([])
  })
  it('needs a category, and a leaf one', () => {
    expect(keys({ categoryCode: null })).toEqual(['category:categoryRequired'])
    expect(keys({ categoryCode: '03' }), 'a class is not a leaf').toEqual(['category:categoryLeaf'])
    expect(keys({ categoryCode: '99.99' })).toEqual(['category:categoryLeaf'])
  })
  it('a report needs a description even with photos', () => {
    expect(keys({ description: ' 乱 ', photos: ['a'] })).toEqual(['description:reportNeedsDescription'])
  })
  it('a note or on-the-spot fix may rest on a photo alone', () => {
    expect(keys({ disposition: 'note', description: '', photos: ['a'] })).toEqual([])
    expect(keys({ disposition: 'resolved_on_spot', description: '', photos: [] })).toEqual(['description:descriptionOrPhoto'])
    expect(keys({ disposition: 'note', description: '乱', photos: ['a'] }), 'one character is too short').toEqual([
      'description:descriptionOrPhoto',
    ])
  })
  it('limits the description to 500 characters, counting CJK and emoji once', () => {
    expect(keys({ description: '好'.repeat(500) })).toEqual([])
    expect(keys({ description: '好'.repeat(501) })).toEqual(['description:descriptionTooLong'])
    expect(charCount('👍好')).toBe(2)
  })
  it('allows at most 9 photos', () => {
    const nine = Array.from({ length: 9 }, (_, i) => `p${i}`)
    expect(keys({ photos: nine })).toEqual([])
    expect(keys({ photos: [...nine, 'p9'] })).toEqual(['photos:tooManyPhotos'])
  })
  it('rejects an unknown disposition', () => {
    expect(keys({ disposition: 'ignore' })).toContain('disposition:dispositionRequired')
  })
})

describe('verification form validation', () => {
  it('needs a choice', () => {
    expect(validateVerify(null, '', []).map((e) => e.key)).toEqual(['verifyChoose'])
  })
  it('a pass needs no note, a fail does', () => {
    expect(validateVerify(true, '', [])).toEqual([])
    expect(validateVerify(false, '  ', []).map((e) => e.key)).toEqual(['verifyFailNote'])
    expect(validateVerify(false, '仍有垃圾', [])).toEqual([])
  })
})
