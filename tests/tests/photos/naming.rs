//! The photo naming rule (issue 13): a record may name a stored photo only if its author
//! uploaded it or already sees it, so naming someone's hash is no way to see their photo; and
//! the legitimate ways a photo travels still work.

use reqwest::Method;
use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, ops, TestServer};

use crate::common::{jpeg, sha_hex, tus};

/// Grid of worker-0001 (township 01, community 001).
const G1: &str = "210882001001-01";
/// Grid of worker-0005 (township 02, community 003).
const G5: &str = "210882002001-01";

/// Uploads `photo` as `user`; returns its hash.
async fn upload_as(s: &TestServer, user: &str, photo: &[u8]) -> String {
    let t = tus(s, user).await;
    let loc = t.create(photo).await;
    assert_eq!(t.upload_all(&loc, photo, 0, 1 << 20).await.status(), 204);
    sha_hex(photo)
}

/// The status of GET, GET …/thumb and HEAD of the photo for `user`.
async fn statuses(s: &TestServer, user: &str, sha: &str) -> [u16; 3] {
    let t = tus(s, user).await;
    [
        t.by_hash(Method::GET, sha, "").await.status().as_u16(),
        t.by_hash(Method::GET, sha, "/thumb")
            .await
            .status()
            .as_u16(),
        t.by_hash(Method::HEAD, sha, "").await.status().as_u16(),
    ]
}

/// `user` pushes a report in `grid` listing `photos`; returns the op's result and the ids.
async fn report(
    s: &TestServer,
    user: &str,
    grid: &str,
    photos: &[&str],
) -> (Value, String, String) {
    let token = s.login(user).await;
    let (finding, case) = (ops::new_id(), ops::new_id());
    let mut op = ops::finding(&finding, grid, "report", Some(&case));
    op["data"]["photos"] = json!(photos);
    let r = s
        .post(
            &token,
            "/api/v1/sync/push",
            &json!({"device_id": format!("dev-{user}"), "ops": [op]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    (body["results"][0].clone(), finding, case)
}

#[tokio::test]
async fn a_worker_of_another_township_cannot_name_someone_elses_photo() {
    let s = TestServer::start().await;
    let sha = upload_as(&s, "worker-0001", &jpeg(400, 300, 21)).await;
    let (own, _, _) = report(&s, "worker-0001", G1, &[&sha]).await;
    assert_eq!(
        own["status"], "applied",
        "the uploader names their photo: {own}"
    );

    // The attack of issue 13: list the hash in a finding of one's own grid.
    let (stolen, finding, case) = report(&s, "worker-0005", G5, &[&sha]).await;
    assert_eq!(stolen["status"], "rejected", "{stolen}");
    assert_eq!(stolen["code"], "unknown_photo", "{stolen}");
    let view = s.ledger();
    assert!(
        view.case(&case.as_str().into()).await.is_none(),
        "no case stored for the refused op"
    );
    let fid = yiwang_core::ids::FindingId::new(finding);
    let stored = view.ledger.read(move |tx| tx.finding(&fid)).await.unwrap();
    assert!(stored.is_none(), "no finding stored for the refused op");
    assert_eq!(
        statuses(&s, "worker-0005", &sha).await,
        [404; 3],
        "the attacker gets 404 on GET, thumb and HEAD, as for a hash never stored"
    );
    assert_eq!(
        statuses(&s, "worker-0005", &"0".repeat(64)).await,
        [404; 3],
        "the same answer as for a hash that is not stored"
    );

    // The console: an intake and an action of another township naming it are refused too.
    let t2 = s.login("township-02").await;
    let intake = json!({"channel": "hotline8890", "category": "01.01", "description": "井盖缺失",
                        "grid_id": G5, "photos": [sha]});
    let r = s.post(&t2, "/api/v1/cases", &intake).await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_code(r).await, "unknown_photo");
    let mut clean = intake.clone();
    clean["photos"] = json!([]);
    let r = s.post(&t2, "/api/v1/cases", &clean).await;
    assert_eq!(
        r.status(),
        201,
        "the same intake without the photo is taken"
    );
    let made: Value = r.json().await.unwrap();
    let id = made["case"]["id"].as_str().unwrap();
    let r = s
        .post(
            &t2,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "comment", "base_version": 1, "note": "见照片", "photos": [sha]}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_code(r).await, "unknown_photo");
    assert_eq!(statuses(&s, "township-02", &sha).await, [404; 3]);
}

#[tokio::test]
async fn photos_still_reach_whoever_sees_their_case() {
    let s = TestServer::start().await;
    let sha = upload_as(&s, "worker-0001", &jpeg(400, 300, 22)).await;
    let (r, _, _) = report(&s, "worker-0001", G1, &[&sha]).await;
    assert_eq!(r["status"], "applied", "{r}");
    for (user, want, why) in [
        ("worker-0001", [200; 3], "the uploader"),
        ("community-001", [200; 3], "the community the case waits at"),
        ("township-01", [200; 3], "its township"),
        ("center", [200; 3], "the county centre"),
        ("leader", [200; 3], "the county leader"),
        ("township-02", [404; 3], "another township"),
        ("worker-0005", [404; 3], "a worker of another township"),
    ] {
        assert_eq!(statuses(&s, user, &sha).await, want, "{user}: {why}");
    }
    // The community may name the case's photo in its own action: it sees it.
    let c1 = s.login("community-001").await;
    let list: Value = s.get(&c1, "/api/v1/cases").await.json().await.unwrap();
    let id = list["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{list}"));
    let r = s
        .post(
            &c1,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "comment", "base_version": 1, "note": "同一处", "photos": [sha]}),
        )
        .await;
    assert_eq!(r.status(), 200, "a photo one sees may be named again");

    // The console's own upload, named by its intake.
    let mine = upload_as(&s, "township-02", &jpeg(300, 200, 23)).await;
    let t2 = s.login("township-02").await;
    let r = s
        .post(
            &t2,
            "/api/v1/cases",
            &json!({"channel": "hotline8890", "category": "01.01", "description": "路灯不亮",
                    "grid_id": G5, "photos": [mine]}),
        )
        .await;
    assert_eq!(r.status(), 201, "the uploader names their own upload");
    assert_eq!(
        statuses(&s, "community-003", &mine).await,
        [200; 3],
        "the case's community sees it"
    );
    assert_eq!(
        statuses(&s, "community-001", &mine).await,
        [404; 3],
        "another township's does not"
    );

    // A device pushes its finding before it uploads the photo: the hash is not stored yet.
    let later = jpeg(320, 240, 24);
    let later_sha = sha_hex(&later);
    let (r, _, _) = report(&s, "worker-0001", G1, &[&later_sha]).await;
    assert_eq!(
        r["status"], "applied",
        "a hash not stored yet may be named: {r}"
    );
    upload_as(&s, "worker-0001", &later).await;
    assert_eq!(statuses(&s, "township-01", &later_sha).await, [200; 3]);
}
