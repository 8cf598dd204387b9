//! HAProxy (the distribution's package) in front of server processes, for the cluster tests and
//! the load bench: round robin, health checks on `/healthz` every 200 ms (a killed process is out
//! of rotation at its first failed check), and a request whose connection failed or got no
//! answer tried on another process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The haproxy binary, if installed (`apt-get install haproxy`, or `make haproxy`).
pub fn bin() -> Option<&'static str> {
    ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
}

/// A running HAProxy; killed when dropped, however the caller ends.
pub struct Haproxy(Child);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// HAProxy in the foreground on `127.0.0.1:port`, in front of the servers on `backends`
/// (ports on 127.0.0.1), its configuration written into `dir` and checked with `haproxy -c`.
/// Returns once it listens.
pub fn start(dir: &Path, port: u16, backends: &[u16]) -> Haproxy {
    let servers: String = backends
        .iter()
        .enumerate()
        .map(|(i, p)| format!("    server s{i} 127.0.0.1:{p} check\n"))
        .collect();
    let cfg = format!(
        "global\n    maxconn 2000\n\
         defaults\n    mode http\n    option redispatch\n    retries 3\n\
         \x20   retry-on conn-failure empty-response\n\
         \x20   timeout connect 1s\n    timeout client 60s\n    timeout server 60s\n\
         \x20   timeout http-request 10s\n\
         frontend devices\n    bind 127.0.0.1:{port}\n    option forwardfor\n\
         \x20   default_backend yiwang\n\
         backend yiwang\n    balance roundrobin\n    option httpchk GET /healthz\n\
         \x20   http-check expect status 200\n\
         \x20   default-server inter 200ms fall 1 rise 1\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, cfg).expect("the HAProxy configuration is written");
    let bin = bin().expect("haproxy is installed");
    let check = Command::new(bin)
        .args(["-c", "-q", "-f"])
        .arg(&path)
        .output()
        .expect("haproxy -c runs");
    assert!(
        check.status.success(),
        "HAProxy accepts the configuration: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let child = Command::new(bin)
        .args(["-db", "-f"])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy starts");
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "HAProxy listens within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Haproxy(child)
}
