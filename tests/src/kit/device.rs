//! A grid worker's device: a real SQLite store file, a photo folder, and the sync agent,
//! signed in against a server.

use std::sync::Arc;
use std::time::Duration;

use yiwang_client::photo::{PhotoFiles, PhotoPipeline};
use yiwang_client::store::Store;
use yiwang_client::sync::{AgentConfig, SyncAgent, SyncClient};
use yiwang_core::field::{Disposition, Finding, FindingDraft, PhotoMeta};
use yiwang_core::ids::{CategoryCode, GridId, PhotoHash};

use super::{t0, PASSWORD};

/// The agent's timings shortened for tests: a finding syncs 50 ms after it is saved, a failure
/// backs off 50 to 200 ms, and the minute tick is an hour (the test triggers syncs itself).
pub fn quick_agent() -> AgentConfig {
    AgentConfig {
        interval: Duration::from_secs(3600),
        after_finding: Duration::from_millis(50),
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        ..AgentConfig::default()
    }
}

/// A device on which a grid worker signed in; its store's clock reads [`t0`].
pub struct TestDevice {
    pub store: Arc<Store>,
    pub files: PhotoFiles,
    pub agent: SyncAgent,
    pub grid: GridId,
    pub dir: tempfile::TempDir,
}

impl TestDevice {
    /// A fresh device on which `username` signs in against `server_url`.
    pub async fn sign_in(server_url: &str, username: &str) -> TestDevice {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Arc::new(
            Store::open(dir.path().join("device.sqlite"))
                .expect("the device store opens")
                .with_clock(t0),
        );
        let files = PhotoFiles::open(dir.path().join("photos")).expect("the photo folder");
        let client = SyncClient::new(server_url, None).expect("a client");
        let agent = SyncAgent::with_config(store.clone(), client, quick_agent());
        let session = agent
            .login(username, PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{username} signs in: {e}"));
        let grid = session.user.grid_ids[0].clone();
        TestDevice {
            store,
            files,
            agent,
            grid,
            dir,
        }
    }

    /// A real camera JPEG (a pattern seeded by `seed`) through the photo pipeline, stored and
    /// recorded on the device: its hash.
    pub fn take_photo(&self, seed: u8) -> PhotoHash {
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

    /// A draft on this device's grid: a missing manhole cover (01.01), five minutes before t0.
    pub fn draft(&self, disposition: Disposition, photos: Vec<PhotoHash>) -> FindingDraft {
        FindingDraft {
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
        }
    }

    /// Records [`TestDevice::draft`] offline.
    pub fn finding(&self, disposition: Disposition, photos: Vec<PhotoHash>) -> Finding {
        self.store
            .create_finding(self.draft(disposition, photos))
            .expect("the finding is recorded offline")
    }

    /// Ops still waiting for the server.
    pub fn waiting(&self) -> u64 {
        self.store
            .outbox_counts()
            .expect("the outbox counts")
            .waiting
    }
}
