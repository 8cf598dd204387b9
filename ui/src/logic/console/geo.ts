// Small geometry for the console's maps: which grid a clicked point falls in, and how long a
// patrol's track is. Coordinates are GeoJSON's [lon, lat].

type Ring = number[][]

function inRing(lon: number, lat: number, ring: Ring): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function inPolygon(lon: number, lat: number, rings: Ring[]): boolean {
  if (rings.length === 0 || !inRing(lon, lat, rings[0])) return false
  // Holes.
  return !rings.slice(1).some((h) => inRing(lon, lat, h))
}

/** Is the point inside a Polygon or MultiPolygon (holes respected)? Other geometries: false. */
export function pointInGeometry(lat: number, lon: number, g: { type: string; coordinates?: unknown } | null | undefined): boolean {
  if (!g) return false
  if (g.type === 'Polygon') return inPolygon(lon, lat, g.coordinates as Ring[])
  if (g.type === 'MultiPolygon') return (g.coordinates as Ring[][]).some((p) => inPolygon(lon, lat, p))
  return false
}

/** The first grid whose polygon holds the point. */
export function gridAt(lat: number, lon: number, polygons: Iterable<[string, { type: string; coordinates?: unknown }]>): string | null {
  for (const [id, g] of polygons) if (pointInGeometry(lat, lon, g)) return id
  return null
}

/** Great-circle metres between two points. */
export function haversine(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const R = 6371008.8
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** A track's length in metres, in the order given. */
export function trackLength(points: { lat: number; lon: number }[]): number {
  let m = 0
  for (let i = 1; i < points.length; i++) m += haversine(points[i - 1], points[i])
  return m
}
