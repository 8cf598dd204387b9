//! Cases and their events: the ledger proper.

use super::Result;
use chrono::{DateTime, Utc};
use yiwang_core::case::{Case, CaseEvent};
use yiwang_core::ids::CaseId;
use yiwang_core::measures::{CaseFacts, CASE_FACTS_VERSION};

pub trait CaseTx {
    fn case(&mut self, id: &CaseId) -> Result<Option<Case>>;
    fn case_events(&mut self, id: &CaseId) -> Result<Vec<CaseEvent>>;
    /// The cases merged into `id` as its duplicates (and still merged), oldest first.
    fn duplicates_of(&mut self, id: &CaseId) -> Result<Vec<Case>>;
    /// Appends `event` to its case's chain and stores `case` (the projection after it) in the
    /// same transaction; logs both for pull. Fails if the event's sequence number is taken.
    fn append_case_event(&mut self, case: &Case, event: &CaseEvent) -> Result<()>;
    /// Every case id, in id order (for `verify-ledger`).
    fn case_ids(&mut self) -> Result<Vec<CaseId>>;
    /// Stores `case` as the projection of its unchanged events, in the case row and in its
    /// change-log record (keeping the record's sequence number): a newer binary projecting the
    /// same events into more fields ([`upgrade_case_projections`]).
    fn rewrite_case_projection(&mut self, case: &Case) -> Result<()>;
    /// The figures' facts stored with the case row ([`StoredFacts`]); `None` when the row has
    /// none (or they do not read).
    fn stored_case_facts(&mut self, id: &CaseId) -> Result<Option<StoredFacts>>;
    /// Stores (or clears) the figures' facts of a case ([`fill_case_facts`]).
    fn set_case_facts(&mut self, id: &CaseId, facts: Option<&StoredFacts>) -> Result<()>;
    /// The columns of the case row named in [`CASE_COLUMNS`], as stored, in text (for
    /// `verify-ledger`); `None` when there is no such row.
    fn stored_case_columns(&mut self, id: &CaseId) -> Result<Option<CaseColumns>>;
}

/// The columns a case row keeps beside its JSON (`data`) for the queries that filter, order and
/// scope cases. Both writers store them from the case; `verify-ledger` compares them with it
/// ([`case_columns`]), since a column out of step with the JSON takes a case out of the queue
/// that should show it, or puts it in another township's.
pub const CASE_COLUMNS: [&str; 18] = [
    "version",
    "head_hash",
    "state",
    "outcome",
    "channel",
    "category",
    "urgent",
    "grid_id",
    "origin_unit",
    "origin_path",
    "holder_unit",
    "department",
    "departments",
    "deadline",
    "supervisions",
    "reported_at",
    "updated_at",
    "closed_at",
];

/// The values of [`CASE_COLUMNS`] in text: `urgent` as 1 or 0, times in RFC 3339.
pub type CaseColumns = [Option<String>; 18];

/// The columns of [`CASE_COLUMNS`] that hold times: compared as instants, not as text (a copy
/// may write the same instant with another precision).
const TIME_COLUMNS: [&str; 4] = ["deadline", "reported_at", "updated_at", "closed_at"];

/// `,power,housing,`: every department the case was ever dispatched to, each between commas,
/// so that one is found by `,id,` (`,` for none).
pub fn departments_column(case: &Case) -> String {
    let mut s = String::from(",");
    for d in &case.departments {
        s.push_str(&d.0);
        s.push(',');
    }
    s
}

/// A closed enum's wire name (`duplicate`, `hotline8890`), as its column stores it.
pub fn wire_name<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// The columns `case` is stored with, its origin unit at `origin_path`.
pub fn case_columns(case: &Case, origin_path: &str) -> CaseColumns {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    [
        Some(case.version.to_string()),
        Some(case.head_hash.clone()),
        Some(case.state.as_str().to_owned()),
        case.outcome.as_ref().and_then(wire_name),
        wire_name(&case.channel),
        Some(case.category.0.clone()),
        Some(if case.urgent { "1" } else { "0" }.to_owned()),
        case.grid_id.as_ref().map(|g| g.0.clone()),
        Some(case.origin_unit.0.clone()),
        Some(origin_path.to_owned()),
        Some(case.holder_unit.0.clone()),
        case.department.as_ref().map(|d| d.0.clone()),
        Some(departments_column(case)),
        case.deadline.map(time),
        Some(case.supervisions.to_string()),
        Some(time(case.reported_at)),
        Some(time(case.updated_at)),
        case.closed_at.map(time),
    ]
}

/// The first column of `stored` that differs from `expected`, with both values.
pub fn first_column_difference(
    expected: &CaseColumns,
    stored: &CaseColumns,
) -> Option<(&'static str, Option<String>, Option<String>)> {
    let instant = |v: &Option<String>| {
        v.as_deref()
            .map(|s| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)))
    };
    CASE_COLUMNS
        .iter()
        .zip(expected.iter().zip(stored.iter()))
        .find(|(name, (e, s))| {
            if TIME_COLUMNS.contains(name) {
                match (instant(e), instant(s)) {
                    (Some(Ok(a)), Some(Ok(b))) => a != b,
                    (None, None) => false,
                    _ => true,
                }
            } else {
                e != s
            }
        })
        .map(|(name, (e, s))| (*name, e.clone(), s.clone()))
}

/// A case's facts for the figures ([`CaseFacts`]), kept with its row and brought forward by
/// every event `append_case_event` stores, and the time of its latest event: the facts hold at
/// any instant from `until` on (before it, the figures replay the events up to that instant).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFacts {
    pub facts: CaseFacts,
    pub until: DateTime<Utc>,
}

impl StoredFacts {
    /// The facts of a whole chain (`None` when it does not begin with a report).
    pub fn of_events(events: &[CaseEvent]) -> Option<StoredFacts> {
        let mut out: Option<StoredFacts> = None;
        for e in events {
            out = Some(StoredFacts::after(out, e)?);
        }
        out
    }

    /// The facts after `event`, given those before it (`None` before a case's report).
    pub fn after(before: Option<StoredFacts>, event: &CaseEvent) -> Option<StoredFacts> {
        match before {
            None => CaseFacts::begin(event).map(|facts| StoredFacts {
                facts,
                until: event.at,
            }),
            Some(mut s) => {
                s.facts.apply(event);
                s.until = s.until.max(event.at);
                Some(s)
            }
        }
    }

    /// The two columns the backends store: the facts as JSON and `until` as RFC 3339 text.
    pub fn columns(&self) -> (String, String) {
        (
            serde_json::to_string(&self.facts).expect("case facts serialise"),
            // To the nanosecond, as the events' own times: the facts hold from exactly then.
            self.until
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        )
    }

    /// Reads the two columns back; `None` when either is missing or does not read (the
    /// figures then replay the case's events, and `verify-ledger` names the case).
    pub fn from_columns(facts: Option<&str>, until: Option<&str>) -> Option<StoredFacts> {
        Some(StoredFacts {
            facts: serde_json::from_str(facts?).ok()?,
            until: DateTime::parse_from_rfc3339(until?)
                .ok()?
                .with_timezone(&Utc),
        })
    }
}

/// Brings every case's stored facts up to [`CASE_FACTS_VERSION`], from its events: once, when a
/// ledger from before the facts were kept (or with facts of an older version) opens. Returns how
/// many cases were filled.
pub fn fill_case_facts(tx: &mut dyn super::LedgerTx) -> Result<usize> {
    let done = tx
        .meta_get("case_facts")?
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if done >= CASE_FACTS_VERSION {
        return Ok(0);
    }
    let mut filled = 0;
    for id in tx.case_ids()? {
        let events = tx.case_events(&id)?;
        tx.set_case_facts(&id, StoredFacts::of_events(&events).as_ref())?;
        filled += 1;
    }
    tx.meta_set("case_facts", &CASE_FACTS_VERSION.to_string())?;
    Ok(filled)
}

/// The version of the stored case projection this binary writes. 2: `handled_at` (issue 10).
pub const CASE_PROJECTION: u32 = 2;

/// A case as projection version 1 stored it: without the fields later versions added.
fn as_projection_1(case: &Case) -> Case {
    Case {
        handled_at: None,
        ..case.clone()
    }
}

/// Brings every stored case row up to [`CASE_PROJECTION`], replaying each case's events: a case
/// row is a projection of its events, so a binary that projects more (a new field of `Case`)
/// rewrites the rows once, as it opens the ledger, and `verify-ledger` (which compares each row
/// with the replay of its events) stays true. Only a row equal to its replay but for the new
/// fields is rewritten: a row someone edited stays as it is, for `verify-ledger` to name.
/// Returns how many rows changed.
pub fn upgrade_case_projections(tx: &mut dyn super::LedgerTx) -> Result<usize> {
    let done = tx
        .meta_get("case_projection")?
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1);
    if done >= CASE_PROJECTION {
        return Ok(0);
    }
    let mut changed = 0;
    for id in tx.case_ids()? {
        let events = tx.case_events(&id)?;
        let Some(stored) = tx.case(&id)? else {
            continue;
        };
        // A chain that does not replay is left as it is, for `verify-ledger` to report.
        if let Ok(replayed) = Case::replay(&events) {
            if replayed != stored && as_projection_1(&replayed) == stored {
                tx.rewrite_case_projection(&replayed)?;
                changed += 1;
            }
        }
    }
    tx.meta_set("case_projection", &CASE_PROJECTION.to_string())?;
    Ok(changed)
}
