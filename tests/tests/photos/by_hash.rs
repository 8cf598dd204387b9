//! Photos by their hash: whether the server has one, its bytes and its thumbnail only for its
//! uploaders and those who see a case or a finding that lists it — to anyone else 404, as if it
//! were not stored — and its metadata is pulled where they are.

use reqwest::Method;
use yiwang_core::case::{Action, Channel, NewCase};
use yiwang_core::ids::{CaseId, PhotoHash};
use yiwang_core::sync::Entity;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{jpeg, sha_hex, tus};

#[tokio::test]
async fn head_by_hash_says_whether_the_server_has_a_photo() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(200, 100, 9);
    let sha = sha_hex(&photo);
    let other = tus(&s, "dept-01").await;
    assert_eq!(
        other.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "not uploaded yet"
    );
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..100]).await.status(), 204);
    assert_eq!(
        other.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "half an upload is not a photo"
    );
    assert_eq!(t.patch(&loc, 100, &photo[100..]).await.status(), 204);
    assert_eq!(
        t.by_hash(Method::HEAD, &sha, "").await.status(),
        200,
        "its uploader learns that it is stored, so their devices skip uploads"
    );
    assert_eq!(
        other.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "a stranger does not learn whether a hash is stored (issue 13)"
    );
    let bad = other.by_hash(Method::GET, "not-a-hash", "").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(error_code(bad).await, "invalid_hash");
    let anonymous = s
        .http
        .head(s.url(&format!("/api/v1/photos/by-hash/{sha}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "but only signed-in users");
}

/// Uploads `photo` as `user`; returns its hash.
async fn upload_as(s: &TestServer, user: &str, photo: &[u8]) -> String {
    let t = tus(s, user).await;
    let loc = t.create(photo).await;
    assert_eq!(t.upload_all(&loc, photo, 0, 1 << 20).await.status(), 204);
    sha_hex(photo)
}

async fn fetch_status(s: &TestServer, user: &str, sha: &str) -> u16 {
    let t = tus(s, user).await;
    let photo = t.by_hash(Method::GET, sha, "").await.status().as_u16();
    let thumb = t
        .by_hash(Method::GET, sha, "/thumb")
        .await
        .status()
        .as_u16();
    assert_eq!(
        photo, thumb,
        "{user}: the thumbnail follows the photo's rule"
    );
    photo
}

/// Photo changes `user` would pull.
fn pulled_photos(s: &TestServer, user: &str) -> Vec<String> {
    let user = s.seeded.user(user).unwrap().clone();
    s.state
        .ledger
        .read_blocking(move |tx| {
            let viewer = yiwang_server::jurisdiction::viewer(tx, &user)?;
            tx.changes_since(&viewer, 0, 10_000)
        })
        .unwrap()
        .0
        .into_iter()
        .filter(|c| c.entity == Entity::Photo)
        .map(|c| c.id)
        .collect()
}

#[tokio::test]
async fn a_photo_is_served_only_to_those_who_see_its_case() {
    let s = TestServer::start().await;
    let sha = upload_as(&s, "worker-0001", &jpeg(500, 300, 10)).await;
    assert_eq!(
        fetch_status(&s, "worker-0001", &sha).await,
        200,
        "the uploader"
    );
    assert_eq!(
        fetch_status(&s, "community-001", &sha).await,
        404,
        "a photo no record shows is the uploader's alone: 404, not 403, so existence stays hidden"
    );
    assert_eq!(
        pulled_photos(&s, "worker-0001"),
        vec![sha.clone()],
        "the uploader pulls it"
    );
    assert!(
        pulled_photos(&s, "community-001").is_empty(),
        "nobody else does yet"
    );

    // worker-0001 reports a case from their grid with the photo.
    let worker = s.seeded.user("worker-0001").unwrap().actor();
    let state = s.state.clone();
    let hash = PhotoHash::parse(&sha).unwrap();
    let now = s.now();
    let decided = s
        .state
        .ledger
        .write_blocking(move |tx| {
            let reference = state.reference(tx)?;
            let report = Action::Report(NewCase {
                channel: Channel::Grid,
                category: "01.01".into(),
                urgent: false,
                description: "东门井盖缺失".into(),
                location: None,
                address: None,
                grid_id: Some("210882001001-01".into()),
                unit: None,
                finding_id: None,
                photos: vec![hash.clone()],
                contact: None,
            });
            let decided = yiwang_server::casework::act(
                tx,
                &reference,
                &worker,
                &CaseId("0190a000-0000-7000-8000-00000000c0f1".into()),
                0,
                &report,
                now,
            )?;
            // `act` itself logs the photo again for the case's area: every way a case changes
            // (sync push, console, demo) goes through it.
            Ok(decided.map(|_| ()).map_err(|r| format!("{r:?}")))
        })
        .unwrap();
    decided.expect("the worker may report from their own grid");

    for (user, want, why) in [
        ("worker-0001", 200, "the case's own grid worker"),
        ("community-001", 200, "the community the case waits at"),
        ("township-01", 200, "the township above it"),
        ("leader", 200, "the county leader"),
        (
            "worker-0002",
            404,
            "a worker of another grid in the same community",
        ),
        ("community-002", 404, "another community"),
        ("township-02", 404, "another township"),
        ("dept-01", 404, "a department the case never reached"),
    ] {
        assert_eq!(fetch_status(&s, user, &sha).await, want, "{user}: {why}");
    }
    assert_eq!(
        pulled_photos(&s, "community-001"),
        vec![sha.clone()],
        "the photo's metadata now reaches the case's area"
    );
    assert!(
        pulled_photos(&s, "community-002").is_empty(),
        "and nobody outside it"
    );
    let missing = tus(&s, "leader")
        .await
        .by_hash(Method::GET, &"0".repeat(64), "")
        .await;
    assert_eq!(missing.status(), 404, "a photo that is not stored");
}

#[tokio::test]
async fn a_photo_is_served_to_those_who_see_the_finding_that_lists_it() {
    let s = TestServer::start().await;
    // worker-0003 owns grid 210882001002-01 in community 210882001002 (community-002).
    let sha = upload_as(&s, "worker-0003", &jpeg(500, 300, 11)).await;
    assert_eq!(
        fetch_status(&s, "community-002", &sha).await,
        404,
        "not before a finding lists it"
    );

    // The finding as the sync area stores it (its push handler is another module; the columns
    // are those of the `findings` and `finding_photos` tables).
    s.ledger_execute(&format!(
        "INSERT INTO findings(id, grid_id, patrol_id, worker_id, category, disposition, case_id,
                              observed_at, received_at, data)
         VALUES ('f-1', '210882001002-01', NULL, 'worker-0003', '01.01', 'note', NULL,
                 '2026-11-26T01:00:00.000000Z', '2026-11-26T01:00:00.000000Z', '{{}}');
         INSERT INTO finding_photos(finding_id, position, sha256) VALUES ('f-1', 0, '{sha}');"
    ));
    let hash = PhotoHash::parse(&sha).unwrap();
    s.state
        .ledger
        .write_blocking(move |tx| yiwang_server::storage::photo_log::log_photo(tx, &hash))
        .unwrap();

    for (user, want, why) in [
        ("worker-0003", 200, "the finding's worker"),
        ("community-002", 200, "the finding's community"),
        ("township-01", 200, "its township"),
        ("center", 200, "the county centre"),
        ("community-001", 404, "another community"),
        ("worker-0004", 404, "the next grid's worker"),
        ("dept-01", 404, "a department: findings are not theirs"),
    ] {
        assert_eq!(fetch_status(&s, user, &sha).await, want, "{user}: {why}");
    }
    assert_eq!(
        pulled_photos(&s, "community-002"),
        vec![sha.clone()],
        "re-logged under the finding's scope"
    );
    assert!(pulled_photos(&s, "community-001").is_empty());
}
