//! Fuzz targets of the op payload parser (issue 13): the push's `Op` envelope and the `data` of
//! `finding.create` and `case.action`, read the way the server's apply path reads them
//! (`serde_json` into the core wire types). Each property in a sentence:
//! - any bytes are parsed or refused, never a panic;
//! - a valid op with one field replaced by junk is parsed or refused, never a panic;
//! - a valid payload survives the wire: serialised, then parsed, it is what was sent.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};
use yiwang_core::case::{Action, Rating, RatingSource};
use yiwang_core::field::{Disposition, FindingDraft};
use yiwang_core::ids::{CaseId, DepartmentId, PhotoHash};
use yiwang_core::sync::{CaseActionData, FindingCreateData, Op, OpType};

fn at() -> impl Strategy<Value = DateTime<Utc>> {
    (1_600_000_000i64..2_000_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn hash() -> impl Strategy<Value = PhotoHash> {
    "[0-9a-f]{64}".prop_map(|h| PhotoHash::parse(&h).unwrap())
}

fn uuid() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
}

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(".{0,60}")
}

fn draft() -> impl Strategy<Value = FindingDraft> {
    (
        ("[0-9-]{1,20}", "[0-9.]{1,8}", ".{0,80}"),
        proptest::option::of((-90.0f64..=90.0, -180.0f64..=180.0)),
        proptest::option::of(0.0f64..1e4),
        (any::<bool>(), at(), 0..3usize),
        (
            proptest::collection::vec(hash(), 0..4),
            proptest::option::of(uuid()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (grid, category, description),
                position,
                accuracy_m,
                (mock, observed_at, d),
                (photos, case_id, urgent),
            )| {
                FindingDraft {
                    grid_id: grid.into(),
                    patrol_id: None,
                    category_code: category.into(),
                    description,
                    lat: position.map(|p| p.0),
                    lon: position.map(|p| p.1),
                    accuracy_m,
                    mock_location: mock,
                    observed_at,
                    disposition: Disposition::ALL[d],
                    photos,
                    case_id: case_id.map(CaseId::from),
                    urgent,
                }
            },
        )
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (text(), proptest::collection::vec(hash(), 0..3))
            .prop_map(|(note, photos)| Action::Comment { note, photos }),
        (0..3usize, any::<bool>(), text()).prop_map(|(r, operator, note)| Action::Rate {
            rating: Rating::ALL[r],
            source: if operator {
                RatingSource::Operator
            } else {
                RatingSource::Resident
            },
            note
        }),
        (proptest::option::of("[A-Z0-9]{1,8}"), text()).prop_map(|(d, note)| Action::Dispatch {
            deadline: None,
            department: d.map(DepartmentId::from),
            note
        }),
        (at(), text()).prop_map(|(until, note)| Action::RequestExtension { until, note }),
        (uuid(), text()).prop_map(|(c, note)| Action::MergeDuplicate {
            duplicate_of: c.into(),
            note
        }),
        text().prop_map(|note| Action::Supervise { note }),
    ]
}

/// `d` with its coordinates and accuracy rounded to 1e-9.
fn rounded(mut d: FindingDraft) -> FindingDraft {
    let r = |x: Option<f64>| x.map(|x| (x * 1e9).round() / 1e9);
    (d.lat, d.lon, d.accuracy_m) = (r(d.lat), r(d.lon), r(d.accuracy_m));
    d
}

/// Some JSON to put where a valid op has something else.
fn junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "x", null])),
        Just(json!({"action": "report"})),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
    ]
}

/// Reads an op and its data as the apply path does; the outcome is not the point.
fn read(v: &Value) {
    if let Ok(op) = serde_json::from_value::<Op>(v.clone()) {
        match op.op_type {
            OpType::FindingCreate => {
                let _ = serde_json::from_value::<FindingCreateData>(op.data);
            }
            OpType::CaseAction => {
                let _ = serde_json::from_value::<CaseActionData>(op.data);
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_are_parsed_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            read(&v);
        }
        let _ = serde_json::from_slice::<Op>(&bytes);
        let _ = serde_json::from_slice::<FindingCreateData>(&bytes);
        let _ = serde_json::from_slice::<CaseActionData>(&bytes);
    }

    #[test]
    fn a_finding_op_survives_the_wire(d in draft(), op_id in uuid(), entity in uuid(), t in at()) {
        let op = Op {
            op_id: op_id.into(),
            op_type: OpType::FindingCreate,
            entity_id: entity,
            at: t,
            data: serde_json::to_value(&d).unwrap(),
        };
        let wire = serde_json::to_vec(&op).unwrap();
        let back: Op = serde_json::from_slice(&wire).unwrap();
        prop_assert_eq!(
            (&back.op_id, back.op_type, &back.entity_id, back.at),
            (&op.op_id, op.op_type, &op.entity_id, op.at)
        );
        let data: FindingCreateData = serde_json::from_value(back.data).unwrap();
        // serde_json's default float parser may land one ulp off (its `float_roundtrip` feature
        // is off): far below a GPS fix's precision, so positions compare to a nanodegree.
        prop_assert_eq!(rounded(data), rounded(d));
    }

    #[test]
    fn a_case_action_survives_the_wire(a in action(), base_version in any::<u64>()) {
        let d = CaseActionData { base_version, action: a };
        let wire = serde_json::to_string(&d).unwrap();
        let back: CaseActionData = serde_json::from_str(&wire).unwrap();
        prop_assert_eq!(back, d);
    }

    #[test]
    fn a_near_valid_op_is_parsed_or_refused(
        d in draft(),
        a in action(),
        finding in any::<bool>(),
        at_field in prop_oneof![
            Just("/op_id"), Just("/type"), Just("/entity_id"), Just("/at"), Just("/data"),
            Just("/data/grid_id"), Just("/data/description"), Just("/data/lat"),
            Just("/data/photos"), Just("/data/photos/0"), Just("/data/case_id"),
            Just("/data/disposition"), Just("/data/observed_at"), Just("/data/action"),
            Just("/data/base_version"), Just("/data/note"), Just("/data/until"),
            Just("/data/rating"),
        ],
        with in junk(),
    ) {
        let (kind, data) = if finding {
            ("finding.create", serde_json::to_value(&d).unwrap())
        } else {
            ("case.action", serde_json::to_value(CaseActionData { base_version: 1, action: a }).unwrap())
        };
        let mut v = json!({"op_id": "o", "type": kind, "entity_id": "e",
                           "at": "2026-11-26T01:00:00Z", "data": data});
        if let Some(slot) = v.pointer_mut(at_field) {
            *slot = with;
        }
        read(&v);
    }
}
