//! What the crash and fault tests share: reading back what one simulated device recorded.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use yiwang_client::store::{FindingFilter, Store};
use yiwang_core::field::Finding;
use yiwang_core::ids::{FindingId, PatrolId, UserId};

/// What one device recorded itself: its findings (by id), its patrols with their track
/// lengths, its applied-op ids by entity, and its token.
pub struct Device {
    pub findings: BTreeMap<FindingId, Finding>,
    pub patrols: BTreeMap<PatrolId, usize>,
    pub ops: Vec<(yiwang_core::ids::OpId, String)>,
    pub worker: UserId,
    pub token: String,
}

pub fn device_records(data_dir: &Path, n: usize) -> Device {
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
    Device {
        findings,
        patrols,
        ops,
        worker,
        token,
    }
}
