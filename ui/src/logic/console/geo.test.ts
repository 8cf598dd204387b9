import { describe, expect, it } from 'vitest'
import { gridAt, haversine, pointInGeometry, trackLength } from './geo'

const square = { type: 'Polygon', coordinates: [[[122.5, 40.6], [122.51, 40.6], [122.51, 40.61], [122.5, 40.61], [122.5, 40.6]]] }
const holed = { type: 'Polygon', coordinates: [...square.coordinates, [[122.503, 40.603], [122.507, 40.603], [122.507, 40.607], [122.503, 40.607], [122.503, 40.603]]] }

describe('geometry', () => {
  it('finds a point inside a polygon, not outside or in a hole', () => {
    expect(pointInGeometry(40.605, 122.501, square)).toBe(true)
    expect(pointInGeometry(40.62, 122.505, square)).toBe(false)
    expect(pointInGeometry(40.605, 122.505, holed)).toBe(false)
    expect(pointInGeometry(40.605, 122.501, { type: 'MultiPolygon', coordinates: [square.coordinates] })).toBe(true)
    expect(pointInGeometry(40.605, 122.501, { type: 'Point', coordinates: [122.501, 40.605] })).toBe(false)
  })
  it('picks the grid under a click', () => {
    const far = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }
    expect(gridAt(40.605, 122.501, new Map([['g0', far], ['g1', square]]))).toBe('g1')
    expect(gridAt(10, 10, new Map([['g1', square]]))).toBeNull()
  })
  it('measures tracks in metres', () => {
    // One thousandth of a degree of latitude is about 111 m.
    expect(haversine({ lat: 40.6, lon: 122.5 }, { lat: 40.601, lon: 122.5 })).toBeCloseTo(111.2, 0)
    expect(trackLength([{ lat: 40.6, lon: 122.5 }, { lat: 40.601, lon: 122.5 }, { lat: 40.602, lon: 122.5 }])).toBeCloseTo(222.4, 0)
    expect(trackLength([])).toBe(0)
  })
})
