//! The jurisdiction matrix over the console API: for every role, a case in and a case out of
//! the caller's jurisdiction, and every console endpoint, the case out of jurisdiction never
//! appears and cannot be read or acted on, and the case in it can be read.
//!
//! Two cases, one in each township: A in grid 210882001001-01 dispatched to the power company
//! (dept-01), B in grid 210882002002-02 dispatched to housing (dept-02). The county-level roles
//! (centre, leader, admin) have no case out of their jurisdiction in one county: both are in.
//!
//! The matrix is data: [`PROBES`] lists the endpoints (one line each), [`ROWS`] the users.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use yiwang_core::ids::CaseId;
use yiwang_tests::kit::{error_code, TestServer};

const GRID_A: &str = "210882001001-01";
const GRID_B: &str = "210882002002-02";

/// Which of the two cases a user may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sees {
    A,
    B,
    Both,
}

/// How an endpoint reveals a case.
#[derive(Debug, Clone, Copy)]
enum Look {
    /// A JSON document with an array of objects naming case ids. `only`: the query filters to
    /// the cases of this grid, so a visible case of another grid is absent too.
    CaseIds {
        path: &'static str,
        array: &'static str,
        field: &'static str,
        only: Option<&'static str>,
    },
    /// A CSV whose first column is the case id; `only` as for `CaseIds`.
    CsvCaseIds {
        path: &'static str,
        only: Option<&'static str>,
    },
    /// A number counting the visible cases.
    CaseCount {
        path: &'static str,
        pointer: &'static str,
    },
    /// `GET` of one case (`{id}`): 200 in, 403 `out_of_jurisdiction` out.
    Reads { path: &'static str },
    /// `POST` of an action on one case (`{id}`): out is 403 and changes nothing; in is never
    /// refused for jurisdiction.
    Acts { path: &'static str },
    /// A JSON document with an array of objects naming grid ids: a case's grid shows exactly
    /// when the case does (`by_case`), or when the grid is the caller's (departments own none).
    GridIds {
        path: &'static str,
        array: &'static str,
        field: &'static str,
        by_case: bool,
    },
}

struct Probe {
    name: &'static str,
    look: Look,
}

/// Every console endpoint that can show a case; adding one is one line.
const PROBES: &[Probe] = &[
    Probe {
        name: "list",
        look: Look::CaseIds {
            path: "/api/v1/cases?page_size=200",
            array: "/items",
            field: "id",
            only: None,
        },
    },
    Probe {
        name: "list total",
        look: Look::CaseCount {
            path: "/api/v1/cases",
            pointer: "/total",
        },
    },
    Probe {
        name: "list filtered to B's township",
        look: Look::CaseIds {
            path: "/api/v1/cases?township=210882002",
            array: "/items",
            field: "id",
            only: Some(GRID_B),
        },
    },
    Probe {
        name: "list filtered to A's grid",
        look: Look::CaseIds {
            path: "/api/v1/cases?grid=210882001001-01",
            array: "/items",
            field: "id",
            only: Some(GRID_A),
        },
    },
    Probe {
        name: "detail",
        look: Look::Reads {
            path: "/api/v1/cases/{id}",
        },
    },
    Probe {
        name: "actions",
        look: Look::Acts {
            path: "/api/v1/cases/{id}/actions",
        },
    },
    Probe {
        name: "stats by grid",
        look: Look::GridIds {
            path: "/api/v1/stats?dimension=grid",
            array: "/breakdown",
            field: "key",
            by_case: true,
        },
    },
    Probe {
        name: "stats total",
        look: Look::CaseCount {
            path: "/api/v1/stats",
            pointer: "/total/reported",
        },
    },
    Probe {
        name: "coverage",
        look: Look::GridIds {
            path: "/api/v1/coverage",
            array: "/rows",
            field: "grid_id",
            by_case: false,
        },
    },
    Probe {
        name: "exports csv",
        look: Look::CsvCaseIds {
            path: "/api/v1/exports/cases.csv",
            only: None,
        },
    },
    Probe {
        name: "exports geojson",
        look: Look::CaseIds {
            path: "/api/v1/exports/cases.geojson",
            array: "/features",
            field: "id",
            only: None,
        },
    },
    Probe {
        name: "exports csv filtered to B's grid",
        look: Look::CsvCaseIds {
            path: "/api/v1/exports/cases.csv?grid=210882002002-02",
            only: Some(GRID_B),
        },
    },
    Probe {
        name: "org",
        look: Look::GridIds {
            path: "/api/v1/org",
            array: "/grids",
            field: "id",
            by_case: false,
        },
    },
];

/// One user per role (two where the role sits in one township), and what they may see.
const ROWS: &[(&str, Sees)] = &[
    ("worker-0001", Sees::A),
    ("worker-0008", Sees::B),
    ("community-001", Sees::A),
    ("community-004", Sees::B),
    ("township-01", Sees::A),
    ("township-02", Sees::B),
    ("center", Sees::Both),
    ("dept-01", Sees::A),
    ("dept-02", Sees::B),
    ("leader", Sees::Both),
    ("admin", Sees::Both),
];

struct Case {
    id: String,
    grid: &'static str,
}

/// Lodges a case at `community`, claimed and dispatched by `township` to the category's
/// default department.
async fn dispatched_case(
    s: &TestServer,
    community: &str,
    township: &str,
    grid: &'static str,
    category: &str,
) -> Case {
    let op = s.login(community).await;
    let body = json!({
        "channel": "hotline8890", "category": category, "description": "案件-测试",
        "grid_id": grid, "lat": 40.62, "lon": 122.51
    });
    let r = s.post(&op, "/api/v1/cases", &body).await;
    assert_eq!(r.status(), 201, "{community} lodges a case in {grid}");
    let id = r.json::<Value>().await.unwrap()["case"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = s.login(township).await;
    for (version, action) in [(1, "claim"), (2, "dispatch")] {
        let r = s
            .post(
                &t,
                &format!("/api/v1/cases/{id}/actions"),
                &json!({"action": action, "base_version": version}),
            )
            .await;
        assert_eq!(r.status(), 200, "{township} can {action} the case");
    }
    Case { id, grid }
}

fn stored(s: &TestServer, id: &str) -> (u64, usize) {
    let id = CaseId(id.to_owned());
    s.state
        .ledger
        .read_blocking(move |tx| {
            let version = tx.case(&id)?.map(|c| c.version).unwrap_or(0);
            Ok((version, tx.case_events(&id)?.len()))
        })
        .unwrap()
}

/// The ids an array of objects names at `array`/`*`/`field`.
fn named(doc: &Value, array: &str, field: &str) -> BTreeSet<String> {
    doc.pointer(array)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{array} is an array in {doc}"))
        .iter()
        .filter_map(|o| o.get(field).and_then(Value::as_str).map(str::to_owned))
        .collect()
}

async fn json_of(s: &TestServer, token: &str, path: &str, who: &str) -> Value {
    let r = s.get(token, path).await;
    assert_eq!(r.status(), 200, "{who}: GET {path} answers");
    r.json().await.unwrap()
}

/// Checks one probe for one user; `visible` says for each case whether the user may see it.
async fn check(s: &TestServer, token: &str, user: &str, probe: &Probe, cases: &[(Case, bool)]) {
    let who = format!("{user} / {}", probe.name);
    match probe.look {
        Look::CaseIds {
            path,
            array,
            field,
            only,
        } => {
            let got = named(&json_of(s, token, path, &who).await, array, field);
            for (c, visible) in cases {
                let want = *visible && only.is_none_or(|g| g == c.grid);
                assert_eq!(
                    got.contains(&c.id),
                    want,
                    "{who}: case in {} shows exactly when in jurisdiction",
                    c.grid
                );
            }
        }
        Look::CsvCaseIds { path, only } => {
            let r = s.get(token, path).await;
            assert_eq!(r.status(), 200, "{who}: the export answers");
            let text = r.text().await.unwrap();
            let mut reader =
                csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            let got: BTreeSet<String> =
                reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
            for (c, visible) in cases {
                let want = *visible && only.is_none_or(|g| g == c.grid);
                assert_eq!(
                    got.contains(&c.id),
                    want,
                    "{who}: case in {} is exported exactly when in jurisdiction",
                    c.grid
                );
            }
        }
        Look::CaseCount { path, pointer } => {
            let doc = json_of(s, token, path, &who).await;
            let want = cases.iter().filter(|(_, v)| *v).count() as u64;
            assert_eq!(
                doc.pointer(pointer).and_then(Value::as_u64),
                Some(want),
                "{who}: counts only the cases in jurisdiction"
            );
        }
        Look::Reads { path } => {
            for (c, visible) in cases {
                let r = s.get(token, &path.replace("{id}", &c.id)).await;
                if *visible {
                    assert_eq!(r.status(), 200, "{who}: the case in {} can be read", c.grid);
                } else {
                    assert_eq!(
                        r.status(),
                        403,
                        "{who}: the case in {} cannot be read",
                        c.grid
                    );
                    assert_eq!(
                        error_code(r).await,
                        "out_of_jurisdiction",
                        "{who}: and says why"
                    );
                }
            }
        }
        Look::Acts { path } => {
            for (c, visible) in cases {
                let before = stored(s, &c.id);
                let body = json!({"action": "comment", "note": "核实中", "base_version": before.0});
                let r = s.post(token, &path.replace("{id}", &c.id), &body).await;
                let status = r.status();
                if *visible {
                    if status != 200 {
                        let code = error_code(r).await;
                        assert_ne!(
                            code, "out_of_jurisdiction",
                            "{who}: the case in {} is never refused for jurisdiction",
                            c.grid
                        );
                        assert_eq!(
                            stored(s, &c.id),
                            before,
                            "{who}: a refused action changes nothing"
                        );
                    }
                } else {
                    assert_eq!(
                        status, 403,
                        "{who}: the case in {} cannot be acted on",
                        c.grid
                    );
                    let code = error_code(r).await;
                    assert!(
                        code == "out_of_jurisdiction" || code == "forbidden_role",
                        "{who}: refused as out of jurisdiction (or the role may never comment), got {code}"
                    );
                    assert_eq!(stored(s, &c.id), before, "{who}: and nothing changed");
                }
            }
        }
        Look::GridIds {
            path,
            array,
            field,
            by_case,
        } => {
            let got = named(&json_of(s, token, path, &who).await, array, field);
            let is_department = user.starts_with("dept-");
            for (c, visible) in cases {
                let want = *visible && (by_case || !is_department);
                assert_eq!(
                    got.contains(c.grid),
                    want,
                    "{who}: grid {} shows exactly when it is the caller's",
                    c.grid
                );
            }
        }
    }
}

#[tokio::test]
async fn no_console_endpoint_shows_a_case_outside_the_callers_jurisdiction() {
    let s = TestServer::start().await;
    // 01.02 goes to the power company (dept-01), 01.07 to housing (dept-02).
    let a = dispatched_case(&s, "community-001", "township-01", GRID_A, "01.02").await;
    let b = dispatched_case(&s, "community-004", "township-02", GRID_B, "01.07").await;
    s.advance(chrono::Duration::minutes(1));
    let mut roles_seen = BTreeSet::new();
    for (user, sees) in ROWS {
        let token = s.login(user).await;
        let role = s.seeded.user(user).expect("a seeded user").role;
        roles_seen.insert(role);
        let cases = [
            (
                Case {
                    id: a.id.clone(),
                    grid: a.grid,
                },
                matches!(sees, Sees::A | Sees::Both),
            ),
            (
                Case {
                    id: b.id.clone(),
                    grid: b.grid,
                },
                matches!(sees, Sees::B | Sees::Both),
            ),
        ];
        for probe in PROBES {
            check(&s, &token, user, probe, &cases).await;
        }
    }
    assert_eq!(
        roles_seen.len(),
        yiwang_core::org::Role::ALL.len(),
        "the matrix covers every role"
    );
}
