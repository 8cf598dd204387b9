//! What only the agent tests need: a TCP proxy that cuts the link to the server after a number of
//! bytes, and a photo large enough to span several tus chunks.

use std::sync::Arc;

use yiwang_client::photo::PhotoPipeline;
use yiwang_core::field::{Disposition, PhotoMeta};
use yiwang_core::ids::PhotoHash;
use yiwang_tests::kit::TestDevice;

/// A TCP proxy in front of the server that can cut the link: after `budget` bytes from the
/// device (when set) it closes the connection and goes down; while down it closes every
/// connection, new or pooled, at its next byte.
pub struct CuttingProxy {
    pub base: String,
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
    pub async fn start(upstream: &str) -> CuttingProxy {
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
    pub fn cut_after(&self, bytes: i64) {
        self.budget
            .store(bytes, std::sync::atomic::Ordering::SeqCst);
    }

    /// The link is back, without limit.
    pub fn restore(&self) {
        self.budget.store(-1, std::sync::atomic::Ordering::SeqCst);
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A noisy photo of several tus chunks (noise does not compress), recorded on `device` and
/// named by a reported finding: its hash and length.
pub fn several_chunk_photo(device: &TestDevice) -> (PhotoHash, u64) {
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
