//! Upload leases on a ledger several processes share: a process starting up releases the
//! leases of processes that are gone (killed mid-PATCH), never a living sibling's.
//!
//! Two `Ledger`s on one database stand for two processes: each holds its mark's session lock
//! on a connection of its own, as a server process does for its life.

use chrono::{Duration, Utc};
use std::collections::BTreeMap;
use yiwang_core::ids::{PhotoHash, UserId};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::photos::Upload;
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{demo_hash, ledger_rows, Backend};

fn upload(id: &str) -> Upload {
    let now = Utc::now();
    Upload {
        id: id.to_owned(),
        user_id: UserId("worker-0001".into()),
        length: 1000,
        offset: 0,
        sha256: PhotoHash::parse(&"ab".repeat(32)).unwrap(),
        finding_id: None,
        metadata: BTreeMap::new(),
        created_at: now,
        expires_at: now + Duration::hours(72),
        completed_at: None,
    }
}

/// `ledger` takes a lease on upload `id` as a PATCH would: a token with its own mark.
fn lease(ledger: &Ledger, id: &'static str) -> String {
    let token = format!("{}{}", ledger.lease_mark(), uuid::Uuid::new_v4().simple());
    let t = token.clone();
    let now = Utc::now();
    let taken = ledger
        .write_blocking(move |tx| {
            tx.insert_upload(&upload(id))?;
            tx.lease_upload(
                id,
                &t,
                now,
                now + Duration::minutes(2),
                now + Duration::hours(72),
            )
        })
        .unwrap();
    assert!(taken, "{id} is leased");
    token
}

#[test]
fn a_start_releases_only_the_leases_of_processes_that_are_gone() {
    let Some(backend) = Backend::postgres_from_env() else {
        eprintln!("leases: needs YIWANG_TEST_DATABASE=postgres://… (make test-pg)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = backend.ledger_url(dir.path());
    let a = Ledger::open(&url).expect("process A opens the ledger");
    let now = Utc::now() - Duration::days(1);
    a.write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), false, now))
        .expect("the small county seeds");
    let b = Ledger::open(&url).expect("process B opens the ledger");
    assert_ne!(
        a.lease_mark(),
        b.lease_mark(),
        "each process has its own mark"
    );
    assert!(
        a.lease_mark().len() == 9 && a.lease_mark().ends_with('.'),
        "a mark is eight hex digits and a dot: {}",
        a.lease_mark()
    );

    let token_a = lease(&a, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let token_b = lease(&b, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    let held = |sql_id: &str| -> Option<String> {
        ledger_rows(
            &url,
            &format!("SELECT lease_token FROM uploads WHERE id = '{sql_id}'"),
        )[0][0]
            .clone()
    };
    // A lease some older binary left, without a mark: nobody's.
    let unmarked = "cccccccccccccccccccccccccccccccc";
    let now = Utc::now();
    b.write_blocking(move |tx| {
        tx.insert_upload(&upload(unmarked))?;
        tx.lease_upload(
            unmarked,
            "0123456789abcdef0123456789abcdef",
            now,
            now + Duration::minutes(2),
            now + Duration::hours(72),
        )
    })
    .unwrap();

    // Process C starts while A and B live: only the unmarked lease goes.
    let c = Ledger::open(&url).expect("process C opens the ledger");
    let released = c
        .write_blocking(|tx| tx.release_all_upload_leases())
        .unwrap();
    assert_eq!(
        released, 1,
        "only the lease of no living process is released"
    );
    assert_eq!(held("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Some(token_a));
    assert_eq!(
        held("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        Some(token_b.clone())
    );
    assert_eq!(held(unmarked), None);

    // A goes (its connections close, as a killed process's do); C starts again.
    drop(a);
    let mut released = 0;
    for _ in 0..50 {
        // The database notices a closed connection at once, but not in the same instant.
        released = c
            .write_blocking(|tx| tx.release_all_upload_leases())
            .unwrap();
        if released > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        released, 1,
        "the lease of the process that went is released"
    );
    assert_eq!(held("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), None);
    assert_eq!(
        held("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        Some(token_b),
        "the living sibling's lease stays"
    );
}
