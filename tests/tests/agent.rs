//! The device's sync agent against the real server: a grid worker's store (a real SQLite file)
//! records field work offline, then syncs over real HTTP to a server on `127.0.0.1:0` over the
//! seeded small county.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use yiwang_client::photo::{PhotoFiles, PhotoPipeline};
use yiwang_client::store::{OutboxState, Store, SyncState};
use yiwang_client::sync::{
    AgentConfig, Phase, RunOutcome, SyncAgent, SyncClient, SyncError, Trigger,
};
use yiwang_core::case::Action;
use yiwang_core::field::{Disposition, FindingDraft, PhotoMeta, TrackPoint};
use yiwang_core::ids::{CaseId, CategoryCode, FindingId, GridId, PatrolId, PhotoHash};
use yiwang_core::sync::CaseActionData;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

/// Thursday 2026-11-26 09:00 Beijing time: the server's clock and the device's.
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// A real server over a fresh ledger in a temporary folder, on a fixed clock.
struct Server {
    base: String,
    state: AppState,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let ledger = Ledger::open(&format!(
            "sqlite:{}",
            dir.path().join("ledger.sqlite").display()
        ))
        .expect("a fresh ledger opens");
        let now = Arc::new(Mutex::new(t0()));
        let state = AppState::new(
            ledger.clone(),
            Settings {
                data_dir: dir.path().to_path_buf(),
                demo_mode: true,
            },
            Arc::new(move || *now.lock().expect("the clock lock")),
        );
        let seeded_at = t0();
        ledger
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), true, seeded_at))
            .expect("the small county seeds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let app = yiwang_server::app(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the server runs");
        });
        Server {
            base: format!("http://{addr}"),
            state,
            task,
            _dir: dir,
        }
    }

    fn finding(&self, id: &FindingId) -> Option<yiwang_core::field::Finding> {
        let id = id.clone();
        self.state
            .ledger
            .read_blocking(move |tx| tx.finding(&id))
            .expect("the ledger reads")
    }

    fn case(&self, id: &CaseId) -> Option<yiwang_core::case::Case> {
        let id = id.clone();
        self.state
            .ledger
            .read_blocking(move |tx| tx.case(&id))
            .expect("the ledger reads")
    }

    fn patrol(&self, id: &PatrolId) -> Option<yiwang_core::field::Patrol> {
        let id = id.clone();
        self.state
            .ledger
            .read_blocking(move |tx| tx.patrol(&id))
            .expect("the ledger reads")
    }

    fn photo_stored(&self, hash: &PhotoHash) -> bool {
        let hash = hash.clone();
        self.state
            .ledger
            .read_blocking(move |tx| tx.photo(&hash))
            .expect("the ledger reads")
            .is_some()
    }

    /// `HEAD /api/v1/photos/by-hash/{sha}` as `token` sees it.
    async fn head_photo(&self, token: &str, hash: &PhotoHash) -> u16 {
        reqwest::Client::new()
            .head(format!(
                "{}/api/v1/photos/by-hash/{}",
                self.base,
                hash.as_str()
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
            .status()
            .as_u16()
    }
}

/// A grid worker's device: its store in a real SQLite file, its photo folder, and an agent.
struct Device {
    store: Arc<Store>,
    files: PhotoFiles,
    agent: SyncAgent,
    grid: GridId,
    _dir: tempfile::TempDir,
}

fn quick() -> AgentConfig {
    AgentConfig {
        interval: Duration::from_secs(3600),
        after_finding: Duration::from_millis(50),
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        ..AgentConfig::default()
    }
}

impl Device {
    /// A fresh device on which `username` signs in against `server_url`.
    async fn sign_in(server_url: &str, username: &str) -> Device {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Arc::new(
            Store::open(dir.path().join("device.sqlite"))
                .expect("the device store opens")
                .with_clock(t0),
        );
        let files = PhotoFiles::open(dir.path().join("photos")).expect("the photo folder");
        let client = SyncClient::new(server_url, None).expect("a client");
        let agent = SyncAgent::with_config(store.clone(), client, quick());
        let session = agent
            .login(username, PASSWORD)
            .await
            .expect("the worker signs in");
        let grid = session.user.grid_ids[0].clone();
        Device {
            store,
            files,
            agent,
            grid,
            _dir: dir,
        }
    }

    /// A real JPEG through the photo pipeline, stored and recorded: its hash.
    fn take_photo(&self, seed: u8) -> PhotoHash {
        let picture = image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([
                (x as u8).wrapping_mul(seed),
                (y as u8).wrapping_add(seed),
                ((x ^ y) as u8).wrapping_mul(3),
            ])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&picture)
            .expect("the camera's JPEG encodes");
        let photo = PhotoPipeline::default()
            .process(&jpeg, None)
            .expect("the pipeline takes a camera JPEG");
        let path = self.files.put(&photo).expect("the photo is stored");
        let meta = PhotoMeta {
            sha256: photo.hash.clone(),
            finding_id: None,
            width: photo.width,
            height: photo.height,
            bytes: photo.jpeg.len() as u64,
            taken_at: None,
            exif_lat: None,
            exif_lon: None,
        };
        self.store
            .record_photo(&meta, &path, &self.files.thumb_path(&photo.hash))
            .expect("the photo is recorded");
        photo.hash
    }

    fn finding(
        &self,
        disposition: Disposition,
        photos: Vec<PhotoHash>,
    ) -> yiwang_core::field::Finding {
        self.store
            .create_finding(FindingDraft {
                grid_id: self.grid.clone(),
                patrol_id: None,
                category_code: CategoryCode::from("01.01"),
                description: "井盖缺失，行人有坠落危险".into(),
                lat: Some(40.615),
                lon: Some(122.504),
                accuracy_m: Some(6.0),
                mock_location: false,
                observed_at: t0() - chrono::Duration::minutes(5),
                disposition,
                photos,
                case_id: None,
                urgent: false,
            })
            .expect("the finding is recorded offline")
    }

    fn waiting(&self) -> u64 {
        self.store
            .outbox_counts()
            .expect("the outbox counts")
            .waiting
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).expect("the photo file").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_field_work_reaches_the_server_once_with_its_photos_and_its_case() {
    let server = Server::start().await;
    let device = Device::sign_in(&server.base, "worker-0001").await;

    // Offline: a patrol with a track, and a reported finding with two photos.
    let start = t0() - chrono::Duration::minutes(30);
    let patrol = device
        .store
        .start_patrol(&device.grid, start)
        .expect("the patrol starts offline");
    let points: Vec<TrackPoint> = (0..5)
        .map(|i| TrackPoint {
            t: start + chrono::Duration::minutes(i),
            lat: 40.612 + 0.0001 * i as f64,
            lon: 122.503,
            accuracy_m: Some(5.0),
            mock: false,
        })
        .collect();
    device
        .store
        .add_track_points(&patrol.id, &points)
        .expect("the track is recorded offline");
    let photos = vec![device.take_photo(3), device.take_photo(7)];
    assert_ne!(photos[0], photos[1], "two different pictures");
    let finding = device.finding(Disposition::Report, photos.clone());
    device
        .store
        .end_patrol(&patrol.id, t0() - chrono::Duration::minutes(1))
        .expect("the patrol ends offline");
    let case_id = finding
        .case_id
        .clone()
        .expect("a reported finding names its case");
    assert_eq!(
        device.waiting(),
        4,
        "start, track, finding and end wait in the outbox"
    );
    let photo_bytes: u64 = photos.iter().map(|h| file_len(&device.files.path(h))).sum();

    let progress = device.agent.subscribe();
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the first sync succeeds");

    assert_eq!(report.ops_pushed, 4, "every op was pushed: {report:?}");
    assert_eq!(report.ops_sent, 4, "the server took every op: {report:?}");
    assert_eq!(report.ops_rejected, 0, "nothing was refused: {report:?}");
    assert_eq!(report.photos_uploaded, 2, "both photos went up: {report:?}");
    assert_eq!(
        report.bytes_uploaded, photo_bytes,
        "each photo's bytes were sent exactly once: {report:?}"
    );
    let last = progress.borrow().clone();
    assert_eq!(
        (last.ops_done, last.ops_total),
        (4, 4),
        "progress counted the ops: {last:?}"
    );
    assert_eq!(
        (last.bytes_done, last.bytes_total),
        (photo_bytes, photo_bytes),
        "progress counted the photo bytes: {last:?}"
    );
    assert_eq!(last.phase, Phase::Idle, "the sync is over: {last:?}");

    // The server holds the finding, its photos, the patrol and the case.
    let on_server = server
        .finding(&finding.id)
        .expect("the finding is in the ledger");
    assert_eq!(on_server.photos, photos, "the finding lists its photos");
    assert_eq!(
        on_server.case_id.as_ref(),
        Some(&case_id),
        "the finding reported the case the device named"
    );
    let server_patrol = server
        .patrol(&patrol.id)
        .expect("the patrol is in the ledger");
    assert!(
        server_patrol.ended_at.is_some(),
        "the patrol's end arrived: {server_patrol:?}"
    );
    assert!(
        server.case(&case_id).is_some(),
        "the case was opened in the ledger"
    );
    let token = device.agent.client().token().expect("still signed in");
    for h in &photos {
        assert!(server.photo_stored(h), "photo {h} is stored on the server");
        assert_eq!(
            server.head_photo(&token, h).await,
            200,
            "HEAD by-hash finds photo {h}"
        );
    }

    // The device shows it all sent, and has the case back from the pull.
    assert_eq!(
        device.store.finding(&finding.id).expect("the finding").sync,
        SyncState::Sent,
        "the finding shows sent"
    );
    assert_eq!(
        device.store.patrol(&patrol.id).expect("the patrol").sync,
        SyncState::Sent,
        "the patrol shows sent"
    );
    assert!(
        device
            .store
            .photos_waiting_upload()
            .expect("photos")
            .is_empty(),
        "no photo waits any more"
    );
    let pulled = device
        .store
        .case(&case_id)
        .expect("the case was pulled back");
    assert_eq!(pulled.id, case_id, "the device shows the case it reported");
    assert!(
        device.store.cursor().expect("the cursor").is_some(),
        "the pull left a cursor"
    );

    // A second sync has nothing to send.
    let again = device
        .agent
        .sync_once()
        .await
        .expect("the second sync succeeds");
    assert_eq!(
        (
            again.ops_pushed,
            again.photos_uploaded,
            again.photos_skipped
        ),
        (0, 0, 0),
        "nothing new is sent twice: {again:?}"
    );
    let stored = server.finding(&finding.id).expect("still there");
    assert_eq!(
        stored.photos.len(),
        2,
        "the finding was not duplicated or changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_op_shows_its_reason_and_never_blocks_the_ops_behind_it() {
    let server = Server::start().await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    let reported = device.finding(Disposition::Report, vec![]);
    device
        .agent
        .sync_once()
        .await
        .expect("the first sync succeeds");
    let case_id = reported.case_id.expect("a reported finding names its case");
    let version = server
        .case(&case_id)
        .expect("the case is in the ledger")
        .version;

    // A decision made on a version the case never had, then more field work behind it.
    let stale = device
        .store
        .queue_case_action(
            &case_id,
            &CaseActionData {
                base_version: version + 40,
                action: Action::Comment {
                    note: Some("补充说明".into()),
                    photos: vec![],
                },
            },
        )
        .expect("the action is queued offline");
    let behind = device.finding(Disposition::ResolvedOnSpot, vec![]);
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the sync itself succeeds");

    assert_eq!(
        report.ops_rejected, 1,
        "the stale decision is refused: {report:?}"
    );
    assert_eq!(
        report.ops_sent, 1,
        "the finding behind it goes through: {report:?}"
    );
    let rejected = device.store.outbox_rejected().expect("the rejected ops");
    assert_eq!(rejected.len(), 1, "one op is shown rejected: {rejected:?}");
    assert_eq!(rejected[0].op.op_id, stale, "it is the stale decision");
    assert_eq!(
        rejected[0].state,
        OutboxState::Rejected,
        "kept, not dropped"
    );
    let code = rejected[0].code.clone().unwrap_or_default();
    let message = rejected[0].message.clone().unwrap_or_default();
    assert!(
        !code.is_empty() && !message.is_empty(),
        "the server's reason is kept: {code:?} {message:?}"
    );
    assert!(
        matches!(device.store.sync_state(case_id.as_str()).expect("state"), SyncState::Rejected { code: c, .. } if c == code),
        "the case shows the rejection and its code"
    );
    assert!(
        server.finding(&behind.id).is_some(),
        "the op behind the rejected one reached the ledger"
    );
    assert_eq!(
        device.store.finding(&behind.id).expect("the finding").sync,
        SyncState::Sent,
        "and shows sent"
    );
    assert_eq!(device.waiting(), 0, "nothing is stuck behind the rejection");
    let again = device
        .agent
        .sync_once()
        .await
        .expect("a later sync succeeds");
    assert_eq!(
        again.ops_pushed, 0,
        "a rejected op is not pushed again and again: {again:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_keeps_the_outbox_and_asks_for_login() {
    let server = Server::start().await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    let finding = device.finding(Disposition::Report, vec![device.take_photo(5)]);
    let token = device.agent.client().token().expect("signed in");
    let out = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/logout", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(out.status(), 204, "the token is revoked on the server");

    let err = device
        .agent
        .sync_once()
        .await
        .expect_err("a revoked token cannot sync");
    assert!(
        matches!(err, SyncError::Unauthorized),
        "a 401 asks for login: {err:?}"
    );
    assert_eq!(err.code(), "unauthenticated", "a stable code for the UI");
    assert_eq!(device.waiting(), 1, "the outbox is kept as it was");
    assert_eq!(
        device.store.finding(&finding.id).expect("the finding").sync,
        SyncState::Waiting,
        "the finding still shows waiting"
    );
    let session = device
        .store
        .session()
        .expect("the session")
        .expect("still a user");
    assert!(
        session.token.is_none(),
        "the dead token is forgotten: {session:?}"
    );
    assert!(
        server.finding(&finding.id).is_none(),
        "nothing reached the ledger"
    );

    // The loop stops and says why, rather than retrying a dead token.
    let (_triggers, rx) = tokio::sync::mpsc::channel(4);
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let outcome = tokio::time::timeout(Duration::from_secs(10), device.agent.run(rx, shutdown))
        .await
        .expect("the loop returns at once");
    assert_eq!(outcome, RunOutcome::NeedsLogin, "the loop asks for login");
    assert_eq!(
        device.agent.subscribe().borrow().phase,
        Phase::NeedsLogin,
        "the status line says so"
    );

    device
        .agent
        .login("worker-0001", PASSWORD)
        .await
        .expect("the worker signs in again");
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the sync after login succeeds");
    assert_eq!(report.ops_sent, 1, "the kept op goes through: {report:?}");
    assert_eq!(report.photos_uploaded, 1, "and its photo: {report:?}");
    assert!(
        server.finding(&finding.id).is_some(),
        "the finding is in the ledger"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_cursor_is_refused_and_the_pulled_data_rebuilt() {
    let server = Server::start().await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    device.finding(Disposition::Report, vec![]);
    device.finding(Disposition::Report, vec![]);
    device
        .agent
        .sync_once()
        .await
        .expect("the first sync succeeds");
    let case_ids = |store: &Store| {
        let mut ids: Vec<String> = store
            .cases(&Default::default())
            .expect("the pulled cases")
            .into_iter()
            .map(|c| c.id.as_str().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let before = case_ids(&device.store);
    assert_eq!(before.len(), 2, "both cases were pulled: {before:?}");

    device
        .store
        .apply_pull(&[], "v1.forged.999999")
        .expect("a bogus cursor is written");
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the sync rebuilds and succeeds");
    assert!(
        report.rebuilt,
        "the 412 made the agent pull from the start: {report:?}"
    );
    assert!(
        report.changes_pulled > 0,
        "the rebuild pulled the data again: {report:?}"
    );
    assert_eq!(
        case_ids(&device.store),
        before,
        "the store ends with the same cases as before"
    );
    let cursor = device
        .store
        .cursor()
        .expect("the cursor")
        .expect("a cursor");
    assert_ne!(cursor, "v1.forged.999999", "the forged cursor is replaced");
    let again = device
        .agent
        .sync_once()
        .await
        .expect("the next sync succeeds");
    assert!(!again.rebuilt, "the new cursor is good: {again:?}");
}

/// A captive portal: answers every request with a 200 login page.
async fn captive_portal() -> (String, tokio::task::JoinHandle<()>) {
    let app = axum::Router::new().fallback(|| async {
        (
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            "<html>login</html>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the portal runs");
    });
    (format!("http://{addr}"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captive_portal_is_never_taken_as_an_acknowledgement() {
    let server = Server::start().await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    let photo = device.take_photo(9);
    let finding = device.finding(Disposition::Report, vec![photo.clone()]);
    let (portal, task) = captive_portal().await;
    let token = device.agent.client().token();
    let behind_portal = SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&portal, token).expect("a client"),
        quick(),
    );

    let err = behind_portal
        .sync_once()
        .await
        .expect_err("a portal is not the server");
    assert!(
        matches!(err, SyncError::NotOurServer(_)),
        "a 200 login page is not an answer: {err:?}"
    );
    assert!(err.is_retryable(), "the network may let us through later");
    assert_eq!(device.waiting(), 1, "the op still waits");
    assert_eq!(
        device.store.finding(&finding.id).expect("the finding").sync,
        SyncState::Waiting,
        "the finding still shows waiting"
    );
    let client = behind_portal.client();
    let head = client.photo_exists(&photo).await;
    assert!(
        matches!(head, Err(SyncError::NotOurServer(_))),
        "a portal's 200 to HEAD is not 'the server has the photo': {head:?}"
    );
    let up = client
        .upload_photo(&device.files.path(&photo), &photo, None, |_| {})
        .await;
    assert!(
        matches!(up, Err(SyncError::NotOurServer(_))),
        "a portal's 200 to an upload is not an upload: {up:?}"
    );
    assert_eq!(
        device.store.photos_waiting_upload().expect("photos").len(),
        1,
        "the photo still waits"
    );
    let pull = client.pull(None, 10).await;
    assert!(
        matches!(pull, Err(SyncError::NotOurServer(_))),
        "nor is a pull page: {pull:?}"
    );
    assert!(
        device.store.cursor().expect("cursor").is_none(),
        "no cursor was stored"
    );
    task.abort();

    // Once through to the real server, the same op goes.
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the real server takes it");
    assert_eq!(
        report.ops_sent, 1,
        "the waiting op was sent once: {report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_syncs_on_start_and_on_triggers_backs_off_offline_and_stops_cleanly() {
    let server = Server::start().await;
    let device = Arc::new(Device::sign_in(&server.base, "worker-0001").await);
    let first = device.finding(Disposition::Report, vec![]);

    let (triggers, rx) = tokio::sync::mpsc::channel(8);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let looping = device.clone();
    let task = tokio::spawn(async move { looping.agent.run(rx, shutdown).await });

    let wait_until = |what: &'static str, f: Box<dyn Fn() -> bool + Send>| async move {
        for _ in 0..200 {
            if f() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting until {what}");
    };
    let d = device.clone();
    wait_until(
        "the sync on start sent the first finding",
        Box::new(move || d.waiting() == 0),
    )
    .await;
    assert!(
        server.finding(&first.id).is_some(),
        "the sync on start pushed it"
    );

    let second = device.finding(Disposition::ResolvedOnSpot, vec![]);
    triggers
        .send(Trigger::FindingRecorded)
        .await
        .expect("the loop listens");
    let d = device.clone();
    wait_until(
        "the trigger sent the second finding",
        Box::new(move || d.waiting() == 0),
    )
    .await;
    assert!(
        server.finding(&second.id).is_some(),
        "a new finding is synced shortly after, not at the next minute"
    );

    stop.send(true).expect("the loop listens");
    let outcome = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops promptly")
        .expect("the loop does not panic");
    assert_eq!(outcome, RunOutcome::Stopped, "a clean stop");
    assert_eq!(
        device.agent.subscribe().borrow().phase,
        Phase::Stopped,
        "the status says stopped"
    );

    // Offline: nothing listens on the port; the loop backs off and keeps the op.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        l.local_addr().expect("an address")
    };
    let offline = Arc::new(SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&format!("http://{closed}"), device.agent.client().token())
            .expect("a client"),
        quick(),
    ));
    let third = device.finding(Disposition::ResolvedOnSpot, vec![]);
    let (_triggers, rx) = tokio::sync::mpsc::channel(8);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let mut status = offline.subscribe();
    let looping = offline.clone();
    let task = tokio::spawn(async move { looping.run(rx, shutdown).await });
    let mut backoffs = 0;
    while backoffs < 3 {
        tokio::time::timeout(Duration::from_secs(10), status.changed())
            .await
            .expect("the loop keeps retrying")
            .expect("the agent is alive");
        // Marking each value seen counts each round's Backoff once; a Backoff is only shown
        // after that round's failed push was noted on the op.
        if status.borrow_and_update().phase == Phase::Backoff {
            backoffs += 1;
        }
    }
    let last_error = status.borrow().last_error.clone().unwrap_or_default();
    assert!(
        last_error.starts_with("offline"),
        "the status says why: {last_error}"
    );
    assert_eq!(device.waiting(), 1, "the op waits while offline");
    let entry = device.store.outbox_for(third.id.as_str()).expect("the op");
    assert!(
        entry[0].attempts >= 3 && entry[0].last_error.is_some(),
        "each failed push is noted on the op: {entry:?}"
    );
    stop.send(true).expect("the loop listens");
    let outcome = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("a backing-off loop stops promptly")
        .expect("the loop does not panic");
    assert_eq!(outcome, RunOutcome::Stopped, "a clean stop while offline");
}

/// A TCP proxy in front of the server that can cut the link: after `budget` bytes from the
/// device (when set) it closes the connection and goes down; while down it closes every
/// connection, new or pooled, at its next byte.
struct CuttingProxy {
    base: String,
    budget: Arc<std::sync::atomic::AtomicI64>,
    down: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CuttingProxy {
    async fn start(upstream: &str) -> CuttingProxy {
        use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let budget = Arc::new(AtomicI64::new(-1));
        let down = Arc::new(AtomicBool::new(false));
        let (b, d) = (budget.clone(), down.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut device, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: the device sees the connection closed
                }
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (b, d) = (b.clone(), d.clone());
                tokio::spawn(async move {
                    let (mut dr, mut dw) = device.split();
                    let (mut sr, mut sw) = server.split();
                    let up = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let n = match dr.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            if d.load(Ordering::SeqCst) {
                                return;
                            }
                            let mut pass = n;
                            if b.load(Ordering::SeqCst) >= 0 {
                                let left = b.fetch_sub(n as i64, Ordering::SeqCst);
                                if left < n as i64 {
                                    pass = usize::try_from(left.max(0)).unwrap_or(0);
                                    d.store(true, Ordering::SeqCst);
                                }
                            }
                            if sw.write_all(&buf[..pass]).await.is_err() || pass < n {
                                return;
                            }
                        }
                    };
                    let down_stream = tokio::io::copy(&mut sr, &mut dw);
                    tokio::select! {
                        () = up => {}
                        _ = down_stream => {}
                    }
                });
            }
        });
        CuttingProxy {
            base: format!("http://{addr}"),
            budget,
            down,
            task,
        }
    }

    /// Cut the link after `bytes` more bytes from the device.
    fn cut_after(&self, bytes: i64) {
        self.budget
            .store(bytes, std::sync::atomic::Ordering::SeqCst);
    }

    /// The link is back, without limit.
    fn restore(&self) {
        self.budget.store(-1, std::sync::atomic::Ordering::SeqCst);
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A noisy photo of several tus chunks (noise does not compress), recorded on `device` and
/// named by a reported finding: its hash and length.
fn several_chunk_photo(device: &Device) -> (PhotoHash, u64) {
    use yiwang_client::sync::CHUNK_BYTES;
    let mut seed: u32 = 0x2545_f491;
    let noise = image::RgbImage::from_fn(1600, 1200, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [r, g, b, _] = seed.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&noise)
        .expect("the JPEG encodes");
    let photo = PhotoPipeline::default()
        .process(&jpeg, None)
        .expect("the pipeline takes it");
    let path = device.files.put(&photo).expect("stored");
    let len = photo.jpeg.len() as u64;
    assert!(
        len > 3 * CHUNK_BYTES as u64,
        "the photo spans several chunks: {len} bytes"
    );
    let meta = PhotoMeta {
        sha256: photo.hash.clone(),
        finding_id: None,
        width: photo.width,
        height: photo.height,
        bytes: len,
        taken_at: None,
        exif_lat: None,
        exif_lon: None,
    };
    device
        .store
        .record_photo(&meta, &path, &device.files.thumb_path(&photo.hash))
        .expect("recorded");
    device.finding(Disposition::Report, vec![photo.hash.clone()]);
    (photo.hash, len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_cut_off_mid_upload_resumes_from_the_servers_offset() {
    use yiwang_client::sync::CHUNK_BYTES;
    let server = Server::start().await;
    let proxy = CuttingProxy::start(&server.base).await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    let agent = SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&proxy.base, device.agent.client().token()).expect("a client"),
        quick(),
    );
    agent
        .sync_once()
        .await
        .expect("a first sync through the proxy");
    let (hash, len) = several_chunk_photo(&device);

    // The link dies in the middle of the second chunk (after the push and the first chunk).
    proxy.cut_after(CHUNK_BYTES as i64 + CHUNK_BYTES as i64 / 2 + 8 * 1024);
    let err = agent
        .sync_once()
        .await
        .expect_err("the link died mid-upload");
    assert!(err.is_retryable(), "a cut link is retried later: {err:?}");
    assert!(
        !server.photo_stored(&hash),
        "the photo is not complete on the server"
    );
    assert_eq!(
        device.store.photos_waiting_upload().expect("photos").len(),
        1,
        "the photo still waits"
    );

    proxy.restore();
    let report = agent
        .sync_once()
        .await
        .expect("the sync after the link is back succeeds");
    assert_eq!(report.photos_uploaded, 1, "the photo finished: {report:?}");
    // The first chunk arrived whole and was kept; the second, cut, was discarded (its
    // checksum could not be verified), so the upload resumes at exactly one chunk: the bytes
    // sent twice are the part of one chunk that got through.
    assert_eq!(
        report.bytes_uploaded,
        len - CHUNK_BYTES as u64,
        "the upload resumed from the server's offset, not from zero"
    );
    let bar = agent.subscribe().borrow().clone();
    assert_eq!(
        (bar.bytes_done, bar.bytes_total),
        (len, len),
        "the progress bar ends full, counting what the server already held: {bar:?}"
    );
    assert!(
        server.photo_stored(&hash),
        "the whole photo is on the server"
    );
    assert!(
        device
            .store
            .photos_waiting_upload()
            .expect("photos")
            .is_empty(),
        "nothing waits any more"
    );
}

/// The app is killed mid-upload (nothing in memory survives) and started again: the new agent,
/// on a store opened afresh from the same file, finds the upload's URL with the photo and
/// continues from the server's offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_upload_resumes_after_the_app_is_killed_and_started_again() {
    use yiwang_client::sync::CHUNK_BYTES;
    let server = Server::start().await;
    let proxy = CuttingProxy::start(&server.base).await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    let token = device.agent.client().token();
    let agent = SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&proxy.base, token.clone()).expect("a client"),
        quick(),
    );
    agent.sync_once().await.expect("a first sync");
    let (hash, len) = several_chunk_photo(&device);
    proxy.cut_after(CHUNK_BYTES as i64 + CHUNK_BYTES as i64 / 2 + 8 * 1024);
    agent
        .sync_once()
        .await
        .expect_err("the link died mid-upload");
    assert!(!server.photo_stored(&hash), "the photo is not complete");
    let kept = device
        .store
        .photo_upload_url(&hash)
        .expect("the store reads")
        .expect("the upload's URL is kept with the photo");
    assert!(kept.starts_with(&proxy.base), "{kept}");

    // Killed: the agent, its client and its memory are gone. Started again: a store opened
    // from the file, a new client, a new agent.
    drop(agent);
    let reopened = Arc::new(
        Store::open(device._dir.path().join("device.sqlite"))
            .expect("the store reopens")
            .with_clock(t0),
    );
    let agent = SyncAgent::with_config(
        reopened.clone(),
        SyncClient::new(&proxy.base, token).expect("a client"),
        quick(),
    );
    proxy.restore();
    let report = agent.sync_once().await.expect("the sync after the restart");
    assert_eq!(report.photos_uploaded, 1, "the photo finished: {report:?}");
    assert_eq!(
        report.bytes_uploaded,
        len - CHUNK_BYTES as u64,
        "the upload went on from the server's offset (one chunk kept), not from zero"
    );
    assert!(
        server.photo_stored(&hash),
        "the whole photo is on the server"
    );
    assert_eq!(
        reopened.photo_upload_url(&hash).expect("the store reads"),
        None,
        "a finished upload's URL is forgotten"
    );
}

/// A URL kept for another server (the address was changed in the settings) is never used: the
/// upload starts over on the server the client speaks to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_url_of_another_server_is_dropped_and_the_upload_starts_over() {
    let server = Server::start().await;
    let device = Device::sign_in(&server.base, "worker-0001").await;
    device.agent.sync_once().await.expect("a first sync");
    let (hash, len) = several_chunk_photo(&device);
    device
        .store
        .set_photo_upload_url(&hash, Some("http://192.0.2.1:9/api/v1/photos/uploads/x"))
        .expect("kept");
    let report = device.agent.sync_once().await.expect("the sync");
    assert_eq!(report.photos_uploaded, 1, "{report:?}");
    assert_eq!(report.bytes_uploaded, len, "sent whole, to this server");
    assert!(server.photo_stored(&hash));
    assert_eq!(device.store.photo_upload_url(&hash).expect("reads"), None);
}

/// Housekeeping after a good sync: with a keep time of zero, the full-size file of a photo the
/// server holds goes from the phone (its thumbnail and record stay, and the lightbox falls back
/// to the thumbnail), the acknowledged op goes, and the finding still reads as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_frees_the_files_the_server_holds_and_keeps_the_thumbnails() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    // The real clock: housekeeping compares upload times with the store's now.
    let store = Arc::new(Store::open(dir.path().join("device.sqlite")).expect("the store"));
    let files = PhotoFiles::open(dir.path().join("photos")).expect("the photo folder");
    let agent = SyncAgent::with_config(
        store.clone(),
        SyncClient::new(&server.base, None).expect("a client"),
        AgentConfig {
            keep_synced: Duration::ZERO,
            ..quick()
        },
    );
    let session = agent
        .login("worker-0001", PASSWORD)
        .await
        .expect("signs in");
    let device = Device {
        store: store.clone(),
        files,
        agent,
        grid: session.user.grid_ids[0].clone(),
        _dir: dir,
    };
    let hash = device.take_photo(7);
    let finding = device.finding(Disposition::Note, vec![hash.clone()]);
    let row = store.photo(&hash).expect("reads").expect("recorded");
    let (full, thumb) = (row.path.clone().unwrap(), row.thumb_path.clone().unwrap());
    assert!(full.exists() && thumb.exists());

    device
        .agent
        .sync_once()
        .await
        .expect("the sync uploads the photo");
    assert!(server.photo_stored(&hash), "the server holds the photo");
    // The next good sync frees what the server held before it began.
    device.agent.sync_once().await.expect("a second sync");
    assert!(!full.exists(), "the full-size file is gone from the phone");
    assert!(thumb.exists(), "the thumbnail stays");
    let after = store
        .photo(&hash)
        .expect("reads")
        .expect("the record stays");
    assert_eq!(after.path, None);
    assert_eq!(
        store.outbox_counts().expect("reads").sent,
        0,
        "the acknowledged op is gone"
    );
    assert_eq!(
        store.sync_state(finding.id.as_str()).expect("reads"),
        yiwang_client::store::SyncState::Sent,
        "and the finding still reads as sent"
    );
}

/// A photo this device knows only by its metadata (taken on another device and pulled with its
/// finding) gets the server's thumbnail after a sync, so the timeline shows it offline; a
/// second sync fetches nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_photos_get_their_thumbnails_for_offline_timelines() {
    let server = Server::start().await;
    let phone = Device::sign_in(&server.base, "worker-0001").await;
    let hash = phone.take_photo(11);
    phone.finding(Disposition::Note, vec![hash.clone()]);
    phone.agent.sync_once().await.expect("the phone uploads");
    assert!(server.photo_stored(&hash));

    let tablet = Device::sign_in(&server.base, "worker-0001").await;
    let agent = SyncAgent::with_config(
        tablet.store.clone(),
        SyncClient::new(&server.base, tablet.agent.client().token()).expect("a client"),
        quick(),
    )
    .with_photo_files(tablet.files.clone());
    let report = agent.sync_once().await.expect("the tablet pulls");
    assert_eq!(report.thumbnails_fetched, 1, "{report:?}");
    let row = tablet
        .store
        .photo(&hash)
        .expect("reads")
        .expect("the tablet knows the photo");
    assert_eq!(row.path, None, "the picture itself is not fetched");
    let thumb = row.thumb_path.expect("its thumbnail is recorded");
    assert_eq!(thumb, tablet.files.thumb_path(&hash));
    let picture = image::open(&thumb).expect("the thumbnail is a picture");
    assert!(picture.width().max(picture.height()) <= 640);
    let again = agent.sync_once().await.expect("a second sync");
    assert_eq!(again.thumbnails_fetched, 0, "nothing is fetched twice");
}
