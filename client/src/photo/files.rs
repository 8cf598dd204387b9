//! [`PhotoFiles`]: the content-addressed folder where processed photos and their thumbnails
//! live, written atomically.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use yiwang_core::ids::PhotoHash;

use super::pipeline::{PhotoError, ProcessedPhoto, THUMB_EDGE};

/// The content-addressed photo folder: `dir/ab/<hash>.jpg` and `dir/ab/<hash>.thumb.jpg`, where
/// `ab` are the first two hex digits (so no folder grows past a few thousand entries). A file
/// that exists is complete, because files only appear by rename.
#[derive(Debug, Clone)]
pub struct PhotoFiles {
    dir: PathBuf,
}

impl PhotoFiles {
    /// Opens the folder, creating it if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, PhotoError> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores the photo and its thumbnail and returns the photo's path. Storing the same photo
    /// again writes nothing: same content, same name.
    pub fn put(&self, photo: &ProcessedPhoto) -> Result<PathBuf, PhotoError> {
        // A mismatched name would poison the store for good; hashing ~1 MB costs a few ms.
        if PhotoHash::of(&photo.jpeg) != photo.hash {
            return Err(PhotoError::Corrupt(
                "the photo bytes do not match their SHA-256 name".into(),
            ));
        }
        let path = self.path(&photo.hash);
        let thumb = self.thumb_path(&photo.hash);
        if let Some(shard) = path.parent() {
            fs::create_dir_all(shard)?;
        }
        // Thumbnail first: `contains` looks at the photo, so it is true only once both exist.
        if !thumb.exists() {
            write_atomically(&thumb, &photo.thumbnail)?;
        }
        if !path.exists() {
            write_atomically(&path, &photo.jpeg)?;
        }
        Ok(path)
    }

    pub fn path(&self, hash: &PhotoHash) -> PathBuf {
        self.shard(hash).join(format!("{}.jpg", hash.as_str()))
    }

    pub fn thumb_path(&self, hash: &PhotoHash) -> PathBuf {
        self.shard(hash)
            .join(format!("{}.thumb.jpg", hash.as_str()))
    }

    /// Keeps a thumbnail fetched from the server for a photo whose picture is not on the device
    /// (another user's photo in a case's timeline). It must decode as a JPEG no larger than
    /// twice [`THUMB_EDGE`] on its long edge; returns where it lies.
    pub fn put_thumbnail(&self, hash: &PhotoHash, jpeg: &[u8]) -> Result<PathBuf, PhotoError> {
        let picture = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
            .map_err(|e| PhotoError::Corrupt(format!("the server's thumbnail: {e}")))?;
        if picture.width().max(picture.height()) > THUMB_EDGE * 2 {
            return Err(PhotoError::Corrupt(format!(
                "the server's thumbnail is {}×{}, not a thumbnail",
                picture.width(),
                picture.height()
            )));
        }
        let thumb = self.thumb_path(hash);
        if let Some(shard) = thumb.parent() {
            fs::create_dir_all(shard)?;
        }
        write_atomically(&thumb, jpeg)?;
        Ok(thumb)
    }

    pub fn contains(&self, hash: &PhotoHash) -> bool {
        self.path(hash).is_file()
    }

    /// The stored JPEG bytes.
    pub fn read(&self, hash: &PhotoHash) -> Result<Vec<u8>, PhotoError> {
        Ok(fs::read(self.path(hash))?)
    }

    fn shard(&self, hash: &PhotoHash) -> PathBuf {
        // PhotoHash is always 64 hex digits, so the slice cannot fail; be safe all the same.
        self.dir.join(hash.as_str().get(..2).unwrap_or("00"))
    }
}

/// Writes through a temporary file in the same folder, fsyncs it and renames it into place, so
/// a crash or a full disk leaves either no file or the whole file, never half a photo.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PhotoError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("photo path has no folder"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call, so two threads storing the same photo never share a temp.
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // The rename is durable only once the folder entry is on disk too.
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok::<_, std::io::Error>(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    Ok(result?)
}
