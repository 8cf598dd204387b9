//! A photo uploaded before its finding: pulled where the finding is, once the finding lands.

use crate::common::{applied, case_row, has, outcomes, pull_all, push, W1_GRID};
use serde_json::json;
use yiwang_core::sync::Entity;
use yiwang_tests::kit::ops::{finding_data, new_id, op};
use yiwang_tests::kit::TestServer;

#[tokio::test]
async fn a_photo_that_landed_first_is_seen_where_its_finding_is() {
    use yiwang_core::ids::PhotoHash;
    use yiwang_server::storage::photos::{PhotoCheck, PhotoRecord};
    let s = TestServer::start().await;
    let hash = PhotoHash::of(b"a photo uploaded before its finding was pushed");
    let (found, case) = (new_id(), new_id());
    let (h, f, now) = (hash.clone(), found.clone(), s.now());
    s.state
        .ledger
        .write(move |tx| {
            // What the tus endpoint does when an upload completes.
            tx.insert_photo(
                &PhotoRecord {
                    sha256: h.clone(),
                    bytes: 1234,
                    width: 640,
                    height: 480,
                    mime: "image/jpeg".into(),
                    stored_at: now,
                    uploaded_by: "worker-0001".into(),
                    finding_id: Some(f.as_str().into()),
                    check: PhotoCheck::Passed,
                },
                &"worker-0001".into(),
            )?;
            yiwang_server::storage::photo_log::log_photo(tx, &h)
        })
        .await
        .expect("the photo is recorded");
    let t1 = s.login("township-01").await;
    let (before, _) = pull_all(&s, &t1, 1000).await;
    assert!(
        !has(&before, Entity::Photo, hash.as_str()),
        "before its finding arrives, the photo is only its uploader's"
    );

    let w1 = s.login("worker-0001").await;
    let mut data = finding_data(W1_GRID, "report", Some(&case));
    data["photos"] = json!([hash.as_str()]);
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[op("finding.create", &found, data)],
    )
    .await;
    assert_eq!(outcomes(&r), applied(1));
    for who in ["township-01", "community-001", "worker-0001"] {
        let t = s.login(who).await;
        let (seen, _) = pull_all(&s, &t, 1000).await;
        let photo = seen
            .iter()
            .find(|c| c.entity == Entity::Photo && c.id == hash.as_str())
            .unwrap_or_else(|| panic!("{who} sees the finding, so its photo's metadata too"));
        assert_eq!(
            photo.data["finding_id"],
            json!(found),
            "the photo names its finding"
        );
    }
    for who in ["township-02", "worker-0002"] {
        let t = s.login(who).await;
        let (seen, _) = pull_all(&s, &t, 1000).await;
        assert!(
            !has(&seen, Entity::Photo, hash.as_str()),
            "{who} does not see the finding, nor its photo"
        );
    }
    let c = case_row(&s, &case).await;
    assert_eq!(c.photos, vec![hash], "the case lists the finding's photo");
}
