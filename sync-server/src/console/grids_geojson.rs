//! Grid import from GeoJSON: a FeatureCollection whose features are grids.
//!
//! Each feature's `properties` are `{id, name, kind, community_id, worker?}` (`kind` is
//! `urban_rural`, `school` or `enterprise`; `worker` a grid worker's user id) and its geometry a
//! `Polygon` or `MultiPolygon` in WGS-84 longitude/latitude (RFC 7946). A file is all or nothing:
//! [`parse`] checks every feature first and, if any is wrong, refuses the whole file with every
//! problem of every feature, so an admin fixes the file in one pass and nothing half-imported
//! is left behind. `POST /api/v1/admin/grids/import` and `yiwang-server grids import FILE` both
//! go through [`import`].
//!
//! A feature without `worker` keeps the grid's current worker; one with `worker` also moves the
//! grid into that worker's grid list (and out of a previous worker's), so sign-in hands the
//! worker the grid they now patrol.

use crate::storage::auth::StoredUser;
use crate::storage::{LedgerTx, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::ids::{GridId, UserId};
use yiwang_core::org::{Grid, GridKind, OrgLevel, OrgTree, Role};

/// Longest grid code and name accepted.
const MAX_ID_CHARS: usize = 64;
const MAX_NAME_CHARS: usize = 100;

/// What is wrong with one feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeatureError {
    /// Position in `features`, from 0.
    pub index: usize,
    /// The feature's `properties.id`, when it has a usable one.
    pub id: Option<String>,
    pub errors: Vec<String>,
}

/// Why a file was refused: problems of the file as a whole, and of each feature.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, thiserror::Error, utoipa::ToSchema)]
#[error("{}", self.summary())]
pub struct ImportRefused {
    pub file: Vec<String>,
    pub features: Vec<FeatureError>,
}

impl ImportRefused {
    fn file(msg: impl Into<String>) -> ImportRefused {
        ImportRefused {
            file: vec![msg.into()],
            features: vec![],
        }
    }

    /// One line per problem, for a terminal or an error message.
    pub fn summary(&self) -> String {
        let mut lines: Vec<String> = self.file.clone();
        for f in &self.features {
            let who = match &f.id {
                Some(id) => format!("feature {} ({id})", f.index),
                None => format!("feature {}", f.index),
            };
            lines.push(format!("{who}: {}", f.errors.join("; ")));
        }
        format!("the grid file was not imported: {}", lines.join(" | "))
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub grids: Vec<GridId>,
}

/// Parses the text of a file (the CLI's entry): JSON errors become a file-level refusal.
pub fn read_document(text: &str) -> Result<Value, ImportRefused> {
    serde_json::from_str(text).map_err(|e| ImportRefused::file(format!("not JSON: {e}")))
}

fn position_error(p: &Value) -> Option<String> {
    let a = p.as_array()?;
    let num = |i: usize| a.get(i).and_then(Value::as_f64).filter(|x| x.is_finite());
    match (num(0), num(1)) {
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            None
        }
        _ => Some(format!(
            "position {p} is not [longitude, latitude] in WGS-84"
        )),
    }
}

fn ring_errors(ring: &Value, out: &mut Vec<String>) {
    let Some(points) = ring.as_array() else {
        out.push("a ring is not an array of positions".into());
        return;
    };
    if points.len() < 4 {
        out.push(format!(
            "a ring has {} positions; a closed ring needs at least 4",
            points.len()
        ));
        return;
    }
    for p in points {
        if let Some(e) = position_error(p) {
            out.push(e);
            return;
        }
    }
    if points.first() != points.last() {
        out.push("a ring is not closed: its last position must repeat its first".into());
    }
}

fn polygon_errors(rings: &Value, out: &mut Vec<String>) {
    match rings.as_array() {
        Some(rs) if !rs.is_empty() => rs.iter().for_each(|r| ring_errors(r, out)),
        _ => out.push("a polygon needs at least one ring".into()),
    }
}

fn geometry_errors(g: Option<&Value>) -> Vec<String> {
    let mut out = vec![];
    let Some(g) = g.filter(|g| !g.is_null()) else {
        return vec!["geometry: required (a Polygon or MultiPolygon)".into()];
    };
    let coords = g.get("coordinates");
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => match coords {
            Some(c) => polygon_errors(c, &mut out),
            None => out.push("geometry: coordinates required".into()),
        },
        Some("MultiPolygon") => match coords.and_then(Value::as_array) {
            Some(ps) if !ps.is_empty() => ps.iter().for_each(|p| polygon_errors(p, &mut out)),
            _ => out.push("geometry: a MultiPolygon needs at least one polygon".into()),
        },
        other => out.push(format!(
            "geometry: type {} is not Polygon or MultiPolygon",
            other.unwrap_or("(none)")
        )),
    }
    out.into_iter()
        .map(|e| {
            if e.starts_with("geometry") {
                e
            } else {
                format!("geometry: {e}")
            }
        })
        .collect()
}

fn text_prop<'a>(
    props: &'a serde_json::Map<String, Value>,
    name: &str,
    max: usize,
    errors: &mut Vec<String>,
) -> Option<&'a str> {
    match props.get(name) {
        None | Some(Value::Null) => {
            errors.push(format!("{name}: required"));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.push(format!("{name}: must not be empty"));
            None
        }
        Some(Value::String(s)) if s.chars().count() > max => {
            errors.push(format!("{name}: longer than {max} characters"));
            None
        }
        Some(Value::String(s)) => Some(s.trim()),
        Some(_) => {
            errors.push(format!("{name}: must be a string"));
            None
        }
    }
}

/// Checks a whole FeatureCollection against the org tree and the users, and returns its grids
/// only if every feature is right. A `worker` names a grid worker by user name or id. A grid
/// already in `org` keeps its worker when its feature names none.
pub fn parse(doc: &Value, org: &OrgTree, users: &[StoredUser]) -> Result<Vec<Grid>, ImportRefused> {
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(ImportRefused::file(
            "the file must be a GeoJSON FeatureCollection",
        ));
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(ImportRefused::file("features: required, an array"));
    };
    if features.is_empty() {
        return Err(ImportRefused::file("features: the collection is empty"));
    }
    let mut grids = vec![];
    let mut refused = ImportRefused::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (index, f) in features.iter().enumerate() {
        let mut errors = vec![];
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            errors.push("type: must be Feature".to_owned());
        }
        let empty = serde_json::Map::new();
        let props = match f.get("properties") {
            Some(Value::Object(p)) => p,
            _ => {
                errors.push("properties: required, an object".to_owned());
                &empty
            }
        };
        let id = text_prop(props, "id", MAX_ID_CHARS, &mut errors);
        if let Some(id) = id {
            if id.contains('/') || id.chars().any(char::is_whitespace) {
                errors.push("id: no spaces or slashes in a grid code".into());
            }
            if !seen.insert(id.to_owned()) {
                errors.push(format!("id: {id} appears more than once in the file"));
            }
        }
        let name = text_prop(props, "name", MAX_NAME_CHARS, &mut errors);
        let kind = text_prop(props, "kind", 32, &mut errors).and_then(|k| {
            let found = GridKind::ALL.into_iter().find(|g| g.as_str() == k);
            if found.is_none() {
                errors.push(format!(
                    "kind: {k:?} is not urban_rural, school or enterprise"
                ));
            }
            found
        });
        let community = text_prop(props, "community_id", MAX_ID_CHARS, &mut errors).and_then(|c| {
            match org.unit(&c.into()) {
                Some(u) if u.level == OrgLevel::Community => Some(u.id.clone()),
                Some(_) => {
                    errors.push(format!("community_id: {c} is not a village/community"));
                    None
                }
                None => {
                    errors.push(format!("community_id: there is no unit {c}"));
                    None
                }
            }
        });
        let worker = match props.get("worker") {
            None | Some(Value::Null) => None,
            Some(Value::String(w)) => {
                let w = w.trim();
                let user = users
                    .iter()
                    .find(|u| u.username == w)
                    .or_else(|| users.iter().find(|u| u.id.as_str() == w));
                match user {
                    Some(u) if u.role == Role::GridWorker => Some(u.id.clone()),
                    Some(u) => {
                        errors.push(format!(
                            "worker: {w} is a {}, not a grid worker",
                            u.role.as_str()
                        ));
                        None
                    }
                    None => {
                        errors.push(format!("worker: there is no user {w}"));
                        None
                    }
                }
            }
            Some(_) => {
                errors.push("worker: must be a user name or id (a string)".into());
                None
            }
        };
        errors.extend(geometry_errors(f.get("geometry")));
        match (id, name, kind, community) {
            (Some(id), Some(name), Some(kind), Some(community_id)) if errors.is_empty() => {
                let id = GridId::from(id);
                let worker_id = worker.or_else(|| org.grid(&id).and_then(|g| g.worker_id.clone()));
                grids.push(Grid {
                    id,
                    name: name.to_owned(),
                    kind,
                    community_id,
                    polygon: f.get("geometry").cloned().unwrap_or(Value::Null),
                    worker_id,
                });
            }
            _ => refused.features.push(FeatureError {
                index,
                id: id.map(str::to_owned),
                errors,
            }),
        }
    }
    if refused.features.is_empty() {
        Ok(grids)
    } else {
        Err(refused)
    }
}

/// Parses `doc` against the ledger as it is in `tx` and, only if the whole file is right, stores
/// every grid (logged for pull) and moves each named worker's grid list along. A refusal writes
/// nothing.
pub fn import(tx: &mut dyn LedgerTx, doc: &Value) -> Result<Result<ImportSummary, ImportRefused>> {
    let org = tx.load_org()?;
    let users: Vec<StoredUser> = tx.users()?;
    let grids = match parse(doc, &org, &users) {
        Ok(g) => g,
        Err(refused) => return Ok(Err(refused)),
    };
    // Grid lists move only for features that name their worker: a file without workers must
    // not take grids away from workers assigned elsewhere (`user add --grid`).
    let named: BTreeSet<&str> = doc
        .get("features")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|f| f["properties"]["worker"].is_string())
        .filter_map(|f| f["properties"]["id"].as_str().map(str::trim))
        .collect();
    let mut summary = ImportSummary::default();
    let mut changed: BTreeMap<UserId, StoredUser> = BTreeMap::new();
    for g in &grids {
        if org.grid(&g.id).is_some() {
            summary.updated += 1;
        } else {
            summary.created += 1;
        }
        tx.upsert_grid(g)?;
        summary.grids.push(g.id.clone());
        if !named.contains(g.id.as_str()) {
            continue;
        }
        for u in users.iter().filter(|u| u.role == Role::GridWorker) {
            let current = changed.get(&u.id).unwrap_or(u);
            let owns = current.grid_ids.contains(&g.id);
            let should = g.worker_id.as_ref() == Some(&u.id);
            if owns != should {
                let mut next = current.clone();
                if should {
                    next.grid_ids.push(g.id.clone());
                    next.grid_ids.sort();
                } else {
                    next.grid_ids.retain(|x| x != &g.id);
                }
                changed.insert(u.id.clone(), next);
            }
        }
    }
    for u in changed.values() {
        tx.update_user(u)?;
    }
    Ok(Ok(summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_core::org::OrgUnit;

    fn org() -> OrgTree {
        let unit = |id: &str, parent: Option<&str>, level| OrgUnit {
            id: id.into(),
            parent_id: parent.map(Into::into),
            name: id.into(),
            level,
        };
        OrgTree::new(
            [
                unit("c", None, OrgLevel::County),
                unit("t", Some("c"), OrgLevel::Township),
                unit("m", Some("t"), OrgLevel::Community),
            ],
            [],
            [],
        )
        .unwrap()
    }

    fn feature(id: &str, community: &str) -> Value {
        serde_json::json!({
            "type": "Feature",
            "properties": {"id": id, "name": "第一网格", "kind": "urban_rural", "community_id": community},
            "geometry": crate::seed::square(40.6, 122.5, 0.01),
        })
    }

    #[test]
    fn a_good_file_gives_its_grids() {
        let doc =
            serde_json::json!({"type": "FeatureCollection", "features": [feature("g1", "m")]});
        let grids = parse(&doc, &org(), &[]).expect("a valid file parses");
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].community_id.as_str(), "m");
    }

    #[test]
    fn one_bad_feature_refuses_the_file_with_every_problem() {
        let mut open_ring = feature("g3", "m");
        open_ring["geometry"]["coordinates"][0][4] = serde_json::json!([122.0, 40.0]);
        let doc = serde_json::json!({"type": "FeatureCollection", "features": [
            feature("g1", "m"),
            feature("g2", "t"),
            open_ring,
            feature("g1", "m"),
        ]});
        let refused = parse(&doc, &org(), &[]).expect_err("the file is refused");
        let indexes: Vec<usize> = refused.features.iter().map(|f| f.index).collect();
        assert_eq!(
            indexes,
            [1, 2, 3],
            "every bad feature is reported, the good one is not"
        );
        assert!(
            refused.features[0].errors[0].contains("not a village/community"),
            "a grid must hang under a community: {:?}",
            refused.features[0]
        );
        assert!(
            refused.features[1].errors[0].contains("not closed"),
            "rings must close: {:?}",
            refused.features[1]
        );
        assert!(
            refused.features[2].errors[0].contains("more than once"),
            "duplicate ids are caught: {:?}",
            refused.features[2]
        );
    }

    /// Fuzz target (issue 13): the GeoJSON grid import on any text, and on files one mutation
    /// away from valid, never panics; a valid file gives back exactly the grids it describes.
    mod props {
        use super::*;
        use proptest::prelude::*;

        /// A grid feature from its parts.
        fn grid_feature(id: &str, name: &str, lat: f64, lon: f64, size: f64) -> Value {
            serde_json::json!({
                "type": "Feature",
                "properties": {"id": id, "name": name, "kind": "school", "community_id": "m"},
                "geometry": crate::seed::square(lat, lon, size),
            })
        }

        /// Some JSON value to put where a valid file has something else.
        fn junk() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<f64>().prop_map(|f| serde_json::json!(f)),
                any::<i64>().prop_map(Value::from),
                ".{0,40}".prop_map(Value::from),
                Just(serde_json::json!([])),
                Just(serde_json::json!({})),
                Just(serde_json::json!([[1.0]])),
                Just(serde_json::json!([[[1e308, -1e308], [0.0, 0.0]]])),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_text_is_read_or_refused_without_panic(text in any::<String>()) {
                if let Ok(doc) = read_document(&text) {
                    let _ = parse(&doc, &org(), &[]);
                }
            }

            #[test]
            fn valid_files_give_their_grids(
                parts in proptest::collection::btree_map(
                    "[a-z0-9-]{1,20}",
                    ("[^/\\s]{1,30}", -80.0f64..80.0, -170.0f64..170.0, 0.0001f64..1.0),
                    1..5,
                ),
            ) {
                let features: Vec<Value> = parts
                    .iter()
                    .map(|(id, (name, lat, lon, size))| grid_feature(id, name, *lat, *lon, *size))
                    .collect();
                let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
                let grids = parse(&doc, &org(), &[]).expect("a valid file parses");
                let got: Vec<(String, String)> =
                    grids.iter().map(|g| (g.id.0.clone(), g.name.clone())).collect();
                let want: Vec<(String, String)> = parts
                    .iter()
                    .map(|(id, (name, ..))| (id.clone(), name.trim().to_owned()))
                    .collect();
                prop_assert_eq!(got, want);
                for (g, f) in grids.iter().zip(&features) {
                    prop_assert_eq!(&g.polygon, &f["geometry"], "the geometry is kept as sent");
                }
            }

            #[test]
            fn near_valid_files_are_parsed_or_refused_without_panic(
                at in prop_oneof![
                    Just("/type"), Just("/features"), Just("/features/0"),
                    Just("/features/0/type"), Just("/features/0/properties"),
                    Just("/features/0/properties/id"), Just("/features/0/properties/name"),
                    Just("/features/0/properties/kind"), Just("/features/0/properties/community_id"),
                    Just("/features/0/properties/worker"), Just("/features/0/geometry"),
                    Just("/features/0/geometry/type"), Just("/features/0/geometry/coordinates"),
                    Just("/features/0/geometry/coordinates/0"),
                    Just("/features/0/geometry/coordinates/0/0"),
                    Just("/features/0/geometry/coordinates/0/0/1"),
                ],
                with in junk(),
            ) {
                let mut doc = serde_json::json!({"type": "FeatureCollection",
                    "features": [grid_feature("g1", "一", 40.6, 122.5, 0.01)]});
                match doc.pointer_mut(at) {
                    Some(v) => *v = with,
                    None => return Ok(()),
                }
                let _ = parse(&doc, &org(), &[]);
            }
        }
    }
}
