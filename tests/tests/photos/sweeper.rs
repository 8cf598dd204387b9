//! The sweeper, the server's background task: expired uploads go with their bytes, and so do
//! stored photos no record names once their grace is over; a photo a finding lists stays, and
//! so does an unnamed one still within its grace (its finding may be on its way).

use chrono::Duration;
use serde_json::json;
use yiwang_core::ids::PhotoHash;
use yiwang_server::photos::sweep::{spawn, sweep_once, Swept};
use yiwang_server::state::Settings;
use yiwang_tests::kit::{ops, t0, Backend, Clock, TestServer};

use crate::common::{has_parts, jpeg, sha_hex, stored_files, tus, Tus};

/// Uploads `photo` whole; its hash.
async fn upload(t: &Tus<'_>, photo: &[u8]) -> PhotoHash {
    let loc = t.create(photo).await;
    assert_eq!(t.upload_all(&loc, photo, 0, 1 << 20).await.status(), 204);
    PhotoHash::parse(&sha_hex(photo)).unwrap()
}

/// Whether a file of the photo store is named after `hash`.
fn has_files(s: &TestServer, hash: &PhotoHash) -> bool {
    stored_files(&s.photo_files())
        .iter()
        .any(|f| f.starts_with(hash.as_str()))
}

/// Waits up to 10 s for `done` to hold.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

#[tokio::test]
async fn the_sweeper_deletes_what_nobody_will_use_and_keeps_what_a_record_names() {
    let grace = Duration::days(7);
    let s = TestServer::start_with(
        Backend::from_env(),
        Clock::fixed(t0()),
        |st: &mut Settings| {
            st.sweep_interval = std::time::Duration::from_millis(50);
            st.photo_grace = grace;
        },
    )
    .await;
    let t = tus(&s, "worker-0001").await;

    // Half an upload, a photo no record names and one a finding lists.
    let half = jpeg(300, 200, 31);
    let stale = t.create(&half).await;
    assert_eq!(t.patch(&stale, 0, &half[..1000]).await.status(), 204);
    let unnamed = upload(&t, &jpeg(300, 200, 32)).await;
    let named = upload(&t, &jpeg(300, 200, 33)).await;
    let mut data = ops::finding_data("210882001001-01", "note", None);
    data["photos"] = json!([named.as_str()]);
    let finding = ops::op("finding.create", &ops::new_id(), data);
    let resp = s
        .post(
            &t.token,
            "/api/v1/sync/push",
            &json!({"device_id": "dev-worker-0001", "ops": [finding]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["results"][0]["status"], "applied", "{body}");

    let sweeper = spawn(s.state.clone());
    // Sweeps run meanwhile; within the day and the grace nothing is theirs to delete.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(t.offset(&stale).await, 1000, "a live upload is kept");
    assert!(has_parts(&s.photo_files(), &stale));
    assert!(s.ledger().photo_stored(&unnamed).await && has_files(&s, &unnamed));

    s.advance(grace + Duration::days(1));
    let ledger = s.ledger();
    eventually(
        "the sweep of the expired upload and the unnamed photo",
        async || !ledger.photo_stored(&unnamed).await && !has_parts(&s.photo_files(), &stale),
    )
    .await;
    let id = stale.rsplit('/').next().unwrap().to_owned();
    let row = s.state.ledger.read(move |tx| tx.upload(&id)).await.unwrap();
    assert_eq!(row, None, "the expired upload's row is gone with its bytes");
    // A check of the photo under way when it was swept deletes the thumbnail it then stores.
    eventually(
        "the deletion of the unnamed photo's file and thumbnail",
        async || !has_files(&s, &unnamed),
    )
    .await;
    assert!(
        s.ledger().photo_stored(&named).await && has_files(&s, &named),
        "a photo a finding lists is kept, however old"
    );
    assert_eq!(
        s.ledger().head_photo(&t.token, &unnamed).await,
        404,
        "the server no longer claims the swept photo, so a device would upload it again"
    );

    // A photo stored now is within its grace: its finding may be on its way.
    let fresh = upload(&t, &jpeg(300, 200, 34)).await;
    sweeper.abort();
    let swept = sweep_once(&s.state).await.unwrap();
    assert_eq!(
        swept,
        Swept::default(),
        "nothing left to sweep: the fresh photo is within its grace"
    );
    assert!(s.ledger().photo_stored(&fresh).await && has_files(&s, &fresh));

    let metrics = s.metrics().await;
    assert!(
        metrics.contains("yiwang_photos_swept_total 1\n"),
        "one photo swept: {metrics}"
    );
    // The half upload and the two completed ones (a completed upload's row is kept a day
    // for HEAD, then swept like any other).
    assert!(
        metrics.contains("yiwang_uploads_swept_total 3\n"),
        "three upload rows swept: {metrics}"
    );
}

#[tokio::test]
async fn a_part_file_without_its_upload_is_swept() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 35);
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..1000]).await.status(), 204);
    // A server that stopped between forgetting the upload and removing its bytes.
    let id = loc.rsplit('/').next().unwrap().to_owned();
    let forgotten = s
        .state
        .ledger
        .write(move |tx| tx.delete_upload(&id))
        .await
        .unwrap();
    assert!(forgotten);
    assert!(has_parts(&s.photo_files(), &loc));
    let swept = sweep_once(&s.state).await.unwrap();
    assert_eq!(swept.stray_parts, 1, "{swept:?}");
    assert!(
        !has_parts(&s.photo_files(), &loc),
        "bytes nobody can continue are deleted"
    );
}
