//! The free-space guard: with the photo store's disk nearly full, tus creations and PATCHes are
//! refused (507 `insufficient_storage`, `Retry-After`) while pushes still reach the ledger; the
//! device keeps its photo and uploads it once space is back.

use std::sync::Arc;
use yiwang_core::field::Disposition;
use yiwang_server::photos::space::FixedSpace;
use yiwang_server::photos::LocalPhotoStore;
use yiwang_server::state::Settings;
use yiwang_tests::kit::{error_code, t0, Backend, Clock, TestDevice, TestServer};

use crate::common::{jpeg, offset_of, tus};

const PLENTY: u64 = 100 << 30;
const NEARLY_FULL: u64 = 10 << 20;

async fn server_on(disk: &FixedSpace) -> TestServer {
    let disk = disk.clone();
    TestServer::start_with(
        Backend::from_env(),
        Clock::fixed(t0()),
        move |st: &mut Settings| {
            st.disk = Arc::new(disk);
            // The guard watches the disk a local photo store fills; a bucket elsewhere fills
            // none (so these tests keep their photos in the data folder whatever the run).
            st.photo_store = Arc::new(LocalPhotoStore::in_data_dir(&st.data_dir));
        },
    )
    .await
}

async fn assert_507(resp: reqwest::Response, why: &str) {
    assert_eq!(resp.status(), 507, "{why}");
    assert!(
        resp.headers().contains_key("retry-after"),
        "{why}: says when to come back"
    );
    assert_eq!(error_code(resp).await, "insufficient_storage", "{why}");
}

#[tokio::test]
async fn a_nearly_full_disk_stops_uploads_but_not_the_ledger() {
    let disk = FixedSpace::new(PLENTY);
    let s = server_on(&disk).await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 41);
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..1000]).await.status(), 204);

    disk.set(NEARLY_FULL);
    assert_507(
        t.create_raw(photo.len(), &crate::common::sha_hex(&photo))
            .await,
        "no new upload on a nearly full disk",
    )
    .await;
    assert_507(
        t.patch(&loc, 1000, &photo[1000..]).await,
        "and no more bytes for a started one",
    )
    .await;
    assert_eq!(
        t.offset(&loc).await,
        1000,
        "the refused chunk left no trace"
    );

    let finding = yiwang_tests::kit::ops::finding(
        &yiwang_tests::kit::ops::new_id(),
        "210882001001-01",
        "note",
        None,
    );
    let resp = s
        .post(
            &t.token,
            "/api/v1/sync/push",
            &serde_json::json!({"device_id": "dev-worker-0001", "ops": [finding]}),
        )
        .await;
    assert_eq!(resp.status(), 200, "a push is not an upload");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["results"][0]["status"], "applied",
        "records still reach the ledger: {body}"
    );

    let metrics = s.metrics().await;
    assert!(
        metrics.contains(&format!("yiwang_photo_store_free_bytes {NEARLY_FULL}\n")),
        "the free space is shown: {metrics}"
    );
    assert!(
        metrics.contains("yiwang_uploads_refused_disk_total 2\n"),
        "and the refusals counted: {metrics}"
    );

    disk.set(PLENTY);
    let resp = t.patch(&loc, 1000, &photo[1000..]).await;
    assert_eq!(resp.status(), 204, "with space back the upload resumes");
    assert_eq!(offset_of(&resp), photo.len() as u64);
    assert_eq!(
        t.create_raw(10, &crate::common::sha_hex(b"next"))
            .await
            .status(),
        201,
        "and new ones are taken"
    );
}

#[tokio::test]
async fn a_device_keeps_its_photo_while_the_disk_is_full_and_uploads_it_later() {
    let disk = FixedSpace::new(NEARLY_FULL);
    let s = server_on(&disk).await;
    let device = TestDevice::sign_in(&s.base, "worker-0001").await;
    let hash = device.take_photo(7);
    let finding = device.finding(Disposition::Note, vec![hash.clone()]);

    let err = device
        .agent
        .sync_once()
        .await
        .expect_err("the photo cannot be uploaded now");
    assert!(
        err.is_retryable(),
        "a full disk is a reason to come back, not a refused photo: {err}"
    );
    assert_eq!(err.code(), "server_unavailable", "{err}");
    assert_eq!(device.waiting(), 0, "the finding itself was pushed");
    assert!(
        s.ledger().finding(&finding.id).await.is_some(),
        "and is in the ledger"
    );
    assert!(!s.ledger().photo_stored(&hash).await);

    disk.set(PLENTY);
    let report = device.agent.sync_once().await.expect("the next sync works");
    assert!(report.photos_refused.is_empty(), "{report:?}");
    assert!(
        s.ledger().photo_stored(&hash).await,
        "the photo arrives once there is room"
    );
}
