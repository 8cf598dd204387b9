//! Slow and idle clients: a flood of connections that never send a request does not keep a
//! device out, idle connections are closed, and SIGTERM ends the server within 30 seconds
//! whatever its clients are doing.

use super::common::seed_small;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use yiwang_core::field::Disposition;
use yiwang_server::connections::{FIRST_REQUEST_TIMEOUT, MAX_PER_ADDRESS};
use yiwang_tests::kit::{ServerProcess, TestDevice, TestServer};

const FLOOD: usize = 2_000;

/// Opens a connection from `from` to `to` and sends nothing.
async fn idle_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind(format!("{from}:0").parse().unwrap())
        .expect("a local address on the loopback");
    socket.connect(to).await.expect("the server accepts")
}

/// Whether the server closed `c` within `wait` (EOF or reset).
async fn closed_within(mut c: TcpStream, wait: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(wait, c.read(&mut byte)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_does_not_keep_a_device_out() {
    // Both ends of the flood live in this process: 2,000 client sockets and the server's.
    rlimit::increase_nofile_limit(16_384).expect("the open-file limit can be raised");
    let server = TestServer::start().await;
    let addr: SocketAddr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");

    let mut flood = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        flood.push(idle_from("127.0.0.2", addr).await);
    }

    // A grid worker on another address signs in, records a finding and syncs it, at once.
    let started = Instant::now();
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let photo = device.take_photo(7);
    let finding = device.finding(Disposition::Report, vec![photo.clone()]);
    let synced = tokio::time::timeout(Duration::from_secs(30), device.agent.sync_once()).await;
    let took = started.elapsed();
    synced
        .expect("the device syncs within 30 s beside the flood")
        .expect("the sync succeeds");
    assert_eq!(
        device.waiting(),
        0,
        "everything the device recorded went up"
    );
    assert!(
        server.ledger().finding(&finding.id).await.is_some(),
        "the ledger holds the device's finding (synced in {took:?})"
    );
    assert!(server.ledger().photo_stored(&photo).await, "and its photo");

    // The server kept at most its per-address share of the flood and closed the rest at once…
    let mut checks = tokio::task::JoinSet::new();
    for c in flood {
        checks.spawn(closed_within(c, Duration::from_secs(2)));
    }
    let mut closed_at_once = 0;
    while let Some(r) = checks.join_next().await {
        closed_at_once += usize::from(r.unwrap());
    }
    assert!(
        closed_at_once >= FLOOD - MAX_PER_ADDRESS,
        "only {closed_at_once} of {FLOOD} idle connections from one address were closed at once \
         (at most {MAX_PER_ADDRESS} may stay)"
    );

    // …and a connection that sends nothing is closed once its first request is overdue.
    let idle = idle_from("127.0.0.3", addr).await;
    assert!(
        closed_within(idle, FIRST_REQUEST_TIMEOUT + Duration::from_secs(10)).await,
        "an idle connection is closed after {FIRST_REQUEST_TIMEOUT:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_server_within_30_seconds_whatever_its_clients_do() {
    let dir = tempfile::tempdir().unwrap();
    seed_small(dir.path(), false, 0);
    let mut server = ServerProcess::new(dir.path());
    server.start().await;
    let addr: SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
    let token = {
        let r = server
            .http
            .post(format!("{}/api/v1/auth/login", server.base()))
            .json(
                &serde_json::json!({"username": "worker-0001", "password": "demo",
                                       "device_id": "slow-phone", "device_name": "slow"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // An idle connection, and a push whose body trickles in a byte a second.
    let _idle = TcpStream::connect(addr).await.unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        format!(
            "POST /api/v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"ops\":["
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if slow.write_all(b" ").await.is_err() {
                return;
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;

    let took = server.terminate_within(Duration::from_secs(60)).await;
    trickle.abort();
    let took = took.expect("the server ended within 60 s of SIGTERM");
    assert!(
        took < Duration::from_secs(30),
        "the server ended {took:?} after SIGTERM, more than 30 s"
    );
}
