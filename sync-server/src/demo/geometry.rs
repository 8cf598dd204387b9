//! Geometry of the reference county: metres and degrees around its centre, a square spiral of
//! cells, a lattice of irregular rectangles, and the bounds of a GeoJSON polygon.

use super::*;
use rand::rngs::StdRng;
use rand::Rng;

/// Metres in a degree of latitude, and of longitude at the county's latitude.
pub(super) const M_PER_DEG_LAT: f64 = 111_320.0;

pub(super) fn m_per_deg_lon() -> f64 {
    M_PER_DEG_LAT * CENTRE.0.to_radians().cos()
}

/// Rounds a coordinate to six decimals (about 0.1 m): short JSON, and numbers that survive a
/// round trip through text exactly, which the hash chain relies on.
pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The cells of a square spiral from (0, 0): consecutive cells share an edge, so any run of
/// them is contiguous. The streets take the centre; the towns wrap around them.
pub(super) fn spiral(n: usize) -> Vec<(i32, i32)> {
    let mut cells = Vec::with_capacity(n);
    let (mut x, mut y) = (0i32, 0i32);
    if n > 0 {
        cells.push((x, y));
    }
    let dirs = [(1, 0), (0, 1), (-1, 0), (0, -1)];
    let (mut len, mut d) = (1, 0);
    while cells.len() < n {
        for _ in 0..2 {
            for _ in 0..len {
                if cells.len() == n {
                    return cells;
                }
                x += dirs[d].0;
                y += dirs[d].1;
                cells.push((x, y));
            }
            d = (d + 1) % 4;
        }
        len += 1;
    }
    cells
}

/// A lattice with irregular column widths and row heights (300–500 m), centred on a county's
/// centre ([`CENTRE`] for the reference county): cells never overlap, and neighbours share an
/// edge.
pub(super) struct Lattice {
    pub(super) radius: i32,
    /// West edges of columns -radius..=radius+1, in degrees of longitude.
    pub(super) xs: Vec<f64>,
    /// South edges of rows -radius..=radius+1, in degrees of latitude.
    pub(super) ys: Vec<f64>,
}

impl Lattice {
    pub(super) fn new(rng: &mut StdRng, radius: i32, (lat, lon): (f64, f64)) -> Lattice {
        let n = (2 * radius + 1) as usize;
        let edges = |rng: &mut StdRng, origin: f64, per_m: f64| {
            let sizes: Vec<f64> = (0..n)
                .map(|_| rng.gen_range(300.0..500.0) / per_m)
                .collect();
            let before: f64 = sizes[..radius as usize].iter().sum();
            let mut at = origin - before;
            let mut e = vec![at];
            for s in sizes {
                at += s;
                e.push(at);
            }
            e
        };
        let xs = edges(rng, lon, m_per_deg_lon());
        let ys = edges(rng, lat, M_PER_DEG_LAT);
        Lattice { radius, xs, ys }
    }

    pub(super) fn rect(&self, (x, y): (i32, i32)) -> serde_json::Value {
        let i = (x + self.radius) as usize;
        let j = (y + self.radius) as usize;
        let (w, e) = (round6(self.xs[i]), round6(self.xs[i + 1]));
        let (s, n) = (round6(self.ys[j]), round6(self.ys[j + 1]));
        serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]
        })
    }
}

/// West, south, east and north bounds, in degrees.
pub(super) type Bounds = (f64, f64, f64, f64);

/// The bounds of a GeoJSON polygon's coordinates.
pub(super) fn bbox(polygon: &serde_json::Value) -> Option<Bounds> {
    pub(super) fn walk(v: &serde_json::Value, b: &mut Option<Bounds>) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_f64() && a[1].is_f64() => {
                let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
                *b = Some(match *b {
                    None => (x, y, x, y),
                    Some((w, s, e, n)) => (w.min(x), s.min(y), e.max(x), n.max(y)),
                });
            }
            Some(a) => a.iter().for_each(|x| walk(x, b)),
            None => {}
        }
    }
    let mut b = None;
    walk(polygon.get("coordinates")?, &mut b);
    b.filter(|(w, s, e, n)| w < e && s < n)
}
