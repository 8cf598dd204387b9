//! The default photo store: folders on the server's disk, `data_dir/photos` laid out as
//! `ab/<sha256>.jpg` (`.png`, `.webp`) with the thumbnail beside it as `<sha256>.thumb.jpg` (the
//! same two-level layout as the device's photo folder), and `data_dir/uploads/<id>/<start>` for
//! the parts of unfinished uploads. A file is written to a temporary name, fsynced and renamed
//! into place, so a reader (or a crash) never sees half of one; and since a photo's name is its
//! content's hash, writing a photo that is already there changes nothing. The blocking file work
//! runs on tokio's blocking pool.

use super::{part_name, part_start, Hashed, Part, PhotoKind, PhotoStore, StoreError};
use async_trait::async_trait;
use bytes::Bytes;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use yiwang_core::ids::PhotoHash;

/// The default store: folders on the server's disk.
#[derive(Debug, Clone)]
pub struct LocalPhotoStore {
    /// `data_dir/photos`
    root: PathBuf,
    /// `data_dir/uploads`
    uploads: PathBuf,
}

impl LocalPhotoStore {
    /// The store of a data folder: `data_dir/photos` and `data_dir/uploads`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("photos"),
            uploads: data_dir.join("uploads"),
        }
    }

    /// The photos of a folder `root` (uploads beside it, in `root/../uploads`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root: PathBuf = root.into();
        let uploads = root
            .parent()
            .map(|p| p.join("uploads"))
            .unwrap_or_else(|| root.join("uploads"));
        Self { root, uploads }
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

    /// The folder of an upload's parts.
    pub fn upload_path(&self, upload: &str) -> PathBuf {
        self.uploads.join(upload)
    }

    fn find(&self, hash: &PhotoHash) -> Option<(PhotoKind, PathBuf)> {
        PhotoKind::ALL
            .into_iter()
            .map(|k| (k, self.photo_path(hash, k)))
            .find(|(_, p)| p.is_file())
    }

    fn put_blocking(&self, photo: &Hashed, kind: PhotoKind) -> Result<(), StoreError> {
        if self.find(photo.hash()).is_some() {
            return Ok(());
        }
        write_atomic(&self.photo_path(photo.hash(), kind), photo.bytes())?;
        Ok(())
    }

    fn get_blocking(&self, hash: &PhotoHash) -> Result<Option<(PhotoKind, Bytes)>, StoreError> {
        for kind in PhotoKind::ALL {
            if let Some(bytes) = read_if_exists(&self.photo_path(hash, kind))? {
                return Ok(Some((kind, bytes.into())));
            }
        }
        Ok(None)
    }

    fn delete_blocking(&self, hash: &PhotoHash) -> Result<(), StoreError> {
        // The photo before its thumbnail: a thumbnail alone is made again from nothing, but
        // is never served (the ledger no longer knows the photo).
        let paths = PhotoKind::ALL
            .into_iter()
            .map(|k| self.photo_path(hash, k))
            .chain([self.thumbnail_path(hash)]);
        for path in paths {
            remove_if_exists(&path)?;
        }
        sync_dir(&self.dir(hash))?;
        Ok(())
    }

    fn parts_blocking(&self, upload: &str) -> Result<Vec<Part>, StoreError> {
        let entries = match fs::read_dir(self.upload_path(upload)) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e.into()),
        };
        let mut out = vec![];
        for entry in entries {
            let entry = entry?;
            if let Some(start) = part_start(&entry.file_name().to_string_lossy()) {
                out.push(Part {
                    start,
                    len: entry.metadata()?.len(),
                });
            }
        }
        Ok(out)
    }

    fn uploads_blocking(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(&self.uploads) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e.into()),
        };
        let mut out = vec![];
        for entry in entries.take(limit) {
            let name = entry?.file_name().to_string_lossy().into_owned();
            // `<id>.part`: a single file per upload, as servers before parts kept them.
            let id = name.strip_suffix(".part").unwrap_or(&name);
            if super::valid_upload_id(id) {
                out.push(id.to_owned());
            }
        }
        Ok(out)
    }

    fn delete_upload_blocking(&self, upload: &str) -> Result<(), StoreError> {
        match fs::remove_dir_all(self.upload_path(upload)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        remove_if_exists(&self.uploads.join(format!("{upload}.part")))?;
        Ok(())
    }
}

/// Runs blocking file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Io(io::Error::other(e)))?
}

fn read_if_exists(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
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

#[async_trait]
impl PhotoStore for LocalPhotoStore {
    fn describe(&self) -> String {
        format!("the folder {}", self.root.display())
    }

    fn local_root(&self) -> Option<PathBuf> {
        // The folder itself once it exists (before the first photo, the one it will be in).
        self.root
            .ancestors()
            .find(|p| p.exists())
            .map(Path::to_path_buf)
    }

    async fn check(&self) -> Result<(), StoreError> {
        let s = self.clone();
        blocking(move || {
            fs::create_dir_all(&s.root)?;
            fs::create_dir_all(&s.uploads)?;
            let probe = s
                .uploads
                .join(format!(".probe.{}", uuid::Uuid::new_v4().simple()));
            fs::write(&probe, b"probe")?;
            fs::remove_file(&probe)?;
            Ok(())
        })
        .await
    }

    async fn put(&self, photo: &Hashed, kind: PhotoKind) -> Result<(), StoreError> {
        let (s, photo) = (self.clone(), photo.clone());
        blocking(move || s.put_blocking(&photo, kind)).await
    }

    async fn put_thumbnail(&self, hash: &PhotoHash, thumbnail: Bytes) -> Result<(), StoreError> {
        let path = self.thumbnail_path(hash);
        blocking(move || Ok(write_atomic(&path, &thumbnail)?)).await
    }

    async fn get(&self, hash: &PhotoHash) -> Result<Option<(PhotoKind, Bytes)>, StoreError> {
        let (s, hash) = (self.clone(), hash.clone());
        blocking(move || s.get_blocking(&hash)).await
    }

    async fn thumbnail(&self, hash: &PhotoHash) -> Result<Option<Bytes>, StoreError> {
        let path = self.thumbnail_path(hash);
        blocking(move || Ok(read_if_exists(&path)?.map(Bytes::from))).await
    }

    async fn exists(&self, hash: &PhotoHash) -> Result<bool, StoreError> {
        let (s, hash) = (self.clone(), hash.clone());
        blocking(move || Ok(s.find(&hash).is_some())).await
    }

    async fn delete(&self, hash: &PhotoHash) -> Result<(), StoreError> {
        let (s, hash) = (self.clone(), hash.clone());
        blocking(move || s.delete_blocking(&hash)).await
    }

    async fn put_part(&self, upload: &str, start: u64, bytes: Bytes) -> Result<(), StoreError> {
        let path = self.upload_path(upload).join(part_name(start));
        blocking(move || Ok(write_atomic(&path, &bytes)?)).await
    }

    async fn parts(&self, upload: &str) -> Result<Vec<Part>, StoreError> {
        let (s, upload) = (self.clone(), upload.to_owned());
        blocking(move || s.parts_blocking(&upload)).await
    }

    async fn read_part(&self, upload: &str, start: u64) -> Result<Option<Bytes>, StoreError> {
        let path = self.upload_path(upload).join(part_name(start));
        blocking(move || Ok(read_if_exists(&path)?.map(Bytes::from))).await
    }

    async fn delete_upload(&self, upload: &str) -> Result<(), StoreError> {
        let (s, upload) = (self.clone(), upload.to_owned());
        blocking(move || s.delete_upload_blocking(&upload)).await
    }

    async fn uploads_with_parts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let s = self.clone();
        blocking(move || s.uploads_blocking(limit)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(bytes: impl AsRef<[u8]>) -> Bytes {
        Bytes::copy_from_slice(bytes.as_ref())
    }

    #[tokio::test]
    async fn a_photo_is_stored_under_its_hash_with_its_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::in_data_dir(dir.path());
        let bytes = b"not really a jpeg, but the store does not look".to_vec();
        let photo = Hashed::new(b(&bytes));
        let hash = photo.hash().clone();
        assert!(!store.exists(&hash).await.unwrap(), "nothing before put");
        store.put(&photo, PhotoKind::Jpeg).await.unwrap();
        assert_eq!(store.thumbnail(&hash).await.unwrap(), None, "none made yet");
        store.put_thumbnail(&hash, b(b"thumb")).await.unwrap();
        assert!(store.exists(&hash).await.unwrap());
        assert_eq!(
            store.get(&hash).await.unwrap(),
            Some((PhotoKind::Jpeg, b(&bytes))),
            "the bytes come back as stored"
        );
        assert_eq!(
            store.thumbnail(&hash).await.unwrap().as_deref(),
            Some(&b"thumb"[..])
        );
        let path = store.photo_path(&hash, PhotoKind::Jpeg);
        assert!(
            path.starts_with(dir.path().join("photos").join(&hash.as_str()[..2])),
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

    #[tokio::test]
    async fn a_deleted_photo_is_gone_with_its_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::in_data_dir(dir.path());
        let photo = Hashed::new(b(b"gone"));
        let hash = photo.hash().clone();
        store.put(&photo, PhotoKind::Webp).await.unwrap();
        store.put_thumbnail(&hash, b(b"t")).await.unwrap();
        store.delete(&hash).await.unwrap();
        assert!(!store.exists(&hash).await.unwrap(), "the photo is gone");
        assert_eq!(
            store.thumbnail(&hash).await.unwrap(),
            None,
            "and its thumbnail"
        );
        store
            .delete(&hash)
            .await
            .expect("deleting what is not stored is no error");
    }

    #[tokio::test]
    async fn putting_a_stored_photo_again_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalPhotoStore::in_data_dir(dir.path());
        let photo = Hashed::new(b(b"same"));
        let hash = photo.hash().clone();
        store.put(&photo, PhotoKind::Png).await.unwrap();
        store.put(&photo, PhotoKind::Jpeg).await.unwrap();
        assert_eq!(
            store.get(&hash).await.unwrap(),
            Some((PhotoKind::Png, b("same"))),
            "the first copy stays"
        );
    }
}
