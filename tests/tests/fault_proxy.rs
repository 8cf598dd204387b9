//! The fault proxy does what the broken-network tests rely on: it passes bytes intact, cuts
//! after exactly N bytes, resets, stalls, slows, and draws the same schedule from the same
//! seed. Real sockets on 127.0.0.1:0 throughout.

use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use yiwang_tests::fault_proxy::{Direction, Fault, FaultPlan, FaultProxy};

/// Long enough for anything in these tests to happen on a loaded 2-core CI machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// An upstream that echoes every byte back, on each connection, until the client closes.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let addr = listener.local_addr().expect("echo addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

/// An upstream that reads each connection to its end and reports what it received.
async fn sink_server() -> (SocketAddr, mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
    let addr = listener.local_addr().expect("sink addr");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got).await;
                let _ = tx.send(got);
            });
        }
    });
    (addr, rx)
}

/// An upstream that sends `payload` on each connection, then waits for the client to close.
async fn source_server(payload: Vec<u8>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind source");
    let addr = listener.local_addr().expect("source addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let payload = payload.clone();
            tokio::spawn(async move {
                let _ = s.write_all(&payload).await;
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest).await;
            });
        }
    });
    addr
}

fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen()).collect()
}

/// Reads until end of stream or error; returns the bytes and the error, if any.
async fn read_all(s: &mut TcpStream) -> (Vec<u8>, Option<std::io::Error>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf).await {
            Ok(0) => return (got, None),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return (got, Some(e)),
        }
    }
}

#[tokio::test]
async fn pass_through_delivers_bytes_intact_both_ways() {
    let proxy = FaultProxy::start(echo_server().await, FaultPlan::pass_through())
        .await
        .expect("proxy starts");
    let payload = noise(1 << 20, 1);
    let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
    let (mut r, mut w) = s.split();
    let send = async {
        w.write_all(&payload).await.expect("send through the proxy");
        w.shutdown().await.expect("half-close through the proxy");
    };
    let recv = async {
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.expect("echo comes back");
        got
    };
    let ((), got) = timeout(PATIENCE, async { tokio::join!(send, recv) })
        .await
        .expect("1 MiB echoes within the patience");
    assert_eq!(got.len(), payload.len(), "every byte comes back");
    assert!(got == payload, "the bytes come back unchanged and in order");
    let stats = proxy.stats();
    assert_eq!(stats.connections, 1, "one connection was relayed");
    assert_eq!(
        (stats.bytes_client_to_server, stats.bytes_server_to_client),
        (1 << 20, 1 << 20),
        "the counters saw the MiB go up and come back"
    );
    assert_eq!(
        (stats.cuts, stats.resets, stats.stalls),
        (0, 0, 0),
        "a pass-through plan injects nothing"
    );
    assert_eq!(proxy.log()[0].fault, Fault::PassThrough, "the log says so");
    proxy.stop().await;
}

#[tokio::test]
async fn cut_client_to_server_delivers_exactly_n_bytes_then_eof() {
    let (upstream, mut received) = sink_server().await;
    let proxy = FaultProxy::start(
        upstream,
        FaultPlan::cut_after(Direction::ClientToServer, 1000),
    )
    .await
    .expect("proxy starts");
    let payload = noise(10_000, 2);
    let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
    // The write may fail part-way once the proxy closes: that is the fault, not an error here.
    let _ = s.write_all(&payload).await;
    let got = timeout(PATIENCE, received.recv())
        .await
        .expect("the upstream sees its connection end")
        .expect("the sink reports");
    assert_eq!(
        got.len(),
        1000,
        "the server received exactly the bytes before the cut, then end of stream"
    );
    assert_eq!(got, payload[..1000], "and they are the first 1000 sent");
    let (back, _) = timeout(PATIENCE, read_all(&mut s))
        .await
        .expect("the client's side is closed too");
    assert!(back.is_empty(), "nothing came back from a sink");
    assert_eq!(proxy.stats().cuts, 1, "one cut counted");
    assert_eq!(
        proxy.stats().bytes_client_to_server,
        1000,
        "the counter stops at the cut"
    );
}

#[tokio::test]
async fn cut_server_to_client_delivers_exactly_n_bytes_then_eof() {
    let payload = noise(100_000, 3);
    let proxy = FaultProxy::start(
        source_server(payload.clone()).await,
        FaultPlan::cut_after(Direction::ServerToClient, 12_345),
    )
    .await
    .expect("proxy starts");
    let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
    let (got, err) = timeout(PATIENCE, read_all(&mut s))
        .await
        .expect("the cut ends the stream");
    assert!(err.is_none(), "a cut is an orderly end of stream: {err:?}");
    assert_eq!(got.len(), 12_345, "exactly the bytes before the cut arrive");
    assert_eq!(got, payload[..12_345], "and they are the first ones sent");
}

#[tokio::test]
async fn reset_closes_abruptly_after_n_bytes() {
    let payload = noise(100_000, 4);
    let proxy = FaultProxy::start(
        source_server(payload.clone()).await,
        FaultPlan::reset_after(Direction::ServerToClient, 5_000),
    )
    .await
    .expect("proxy starts");
    let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
    // Let the RST arrive before reading, so the client meets it rather than racing it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (got, err) = timeout(PATIENCE, read_all(&mut s))
        .await
        .expect("the reset ends the stream");
    assert!(
        got.len() <= 5_000,
        "no byte past the reset point arrives (got {})",
        got.len()
    );
    assert_eq!(got, payload[..got.len()], "what arrived is a prefix");
    let kind = err.map(|e| e.kind());
    assert_eq!(
        kind,
        Some(std::io::ErrorKind::ConnectionReset),
        "SO_LINGER 0 makes the close a TCP reset, which the client sees as an error, not EOF"
    );
    assert_eq!(proxy.stats().resets, 1, "one reset counted");
}

#[tokio::test]
async fn stall_holds_the_bytes_for_its_duration() {
    let stall = Duration::from_millis(400);
    let proxy = FaultProxy::start(
        echo_server().await,
        FaultPlan::stall_after(Direction::ServerToClient, 100, stall),
    )
    .await
    .expect("proxy starts");
    let payload = noise(200, 5);
    let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
    let started = Instant::now();
    s.write_all(&payload).await.expect("send");
    let mut got = vec![0u8; 200];
    timeout(PATIENCE, s.read_exact(&mut got[..100]))
        .await
        .expect("the first 100 bytes are not held")
        .expect("read the first 100");
    let before_stall = started.elapsed();
    timeout(PATIENCE, s.read_exact(&mut got[100..]))
        .await
        .expect("the stall ends")
        .expect("read the rest");
    let total = started.elapsed();
    assert!(
        before_stall < stall,
        "bytes before the stall point flow at once ({before_stall:?})"
    );
    assert!(
        total >= stall,
        "the bytes after the stall point wait at least {stall:?} (took {total:?})"
    );
    assert_eq!(
        got, payload,
        "a stall delays bytes, it does not change them"
    );
    assert_eq!(proxy.stats().stalls, 1, "one stall counted");

    // Switched to pass-through at runtime, a new connection is not held.
    proxy.set_plan(FaultPlan::pass_through());
    let mut s = TcpStream::connect(proxy.addr())
        .await
        .expect("connect again");
    let started = Instant::now();
    s.write_all(&payload).await.expect("send");
    timeout(PATIENCE, s.read_exact(&mut got))
        .await
        .expect("echo")
        .expect("read");
    assert!(
        started.elapsed() < stall,
        "after set_plan(pass_through) nothing stalls ({:?})",
        started.elapsed()
    );
    assert_eq!(proxy.stats().stalls, 1, "still one stall");
}

#[tokio::test]
async fn slow_link_delays_every_chunk() {
    // 1000 bytes in chunks of 100, 30 ms each, each way: at least 10 × 30 ms = 300 ms one way.
    let proxy = FaultProxy::start(
        echo_server().await,
        FaultPlan::slow(100, Duration::from_millis(30)),
    )
    .await
    .expect("proxy starts");
    let payload = noise(1000, 6);
    let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
    let started = Instant::now();
    s.write_all(&payload).await.expect("send");
    let mut got = vec![0u8; 1000];
    timeout(PATIENCE, s.read_exact(&mut got))
        .await
        .expect("a slow link still delivers")
        .expect("read");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300),
        "ten chunks of 30 ms cannot arrive in {took:?}"
    );
    assert_eq!(got, payload, "slow bytes are the same bytes");
    assert_eq!(proxy.stats().slow_connections, 1, "one slow connection");
}

/// Opens `n` connections one after another through `proxy`, each exchanging a little and
/// ending however its fault ends it, and waits until the proxy has accepted each.
async fn run_connections(proxy: &FaultProxy, n: usize) {
    for i in 0..n {
        if let Ok(mut s) = TcpStream::connect(proxy.addr()).await {
            let _ = s.write_all(&[i as u8; 64]).await;
            let mut buf = [0u8; 64];
            let _ = timeout(Duration::from_millis(300), s.read_exact(&mut buf)).await;
        }
        let deadline = Instant::now() + PATIENCE;
        while proxy.log().len() <= i {
            assert!(
                Instant::now() < deadline,
                "the proxy accepts connection {i}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_fault_schedule() {
    let upstream = echo_server().await;
    let plan = FaultPlan {
        // Short stalls and small byte offsets, so 24 connections take well under a second each.
        after_bytes: 0..=100,
        stall_for: Duration::from_millis(1)..=Duration::from_millis(50),
        chunk_delay: Duration::from_millis(1)..=Duration::from_millis(3),
        ..FaultPlan::chaos(42)
    };
    let a = FaultProxy::start(upstream, plan.clone())
        .await
        .expect("proxy a starts");
    let b = FaultProxy::start(upstream, plan.clone())
        .await
        .expect("proxy b starts");
    run_connections(&a, 24).await;
    run_connections(&b, 24).await;
    let (log_a, log_b) = (a.log(), b.log());
    assert_eq!(
        log_a, log_b,
        "two proxies under seed 42 draw the same faults"
    );
    let expected: Vec<_> = (0..24).map(|i| plan.fault_for(i)).collect();
    assert_eq!(
        log_a, expected,
        "and it is the schedule FaultPlan::fault_for computes without any socket"
    );
    let kinds: std::collections::HashSet<_> = log_a
        .iter()
        .map(|f| std::mem::discriminant(&f.fault))
        .collect();
    assert!(
        kinds.len() >= 3,
        "a chaos plan over 24 connections mixes several kinds of fault: {log_a:?}"
    );
    let other: Vec<_> = (0..24)
        .map(|i| plan.clone().with_seed(43).fault_for(i))
        .collect();
    assert_ne!(expected, other, "another seed gives another schedule");
    let stats = a.stats();
    assert_eq!(stats.connections, 24, "24 connections went through a");
}
