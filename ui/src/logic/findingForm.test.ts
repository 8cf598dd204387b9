import { describe, expect, it } from 'vitest'
import { charCount, validateFinding, validateVerify, type FindingDraft } from './findingForm'
import { mockCategories } from '@/backend/mock-data'
import type { Disposition, FindingRule } from '@/backend/types'
import table from '@/generated/findingRuleCases.json'

const cats = mockCategories()
const ok: FindingDraft = { categoryCode: '03.02', description: '楼道堆放杂物', disposition: 'report', photos: [] }
const keys = (d: Partial<FindingDraft>) => validateFinding({ ...ok, ...d }, cats).map((e) => `${e.field}:${e.key}`)

interface RuleCase {
  draft: { categoryCode: string; description: string; disposition: Disposition; photos: string[] }
  problems: FindingRule[]
}

describe('the form agrees with core’s finding rule', () => {
  const cases = table.cases as RuleCase[]
  it(`gives core's verdict on each of its ${cases.length} drafts`, () => {
    expect(cases.length).toBeGreaterThan(50)
    const disagreements = cases
      .map((c) => ({ c, form: validateFinding(c.draft, table.categories).map((e) => e.key) }))
      .filter(({ c, form }) => JSON.stringify([...form].sort()) !== JSON.stringify([...c.problems].sort()))
      .map(({ c, form }) => `${JSON.stringify(c.draft).slice(0, 120)}: core ${c.problems.join(',')} / form ${form.join(',')}`)
    expect(disagreements, 'drafts where the form and core disagree').toEqual([])
  })
  it('an empty description with a photo: a note and an on-the-spot fix pass, a report does not', () => {
    const photo = ['a'.repeat(64)]
    expect(keys({ disposition: 'note', description: '', photos: photo })).toEqual([])
    expect(keys({ disposition: 'resolved_on_spot', description: '', photos: photo })).toEqual([])
    expect(keys({ disposition: 'report', description: '', photos: photo })).toEqual(['description:report_needs_description'])
  })
})

describe('finding form validation', () => {
  it('accepts a complete report', () => {
    expect(keys({})).toEqual([])
  })
  it('needs a category, and a leaf one', () => {
    expect(keys({ categoryCode: null })).toEqual(['category:category_required'])
    expect(keys({ categoryCode: '03' }), 'a class is not a leaf').toEqual(['category:category_not_leaf'])
    expect(keys({ categoryCode: '99.99' })).toEqual(['category:category_not_leaf'])
  })
  it('counts CJK and emoji once', () => {
    expect(charCount('👍好')).toBe(2)
  })
  it('asks for a disposition first', () => {
    expect(keys({ disposition: '' })).toContain('disposition:disposition_required')
  })
})

describe('verification form validation', () => {
  it('needs a choice', () => {
    expect(validateVerify(null, '', []).map((e) => e.key)).toEqual(['verify_choose'])
  })
  it('a pass needs no note, a fail does', () => {
    expect(validateVerify(true, '', [])).toEqual([])
    expect(validateVerify(false, '  ', []).map((e) => e.key)).toEqual(['verify_fail_note'])
    expect(validateVerify(false, '仍有垃圾', [])).toEqual([])
  })
})
