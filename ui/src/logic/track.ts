// The patrol's track as an SVG polyline: an equirectangular projection (good enough inside
// one grid) fitted into a box with a margin, north up. No map tiles.

export interface TrackDrawing {
  points: string
  start: [number, number] | null
  end: [number, number] | null
}

export function trackPolyline(track: ReadonlyArray<readonly [number, number]>, width: number, height: number, margin = 8): TrackDrawing {
  const pts = track.filter(([lat, lon]) => Number.isFinite(lat) && Number.isFinite(lon))
  if (pts.length === 0) return { points: '', start: null, end: null }
  const cos = Math.cos((pts[0][0] * Math.PI) / 180)
  const xs = pts.map(([, lon]) => lon * cos)
  const ys = pts.map(([lat]) => lat)
  const minX = Math.min(...xs), maxX = Math.max(...xs)
  const minY = Math.min(...ys), maxY = Math.max(...ys)
  const spanX = maxX - minX, spanY = maxY - minY
  const w = width - 2 * margin, h = height - 2 * margin
  // One scale for both axes keeps the shape; a single point sits in the middle.
  const scale = spanX === 0 && spanY === 0 ? 0 : Math.min(spanX > 0 ? w / spanX : Infinity, spanY > 0 ? h / spanY : Infinity)
  const offX = margin + (w - spanX * scale) / 2
  const offY = margin + (h - spanY * scale) / 2
  const xy = pts.map((_, i): [number, number] => [
    +(offX + (xs[i] - minX) * scale).toFixed(1),
    +(offY + (maxY - ys[i]) * scale).toFixed(1),
  ])
  return { points: xy.map(([x, y]) => `${x},${y}`).join(' '), start: xy[0], end: xy[xy.length - 1] }
}
