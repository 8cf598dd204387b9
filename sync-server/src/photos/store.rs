//! The photo store: photo files, content-addressed by the SHA-256 of their bytes.
//!
//! [`PhotoStore`] is the one interface; [`LocalPhotoStore`] (a folder) is the default, laid out
//! as `photos/ab/<sha256>.jpg` (`.png`, `.webp`) with the thumbnail beside it as
//! `<sha256>.thumb.jpg`, the same two-level layout as the device's photo folder. A file is
//! written to a temporary name, fsynced and renamed into place, so a reader (or a crash) never
//! sees half a photo; and since the name is the content's hash, writing a photo that is already
//! there changes nothing.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use yiwang_core::ids::PhotoHash;

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
    /// The bytes handed to `put` are not the photo they claim to be: a bug upstream, refused
    /// so that a content address never names the wrong content.
    #[error("the bytes hash to {found}, not to {expected}")]
    HashMismatch {
        expected: PhotoHash,
        found: PhotoHash,
    },
}

/// Where photo files live, by content address.
pub trait PhotoStore: Send + Sync {
    /// Stores a photo and its thumbnail under `hash`, after checking that `bytes` hash to it.
    /// A photo already stored is left as it is.
    fn put(
        &self,
        hash: &PhotoHash,
        kind: PhotoKind,
        bytes: &[u8],
        thumbnail: &[u8],
    ) -> Result<(), StoreError>;
    /// The photo's bytes and format, if stored.
    fn get(&self, hash: &PhotoHash) -> Result<Option<(PhotoKind, Vec<u8>)>, StoreError>;
    /// The photo's 320 px JPEG thumbnail, if stored.
    fn thumbnail(&self, hash: &PhotoHash) -> Result<Option<Vec<u8>>, StoreError>;
    fn exists(&self, hash: &PhotoHash) -> Result<bool, StoreError>;
    /// Deletes the photo and its thumbnail, whatever its format; nothing stored is no error.
    fn delete(&self, hash: &PhotoHash) -> Result<(), StoreError>;
}

/// The default store: a folder on the server's disk (`data_dir/photos`).
#[derive(Debug, Clone)]
pub struct LocalPhotoStore {
    root: PathBuf,
}

impl LocalPhotoStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn dir(&self, hash: &PhotoHash) -> PathBuf {
        self.root.join(&hash.as_str()[..2])
    }

    /// The file of a photo stored as `kind`.
    pub fn photo_path(&self, hash: &PhotoHash, kind: PhotoKind) -> PathBuf {
        self.dir(hash)
            .join(format!("{}.{}", hash.as_str(), kind.extension()))
    }

    pub fn thumbnail_path(&self, hash: &PhotoHash) -> PathBuf {
        self.dir(hash).join(format!("{}.thumb.jpg", hash.as_str()))
    }

    fn find(&self, hash: &PhotoHash) -> Option<(PhotoKind, PathBuf)> {
        PhotoKind::ALL
            .into_iter()
            .map(|k| (k, self.photo_path(hash, k)))
            .find(|(_, p)| p.is_file())
    }
}

fn read_if_exists(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path` so that the file appears whole or not at all, and stays after a
/// power cut: temporary file, fsync, rename, fsync of the folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other(format!("{} has no folder", path.display())))?;
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Makes a rename or removal in `dir` durable (a no-op where folders cannot be opened).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

impl PhotoStore for LocalPhotoStore {
    fn put(
        &self,
        hash: &PhotoHash,
        kind: PhotoKind,
        bytes: &[u8],
        thumbnail: &[u8],
    ) -> Result<(), StoreError> {
        let found = PhotoHash::of(bytes);
        if &found != hash {
            return Err(StoreError::HashMismatch {
                expected: hash.clone(),
                found,
            });
        }
        if self.find(hash).is_some() {
            return Ok(());
        }
        // Thumbnail first: once the photo file exists, its thumbnail does too.
        write_atomic(&self.thumbnail_path(hash), thumbnail)?;
        write_atomic(&self.photo_path(hash, kind), bytes)?;
        Ok(())
    }

    fn get(&self, hash: &PhotoHash) -> Result<Option<(PhotoKind, Vec<u8>)>, StoreError> {
        for kind in PhotoKind::ALL {
            if let Some(bytes) = read_if_exists(&self.photo_path(hash, kind))? {
                return Ok(Some((kind, bytes)));
            }
        }
        Ok(None)
    }

    fn thumbnail(&self, hash: &PhotoHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(read_if_exists(&self.thumbnail_path(hash))?)
    }

    fn exists(&self, hash: &PhotoHash) -> Result<bool, StoreError> {
        Ok(self.find(hash).is_some())
    }

    fn delete(&self, hash: &PhotoHash) -> Result<(), StoreError> {
        // The photo before its thumbnail: the reverse of `put`, so a photo file never stands
        // without its thumbnail.
        let paths = PhotoKind::ALL
            .into_iter()
            .map(|k| self.photo_path(hash, k))
            .chain([self.thumbnail_path(hash)]);
        for path in paths {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        sync_dir(&self.dir(hash))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_stored_under_its_hash_with_its_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::new(dir.path());
        let bytes = b"not really a jpeg, but the store does not look".to_vec();
        let hash = PhotoHash::of(&bytes);
        assert!(!store.exists(&hash).unwrap(), "nothing before put");
        store.put(&hash, PhotoKind::Jpeg, &bytes, b"thumb").unwrap();
        assert!(store.exists(&hash).unwrap());
        assert_eq!(
            store.get(&hash).unwrap(),
            Some((PhotoKind::Jpeg, bytes.clone())),
            "the bytes come back as stored"
        );
        assert_eq!(
            store.thumbnail(&hash).unwrap().as_deref(),
            Some(&b"thumb"[..])
        );
        let path = store.photo_path(&hash, PhotoKind::Jpeg);
        assert!(
            path.starts_with(dir.path().join(&hash.as_str()[..2])),
            "two-level layout: ab/<sha256>.jpg, got {}",
            path.display()
        );
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left behind");
    }

    #[test]
    fn put_refuses_bytes_that_are_not_the_named_photo() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::new(dir.path());
        let hash = PhotoHash::of(b"one");
        let err = store.put(&hash, PhotoKind::Jpeg, b"two", b"t").unwrap_err();
        assert!(
            matches!(err, StoreError::HashMismatch { .. }),
            "a content address never names other content, got {err:?}"
        );
        assert!(!store.exists(&hash).unwrap(), "nothing was written");
    }

    #[test]
    fn a_deleted_photo_is_gone_with_its_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::new(dir.path());
        let hash = PhotoHash::of(b"gone");
        store.put(&hash, PhotoKind::Webp, b"gone", b"t").unwrap();
        store.delete(&hash).unwrap();
        assert!(!store.exists(&hash).unwrap(), "the photo is gone");
        assert_eq!(store.thumbnail(&hash).unwrap(), None, "and its thumbnail");
        store
            .delete(&hash)
            .expect("deleting what is not stored is no error");
    }

    #[test]
    fn putting_a_stored_photo_again_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::new(dir.path());
        let hash = PhotoHash::of(b"same");
        store.put(&hash, PhotoKind::Png, b"same", b"t1").unwrap();
        store.put(&hash, PhotoKind::Jpeg, b"same", b"t2").unwrap();
        assert_eq!(
            store.get(&hash).unwrap(),
            Some((PhotoKind::Png, b"same".to_vec())),
            "the first copy stays"
        );
        assert_eq!(store.thumbnail(&hash).unwrap().as_deref(), Some(&b"t1"[..]));
    }
}
