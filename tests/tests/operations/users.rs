//! `user add` on the command line, then sign-in over HTTP against `serve` (the kit's
//! [`ServerProcess`]) and `demo` on the same folder: a short password is refused, demo
//! passwords work only in demo mode.

use serde_json::Value;
use yiwang_tests::kit::ServerProcess;

use crate::common::{ledger_count, login, run, seed_small_on, start, text, yiwang_any};
use yiwang_tests::kit::Backend;

#[tokio::test]
async fn a_user_added_on_the_command_line_signs_in_over_http() {
    let dir = tempfile::tempdir().unwrap();
    seed_small_on(&Backend::from_env(), dir.path(), true, 0);

    let mut short = yiwang_any(dir.path());
    short
        .args(["user", "add", "--username", "li.na", "--role", "township"])
        .args(["--unit", "210882001"])
        .env("YIWANG_PASSWORD", "short");
    let out = run(short);
    assert!(
        !out.status.success(),
        "a password under 8 characters is refused"
    );
    let mut add = yiwang_any(dir.path());
    add.args([
        "user",
        "add",
        "--username",
        "zhang.wei",
        "--display-name",
        "张伟",
    ])
    .args(["--role", "township", "--unit", "210882001"])
    .env("YIWANG_PASSWORD", "s3cret-pass");
    let out = run(add);
    assert!(out.status.success(), "user add succeeds: {}", text(&out));
    assert!(
        text(&out).contains("added user zhang.wei"),
        "it says whom it added"
    );
    {
        let db = dir.path();
        assert_eq!(
            ledger_count(db, "SELECT count(*) FROM users WHERE username = 'li.na'"),
            0,
            "the refused user was not stored"
        );
    }

    let mut serve = ServerProcess::new(dir.path());
    serve.args = vec![
        "--database".into(),
        Backend::from_env().ledger_url(dir.path()),
    ];
    serve.start().await;
    let base = serve.base();
    let r = login(&base, "zhang.wei", "s3cret-pass").await;
    assert_eq!(r.status(), 200, "the new user signs in with their password");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["role"], "township");
    assert_eq!(body["user"]["org_unit_id"], "210882001");
    assert_eq!(body["user"]["display_name"], "张伟");
    let r = login(&base, "zhang.wei", "wrong-pass").await;
    assert_eq!(r.status(), 401, "a wrong password is refused");
    let r = login(&base, "center", "demo").await;
    assert_eq!(
        r.status(),
        401,
        "demo users' well-known password is refused outside demo mode"
    );
    serve.kill9().await;

    let mut demo = yiwang_any(dir.path());
    demo.args(["demo", "--listen", "127.0.0.1:0"]);
    let s = start(demo, std::time::Duration::from_secs(60));
    assert!(
        s.printed
            .iter()
            .any(|l| l.contains("already holds a county"))
            && !s.printed.iter().any(|l| l.contains("seeding")),
        "demo on a folder with a county serves it without seeding: {:?}",
        s.printed
    );
    let r = login(&s.base, "center", "demo").await;
    assert_eq!(r.status(), 200, "in demo mode the demo password works");
}
