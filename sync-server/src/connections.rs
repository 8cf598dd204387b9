//! Who may hold a connection open, and for how long before it says anything.
//!
//! A server that accepts every connection and waits for ever for its first bytes can be stopped
//! by anyone who opens a few thousand sockets and sends nothing: each holds a file descriptor,
//! and once the process runs out, nobody else gets in and SQLite cannot open its files. So:
//!
//! - at most [`Connections::max_open`] connections are open at once, and at most
//!   [`Connections::max_per_address`] from one peer address (a load balancer in `exempt` is not
//!   counted per address: every device comes through it); a connection over either limit is
//!   closed as soon as it is accepted;
//! - a connection must send its first request within [`Connections::first_request`] (this also
//!   bounds hyper's protocol detection, which has no timeout of its own), and each request's
//!   headers within [`HEADER_READ_TIMEOUT`] — an idle keep-alive connection is closed after that
//!   long too;
//! - the process's soft limit on open files is raised to its hard limit at start-up
//!   ([`raise_open_file_limit`]), and the connection cap is kept well below it.

use axum_server::accept::Accept;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Time a client has to send a request's headers (and an idle keep-alive connection is kept).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(20);
/// Time a new connection has to send its first request.
pub const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Connections from one peer address at once, by default. A device keeps one or two; a
/// township office or a carrier's NAT may put a few hundred devices behind one address, so the
/// default leaves room for that while one address alone cannot take the server's whole cap
/// (`--max-connections-per-address`; a load balancer named by `--trusted-proxy` is exempt).
pub const MAX_PER_ADDRESS: usize = 1024;
/// Connections open at once, at most (fewer when the open-file limit is low).
pub const MAX_OPEN: usize = 16_384;
/// File descriptors kept for the database, photo files and logs, beside the connections.
const FILES_RESERVE: u64 = 256;

/// The connection policy of one listener.
#[derive(Debug, Clone)]
pub struct Connections {
    pub max_open: usize,
    pub max_per_address: usize,
    /// Peers not limited per address (trusted proxies).
    pub exempt: Vec<ipnet::IpNet>,
    pub first_request: Duration,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            max_open: MAX_OPEN,
            max_per_address: MAX_PER_ADDRESS,
            exempt: Vec::new(),
            first_request: FIRST_REQUEST_TIMEOUT,
        }
    }
}

impl Connections {
    /// The default policy with `exempt` peers, its cap fitted under an open-file limit of
    /// `open_files` descriptors.
    pub fn fitted(exempt: Vec<ipnet::IpNet>, open_files: u64) -> Connections {
        let room = open_files.saturating_sub(FILES_RESERVE).max(64);
        Connections {
            max_open: MAX_OPEN.min(usize::try_from(room).unwrap_or(MAX_OPEN)),
            exempt,
            ..Connections::default()
        }
    }
}

/// Raises the soft limit on open files to the hard limit (systemd's default soft limit is
/// 1,024, far below what a county's devices need) and returns the limit now in force.
pub fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(1024)
        }
    }
}

/// The acceptor that applies a [`Connections`] policy (wrapped by TLS when serving TLS).
#[derive(Clone)]
pub struct Gate {
    shared: Arc<Shared>,
}

struct Shared {
    policy: Connections,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    open: usize,
    per_address: HashMap<IpAddr, usize>,
    /// Refusals since the last warning, so a flood logs one line a minute, not one per socket.
    refused: u64,
    warned_at: Option<std::time::Instant>,
}

impl Gate {
    pub fn new(policy: Connections) -> Gate {
        Gate {
            shared: Arc::new(Shared {
                policy,
                counts: Mutex::new(Counts::default()),
            }),
        }
    }

    /// Counts `stream` in, or refuses it (the caller then drops it, which closes it).
    fn admit(&self, stream: TcpStream) -> io::Result<Counted> {
        let peer = stream.peer_addr()?.ip();
        let p = &self.shared.policy;
        let limited = !p.exempt.iter().any(|n| n.contains(&peer));
        let mut c = self.shared.counts.lock().unwrap_or_else(|e| e.into_inner());
        let from_peer = c.per_address.get(&peer).copied().unwrap_or(0);
        let refusal = if c.open >= p.max_open {
            Some("the server's connection limit")
        } else if limited && from_peer >= p.max_per_address {
            Some("the limit of connections from one address")
        } else {
            None
        };
        if let Some(why) = refusal {
            c.refused += 1;
            let quiet = c
                .warned_at
                .is_some_and(|t| t.elapsed() < Duration::from_secs(60));
            if !quiet {
                tracing::warn!(%peer, refused = c.refused, open = c.open, "connection refused: {why}");
                c.refused = 0;
                c.warned_at = Some(std::time::Instant::now());
            }
            return Err(io::Error::other(format!("connection refused: {why}")));
        }
        c.open += 1;
        *c.per_address.entry(peer).or_default() += 1;
        Ok(Counted {
            stream,
            slot: Slot {
                gate: self.shared.clone(),
                peer,
            },
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.shared
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open
    }
}

impl<S: Send + 'static> Accept<TcpStream, S> for Gate {
    type Stream = Counted;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Counted, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        std::future::ready(self.admit(stream).map(|s| (s, service)))
    }
}

/// A connection's place in the counts, given back when the connection closes.
struct Slot {
    gate: Arc<Shared>,
    peer: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.gate.counts.lock().unwrap_or_else(|e| e.into_inner());
        c.open = c.open.saturating_sub(1);
        if let Some(n) = c.per_address.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                c.per_address.remove(&self.peer);
            }
        }
    }
}

/// An admitted connection: the stream, counted until it is dropped.
pub struct Counted {
    stream: TcpStream,
    #[allow(dead_code)] // held for its Drop
    slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_under_the_open_file_limit() {
        assert_eq!(Connections::fitted(vec![], 1024).max_open, 768);
        assert_eq!(Connections::fitted(vec![], 1_048_576).max_open, MAX_OPEN);
        assert_eq!(Connections::fitted(vec![], 10).max_open, 64);
    }

    #[tokio::test]
    async fn a_peer_over_its_limit_is_refused_and_its_slots_come_back() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gate = Gate::new(Connections {
            max_per_address: 2,
            ..Connections::default()
        });
        let mut clients = vec![];
        let mut admitted = vec![];
        for _ in 0..3 {
            clients.push(TcpStream::connect(addr).await.unwrap());
            let (s, _) = listener.accept().await.unwrap();
            admitted.push(gate.admit(s));
        }
        assert!(admitted[0].is_ok() && admitted[1].is_ok());
        assert!(
            admitted[2].is_err(),
            "the third from one address is refused"
        );
        assert_eq!(gate.open(), 2);
        admitted.clear();
        assert_eq!(gate.open(), 0, "closed connections give their slots back");
    }
}
