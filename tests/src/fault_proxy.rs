//! The fault proxy: a TCP relay of our own that sits between a device's sync agent and the
//! server and breaks connections the way the county's networks break them, under a seed.
//!
//! A grid worker's phone meets every kind of bad link: a 2G signal in a basement that trickles
//! a few hundred bytes at a time, a captive portal or carrier NAT that swallows a connection and
//! never answers, a lift door that cuts the radio mid-request, an OS that kills the app or its
//! socket mid-upload. The agent must come through all of them with every op and photo applied
//! exactly once, and tests prove it by putting this proxy in the path.
//!
//! Each accepted connection gets one [`ConnectionFault`], drawn from the current [`FaultPlan`]
//! with a random generator seeded from the plan's seed and the connection's index
//! ([`FaultPlan::fault_for`]): the same seed gives the same schedule, connection by connection,
//! whatever the timing, so a failing run can be replayed. The proxy keeps a log of what it drew
//! and counters of bytes forwarded and faults injected.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Which way bytes flow through the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the device (the proxy's client) to the server: requests, pushes, photo bytes.
    ClientToServer,
    /// From the server to the device: responses, pulls.
    ServerToClient,
}

/// What happens to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Bytes flow untouched both ways (apart from any per-chunk delay).
    PassThrough,
    /// After `after` bytes in `direction`, both sides are closed in an orderly way (FIN): the
    /// radio dropped, or the phone left coverage. The receiving side gets exactly `after` bytes,
    /// then end of stream — a request cut mid-body, or a response whose answer never came.
    Cut { direction: Direction, after: u64 },
    /// After `after` bytes in `direction`, both sides are closed abruptly (`SO_LINGER` 0, so a
    /// TCP RST): the OS killed the app or its socket, or a NAT box forgot the mapping.
    Reset { direction: Direction, after: u64 },
    /// After `after` bytes in `direction`, nothing flows that way for `duration`, then it
    /// resumes: a captive portal or an overloaded cell holding packets. Clients need timeouts.
    Stall {
        direction: Direction,
        after: u64,
        duration: Duration,
    },
}

/// The fault of one connection, and how slow its link is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionFault {
    /// The connection's index, in accept order from 0.
    pub index: u64,
    pub fault: Fault,
    /// Waited before forwarding each chunk, both ways: a 2G link in a basement.
    pub chunk_delay: Duration,
}

/// How faults are drawn for each new connection. Probabilities are per connection and are taken
/// in order (cut, reset, stall); what is left is pass-through. Changing the plan with
/// [`FaultProxy::set_plan`] affects connections accepted afterwards.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    /// Seeds every connection's draw (with the connection's index).
    pub seed: u64,
    /// Chance that a connection is cut (FIN) after some bytes.
    pub cut: f64,
    /// Chance that a connection is reset (RST) after some bytes.
    pub reset: f64,
    /// Chance that a connection stalls after some bytes.
    pub stall: f64,
    /// Chance that a faulted connection's fault hits the client→server direction (otherwise
    /// server→client).
    pub client_to_server: f64,
    /// Where in the stream a cut, reset or stall hits, in bytes.
    pub after_bytes: RangeInclusive<u64>,
    /// How long a stall lasts.
    pub stall_for: RangeInclusive<Duration>,
    /// Chance that a connection is slow: each chunk waits a delay drawn from `chunk_delay`.
    pub slow: f64,
    /// Delay per chunk of a slow connection.
    pub chunk_delay: RangeInclusive<Duration>,
    /// Largest chunk forwarded at once; small chunks with a delay make a slow link.
    pub chunk_size: usize,
}

impl FaultPlan {
    /// No faults, no delay: a good link.
    pub fn pass_through() -> FaultPlan {
        FaultPlan {
            seed: 0,
            cut: 0.0,
            reset: 0.0,
            stall: 0.0,
            client_to_server: 0.5,
            after_bytes: 0..=0,
            stall_for: Duration::ZERO..=Duration::ZERO,
            slow: 0.0,
            chunk_delay: Duration::ZERO..=Duration::ZERO,
            chunk_size: 64 * 1024,
        }
    }

    /// Every connection gets `fault` at `after` bytes in `direction` (for a stall, `stall_for`
    /// is then set by the caller).
    fn always(direction: Direction, after: u64) -> FaultPlan {
        FaultPlan {
            client_to_server: if direction == Direction::ClientToServer {
                1.0
            } else {
                0.0
            },
            after_bytes: after..=after,
            ..FaultPlan::pass_through()
        }
    }

    /// Every connection is cut (FIN) after exactly `after` bytes in `direction`.
    pub fn cut_after(direction: Direction, after: u64) -> FaultPlan {
        FaultPlan {
            cut: 1.0,
            ..FaultPlan::always(direction, after)
        }
    }

    /// Every connection is reset (RST) after exactly `after` bytes in `direction`.
    pub fn reset_after(direction: Direction, after: u64) -> FaultPlan {
        FaultPlan {
            reset: 1.0,
            ..FaultPlan::always(direction, after)
        }
    }

    /// Every connection stalls for `duration` after exactly `after` bytes in `direction`.
    pub fn stall_after(direction: Direction, after: u64, duration: Duration) -> FaultPlan {
        FaultPlan {
            stall: 1.0,
            stall_for: duration..=duration,
            ..FaultPlan::always(direction, after)
        }
    }

    /// Every chunk of at most `chunk_size` bytes waits `delay`: a slow link.
    pub fn slow(chunk_size: usize, delay: Duration) -> FaultPlan {
        FaultPlan {
            slow: 1.0,
            chunk_delay: delay..=delay,
            chunk_size,
            ..FaultPlan::pass_through()
        }
    }

    /// A bad day in the county under `seed`: a third of connections broken somewhere in their
    /// first 64 KiB (cut, reset or stalled for up to two seconds), one in five slow.
    pub fn chaos(seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            cut: 0.15,
            reset: 0.1,
            stall: 0.1,
            client_to_server: 0.5,
            after_bytes: 0..=64 * 1024,
            stall_for: Duration::from_millis(50)..=Duration::from_secs(2),
            slow: 0.2,
            chunk_delay: Duration::from_millis(1)..=Duration::from_millis(20),
            chunk_size: 4 * 1024,
        }
    }

    /// The same plan under another seed.
    pub fn with_seed(self, seed: u64) -> FaultPlan {
        FaultPlan { seed, ..self }
    }

    /// The fault of connection `index` under this plan. Pure: it depends on the seed and the
    /// index only, and draws the same number of values whatever comes out, so a schedule is
    /// reproducible connection by connection.
    pub fn fault_for(&self, index: u64) -> ConnectionFault {
        // Spread consecutive indexes over the seed space (a golden-ratio step), so connection n
        // of seed s and connection n+1 of seed s-1 do not share a stream.
        let mut rng = StdRng::seed_from_u64(self.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let kind: f64 = rng.gen();
        let up: f64 = rng.gen();
        let after = draw_u64(&mut rng, &self.after_bytes);
        let stall_for = draw_duration(&mut rng, &self.stall_for);
        let slow: f64 = rng.gen();
        let delay = draw_duration(&mut rng, &self.chunk_delay);
        let direction = if up < self.client_to_server {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let fault = if kind < self.cut {
            Fault::Cut { direction, after }
        } else if kind < self.cut + self.reset {
            Fault::Reset { direction, after }
        } else if kind < self.cut + self.reset + self.stall {
            Fault::Stall {
                direction,
                after,
                duration: stall_for,
            }
        } else {
            Fault::PassThrough
        };
        ConnectionFault {
            index,
            fault,
            chunk_delay: if slow < self.slow {
                delay
            } else {
                Duration::ZERO
            },
        }
    }
}

fn draw_u64(rng: &mut StdRng, range: &RangeInclusive<u64>) -> u64 {
    if range.start() >= range.end() {
        // An empty or one-value range: still draw, so the stream stays aligned.
        let _: u64 = rng.gen();
        *range.start()
    } else {
        rng.gen_range(range.clone())
    }
}

fn draw_duration(rng: &mut StdRng, range: &RangeInclusive<Duration>) -> Duration {
    let (lo, hi) = (range.start().as_micros(), range.end().as_micros());
    let lo = u64::try_from(lo).unwrap_or(u64::MAX);
    let hi = u64::try_from(hi).unwrap_or(u64::MAX);
    Duration::from_micros(draw_u64(rng, &(lo..=hi)))
}

/// Counters of a proxy's work so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    pub connections: u64,
    pub bytes_client_to_server: u64,
    pub bytes_server_to_client: u64,
    pub cuts: u64,
    pub resets: u64,
    pub stalls: u64,
    /// Connections slowed by a per-chunk delay.
    pub slow_connections: u64,
    /// Connections dropped because the upstream could not be reached.
    pub upstream_failures: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    cuts: AtomicU64,
    resets: AtomicU64,
    stalls: AtomicU64,
    slow: AtomicU64,
    upstream_failures: AtomicU64,
}

struct Shared {
    upstream: SocketAddr,
    plan: Mutex<FaultPlan>,
    log: Mutex<Vec<ConnectionFault>>,
    counters: Counters,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind; keep using it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running proxy. Dropping it (or [`FaultProxy::stop`]) closes the listener and every
/// connection.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and relays every connection to `upstream` under `plan`.
    pub async fn start(upstream: SocketAddr, plan: FaultPlan) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            plan: Mutex::new(plan),
            log: Mutex::new(Vec::new()),
            counters: Counters::default(),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(FaultProxy { addr, shared, task })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`, for HTTP clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the plan for connections accepted from now on (e.g. pass-through for a final
    /// clean sync). Connection indexes keep counting.
    pub fn set_plan(&self, plan: FaultPlan) {
        *lock(&self.shared.plan) = plan;
    }

    /// The faults drawn so far, one per accepted connection, in accept order.
    pub fn log(&self) -> Vec<ConnectionFault> {
        lock(&self.shared.log).clone()
    }

    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ProxyStats {
            connections: get(&c.connections),
            bytes_client_to_server: get(&c.bytes_up),
            bytes_server_to_client: get(&c.bytes_down),
            cuts: get(&c.cuts),
            resets: get(&c.resets),
            stalls: get(&c.stalls),
            slow_connections: get(&c.slow),
            upstream_failures: get(&c.upstream_failures),
        }
    }

    /// Stops listening and closes every connection in flight.
    pub async fn stop(self) {
        let mut this = self;
        this.task.abort();
        // The accept task owns the connections' JoinSet: once it is gone, so are they. Its
        // outcome is a cancellation, which is what we asked for.
        let _ = (&mut this.task).await;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Dropping this set (when the loop is aborted) aborts every connection task.
    let mut connections = JoinSet::new();
    let mut index = 0u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else {
                    // Out of descriptors or a connection aborted before accept: keep serving.
                    continue;
                };
                let fault = lock(&shared.plan).fault_for(index);
                let chunk_size = lock(&shared.plan).chunk_size.max(1);
                index += 1;
                lock(&shared.log).push(fault.clone());
                shared.counters.connections.fetch_add(1, Ordering::Relaxed);
                connections.spawn(relay(client, shared.clone(), fault, chunk_size));
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// How one direction of a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The sender closed its side; the close was passed on.
    Eof,
    /// A cut fault fired.
    Cut,
    /// A reset fault fired.
    Reset,
    /// A socket error: the connection is over.
    Broken,
}

async fn relay(mut client: TcpStream, shared: Arc<Shared>, fault: ConnectionFault, chunk: usize) {
    let counters = &shared.counters;
    let Ok(mut server) = TcpStream::connect(shared.upstream).await else {
        counters.upstream_failures.fetch_add(1, Ordering::Relaxed);
        return;
    };
    // Requests are small and latency-bound; do not let Nagle add its own delays to ours. A
    // failure only costs latency.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    if fault.chunk_delay > Duration::ZERO {
        counters.slow.fetch_add(1, Ordering::Relaxed);
    }
    let end = {
        let (mut cr, mut cw) = client.split();
        let (mut sr, mut sw) = server.split();
        let up = pump(
            &mut cr,
            &mut sw,
            Direction::ClientToServer,
            &fault,
            chunk,
            counters,
        );
        let down = pump(
            &mut sr,
            &mut cw,
            Direction::ServerToClient,
            &fault,
            chunk,
            counters,
        );
        tokio::pin!(up, down);
        let (mut up_done, mut down_done) = (false, false);
        loop {
            let end = tokio::select! {
                e = &mut up, if !up_done => { up_done = true; e }
                e = &mut down, if !down_done => { down_done = true; e }
            };
            if end != End::Eof {
                break end;
            }
            if up_done && down_done {
                break End::Eof;
            }
        }
    };
    match end {
        End::Cut => {
            counters.cuts.fetch_add(1, Ordering::Relaxed);
        }
        End::Reset => {
            counters.resets.fetch_add(1, Ordering::Relaxed);
            // SO_LINGER 0: closing sends RST instead of FIN and discards unsent bytes. If the
            // option cannot be set the close is an ordinary one, which is still a cut.
            let _ = client.set_zero_linger();
            let _ = server.set_zero_linger();
        }
        End::Eof | End::Broken => {}
    }
    // Dropping both streams closes them.
}

/// Forwards one direction until end of stream, an error, or this direction's fault fires.
async fn pump<R, W>(
    from: &mut R,
    to: &mut W,
    direction: Direction,
    fault: &ConnectionFault,
    chunk: usize,
    counters: &Counters,
) -> End
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let bytes = match direction {
        Direction::ClientToServer => &counters.bytes_up,
        Direction::ServerToClient => &counters.bytes_down,
    };
    // Where this direction's fault hits, if it is this direction's.
    let (limit, on_limit) = match &fault.fault {
        Fault::Cut {
            direction: d,
            after,
        } if *d == direction => (Some(*after), End::Cut),
        Fault::Reset {
            direction: d,
            after,
        } if *d == direction => (Some(*after), End::Reset),
        _ => (None, End::Eof),
    };
    let mut stall = match &fault.fault {
        Fault::Stall {
            direction: d,
            after,
            duration,
        } if *d == direction => Some((*after, *duration)),
        _ => None,
    };
    let mut buf = vec![0u8; chunk];
    let mut sent = 0u64;
    loop {
        if limit == Some(sent) {
            let _ = to.flush().await;
            return on_limit;
        }
        // Read no further than the next point where something happens, so the receiver gets
        // exactly `after` bytes before the fault.
        let mut want = chunk as u64;
        if let Some(l) = limit {
            want = want.min(l - sent);
        }
        if let Some((at, _)) = stall {
            if at > sent {
                want = want.min(at - sent);
            }
        }
        if let Some((at, duration)) = stall {
            if at <= sent {
                counters.stalls.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(duration).await;
                stall = None;
            }
        }
        let want = usize::try_from(want).unwrap_or(chunk).clamp(1, chunk);
        let n = match from.read(&mut buf[..want]).await {
            Ok(0) => {
                // Pass the half-close on: HTTP clients may shut down writing and still read.
                let _ = to.shutdown().await;
                return End::Eof;
            }
            Ok(n) => n,
            Err(_) => return End::Broken,
        };
        if fault.chunk_delay > Duration::ZERO {
            tokio::time::sleep(fault.chunk_delay).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return End::Broken;
        }
        sent += n as u64;
        bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
}
