//! The photo store: photo files, content-addressed by the SHA-256 of their bytes, and the bytes
//! of unfinished uploads.
//!
//! [`PhotoStore`] is the one interface, with two implementations:
//!
//! - [`LocalPhotoStore`] (the default): folders on the server's disk, `data_dir/photos` and
//!   `data_dir/uploads`. Every file is written to a temporary name, fsynced and renamed into
//!   place. Several processes on one host, or on hosts sharing the folder, may use it.
//! - [`S3PhotoStore`]: a bucket of any S3-compatible object store (`--photo-store
//!   s3://bucket/prefix`), what several server processes on several hosts share. Writes are
//!   whole objects (S3 never shows half of one), acknowledged by the store only once stored.
//!
//! Both use the same names: `photos/ab/<sha256>.jpg` (`.png`, `.webp`) with the thumbnail beside
//! it as `<sha256>.thumb.jpg`, and an upload's bytes as parts `uploads/<id>/<start>`, one per
//! piece of at most [`PART_BYTES`] a PATCH received, named by the byte the part starts at (20
//! digits, so names sort by position). The ledger's offset says how far the parts are
//! acknowledged: [`assemble`] follows them from byte 0 to the upload's length, part after part,
//! so a part written but never acknowledged (a process killed before its commit, a chunk whose
//! checksum failed) is either overwritten by the next PATCH from the same byte or never on the
//! path. Any process can therefore continue any upload, and the whole-file SHA-256 at the end
//! checks what was assembled.

mod local;
mod s3;

pub use local::{sync_dir, write_atomic, LocalPhotoStore};
pub use s3::S3PhotoStore;

use async_trait::async_trait;
use bytes::Bytes;
use std::io;
use std::path::Path;
use std::sync::Arc;
use yiwang_core::ids::PhotoHash;

/// Most bytes of an upload a PATCH holds before it writes them to the store as one part: what
/// one request in flight costs in memory, and the size of an object per part in S3.
pub const PART_BYTES: usize = 1024 * 1024;

/// The picture formats the server accepts (those the device pipeline reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
    Webp,
}

impl PhotoKind {
    pub const ALL: [PhotoKind; 3] = [PhotoKind::Jpeg, PhotoKind::Png, PhotoKind::Webp];

    pub fn mime(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
            PhotoKind::Webp => "image/webp",
        }
    }

    pub fn from_mime(mime: &str) -> Option<PhotoKind> {
        PhotoKind::ALL.into_iter().find(|k| k.mime() == mime)
    }

    fn extension(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
            PhotoKind::Webp => "webp",
        }
    }
}

/// What can go wrong in the photo store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("photo store I/O: {0}")]
    Io(#[from] io::Error),
    /// The store cannot be reached or answered with an error of its own (a server error, a
    /// timeout, a missing bucket, refused credentials): nothing was stored; try again later.
    #[error("the photo store is unavailable: {0}")]
    Unavailable(String),
    /// An upload's acknowledged parts are not all in the store (a wiped folder, another host's
    /// disk, a bucket restored from an older copy): the upload cannot be continued.
    #[error("the upload's bytes are not all in the photo store: {0}")]
    PartsMissing(String),
}

/// One stored part of an upload: `len` bytes from byte `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Part {
    pub start: u64,
    pub len: u64,
}

/// Where photo files and unfinished uploads' bytes live.
#[async_trait]
pub trait PhotoStore: Send + Sync + std::fmt::Debug {
    /// Where the store is, for logs and start-up messages (never a secret).
    fn describe(&self) -> String;
    /// The folder the store keeps its files in, when it is on this machine's disk: the
    /// free-space guard of uploads (`507 insufficient_storage`) watches that disk. `None` for
    /// a store elsewhere (an S3 bucket), whose uploads never fill a local disk.
    fn local_root(&self) -> Option<std::path::PathBuf> {
        None
    }
    /// Whether the store can be listed, written and read now: asked at start-up (a clear error
    /// instead of serving without a photo store). `/healthz` does not ask: records sync while
    /// the store is down.
    async fn check(&self) -> Result<(), StoreError>;

    /// Stores a photo under its hash. Returns once it is durably stored. A photo already stored
    /// keeps its bytes (the same bytes: its name is their hash); whether it is written again is
    /// the store's choice.
    async fn put(&self, photo: &Hashed, kind: PhotoKind) -> Result<(), StoreError>;
    /// Stores the photo's thumbnail, made once the photo passed its check
    /// (`crate::photos::check`), replacing one stored before.
    async fn put_thumbnail(&self, hash: &PhotoHash, thumbnail: Bytes) -> Result<(), StoreError>;
    /// The photo's bytes and format, if stored.
    async fn get(&self, hash: &PhotoHash) -> Result<Option<(PhotoKind, Bytes)>, StoreError>;
    /// The photo's 320 px JPEG thumbnail, if made yet.
    async fn thumbnail(&self, hash: &PhotoHash) -> Result<Option<Bytes>, StoreError>;
    async fn exists(&self, hash: &PhotoHash) -> Result<bool, StoreError>;
    /// Deletes the photo and its thumbnail, whatever its format; nothing stored is no error.
    async fn delete(&self, hash: &PhotoHash) -> Result<(), StoreError>;

    /// Stores `bytes` as the part of upload `upload` that starts at byte `start`, replacing a
    /// part stored there before. Returns once it is durably stored.
    async fn put_part(&self, upload: &str, start: u64, bytes: Bytes) -> Result<(), StoreError>;
    /// The parts stored for `upload`, in no particular order.
    async fn parts(&self, upload: &str) -> Result<Vec<Part>, StoreError>;
    /// The bytes of the part of `upload` starting at `start`, if stored.
    async fn read_part(&self, upload: &str, start: u64) -> Result<Option<Bytes>, StoreError>;
    /// Deletes every part of `upload`; nothing stored is no error.
    async fn delete_upload(&self, upload: &str) -> Result<(), StoreError>;
    /// Up to `limit` uploads that have parts stored (for the sweeper, which deletes those the
    /// ledger no longer knows).
    async fn uploads_with_parts(&self, limit: usize) -> Result<Vec<String>, StoreError>;
}

/// Opens the photo store `spec` names: `s3://bucket[/prefix]` for object storage (endpoint,
/// region and credentials from the standard `AWS_*` variables), an absolute folder (`/srv/…` or
/// `file:///srv/…`), or nothing for the folders under `data_dir`. A relative folder is refused:
/// each process would resolve it against its own working directory.
pub fn open(spec: Option<&str>, data_dir: &Path) -> anyhow::Result<Arc<dyn PhotoStore>> {
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Arc::new(LocalPhotoStore::in_data_dir(data_dir))),
        Some(url) if url.starts_with("s3://") => Ok(Arc::new(S3PhotoStore::open(url)?)),
        Some(other) => {
            let path = Path::new(other.strip_prefix("file://").unwrap_or(other));
            anyhow::ensure!(
                path.is_absolute(),
                "the photo store {other:?} (--photo-store, YIWANG_PHOTO_STORE) is neither \
                 s3://bucket[/prefix] nor an absolute folder"
            );
            Ok(Arc::new(LocalPhotoStore::in_data_dir(path)))
        }
    }
}

/// Upload ids are what the server hands out: 32 lower-case hex digits. Anything else names no
/// upload — and never reaches a file or object name.
pub(crate) fn valid_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The name of a photo stored as `kind`, under the store's root.
pub(crate) fn photo_name(hash: &PhotoHash, kind: PhotoKind) -> String {
    format!(
        "photos/{}/{}.{}",
        &hash.as_str()[..2],
        hash.as_str(),
        kind.extension()
    )
}

pub(crate) fn thumbnail_name(hash: &PhotoHash) -> String {
    format!("photos/{}/{}.thumb.jpg", &hash.as_str()[..2], hash.as_str())
}

/// The folder (prefix) of an upload's parts.
pub(crate) fn upload_dir(upload: &str) -> String {
    format!("uploads/{upload}")
}

/// The name of an upload's part starting at `start`.
pub(crate) fn part_name(start: u64) -> String {
    format!("{start:020}")
}

/// The start of the part named `name`, if it is one of ours.
pub(crate) fn part_start(name: &str) -> Option<u64> {
    (name.len() == 20 && name.bytes().all(|b| b.is_ascii_digit()))
        .then(|| name.parse().ok())
        .flatten()
}

/// A file's bytes with the SHA-256 computed from them: what [`PhotoStore::put`] takes, so a
/// content address never names other content and nobody hashes a file twice.
#[derive(Debug, Clone)]
pub struct Hashed {
    hash: PhotoHash,
    bytes: Bytes,
}

impl Hashed {
    /// Hashes `bytes` (about 2 ms for a phone photo).
    pub fn new(bytes: Bytes) -> Hashed {
        Hashed {
            hash: PhotoHash::of(&bytes),
            bytes,
        }
    }

    pub fn hash(&self) -> &PhotoHash {
        &self.hash
    }

    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

/// The parts that make up the first `length` bytes of `upload`, in order: from byte 0, each
/// part the one stored at the byte where the previous ended. `Err(PartsMissing)` when the
/// parts stop short of `length` (or overshoot it: a part that straddles the end was never
/// acknowledged).
pub async fn chain(
    store: &dyn PhotoStore,
    upload: &str,
    length: u64,
) -> Result<Vec<Part>, StoreError> {
    if length == 0 {
        return Ok(vec![]);
    }
    let mut parts = store.parts(upload).await?;
    parts.sort();
    let mut out = Vec::new();
    let mut at = 0u64;
    while at < length {
        let Some(p) = parts
            .binary_search_by(|p| p.start.cmp(&at))
            .ok()
            .map(|i| parts[i])
        else {
            return Err(StoreError::PartsMissing(format!(
                "no part of upload {upload} starts at byte {at} of {length}"
            )));
        };
        if p.len == 0 || p.start + p.len > length {
            return Err(StoreError::PartsMissing(format!(
                "the part of upload {upload} at byte {at} holds {} bytes, past its length {length}",
                p.len
            )));
        }
        out.push(p);
        at += p.len;
    }
    Ok(out)
}

/// The first `length` bytes of `upload`, read part by part along [`chain`].
pub async fn assemble(
    store: &dyn PhotoStore,
    upload: &str,
    length: u64,
) -> Result<Vec<u8>, StoreError> {
    let parts = chain(store, upload, length).await?;
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    for p in parts {
        let Some(b) = store.read_part(upload, p.start).await? else {
            return Err(StoreError::PartsMissing(format!(
                "the part of upload {upload} at byte {} went away",
                p.start
            )));
        };
        if b.len() as u64 != p.len {
            return Err(StoreError::PartsMissing(format!(
                "the part of upload {upload} at byte {} changed while it was read",
                p.start
            )));
        }
        bytes.extend_from_slice(&b);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_a_bucket_or_an_absolute_folder() {
        let data = Path::new("/var/lib/yiwang");
        let shown = |spec: Option<&str>| open(spec, data).map(|s| s.describe());
        assert_eq!(
            shown(None).unwrap(),
            "the folder /var/lib/yiwang/photos",
            "by default, the data folder's"
        );
        assert_eq!(
            shown(Some("file:///srv/photos")).unwrap(),
            "the folder /srv/photos/photos"
        );
        let err = shown(Some("yiwang-photos/210882")).unwrap_err().to_string();
        assert!(err.contains("neither s3://"), "{err}");
        let err = shown(Some("s3:///photos")).unwrap_err().to_string();
        assert!(err.contains("names no bucket"), "{err}");
        let err = S3PhotoStore::at("s3://photos", "127.0.0.1:9000", "k", "s")
            .unwrap_err()
            .to_string();
        assert!(err.contains("must begin with https:// or http://"), "{err}");
    }

    #[test]
    fn part_names_sort_by_position_and_read_back() {
        assert_eq!(part_name(0), "00000000000000000000");
        assert!(part_name(9) < part_name(10));
        assert_eq!(part_start(&part_name(1_048_576)), Some(1_048_576));
        assert_eq!(part_start(".tmp"), None);
        assert_eq!(part_start("0000000000000000000x"), None);
    }

    #[tokio::test]
    async fn the_chain_follows_acknowledged_parts_and_skips_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::in_data_dir(dir.path());
        let id = "0123456789abcdef0123456789abcdef";
        // An acknowledged part 0..4, a stale part at 2 (never on the path), 4..6, and a part
        // at 6 that would run past the length: 0..6 is whole, 0..7 is not.
        store
            .put_part(id, 0, Bytes::from_static(b"abcd"))
            .await
            .unwrap();
        store
            .put_part(id, 2, Bytes::from_static(b"zzzzzz"))
            .await
            .unwrap();
        store
            .put_part(id, 4, Bytes::from_static(b"ef"))
            .await
            .unwrap();
        assert_eq!(assemble(&store, id, 6).await.unwrap(), b"abcdef");
        assert!(matches!(
            assemble(&store, id, 7).await,
            Err(StoreError::PartsMissing(_))
        ));
        store
            .put_part(id, 4, Bytes::from_static(b"EFG"))
            .await
            .unwrap();
        assert_eq!(
            assemble(&store, id, 7).await.unwrap(),
            b"abcdEFG",
            "a part written again from the same byte replaces the old one"
        );
        store.delete_upload(id).await.unwrap();
        assert!(store.parts(id).await.unwrap().is_empty());
    }
}
