//! Issue 5: the worker app's facade (`yiwang_client::app::WorkerApp`) against real parts — a
//! real SQLite store in a temporary folder, real JPEG bytes through the photo pipeline, and
//! the real server on 127.0.0.1:0, stopped and restarted to take the device offline.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use yiwang_client::app::views::{FindingInput, Language, Settings, TrackPointInput, VerifyInput};
use yiwang_client::app::{AppConfig, AppError, WorkerApp};
use yiwang_client::photo::PhotoPipeline;
use yiwang_client::store::OutboxState;
use yiwang_client::sync::Phase;
use yiwang_client::sync::{AgentConfig, ClientConfig};
use yiwang_core::case::{CaseState, Outcome};
use yiwang_core::field::{Disposition, LocationQuality, PatrolWindow};
use yiwang_core::org::Role;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings as ServerSettings};
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";
const WORKER: &str = "worker-0001";

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

/// Thursday 2026-11-26 09:00 Beijing time: a morning patrol window.
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// The real server over a ledger in a temporary folder; `stop` and `restart` take it off and
/// on the same address, as a worker walking out of and back into coverage sees it.
struct Server {
    addr: SocketAddr,
    state: AppState,
    http: reqwest::Client,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
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
        let state = AppState::new(
            ledger.clone(),
            ServerSettings {
                data_dir: dir.path().to_path_buf(),
                demo_mode: true,
            },
            Arc::new(t0),
        );
        ledger
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), true, t0()))
            .expect("the small county seeds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let mut server = Server {
            addr,
            state,
            http: reqwest::Client::new(),
            task: None,
            _dir: dir,
        };
        server.serve(listener);
        server
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = yiwang_server::app(self.state.clone());
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the server runs");
        }));
    }

    async fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the same address binds again");
        self.serve(listener);
    }

    async fn login(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/auth/login", self.url()))
            .json(&json!({
                "username": username, "password": PASSWORD,
                "device_id": format!("console-{username}"), "device_name": "console",
            }))
            .send()
            .await
            .expect("the server answers the login");
        let body: Value = res.json().await.expect("the login answers JSON");
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{username} signs in at the console: {body}"))
            .to_owned()
    }

    /// Takes `action` on the case as the console user `token` belongs to.
    async fn act(&self, token: &str, case_id: &str, action: &str) -> Value {
        let url = format!("{}/api/v1/cases/{case_id}", self.url());
        let before: Value = self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("the case read answers")
            .json()
            .await
            .expect("the case read is JSON");
        let version = before["case"]["version"]
            .as_u64()
            .unwrap_or_else(|| panic!("the case shows its version: {before}"));
        let res = self
            .http
            .post(format!("{url}/actions"))
            .bearer_auth(token)
            .json(&json!({"base_version": version, "action": action, "note": action}))
            .send()
            .await
            .expect("the action answers");
        let status = res.status();
        let body: Value = res.json().await.expect("the action answers JSON");
        assert_eq!(status, 200, "the console may {action} the case: {body}");
        body["case"].clone()
    }

    async fn case_state(&self, token: &str, case_id: &str) -> Value {
        self.http
            .get(format!("{}/api/v1/cases/{case_id}", self.url()))
            .bearer_auth(token)
            .send()
            .await
            .expect("the case read answers")
            .json()
            .await
            .expect("the case read is JSON")
    }
}

/// A device clock the test moves by hand.
#[derive(Clone)]
struct Clock(Arc<Mutex<DateTime<Utc>>>);

impl Clock {
    fn new() -> Self {
        Clock(Arc::new(Mutex::new(t0())))
    }
    fn advance(&self, secs: i64) {
        *self.0.lock().expect("the clock lock") += chrono::Duration::seconds(secs);
    }
}

fn config(clock: &Clock) -> AppConfig {
    let c = clock.0.clone();
    AppConfig {
        agent: AgentConfig {
            interval: Duration::from_secs(3600),
            after_finding: Duration::from_millis(50),
            backoff_base: Duration::from_millis(50),
            backoff_cap: Duration::from_millis(300),
            ..AgentConfig::default()
        },
        client: ClientConfig {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
        },
        clock: Some(Arc::new(move || *c.lock().expect("the clock lock"))),
        ..AppConfig::default()
    }
}

fn open(dir: &tempfile::TempDir, clock: &Clock) -> WorkerApp {
    WorkerApp::open(dir.path(), config(clock)).expect("the app opens its data folder")
}

/// A real 1600×1200 JPEG with detail in it, as a phone camera would hand over.
fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("the test JPEG encodes");
    out
}

fn finding(
    category: &str,
    description: &str,
    disposition: Disposition,
    photos: Vec<String>,
) -> FindingInput {
    FindingInput {
        patrol_id: None,
        category_code: category.into(),
        description: description.into(),
        lat: Some(40.615),
        lon: Some(122.504),
        accuracy_m: Some(6.0),
        mock_location: false,
        disposition,
        photos,
        urgent: false,
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code.as_str().to_owned(),
    }
}

/// Polls `cond` (waking the agent each time) until it holds or 20 s pass.
async fn until(app: &WorkerApp, what: &str, mut cond: impl FnMut(&WorkerApp) -> bool) {
    for _ in 0..100 {
        if cond(app) {
            return;
        }
        let _ = app.sync_now();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what} did not happen within 20 s: {:?}", app.sync_status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_online_then_offline_and_unsynced_work_holds_the_session() {
    let mut server = Server::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Clock::new();
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
        .login(&server.url(), WORKER, PASSWORD)
        .await
        .expect("the worker signs in online");
    assert!(!online.needs_login, "an online sign-in holds a token");
    assert_eq!(online.username, WORKER);
    assert_eq!(online.role, Role::GridWorker);
    assert_eq!(
        app.settings().expect("settings").server_url,
        server.url(),
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
        code(app.login(&server.url(), WORKER, "not-the-password").await),
        "wrong_credentials",
        "offline, a wrong password is refused by the local verifier"
    );
    assert!(
        app.app_info().expect("app info").session.is_none(),
        "a refused offline sign-in leaves nobody signed in"
    );
    assert_eq!(
        code(app.login(&server.url(), "worker-0002", PASSWORD).await),
        "offline",
        "a user who never signed in on this device cannot sign in without the server"
    );
    let offline = app
        .login(&server.url(), WORKER, PASSWORD)
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
        code(app.login(&server.url(), "worker-0002", PASSWORD).await),
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
    app.login(&server.url(), WORKER, PASSWORD)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patrol_with_track_photos_and_bad_inputs() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Clock::new();
    let app = open(&dir, &clock);
    app.login(&server.url(), WORKER, PASSWORD)
        .await
        .expect("the worker signs in");
    until(&app, "the reference data is pulled", |a| {
        a.home()
            .ok()
            .and_then(|h| h.grid)
            .is_some_and(|g| !g.community_name.is_empty())
    })
    .await;
    let home = app.home().expect("home");
    let grid = home.grid.clone().expect("the worker has a grid");
    assert_eq!(
        (
            grid.name.as_str(),
            grid.community_name.as_str(),
            grid.township_name.as_str()
        ),
        ("社区1-1第1网格", "社区1-1", "街道1"),
        "the grid, its community and township by the names pulled from the server: {grid:?}"
    );

    assert_eq!(home.today.len(), 2, "two patrol windows");
    assert!(
        home.today.iter().all(|s| !s.done && !s.in_progress),
        "nothing patrolled yet"
    );

    let patrol = app.start_patrol().expect("a patrol starts");
    assert_eq!(
        code(app.start_patrol()),
        "patrol_open",
        "a second patrol is refused while one is open"
    );
    let points: Vec<TrackPointInput> = (0..3)
        .map(|i| TrackPointInput {
            t: format!("2026-11-26T01:0{i}:00Z"),
            lat: 40.600 + 0.001 * f64::from(i),
            lon: 122.500,
            accuracy_m: Some(5.0),
            mock: false,
        })
        .collect();
    let tracked = app
        .add_track_points(patrol.id.as_str(), &points)
        .expect("track points are added");
    assert_eq!(tracked.points, 3, "three fixes stored");
    assert!(
        (tracked.distance_m - 222.4).abs() < 1.0,
        "two legs of a thousandth of a degree of latitude, ~111.2 m each: {}",
        tracked.distance_m
    );
    let slot = &app.home().expect("home").today[0];
    assert!(
        slot.in_progress && slot.window == PatrolWindow::Morning,
        "09:00 is the morning window: {slot:?}"
    );

    // Photos: the watermark changes the picture, so its hash.
    let bytes = jpeg();
    let stamped = app
        .add_photo(&bytes, Some(40.6), Some(122.5))
        .expect("a photo goes through the pipeline");
    assert!(
        stamped
            .thumb_data_url
            .as_deref()
            .is_some_and(|u| u.starts_with("data:image/jpeg;base64,")),
        "the view carries the thumbnail"
    );
    let plain_settings = Settings {
        watermark: false,
        ..app.settings().expect("settings")
    };
    app.set_settings(&plain_settings)
        .expect("the watermark is switched off");
    let plain = app
        .add_photo(&bytes, None, None)
        .expect("the photo again, unstamped");
    let expected = PhotoPipeline::default()
        .process(&bytes, None)
        .expect("the pipeline processes the JPEG");
    assert_eq!(
        plain.sha256, expected.hash,
        "without the watermark the photo is the pipeline's plain output"
    );
    assert_ne!(
        stamped.sha256, plain.sha256,
        "the watermark is burnt into the picture"
    );
    let full = app.photo(plain.sha256.as_str()).expect("the full photo");
    assert!(
        full.thumb_data_url.as_ref().map(String::len)
            > plain.thumb_data_url.as_ref().map(String::len),
        "the lightbox gets the whole picture, larger than the thumbnail"
    );

    // Bad inputs: a stable code each, and nothing stored.
    let outbox_before = app.store().outbox_counts().expect("counts");
    let findings_before = app.findings(None).expect("findings").len();
    let photos_before = app.store().photos_waiting_count().expect("photo count");
    let bad = [
        (
            finding("01", "x", Disposition::Note, vec![]),
            "invalid_input",
            "a class, not a leaf",
        ),
        (
            finding("01.02", "   ", Disposition::Note, vec![]),
            "invalid_input",
            "an empty description",
        ),
        (
            finding(
                "01.02",
                "x",
                Disposition::Note,
                vec![plain.sha256.to_string(); 10],
            ),
            "too_many_photos",
            "ten photos",
        ),
        (
            finding("01.02", "x", Disposition::Note, vec!["abc".into()]),
            "invalid_input",
            "a photo that is no hash",
        ),
        (
            finding("01.02", "x", Disposition::Note, vec!["a".repeat(64)]),
            "invalid_input",
            "a photo never taken",
        ),
        (
            FindingInput {
                lat: Some(95.0),
                ..finding("01.02", "x", Disposition::Note, vec![])
            },
            "invalid_input",
            "latitude 95",
        ),
        (
            FindingInput {
                patrol_id: Some("no-such-patrol".into()),
                ..finding("01.02", "x", Disposition::Note, vec![])
            },
            "not_found",
            "an unknown patrol",
        ),
    ];
    for (input, want, why) in bad {
        assert_eq!(code(app.save_finding(&input)), want, "{why}");
    }
    let bad_time = TrackPointInput {
        t: "yesterday".into(),
        ..points[0].clone()
    };
    assert_eq!(
        code(app.add_track_points(patrol.id.as_str(), &[bad_time])),
        "invalid_input",
        "a time that is no time"
    );
    let bad_lon = TrackPointInput {
        lon: 181.0,
        ..points[0].clone()
    };
    assert_eq!(
        code(app.add_track_points(patrol.id.as_str(), &[bad_lon])),
        "invalid_input",
        "longitude 181"
    );
    assert_eq!(
        code(app.add_photo(b"not a picture at all", None, None)),
        "photo_unreadable",
        "bytes that are no image"
    );
    let cut = &bytes[..bytes.len() / 2];
    assert_eq!(
        code(app.add_photo(cut, None, None)),
        "photo_unreadable",
        "half a JPEG"
    );
    assert_eq!(
        code(app.set_settings(&Settings {
            server_url: "ftp://x".into(),
            ..plain_settings.clone()
        })),
        "invalid_input",
        "a server address that is not http(s)"
    );
    assert_eq!(
        code(app.case_detail("no-such-case")),
        "not_found",
        "an unknown case"
    );
    assert_eq!(
        code(app.photo("zz")),
        "invalid_input",
        "a hash that is no hash"
    );
    assert_eq!(
        code(app.verify_case(&VerifyInput {
            case_id: "no-such-case".into(),
            passed: false,
            note: " ".into(),
            photos: vec![]
        })),
        "invalid_input",
        "a failed check needs a note"
    );
    assert_eq!(
        app.store().outbox_counts().expect("counts"),
        outbox_before,
        "no bad input queued an op"
    );
    assert_eq!(
        app.findings(None).expect("findings").len(),
        findings_before,
        "no bad input stored a finding"
    );
    assert_eq!(
        app.store().photos_waiting_count().expect("photo count"),
        photos_before,
        "no bad picture was recorded"
    );
    assert_eq!(
        app.settings().expect("settings"),
        plain_settings,
        "bad settings changed nothing"
    );
    assert_eq!(
        app.current_patrol().expect("patrol").map(|p| p.points),
        Some(3),
        "the track is as it was"
    );

    // A finding on the patrol, then the end of it ten minutes later.
    let f = app
        .save_finding(&FindingInput {
            patrol_id: Some(patrol.id.clone()),
            ..finding(
                "03.01",
                "垃圾乱堆",
                Disposition::ResolvedOnSpot,
                vec![plain.sha256.to_string()],
            )
        })
        .expect("a finding on the patrol");
    assert_eq!(f.photos.len(), 1, "the finding carries its photo");
    assert_eq!(
        f.location_quality,
        LocationQuality::Good,
        "a real fix with accuracy is good"
    );
    clock.advance(600);
    let ended = app.end_patrol(patrol.id.as_str()).expect("the patrol ends");
    assert_eq!(
        ended.elapsed_seconds, 600,
        "ten minutes on the device clock"
    );
    assert_eq!(ended.findings.len(), 1, "the patrol lists its finding");
    assert!(ended.ended_at.is_some(), "ended");
    assert_eq!(
        code(app.end_patrol(patrol.id.as_str())),
        "patrol_ended",
        "ending twice is refused"
    );
    let slot = &app.home().expect("home").today[0];
    assert!(
        slot.done && !slot.in_progress,
        "the morning window is done: {slot:?}"
    );
    until(&app, "the patrol, finding and photos are sent", |a| {
        a.sync_status()
            .is_ok_and(|s| s.waiting.is_empty() && s.photos_waiting == 0)
    })
    .await;

    // A user with no grid cannot patrol.
    app.logout().await.expect("logout with nothing waiting");
    app.login(&server.url(), "township-01", PASSWORD)
        .await
        .expect("a township operator signs in");
    assert_eq!(code(app.start_patrol()), "no_grid", "no grid, no patrol");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_becomes_a_case_and_an_offline_verification_closes_it() {
    let mut server = Server::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Clock::new();
    let app = open(&dir, &clock);
    app.login(&server.url(), WORKER, PASSWORD)
        .await
        .expect("the worker signs in");
    let mut data_changed = app.subscribe_data_changed();
    let mut views = app.subscribe_sync();

    let photo = app
        .add_photo(&jpeg(), Some(40.615), Some(122.504))
        .expect("a photo");
    let reported = app
        .save_finding(&finding(
            "01.02",
            "电线裸露，路人有触电危险",
            Disposition::Report,
            vec![photo.sha256.to_string()],
        ))
        .expect("the report is saved");
    let case_id = reported.case_id.clone().expect("a report names its case");
    until(&app, "the case is pulled back", |a| {
        a.my_cases()
            .is_ok_and(|c| c.iter().any(|c| c.id == case_id))
    })
    .await;
    let summary = app
        .my_cases()
        .expect("my cases")
        .into_iter()
        .find(|c| c.id == case_id)
        .expect("the case");
    assert_eq!(
        summary.state,
        CaseState::Pending,
        "a new case waits to be taken"
    );
    assert_eq!(
        summary.category_name, "电线裸露或私拉乱接",
        "the category by name: {summary:?}"
    );
    assert!(
        !summary.holder_unit_name.is_empty() && summary.holder_unit_name != "2108820010001",
        "held by the community, by name: {summary:?}"
    );
    tokio::time::timeout(Duration::from_secs(5), data_changed.changed())
        .await
        .expect("a sync that pulled tells the window")
        .expect("the channel is open");

    // The window's sync view followed the sync to its end.
    let finished = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let v = views.borrow_and_update().clone();
            if v.phase == Phase::Idle
                && v.last_sync_at.is_some()
                && v.waiting.is_empty()
                && v.photos_waiting == 0
            {
                return v;
            }
            views
                .changed()
                .await
                .expect("the sync view channel is open");
        }
    })
    .await
    .expect("the sync view reports the finished sync");
    assert!(
        finished.online,
        "a finished sync means online: {finished:?}"
    );

    // The console works the case up to verification.
    let township = server.login("township-01").await;
    server.act(&township, case_id.as_str(), "claim").await;
    server.act(&township, case_id.as_str(), "dispatch").await;
    let dept = server.login("dept-01").await;
    server.act(&dept, case_id.as_str(), "accept").await;
    server.act(&dept, case_id.as_str(), "report_handled").await;
    let center = server.login("center").await;
    server.act(&center, case_id.as_str(), "assign_verify").await;

    until(&app, "the verification task arrives", |a| {
        a.verification_tasks()
            .is_ok_and(|t| t.iter().any(|c| c.id == case_id))
    })
    .await;
    assert_eq!(
        app.home().expect("home").verification_tasks,
        1,
        "home counts the task"
    );
    let detail = app.case_detail(case_id.as_str()).expect("the case page");
    assert!(
        detail.can_verify,
        "the worker of the grid may verify a verifying case"
    );
    assert!(
        detail.chain_verified,
        "the pulled events chain to the case's head"
    );
    let actions: Vec<&str> = detail.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "report",
            "claim",
            "dispatch",
            "accept",
            "report_handled",
            "assign_verify"
        ],
        "the timeline tells the story in order"
    );
    assert_eq!(
        detail.timeline[0].photos.len(),
        1,
        "the report shows its photo"
    );
    assert!(
        detail.summary.department_name.is_some(),
        "dispatched to a department: {:?}",
        detail.summary
    );

    // Offline, the worker checks on site and passes it.
    server.stop().await;
    let after = app
        .verify_case(&VerifyInput {
            case_id: case_id.clone(),
            passed: true,
            note: "现场核查：电线已包扎".into(),
            photos: vec![],
        })
        .expect("the verification is queued offline");
    assert_eq!(
        after.pending.len(),
        1,
        "the decision waits on the case page"
    );
    assert_eq!(after.pending[0].state, OutboxState::Waiting);
    assert_eq!(
        after.summary.sync,
        OutboxState::Waiting,
        "the case shows a waiting op"
    );
    assert_eq!(
        code(app.verify_case(&VerifyInput {
            case_id: case_id.clone(),
            passed: true,
            note: String::new(),
            photos: vec![]
        })),
        "stale_state",
        "a second decision while the first waits is refused"
    );
    until(&app, "the agent sees it is offline", |a| {
        a.home().is_ok_and(|h| !h.online)
    })
    .await;

    server.restart().await;
    until(&app, "the closed case is pulled", |a| {
        a.case_detail(case_id.as_str())
            .is_ok_and(|d| d.summary.state == CaseState::Closed)
    })
    .await;
    let closed = app.case_detail(case_id.as_str()).expect("the case page");
    assert_eq!(
        closed.outcome,
        Some(Outcome::Resolved),
        "verified and resolved"
    );
    assert!(closed.pending.is_empty(), "nothing waits any more");
    assert!(!closed.can_verify, "a closed case needs no verification");
    assert!(closed.chain_verified, "the chain still verifies");
    assert!(
        app.home().expect("home").online,
        "the device is online again"
    );
    let on_server = server.case_state(&center, case_id.as_str()).await;
    assert_eq!(
        on_server["case"]["state"], "closed",
        "the server closed it: {on_server}"
    );
    assert!(
        app.verification_tasks().expect("tasks").is_empty(),
        "no task left"
    );
}
