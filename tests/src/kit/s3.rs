//! A real S3 wire server for the photo store: `s3s-fs` (0.14.1), which keeps each bucket as a
//! folder and each object as a file under it, on a free port. `make s3s-fs` installs it under
//! `/var/tmp/yiwang-tools`; `YIWANG_TEST_S3FS` names another binary.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use yiwang_server::photos::{PhotoStore, S3PhotoStore};

use super::free_port;

/// The bucket every test S3 server holds.
pub const BUCKET: &str = "yiwang-photos";
pub const ACCESS_KEY: &str = "yiwang-test";
pub const SECRET_KEY: &str = "yiwang-test-secret-0123456789";

/// An `s3s-fs` process over a temporary folder; dropping it kills the process and removes the
/// folder.
pub struct S3Server {
    pub root: tempfile::TempDir,
    pub port: u16,
    child: Option<std::process::Child>,
}

impl S3Server {
    /// The `s3s-fs` binary: `YIWANG_TEST_S3FS`, or the one `make s3s-fs` installs.
    pub fn bin() -> Option<PathBuf> {
        if let Some(b) = std::env::var_os("YIWANG_TEST_S3FS").filter(|b| !b.is_empty()) {
            return Some(PathBuf::from(b));
        }
        Some(PathBuf::from("/var/tmp/yiwang-tools/bin/s3s-fs")).filter(|p| p.is_file())
    }

    /// Whether this run asked for photos in S3 (`YIWANG_TEST_PHOTO_STORE=s3`).
    pub fn asked() -> bool {
        std::env::var("YIWANG_TEST_PHOTO_STORE").as_deref() == Ok("s3")
    }

    /// A server with the bucket [`BUCKET`], listening when this returns.
    pub fn start() -> S3Server {
        let root = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(root.path().join(BUCKET)).expect("the bucket's folder");
        let mut s = S3Server {
            root,
            port: free_port(),
            child: None,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let bin = Self::bin().expect(
            "s3s-fs is not installed: run `make s3s-fs`, or name the binary in YIWANG_TEST_S3FS",
        );
        let child = std::process::Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", bin.display()));
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < until, "s3s-fs listens within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (its data stays).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and folder.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `--photo-store` URL of the bucket.
    pub fn url(&self) -> String {
        format!("s3://{BUCKET}")
    }

    /// A store client for the bucket, configured without the environment.
    pub fn store(&self) -> Arc<dyn PhotoStore> {
        Arc::new(
            S3PhotoStore::at(&self.url(), &self.endpoint(), ACCESS_KEY, SECRET_KEY)
                .expect("the S3 store configures"),
        )
    }

    /// The environment a `yiwang-server` process needs to use the bucket.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("YIWANG_PHOTO_STORE", self.url()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The folder the bucket's objects are files in (`photos/ab/<sha256>.jpg`, …): the same
    /// layout as a data folder's.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.path().join(BUCKET)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where a server's photo files are, as files: its data folder, or its S3 bucket's folder.
pub fn photo_files_dir(data_dir: &Path, s3: Option<&S3Server>) -> PathBuf {
    s3.map(S3Server::bucket_dir)
        .unwrap_or_else(|| data_dir.to_path_buf())
}
