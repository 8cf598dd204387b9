//! What the photo tests share, over the kit's [`TestServer`]: real JPEGs of noise, a tus client
//! bound to one server and one signed-in user, the files of the photo store and of a partial
//! upload, and a server brought back over the same data folder with nothing kept in memory.

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use reqwest::{Method, Response};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use yiwang_tests::kit::TestServer;

/// A real JPEG of `width`×`height` noise (noise compresses badly, so the file is large enough to
/// span several chunks); `seed` makes each picture different.
pub fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgb([
            (state & 0xff) as u8,
            ((x + seed) % 256) as u8,
            ((y * 3) % 256) as u8,
        ])
    });
    let mut out = vec![];
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

pub fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn b64(s: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A tus client on one server: base URL, bearer token and an HTTP client.
pub struct Tus<'a> {
    pub http: &'a reqwest::Client,
    pub base: &'a str,
    pub token: String,
}

impl Tus<'_> {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("Tus-Resumable", "1.0.0")
    }

    /// Creates an upload for `len` bytes whose whole-file hash is `sha`; returns the response.
    pub async fn create_raw(&self, len: usize, sha: &str) -> Response {
        self.request(Method::POST, "/api/v1/photos")
            .header("Upload-Length", len.to_string())
            .header(
                "Upload-Metadata",
                format!("sha256 {},filename {}", b64(sha), b64("现场.jpg")),
            )
            .send()
            .await
            .unwrap()
    }

    /// Creates an upload for `bytes`; returns its location.
    pub async fn create(&self, bytes: &[u8]) -> String {
        let resp = self.create_raw(bytes.len(), &sha_hex(bytes)).await;
        assert_eq!(resp.status(), 201, "creation answers 201 Created");
        resp.headers()["location"].to_str().unwrap().to_owned()
    }

    pub async fn patch(&self, loc: &str, offset: usize, chunk: &[u8]) -> Response {
        self.request(Method::PATCH, loc)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_checked(
        &self,
        loc: &str,
        offset: usize,
        chunk: &[u8],
        sum: &[u8],
    ) -> Response {
        self.request(Method::PATCH, loc)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .header(
                "Upload-Checksum",
                format!("sha256 {}", b64(Sha256::digest(sum))),
            )
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap()
    }

    pub async fn head(&self, loc: &str) -> Response {
        self.request(Method::HEAD, loc).send().await.unwrap()
    }

    pub async fn offset(&self, loc: &str) -> u64 {
        let resp = self.head(loc).await;
        assert_eq!(resp.status(), 200, "HEAD of a live upload is 200");
        offset_of(&resp)
    }

    /// Sends the whole file in chunks of `chunk` bytes; returns the last response.
    pub async fn upload_all(&self, loc: &str, bytes: &[u8], from: usize, chunk: usize) -> Response {
        let mut at = from;
        loop {
            let end = (at + chunk).min(bytes.len());
            let resp = self.patch(loc, at, &bytes[at..end]).await;
            if resp.status() != 204 || end == bytes.len() {
                return resp;
            }
            assert_eq!(offset_of(&resp), end as u64, "each chunk moves the offset");
            at = end;
        }
    }

    pub async fn by_hash(&self, method: Method, sha: &str, suffix: &str) -> Response {
        self.http
            .request(
                method,
                self.url(&format!("/api/v1/photos/by-hash/{sha}{suffix}")),
            )
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
}

pub fn offset_of(resp: &Response) -> u64 {
    resp.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A PATCH written by hand on a connection of its own: headers announcing `total` body bytes,
/// then `body`. The connection is returned open, so the test decides whether it is cut
/// (dropped: a phone losing its signal mid-chunk) or left hanging.
pub async fn patch_begun(
    base: &str,
    token: &str,
    loc: &str,
    offset: usize,
    body: &[u8],
    total: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = base.strip_prefix("http://").expect("an http:// base");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server accepts");
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {total}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    stream.write_all(body).await.expect("body sent");
    stream.flush().await.expect("flushed");
    stream
}

/// Asks HEAD until the offset is `want` (the server keeps a cut-off chunk's bytes when it
/// notices the connection is gone, a moment after), or gives up after 10 s with the last one.
pub async fn offset_becomes(t: &Tus<'_>, loc: &str, want: u64) -> u64 {
    let mut last = 0;
    for _ in 0..200 {
        last = t.offset(loc).await;
        if last == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    last
}

/// A tus client on `s`, signed in as `user`.
pub async fn tus<'a>(s: &'a TestServer, user: &str) -> Tus<'a> {
    Tus {
        http: &s.http,
        base: &s.base,
        token: s.login(user).await,
    }
}

/// Files in the photo store (photos and thumbnails), recursively.
pub fn stored_files(data_dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = vec![];
    walk(&data_dir.join("photos"), &mut out);
    out.sort();
    out
}

/// The folder of the parts of the upload at `loc` (in a data folder or a bucket's folder).
pub fn part_file(data_dir: &Path, loc: &str) -> PathBuf {
    let id = loc.rsplit('/').next().unwrap();
    data_dir.join("uploads").join(id)
}

/// Whether the upload at `loc` has parts stored.
pub fn has_parts(data_dir: &Path, loc: &str) -> bool {
    std::fs::read_dir(part_file(data_dir, loc)).is_ok_and(|d| {
        d.filter_map(|e| e.ok())
            .any(|e| !e.file_name().to_string_lossy().starts_with('.'))
    })
}

/// How many bytes the parts of the upload at `loc` hold.
pub fn part_bytes(data_dir: &Path, loc: &str) -> u64 {
    std::fs::read_dir(part_file(data_dir, loc))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

/// Takes `s` down (its listener, its state, its HTTP client and so its connections) and serves
/// the same data folder again from a fresh state on a new listener: what a restarted server
/// process knows is what its folder holds. (The kit's `TestServer::restart` keeps the state in
/// memory and the address, so it cannot show that.)
pub async fn restarted(mut s: TestServer) -> TestServer {
    s.stop().await;
    let seeded = s.seeded.clone();
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().expect("a temporary folder"));
    let s3 = s.s3.take();
    drop(s);
    TestServer::over_with(dir, seeded, s3).await
}

/// `jpeg` with an APP1 Exif segment right after SOI whose GPS IFD holds GPSLatitudeRef "N" and
/// GPSLatitude 40°36'54", as a phone camera writes it.
pub fn with_gps_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: one entry, the GPS IFD pointer (0x8825, LONG) to offset 26.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD: GPSLatitudeRef (ASCII "N") and GPSLatitude (3 RATIONALs at offset 56).
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[2, 0, 5, 0, 3, 0, 0, 0]);
    tiff.extend_from_slice(&56u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for n in [40u32, 36, 54] {
        tiff.extend_from_slice(&n.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).expect("a small segment");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG whose header declares `width`×`height`, with one tiny IDAT: a decompression bomb's
/// header on a few dozen bytes.
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, adaptive filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}
