//! Sign-in online, then offline against the remembered verifier, and the session held while
//! unsynced work waits; back in coverage, the waiting work goes.

use yiwang_client::app::views::Language;
use yiwang_client::store::OutboxState;
use yiwang_core::field::Disposition;
use yiwang_core::org::Role;
use yiwang_tests::kit::{t0, Clock, TestServer, PASSWORD};

use crate::common::{code, finding, open, until, WORKER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_online_then_offline_and_unsynced_work_holds_the_session() {
    let mut server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Clock::fixed(t0());
    let app = open(&dir, &clock);

    let before = app.app_info().expect("app info before any login");
    assert!(
        before.session.is_none(),
        "a new device has nobody signed in"
    );
    assert_eq!(
        before.settings.language,
        Language::ZhCn,
        "the app speaks Chinese by default"
    );
    assert_eq!(
        code(app.home()),
        "not_logged_in",
        "home needs a signed-in worker"
    );

    let online = app
        .login(&server.base, WORKER, PASSWORD)
        .await
        .expect("the worker signs in online");
    assert!(!online.needs_login, "an online sign-in holds a token");
    assert_eq!(online.username, WORKER);
    assert_eq!(online.role, Role::GridWorker);
    assert_eq!(
        app.settings().expect("settings").server_url,
        server.base,
        "the login form proposes the server that worked"
    );
    app.logout()
        .await
        .expect("nothing waits, so logout is allowed");
    assert!(
        app.app_info().expect("app info").session.is_none(),
        "logout forgets the session"
    );

    server.stop().await;
    assert_eq!(
        code(app.login(&server.base, WORKER, "not-the-password").await),
        "wrong_credentials",
        "offline, a wrong password is refused by the local verifier"
    );
    assert!(
        app.app_info().expect("app info").session.is_none(),
        "a refused offline sign-in leaves nobody signed in"
    );
    assert_eq!(
        code(app.login(&server.base, "worker-0002", PASSWORD).await),
        "offline",
        "a user who never signed in on this device cannot sign in without the server"
    );
    let offline = app
        .login(&server.base, WORKER, PASSWORD)
        .await
        .expect("the same worker signs in offline with the right password");
    assert!(offline.needs_login, "an offline session has no token");
    assert_eq!(
        offline.display_name, online.display_name,
        "the remembered user is restored"
    );

    // Field work goes on offline and waits.
    let saved = app
        .save_finding(&finding("01.02", "电线裸露", Disposition::Note, vec![]))
        .expect("a finding is saved offline");
    assert_eq!(
        saved.sync,
        OutboxState::Waiting,
        "the finding waits for the server"
    );
    assert_eq!(
        app.home().expect("home").waiting_sync,
        1,
        "home counts the waiting op"
    );
    assert_eq!(
        code(app.logout().await),
        "unsynced_work",
        "logout is refused while work waits"
    );
    assert_eq!(
        code(app.login(&server.base, "worker-0002", PASSWORD).await),
        "unsynced_work",
        "signing in as another user is refused while work waits"
    );
    assert_eq!(
        app.app_info()
            .expect("app info")
            .session
            .map(|s| s.username),
        Some(WORKER.to_owned()),
        "the worker stays signed in"
    );
    assert_eq!(
        code(app.sync_now()),
        "not_logged_in",
        "an offline session cannot send until it signs in online"
    );

    // Back in coverage: signing in online sends the waiting work.
    server.restart().await;
    app.login(&server.base, WORKER, PASSWORD)
        .await
        .expect("the worker signs in online again");
    until(&app, "the waiting finding is sent", |a| {
        a.sync_status()
            .map(|s| s.waiting.is_empty())
            .unwrap_or(false)
    })
    .await;
    let listed = app.findings(None).expect("findings");
    assert_eq!(listed.len(), 1, "one finding on the device");
    assert_eq!(listed[0].sync, OutboxState::Sent, "the server took it");
    app.logout()
        .await
        .expect("with nothing waiting, logout goes through");
}
