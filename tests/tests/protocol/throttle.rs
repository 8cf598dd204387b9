//! The sign-in throttle on a real listener (issue 12): a burst of guesses is checked only as
//! often as allowed, the right user is never locked out from an address that has not failed,
//! spraying user names backs off, `X-Forwarded-For` counts only behind a trusted proxy,
//! oversized fields are refused before anything is counted, attempts are pruned, and too many
//! sign-ins at once get `503` with `Retry-After` instead of exhausting the server's memory.

use chrono::Duration;
use futures::future::join_all;
use reqwest::Client;
use serde_json::{json, Value};
use yiwang_server::auth::throttle::{ADDRESS_FREE, PAIR_FREE};
use yiwang_tests::kit::{t0, Backend, Clock, TestServer, PASSWORD};

fn body(user: &str, password: &str) -> Value {
    json!({"username": user, "password": password, "device_id": "d1", "device_name": "phone"})
}

/// A sign-in's status, error code (empty on success) and `Retry-After` (if any).
type Answer = (u16, String, Option<u64>);

/// One sign-in.
async fn attempt(s: &TestServer, http: &Client, body: &Value, forwarded: Option<&str>) -> Answer {
    let mut req = http.post(s.url("/api/v1/auth/login")).json(body);
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    let code = v["error"]["code"].as_str().unwrap_or("").to_owned();
    (status, code, retry)
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_is_checked_only_as_often_as_allowed() {
    let s = TestServer::start().await;
    let guesses = (0..60).map(|i| {
        let s = &s;
        async move {
            attempt(
                s,
                &s.http,
                &body("township-01", &format!("guess-{i}")),
                None,
            )
            .await
        }
    });
    let answers = join_all(guesses).await;
    let checked = answers.iter().filter(|a| a.0 == 401).count();
    let throttled = answers
        .iter()
        .filter(|a| a.0 == 429 && a.1 == "too_many_attempts" && a.2.is_some())
        .count();
    assert_eq!(
        checked, PAIR_FREE as usize,
        "60 parallel guesses: exactly the free ones are checked ({answers:?})"
    );
    assert_eq!(checked + throttled, 60, "the rest wait, saying how long");
    let m = s.metrics().await;
    assert_eq!(metric(&m, "yiwang_login_failures_total"), PAIR_FREE as u64);
    assert_eq!(metric(&m, "yiwang_logins_throttled_total"), 55);
}

#[tokio::test]
async fn the_right_user_is_never_locked_out_from_an_address_that_has_not_failed() {
    let s = TestServer::start().await;
    let attacker = s.http_from("127.0.0.2");
    for i in 0..20 {
        attempt(&s, &attacker, &body("center", &format!("guess-{i}")), None).await;
    }
    let (status, code, retry) = attempt(&s, &attacker, &body("center", PASSWORD), None).await;
    assert_eq!(
        (status, code.as_str()),
        (429, "too_many_attempts"),
        "from the attacker's address even the right password waits"
    );
    assert!(retry.is_some_and(|r| (1..=3600).contains(&r)), "{retry:?}");
    let office = s.http_from("127.0.0.3");
    let (status, _, _) = attempt(&s, &office, &body("center", PASSWORD), None).await;
    assert_eq!(
        status, 200,
        "the centre signs in from its own address at once"
    );
    // Time lifts the attacker's wait too (it doubles with each further failure).
    s.advance(Duration::hours(1));
    let (status, _, _) = attempt(&s, &attacker, &body("center", PASSWORD), None).await;
    assert_eq!(status, 200, "after the back-off");
}

#[tokio::test]
async fn an_account_attacked_from_many_addresses_slows_every_address_that_failed() {
    let s = TestServer::start().await;
    // One wrong guess each from 25 addresses: the account's alarm goes off.
    for i in 1..=25 {
        let c = s.http_from(&format!("127.0.1.{i}"));
        let (status, _, _) = attempt(&s, &c, &body("township-02", "guess"), None).await;
        assert_eq!(status, 401, "address {i} guesses once");
    }
    let c = s.http_from("127.0.1.1");
    let (status, _, _) = attempt(&s, &c, &body("township-02", "guess-again"), None).await;
    assert_eq!(
        status, 429,
        "an address that failed has no free attempts left"
    );
    let clean = s.http_from("127.0.2.1");
    let (status, _, _) = attempt(&s, &clean, &body("township-02", PASSWORD), None).await;
    assert_eq!(status, 200, "a clean address is never held back");
}

#[tokio::test]
async fn spraying_user_names_from_one_address_backs_off() {
    let s = TestServer::start().await;
    let sprayer = s.http_from("127.0.0.4");
    for n in 1..=ADDRESS_FREE {
        let (status, _, _) = attempt(
            &s,
            &sprayer,
            &body(&format!("worker-{n:04}"), "123456"),
            None,
        )
        .await;
        assert_eq!(status, 401, "guess {n} is checked");
    }
    let (status, code, _) = attempt(&s, &sprayer, &body("worker-0099", "123456"), None).await;
    assert_eq!(
        (status, code.as_str()),
        (429, "too_many_attempts"),
        "a fresh user name from the same address waits"
    );
    let other = s.http_from("127.0.0.5");
    let (status, _, _) = attempt(&s, &other, &body("worker-0005", PASSWORD), None).await;
    assert_eq!(
        status, 200,
        "the worker from another address is not affected"
    );
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    // No trusted proxy: a header that changes with every guess changes nothing.
    let s = TestServer::start().await;
    for i in 0..PAIR_FREE {
        let xff = format!("198.51.100.{i}");
        let (status, _, _) = attempt(&s, &s.http, &body("center", "guess"), Some(&xff)).await;
        assert_eq!(status, 401);
    }
    let (status, _, _) = attempt(
        &s,
        &s.http,
        &body("center", "guess"),
        Some("198.51.100.200"),
    )
    .await;
    assert_eq!(
        status, 429,
        "counted by the socket's address, whatever the header says"
    );

    // Behind a trusted proxy (here: the test itself, on 127.0.0.1), the header names the client.
    let s = TestServer::start_with(Backend::from_env(), Clock::fixed(t0()), |settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for i in 0..10 {
        let xff = format!("198.51.100.{i}");
        let (status, _, _) = attempt(&s, &s.http, &body("center", "guess"), Some(&xff)).await;
        assert_eq!(status, 401, "client {i} is a client of its own");
    }
    for _ in 1..PAIR_FREE {
        attempt(&s, &s.http, &body("center", "guess"), Some("198.51.100.0")).await;
    }
    let (status, _, _) = attempt(
        &s,
        &s.http,
        &body("center", PASSWORD),
        Some("6.6.6.6, 198.51.100.0"),
    )
    .await;
    assert_eq!(
        status, 429,
        "the address the proxy appended counts, not the one the client wrote before it"
    );
    let (status, _, _) = attempt(&s, &s.http, &body("center", PASSWORD), Some("203.0.113.7")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn oversized_fields_are_refused_before_anything_is_counted_or_hashed() {
    let s = TestServer::start().await;
    let huge = "x".repeat(1 << 20);
    let bad = [
        body(&huge, "guess"),
        body(&"a".repeat(65), "guess"),
        body("bad\u{0}name", "guess"),
        body("center", &"p".repeat(1025)),
        json!({"username": "center", "password": "guess", "device_id": "d".repeat(129), "device_name": "x"}),
        json!({"username": "center", "password": "guess", "device_id": "d1", "device_name": "n".repeat(129)}),
        json!({"username": "center", "password": "guess", "device_id": "d1", "device_name": "x", "client": "robot"}),
    ];
    for (i, b) in bad.iter().enumerate() {
        let (status, code, _) = attempt(&s, &s.http, b, None).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "invalid_body"),
            "bad body {i}"
        );
    }
    // None of them counted: the free attempts are all still there.
    for i in 0..PAIR_FREE {
        let (status, _, _) = attempt(&s, &s.http, &body("center", "guess"), None).await;
        assert_eq!(status, 401, "free attempt {i}");
    }
    let m = s.metrics().await;
    assert_eq!(metric(&m, "yiwang_login_failures_total"), PAIR_FREE as u64);
}

#[tokio::test]
async fn attempts_are_forgotten_after_a_day() {
    let s = TestServer::start().await;
    for _ in 0..3 {
        attempt(&s, &s.http, &body("township-03", "guess"), None).await;
    }
    let now = s.now();
    let counts = s
        .state
        .ledger
        .read(move |tx| tx.login_counts("township-03", "127.0.0.1", now))
        .await
        .unwrap();
    assert_eq!(counts.pair_failures, 3, "the failures are kept");
    s.advance(Duration::hours(25));
    let (status, _, _) = attempt(&s, &s.http, &body("township-02", PASSWORD), None).await;
    assert_eq!(status, 200);
    let before = s.now() - Duration::days(1);
    let left = s
        .state
        .ledger
        .write(move |tx| tx.prune_login_attempts(before))
        .await
        .unwrap();
    assert_eq!(left, 0, "the sign-in pruned the day-old failures");
}

#[tokio::test]
async fn too_many_sign_ins_at_once_are_asked_to_come_back_and_then_get_in() {
    let s = TestServer::start_with(Backend::from_env(), Clock::fixed(t0()), |settings| {
        settings.password_hashers = Some(1);
        settings.password_queue = Some(2);
    })
    .await;
    // The county's morning in small: one account per device would do as well; the small county
    // has eight workers, so the same worker signs in on 24 phones.
    let phones: Vec<String> = (1..=24).map(|n| format!("phone-{n}")).collect();
    let first = join_all(phones.iter().map(|p| {
        let s = &s;
        let b = json!({"username": "worker-0001", "password": PASSWORD, "device_id": p, "device_name": p});
        async move { (b.clone(), attempt(s, &s.http, &b, None).await) }
    }))
    .await;
    let busy: Vec<&(Value, Answer)> = first.iter().filter(|(_, a)| a.0 == 503).collect();
    assert!(
        first.iter().all(|(_, a)| a.0 == 200 || a.0 == 503),
        "nothing but success or busy: {first:?}"
    );
    assert!(
        !busy.is_empty(),
        "24 at once through a queue of 2: some are turned away"
    );
    for (_, (_, code, retry)) in &busy {
        assert_eq!(code, "unavailable");
        assert!(
            retry.is_some_and(|r| (1..=30).contains(&r)),
            "Retry-After {retry:?}"
        );
    }
    // Coming back one by one, as the devices do after Retry-After, every one gets in; being
    // turned away counted against nobody.
    for (b, _) in busy {
        let (status, _, _) = attempt(&s, &s.http, b, None).await;
        assert_eq!(status, 200, "{b} gets in on retry");
    }
}
