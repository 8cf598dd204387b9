//! Housekeeping: pruning what the server has held since before a cut-off, and dismissing a
//! refused op from the lists while its record stays rejected.

use chrono::Duration;
use yiwang_client::store::{StoreError, SyncState, UploadState};
use yiwang_core::field::Disposition;

use crate::common::{applied, new_finding, only_op, open_signed_in, record_photo, rejected, t};

#[test]
fn housekeeping_frees_only_what_the_server_has_held_since_before_the_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let up = record_photo(&store, dir.path(), 1);
    let waiting = record_photo(&store, dir.path(), 2);
    let sent = store
        .create_finding(new_finding(vec![up.clone()], Disposition::Note))
        .unwrap();
    let refused = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let pending = store
        .create_finding(new_finding(vec![waiting.clone()], Disposition::Note))
        .unwrap();
    let sent_op = only_op(&store, sent.id.as_str()).op.op_id;
    let refused_op = only_op(&store, refused.id.as_str()).op.op_id;
    store
        .acknowledge(&[
            applied(&sent_op),
            rejected(&refused_op, "invalid_input", "description: too long"),
        ])
        .unwrap();
    store.mark_photo_uploaded(&up).unwrap();
    let up_row = store.photo(&up).unwrap().unwrap();

    // A cut-off before the acknowledgements: nothing is old enough.
    let early = store.prune_synced(t("2020-01-01T00:00:00Z")).unwrap();
    assert_eq!(early, Default::default(), "nothing goes before its time");

    let later = chrono::Utc::now() + Duration::minutes(1);
    let pruned = store.prune_synced(later).unwrap();
    assert_eq!(
        pruned.photo_files,
        vec![up_row.path.clone().unwrap()],
        "only the uploaded photo's file goes"
    );
    assert_eq!(pruned.sent_ops, 1, "only the acknowledged op goes");
    let after = store.photo(&up).unwrap().expect("the photo's record stays");
    assert_eq!(after.path, None, "its file is no longer named");
    assert_eq!(after.thumb_path, up_row.thumb_path, "its thumbnail stays");
    assert_eq!(after.upload_state, UploadState::Uploaded);
    assert!(
        store.photo(&waiting).unwrap().unwrap().path.is_some(),
        "a photo waiting for upload keeps its file"
    );
    assert_eq!(
        store.sync_state(sent.id.as_str()).unwrap(),
        SyncState::Sent,
        "a finding whose op was pruned still reads as sent"
    );
    assert!(
        matches!(
            store.sync_state(refused.id.as_str()).unwrap(),
            SyncState::Rejected { .. }
        ),
        "a rejected op stays, with its reason"
    );
    assert_eq!(
        store.sync_state(pending.id.as_str()).unwrap(),
        SyncState::Waiting,
        "a waiting op stays"
    );
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.waiting, counts.sent, counts.rejected), (1, 0, 1));
    assert_eq!(
        store.prune_synced(later).unwrap(),
        Default::default(),
        "a second pass finds nothing more"
    );
}

#[test]
fn a_dismissed_refusal_leaves_the_lists_but_its_record_stays_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let refused = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let waiting = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let op = only_op(&store, refused.id.as_str()).op.op_id;
    let waiting_op = only_op(&store, waiting.id.as_str()).op.op_id;
    store
        .acknowledge(&[rejected(&op, "invalid_input", "description: too long")])
        .unwrap();
    assert_eq!(store.outbox_counts().unwrap().rejected, 1);
    assert!(
        matches!(
            store.dismiss_rejected(&waiting_op),
            Err(StoreError::NotFound { .. })
        ),
        "only a refused op can be dismissed"
    );
    store.dismiss_rejected(&op).expect("dismissed");
    assert_eq!(store.outbox_counts().unwrap().rejected, 0, "off the badge");
    assert!(store.outbox_rejected().unwrap().is_empty(), "off the list");
    assert!(
        matches!(
            store.sync_state(refused.id.as_str()).unwrap(),
            SyncState::Rejected { .. }
        ),
        "the record still reads as rejected, never as sent"
    );
    assert_eq!(
        store.pending_ops(10).unwrap().len(),
        1,
        "the waiting op is untouched"
    );
}
