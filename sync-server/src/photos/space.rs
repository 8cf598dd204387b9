//! Free disk space where photos land: the probe behind the upload guard (docs/SECURITY.md,
//! "Uploads and disk").
//!
//! A full disk stops every county's sync, not only photos: the ledger cannot commit a push
//! without room for its WAL. So tus uploads (creation and every PATCH) are refused with `507
//! insufficient_storage` while the photo store's filesystem has less than
//! [`default_min_free_space`] free (`--min-free-space`), and the ledger keeps the rest.
//!
//! [`DiskSpace`] is the probe: [`Statvfs`] asks the filesystem (`statvfs(3)` through rustix,
//! no `unsafe` here), [`FixedSpace`] is the one a test sets by hand. This module depends on
//! nothing else of the server, so the state can hold a probe without an import circle.

use std::fmt::Debug;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Asks how many bytes an unprivileged writer may still put on the filesystem holding `path`.
pub trait DiskSpace: Send + Sync + Debug {
    fn free_bytes(&self, path: &Path) -> std::io::Result<u64>;
}

/// The real probe: `statvfs` of the path, blocks available to unprivileged users times the
/// fragment size (what `df` shows as "Avail").
#[derive(Debug, Clone, Copy, Default)]
pub struct Statvfs;

impl DiskSpace for Statvfs {
    #[cfg(unix)]
    fn free_bytes(&self, path: &Path) -> std::io::Result<u64> {
        let s = rustix::fs::statvfs(path)?;
        Ok(s.f_bavail.saturating_mul(s.f_frsize))
    }

    #[cfg(not(unix))]
    fn free_bytes(&self, _path: &Path) -> std::io::Result<u64> {
        Err(std::io::Error::other(
            "free space is only probed on Unix; the guard stays open",
        ))
    }
}

/// A probe that reports what it is told, shared by clones: a test fills the "disk" with
/// [`FixedSpace::set`] and empties it again.
#[derive(Debug, Clone)]
pub struct FixedSpace(Arc<AtomicU64>);

impl FixedSpace {
    pub fn new(free: u64) -> FixedSpace {
        FixedSpace(Arc::new(AtomicU64::new(free)))
    }

    pub fn set(&self, free: u64) {
        self.0.store(free, Ordering::Relaxed);
    }
}

impl DiskSpace for FixedSpace {
    fn free_bytes(&self, _path: &Path) -> std::io::Result<u64> {
        Ok(self.0.load(Ordering::Relaxed))
    }
}

/// The default floor: 1 GiB, or room for two of the largest photos if that were more. Below it
/// the ledger still has room to commit pushes and console actions for a long while (a push of
/// 500 findings is a few MB), and an operator has time to act on the warning.
pub fn default_min_free_space() -> u64 {
    (1u64 << 30).max(2 * yiwang_core::photo::MAX_PHOTO_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_probe_reads_this_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        let free = Statvfs.free_bytes(dir.path()).unwrap();
        assert!(free > 0, "a filesystem tests can write to has room: {free}");
        assert!(
            Statvfs.free_bytes(&dir.path().join("missing")).is_err(),
            "a path that does not exist is an error, not zero"
        );
    }

    #[test]
    fn a_fixed_probe_is_shared_by_its_clones() {
        let probe = FixedSpace::new(10);
        let seen = probe.clone();
        probe.set(3);
        assert_eq!(seen.free_bytes(Path::new("/")).unwrap(), 3);
        assert!(default_min_free_space() >= 2 * yiwang_core::photo::MAX_PHOTO_BYTES);
    }
}
