//! A patrol with its track, photos with and without the watermark, a finding on the patrol, and
//! bad inputs refused each with a stable code and nothing stored.

use yiwang_client::app::views::{FindingInput, Settings, TrackPointInput, VerifyInput};
use yiwang_client::photo::PhotoPipeline;
use yiwang_core::field::{Disposition, LocationQuality, PatrolWindow};
use yiwang_tests::kit::{t0, Clock, TestServer, PASSWORD};

use crate::common::{code, finding, jpeg, open, until, WORKER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patrol_with_track_photos_and_bad_inputs() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Clock::fixed(t0());
    let app = open(&dir, &clock);
    app.login(&server.base, WORKER, PASSWORD)
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
        "invalid_server_url",
        "a server address that is not http(s)"
    );
    assert_eq!(
        code(app.set_settings(&Settings {
            server_url: "http://yiwang.example.gov.cn".into(),
            ..plain_settings.clone()
        })),
        "insecure_server_url",
        "plain http to a public host name, without the switch"
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
    clock.advance(chrono::Duration::seconds(600));
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
    app.login(&server.base, "township-01", PASSWORD)
        .await
        .expect("a township operator signs in");
    assert_eq!(code(app.start_patrol()), "no_grid", "no grid, no patrol");
}
