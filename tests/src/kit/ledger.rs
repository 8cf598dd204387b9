//! The ledger itself, read directly rather than through the API under test, and the assertion
//! every crash, fault and load run ends with: the ledger holds exactly what the devices
//! recorded, none of it twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use yiwang_client::store::{FindingFilter, Store};
use yiwang_core::case::{Case, CaseEvent};
use yiwang_core::field::{Disposition, Finding, Patrol};
use yiwang_core::ids::{CaseId, FindingId, OpId, PatrolId, PhotoHash, UserId};
use yiwang_core::sync::{Change, Entity};
use yiwang_server::storage::changes::Viewer;
use yiwang_server::storage::sync::OpFate;
use yiwang_server::storage::Ledger;

/// A ledger and the base URL of a server in front of it (for the photo checks a device makes).
#[derive(Clone)]
pub struct LedgerView {
    pub ledger: Ledger,
    pub base: String,
}

impl LedgerView {
    pub fn new(ledger: Ledger, base: &str) -> LedgerView {
        LedgerView {
            ledger,
            base: base.to_owned(),
        }
    }

    /// Every change the ledger logged (a viewer at the root path sees every area record).
    pub async fn all_changes(&self) -> Vec<Change> {
        self.ledger
            .read(|tx| {
                let viewer = Viewer {
                    path: Some("/".into()),
                    grids: vec![],
                    department: None,
                    region: Some("/".into()),
                    user: UserId::new("ledger-view"),
                };
                let mut all = vec![];
                let mut after = 0;
                loop {
                    let (page, more) = tx.changes_since(&viewer, after, 1000)?;
                    if let Some(last) = page.last() {
                        after = last.seq;
                    }
                    all.extend(page);
                    if !more {
                        return Ok(all);
                    }
                }
            })
            .await
            .expect("the ledger reads its change log")
    }

    pub async fn case_count(&self) -> usize {
        self.ledger
            .read(|tx| tx.case_ids())
            .await
            .expect("the ledger reads")
            .len()
    }

    pub async fn case(&self, id: &CaseId) -> Option<Case> {
        let id = id.clone();
        self.ledger
            .read(move |tx| tx.case(&id))
            .await
            .expect("the ledger reads")
    }

    pub async fn case_events(&self, id: &CaseId) -> Vec<CaseEvent> {
        let id = id.clone();
        self.ledger
            .read(move |tx| tx.case_events(&id))
            .await
            .expect("the ledger reads")
    }

    pub async fn finding(&self, id: &FindingId) -> Option<Finding> {
        let id = id.clone();
        self.ledger
            .read(move |tx| tx.finding(&id))
            .await
            .expect("the ledger reads")
    }

    pub async fn patrol(&self, id: &PatrolId) -> Option<Patrol> {
        let id = id.clone();
        self.ledger
            .read(move |tx| tx.patrol(&id))
            .await
            .expect("the ledger reads")
    }

    pub async fn track_len(&self, id: &PatrolId) -> usize {
        let id = id.clone();
        self.ledger
            .read(move |tx| tx.track(&id))
            .await
            .expect("the ledger reads")
            .len()
    }

    /// Whether the ledger records the photo as stored.
    pub async fn photo_stored(&self, hash: &PhotoHash) -> bool {
        let hash = hash.clone();
        self.ledger
            .read(move |tx| tx.photo(&hash))
            .await
            .expect("the ledger reads")
            .is_some()
    }

    /// `HEAD /api/v1/photos/by-hash/{sha}` as `token` sees it.
    pub async fn head_photo(&self, token: &str, hash: &PhotoHash) -> u16 {
        reqwest::Client::new()
            .head(format!(
                "{}/api/v1/photos/by-hash/{}",
                self.base,
                hash.as_str()
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
            .status()
            .as_u16()
    }

    /// The ledger holds exactly the findings and patrols `devices` recorded, none twice, every
    /// photo stored and served, every track whole, every op applied once to what it named, and
    /// exactly the reported findings opened a case (`cases_before` were there before the run).
    /// A device recorded at most `max_findings` findings.
    pub async fn assert_holds_exactly(
        &self,
        devices: &[DeviceRecords],
        max_findings: usize,
        cases_before: usize,
    ) -> LedgerSummary {
        let workers: BTreeSet<UserId> = devices.iter().map(|d| d.worker.clone()).collect();
        assert_eq!(
            workers.len(),
            devices.len(),
            "each device is its own worker"
        );

        // The change log keeps one row per record, so a record stored twice under two ids would
        // show here as an extra id.
        let mut server_findings: Vec<FindingId> = vec![];
        let mut server_patrols: Vec<PatrolId> = vec![];
        for change in self.all_changes().await {
            match change.entity {
                Entity::Finding => {
                    let f: Finding = serde_json::from_value(change.data).expect("a finding");
                    if workers.contains(&f.worker_id) {
                        server_findings.push(f.id);
                    }
                }
                Entity::Patrol => {
                    let p: Patrol = serde_json::from_value(change.data).expect("a patrol");
                    if workers.contains(&p.worker_id) {
                        server_patrols.push(p.id);
                    }
                }
                _ => {}
            }
        }
        let device_findings: BTreeSet<FindingId> = devices
            .iter()
            .flat_map(|d| d.findings.keys().cloned())
            .collect();
        let device_patrols: BTreeSet<PatrolId> = devices
            .iter()
            .flat_map(|d| d.patrols.keys().cloned())
            .collect();
        let recorded: usize = devices.iter().map(|d| d.findings.len()).sum();
        assert_eq!(
            device_findings.len(),
            recorded,
            "no two devices share a finding id"
        );
        assert!(
            devices.iter().all(|d| d.findings.len() <= max_findings),
            "a resumed device never records more than --findings asks"
        );
        assert!(
            recorded > 0,
            "the devices recorded field work, so the run had something to lose"
        );
        let server_finding_set: BTreeSet<FindingId> = server_findings.iter().cloned().collect();
        assert_eq!(
            server_findings.len(),
            server_finding_set.len(),
            "the ledger holds no finding twice"
        );
        assert_eq!(
            server_finding_set, device_findings,
            "the ledger holds exactly the findings the devices recorded"
        );
        let server_patrol_set: BTreeSet<PatrolId> = server_patrols.iter().cloned().collect();
        assert_eq!(
            server_patrols.len(),
            server_patrol_set.len(),
            "the ledger holds no patrol twice"
        );
        assert_eq!(
            server_patrol_set, device_patrols,
            "the ledger holds exactly the patrols the devices recorded"
        );

        let mut photos = BTreeSet::new();
        let mut reported = 0;
        for d in devices {
            for f in d.findings.values() {
                let held = self
                    .finding(&f.id)
                    .await
                    .expect("the ledger holds the finding");
                assert_eq!(
                    held.photos, f.photos,
                    "finding {} names the same photos on both sides",
                    f.id
                );
                for hash in &f.photos {
                    assert!(
                        self.photo_stored(hash).await,
                        "the ledger stores photo {hash} of finding {}",
                        f.id
                    );
                    assert_eq!(
                        self.head_photo(&d.token, hash).await,
                        200,
                        "the server serves photo {hash} of finding {}",
                        f.id
                    );
                    photos.insert(hash.clone());
                }
                if f.disposition == Disposition::Report {
                    reported += 1;
                }
            }
            for (p, points) in &d.patrols {
                assert_eq!(
                    self.track_len(p).await,
                    *points,
                    "patrol {p}'s track reached the ledger with no point twice"
                );
            }
            // Every op the device made was applied exactly once: its id is the ops table's
            // primary key, and it is recorded as applied to the entity the device meant.
            for (op_id, entity) in &d.ops {
                let id = op_id.clone();
                let op = self
                    .ledger
                    .read(move |tx| tx.op(&id))
                    .await
                    .expect("the ledger reads")
                    .unwrap_or_else(|| panic!("op {op_id} reached the ledger"));
                assert_eq!(op.fate, OpFate::Applied, "op {op_id} was applied");
                assert_eq!(&op.entity_id, entity, "op {op_id} names its entity");
            }
        }
        assert_eq!(
            photos.len(),
            recorded,
            "one distinct photo per finding (--photos 1), each stored once by its hash"
        );
        assert_eq!(
            self.case_count().await - cases_before,
            reported,
            "exactly the reported findings opened a case, none twice"
        );
        LedgerSummary {
            findings: server_finding_set.len(),
            patrols: server_patrol_set.len(),
            photos: photos.len(),
            new_cases: reported,
        }
    }
}

impl LedgerView {
    /// The end of a simulator run: devices `1..=devices` of the run whose stores are under
    /// `data_dir` ([`DeviceRecords::of_sim`]) and [`LedgerView::assert_holds_exactly`] on them;
    /// prints what the ledger holds and the run's time since `started`.
    pub async fn assert_holds_sim_run(
        &self,
        data_dir: &Path,
        devices: usize,
        max_findings: usize,
        cases_before: usize,
        started: std::time::Instant,
    ) -> LedgerSummary {
        let records: Vec<DeviceRecords> = (1..=devices)
            .map(|n| DeviceRecords::of_sim(data_dir, n))
            .collect();
        let held = self
            .assert_holds_exactly(&records, max_findings, cases_before)
            .await;
        println!(
            "ledger: {} findings, {} patrols, {} photos, {} new cases; {:.1} s",
            held.findings,
            held.patrols,
            held.photos,
            held.new_cases,
            started.elapsed().as_secs_f64()
        );
        held
    }
}

/// What [`LedgerView::assert_holds_exactly`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerSummary {
    pub findings: usize,
    pub patrols: usize,
    pub photos: usize,
    pub new_cases: usize,
}

/// What one simulated device recorded itself: its findings (by id), its patrols with their
/// track lengths, its applied-op ids by entity, and its token.
pub struct DeviceRecords {
    pub findings: BTreeMap<FindingId, Finding>,
    pub patrols: BTreeMap<PatrolId, usize>,
    pub ops: Vec<(OpId, String)>,
    pub worker: UserId,
    pub token: String,
}

impl DeviceRecords {
    /// Reads device `n` of a `yiwang-sim` run whose stores are under `data_dir`, after a clean
    /// run: nothing may be waiting or rejected.
    pub fn of_sim(data_dir: &Path, n: usize) -> DeviceRecords {
        let path: PathBuf = data_dir.join(format!("sim-{n:04}")).join("store.sqlite");
        let store = Store::open(&path).expect("the device store opens");
        let session = store
            .session()
            .expect("the session reads")
            .expect("the device signed in");
        let worker = session.user.id.clone();
        let token = session.token.expect("the device holds a token");
        let mut findings = BTreeMap::new();
        let mut ops = vec![];
        for row in store
            .findings(&FindingFilter::default())
            .expect("the device lists its findings")
        {
            let outbox = store
                .outbox_for(row.finding.id.as_str())
                .expect("the outbox reads");
            if row.finding.worker_id == worker && !outbox.is_empty() {
                ops.extend(outbox.into_iter().map(|e| (e.op.op_id, e.op.entity_id)));
                let dup = findings.insert(row.finding.id.clone(), row.finding);
                assert!(dup.is_none(), "the device lists each finding once");
            }
        }
        let mut patrols = BTreeMap::new();
        let from = chrono::Utc::now() - chrono::Duration::days(2);
        let to = chrono::Utc::now() + chrono::Duration::days(1);
        for row in store
            .patrols_between(from, to)
            .expect("the device lists its patrols")
        {
            if row.patrol.worker_id != worker {
                continue;
            }
            let outbox = store
                .outbox_for(row.patrol.id.as_str())
                .expect("the outbox reads");
            ops.extend(outbox.into_iter().map(|e| (e.op.op_id, e.op.entity_id)));
            let points = store.track(&row.patrol.id).expect("the track reads").len();
            patrols.insert(row.patrol.id, points);
        }
        let counts = store.outbox_counts().expect("the outbox counts");
        assert_eq!(
            counts.waiting, 0,
            "device {n}: the clean run left no op waiting"
        );
        assert_eq!(counts.rejected, 0, "device {n}: the server rejected no op");
        assert!(
            store
                .photos_waiting_upload()
                .expect("the photo queue reads")
                .is_empty(),
            "device {n}: the clean run left no photo waiting"
        );
        DeviceRecords {
            findings,
            patrols,
            ops,
            worker,
            token,
        }
    }
}
