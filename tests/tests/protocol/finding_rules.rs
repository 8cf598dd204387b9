//! The finding rule on the server is core's, the same as on the device and in the form.

use crate::common::{count, outcomes, push, W1_GRID};
use serde_json::json;
use yiwang_tests::kit::ops::{finding_data, new_id, op};
use yiwang_tests::kit::TestServer;

/// The finding rule the server applies is core's, the one the device and the app's form apply:
/// a note or an on-the-spot fix may rest on a photo alone, a report never (issue 10).
#[tokio::test]
async fn the_server_applies_the_same_finding_rule_as_the_device_and_the_form() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let photo = format!("{:064x}", 7);
    let with = |disposition: &str, description: &str, photos: &[&str], case_id: Option<&str>| {
        let mut d = finding_data(W1_GRID, disposition, case_id);
        d["description"] = json!(description);
        d["photos"] = json!(photos);
        op("finding.create", &new_id(), d)
    };
    let case = new_id();
    let ops = [
        with("note", "", &[&photo], None),
        with("resolved_on_spot", "  ", &[&photo], None),
        with("note", "", &[], None),
        with("report", "", &[&photo], Some(&case)),
        with("note", "坑", &[], None),
        with("report", "井盖", &[], Some(&new_id())),
    ];
    let r = push(&s, &w1, "worker-0001", &ops).await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("applied".to_owned(), None),
            ("applied".to_owned(), None),
            ("rejected".to_owned(), Some("invalid_input".to_owned())),
            ("rejected".to_owned(), Some("invalid_input".to_owned())),
            ("rejected".to_owned(), Some("invalid_input".to_owned())),
            ("applied".to_owned(), None),
        ],
        "a photo alone is a note's record; a report says what it is: {:?}",
        r.results
    );
    let message = r.results[3].message.as_deref().unwrap_or_default();
    assert!(
        message.contains("a reported case needs at least 2 characters"),
        "the refusal says which rule: {message}"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM cases WHERE id = '{case}'")
        ),
        0,
        "the refused report opened no case"
    );
}
