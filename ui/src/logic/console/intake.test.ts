import { describe, expect, it } from 'vitest'
import { emptyIntake, intakeBody, intakeProblems, type IntakeForm } from './intake'

const leaves = new Set(['01.01', '11.02'])

describe('intake form', () => {
  it('needs a channel, a leaf category and a description', () => {
    const f = emptyIntake()
    expect(intakeProblems(f, leaves)).toEqual(['category', 'description'])
    f.category = '01' // a class, not a leaf
    f.description = ' 井 '
    f.channel = ''
    expect(intakeProblems(f, leaves)).toEqual(['channel', 'category', 'description'])
    Object.assign(f, { channel: 'wechat', category: '01.01', description: '井盖缺失' })
    expect(intakeProblems(f, leaves)).toEqual([])
  })
  it('sends only what was given, the place with both coordinates', () => {
    const f: IntakeForm = { ...emptyIntake(), category: '11.02', description: '  楼道充电  ', lat: 40.6123456789, lon: null }
    expect(intakeBody(f)).toEqual({ channel: 'hotline8890', category: '11.02', urgent: false, description: '楼道充电' })
    f.lon = 122.5000004
    f.gridId = 'g1'
    f.contact = '王先生 138'
    expect(intakeBody(f)).toEqual({
      channel: 'hotline8890', category: '11.02', urgent: false, description: '楼道充电', grid_id: 'g1', contact: '王先生 138',
      lat: 40.612346, lon: 122.5,
    })
  })
  it('sends the unit the case should wait at, alone or above a grid', () => {
    const f: IntakeForm = { ...emptyIntake(), category: '11.02', description: '楼道充电', unitId: 't1' }
    expect(intakeBody(f)).toEqual({ channel: 'hotline8890', category: '11.02', urgent: false, description: '楼道充电', unit_id: 't1' })
    f.gridId = 'g1'
    expect(intakeBody(f)).toMatchObject({ grid_id: 'g1', unit_id: 't1' })
    expect(emptyIntake().unitId).toBe('')
  })
})
