//! The end of an upload that never completes: terminated by its creator (and by nobody else),
//! or expired after a day without progress; either way its bytes are cleaned and it is
//! forgotten.

use chrono::Duration;
use reqwest::Method;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{has_parts, jpeg, tus};

#[tokio::test]
async fn a_terminated_upload_is_gone_with_its_bytes() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 4);
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..2000]).await.status(), 204);
    assert!(
        has_parts(&s.photo_files(), &loc),
        "received bytes are on disk"
    );

    let other = tus(&s, "worker-0002").await;
    let resp = other.request(Method::DELETE, &loc).send().await.unwrap();
    assert_eq!(
        resp.status(),
        404,
        "an upload belongs to its creator: others cannot end it"
    );
    assert_eq!(other.head(&loc).await.status(), 404, "nor see it");
    assert_eq!(
        other.patch(&loc, 2000, &photo[2000..]).await.status(),
        404,
        "nor write to it"
    );

    let resp = t.request(Method::DELETE, &loc).send().await.unwrap();
    assert_eq!(resp.status(), 204, "termination");
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(
        t.head(&loc).await.status(),
        404,
        "a terminated upload is unknown"
    );
    assert_eq!(t.patch(&loc, 2000, &photo[2000..]).await.status(), 404);
    assert!(!has_parts(&s.photo_files(), &loc), "its bytes are deleted");
    assert_eq!(
        t.head("/api/v1/photos/..%2F..%2Fledger.sqlite")
            .await
            .status(),
        404,
        "an id that is not ours never reaches the file system"
    );
}

#[tokio::test]
async fn an_upload_without_progress_for_a_day_expires() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 5);
    let loc = t.create(&photo).await;
    let idle = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..1000]).await.status(), 204);
    s.advance(Duration::hours(23));
    assert_eq!(t.offset(&loc).await, 1000, "within a day it lives");
    let renewed = t.patch(&loc, 1000, &photo[1000..2000]).await;
    assert_eq!(renewed.status(), 204, "progress renews it");
    assert!(
        renewed.headers().contains_key("upload-expires"),
        "and says until when"
    );
    s.advance(Duration::hours(23));
    assert_eq!(
        t.offset(&loc).await,
        2000,
        "23 h after the last progress it still lives"
    );
    assert_eq!(
        t.head(&idle).await.status(),
        410,
        "46 h without progress: Gone"
    );
    s.advance(Duration::hours(2));
    let resp = t.patch(&loc, 2000, &photo[2000..]).await;
    assert_eq!(resp.status(), 410, "expired uploads are Gone");
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(resp).await, "upload_expired");
    assert!(
        !has_parts(&s.photo_files(), &loc),
        "and their bytes are cleaned"
    );
    for l in [&loc, &idle] {
        assert_eq!(t.head(l).await.status(), 404, "then forgotten");
    }
}
