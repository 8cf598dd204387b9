//! Passwords: argon2id hashes, checked a few at a time.
//!
//! An argon2id check takes 19 MiB and tens of milliseconds of one core. Run on the shared
//! blocking pool without a cap, a county's devices signing in at once (1,798 of them after a
//! night without signal) took the server to 22 GB and the kernel killed it. So every hash and
//! check goes through the [`PasswordGate`]: a few threads of its own (as many as the machine has
//! cores and memory for, at most four), fed from a bounded queue. When the queue is full the
//! request is answered `503` with a `Retry-After` that says when the queue will have drained;
//! devices retry then.

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most hashing threads, whatever the machine.
pub const MAX_HASHERS: usize = 4;
/// Memory one argon2id check takes (the crate's default parameters: m = 19 MiB).
pub const HASH_MEMORY_BYTES: u64 = 19 * 1024 * 1024;
/// Checks that may wait per hashing thread before new ones are turned away.
pub const QUEUE_PER_HASHER: usize = 128;
/// The longest `Retry-After` a full queue asks for.
pub const MAX_RETRY_AFTER_SECS: u64 = 30;

/// Hashes a password with argon2id and a random salt (PHC string). Blocks for tens of
/// milliseconds: call it through a [`PasswordGate`], or where nothing else waits (the CLI).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a PHC string (blocks like [`hash_password`]).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the user does not exist, so a wrong user name takes as long
/// as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a password").expect("hashing works"))
}

type Job = Box<dyn FnOnce() + Send>;

/// The threads that hash and check passwords, and their queue (see the module docs).
pub struct PasswordGate {
    /// One permit per hashing thread: a [`HashSlot`] holds one.
    permits: Arc<Semaphore>,
    jobs: SyncSender<Job>,
    hashers: usize,
    queue: usize,
    waiting: Arc<AtomicUsize>,
    /// Mean time of one hash, in microseconds (moving average), for `Retry-After`.
    mean_micros: Arc<AtomicU64>,
}

impl std::fmt::Debug for PasswordGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordGate")
            .field("hashers", &self.hashers)
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

/// A turn at a hashing thread. Held while the work around one check is done (the sign-in
/// throttle reserves its attempt while holding it, so at most as many attempts are in flight as
/// there are hashing threads), and given up when dropped or used.
pub struct HashSlot {
    permit: OwnedSemaphorePermit,
    jobs: SyncSender<Job>,
    mean_micros: Arc<AtomicU64>,
}

impl HashSlot {
    /// Checks `password` against `phc` (against a dummy hash when there is no user, so the
    /// answer takes as long).
    pub async fn verify(self, password: String, phc: Option<String>) -> ApiResult<bool> {
        self.run(move || verify_password(&password, phc.as_deref().unwrap_or_else(|| dummy_hash())))
            .await
    }

    /// Hashes a new password.
    pub async fn hash(self, password: String) -> ApiResult<String> {
        Ok(self.run(move || hash_password(&password)).await??)
    }

    /// Runs `work` on a hashing thread. The turn is held until the work is done, even when the
    /// caller goes away meanwhile.
    async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let HashSlot {
            permit,
            jobs,
            mean_micros,
        } = self;
        let job: Job = Box::new(move || {
            let _turn = permit;
            let started = Instant::now();
            let out = work();
            let took = started.elapsed().as_micros() as u64;
            let old = mean_micros.load(Ordering::Relaxed);
            mean_micros.store((old * 7 + took) / 8, Ordering::Relaxed);
            let _ = tx.send(out);
        });
        // The channel holds one job per thread and each job holds a permit: never full.
        jobs.try_send(job)
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the password threads stopped")))?;
        rx.await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a password thread stopped")))
    }
}

impl PasswordGate {
    /// A gate of `hashers` threads (at least one) and a queue of `queue` waiting turns.
    pub fn new(hashers: usize, queue: usize) -> PasswordGate {
        let hashers = hashers.max(1);
        let (jobs, rx) = sync_channel::<Job>(hashers);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..hashers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("yiwang-passwords-{i}"))
                .spawn(move || loop {
                    // The gate's sender gone: the server stopped.
                    let job = match rx.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    job();
                })
                .expect("a password thread starts");
        }
        PasswordGate {
            permits: Arc::new(Semaphore::new(hashers)),
            jobs,
            hashers,
            queue: queue.max(1),
            waiting: Arc::new(AtomicUsize::new(0)),
            mean_micros: Arc::new(AtomicU64::new(50_000)),
        }
    }

    /// A gate sized to this machine: one thread per core, as many as a sixty-fourth of its memory
    /// holds hashes, between one and [`MAX_HASHERS`].
    pub fn sized_to_machine() -> PasswordGate {
        Self::configured(None, None)
    }

    /// `hashers` threads and a queue of `queue` (each sized to the machine when `None`).
    pub fn configured(hashers: Option<usize>, queue: Option<usize>) -> PasswordGate {
        let hashers = hashers.unwrap_or_else(|| Self::size_for(cores(), total_memory_bytes()));
        let queue = queue.unwrap_or(hashers.max(1) * QUEUE_PER_HASHER);
        PasswordGate::new(hashers, queue)
    }

    /// The number of hashing threads for a machine of `cores` and `memory` bytes.
    pub fn size_for(cores: usize, memory: Option<u64>) -> usize {
        let by_memory = memory.map_or(MAX_HASHERS, |m| (m / 64 / HASH_MEMORY_BYTES) as usize);
        cores.min(by_memory).clamp(1, MAX_HASHERS)
    }

    pub fn hashers(&self) -> usize {
        self.hashers
    }

    /// Waits for a turn: `503 unavailable` with `Retry-After` when too many wait already.
    pub async fn slot(&self) -> ApiResult<HashSlot> {
        let ahead = self.waiting.fetch_add(1, Ordering::AcqRel);
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _waiting = Waiting(&self.waiting);
        if ahead >= self.queue {
            return Err(ApiError::Busy {
                retry_after_secs: self.drain_secs(ahead),
            });
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the password gate closed")))?;
        Ok(HashSlot {
            permit,
            jobs: self.jobs.clone(),
            mean_micros: self.mean_micros.clone(),
        })
    }

    /// Checks a password at the next free turn.
    pub async fn verify(&self, password: String, phc: Option<String>) -> ApiResult<bool> {
        self.slot().await?.verify(password, phc).await
    }

    /// Hashes a new password at the next free turn.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.slot().await?.hash(password).await
    }

    /// Seconds until `queued` turns have been served.
    fn drain_secs(&self, queued: usize) -> u64 {
        let micros =
            (queued as u64 + 1) * self.mean_micros.load(Ordering::Relaxed) / self.hashers as u64;
        micros.div_ceil(1_000_000).clamp(1, MAX_RETRY_AFTER_SECS)
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `MemTotal` of `/proc/meminfo`, where there is one.
fn total_memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("demo").unwrap();
        assert!(h.starts_with("$argon2id$"), "argon2id is the algorithm");
        assert!(verify_password("demo", &h));
        assert!(!verify_password("Demo", &h), "case matters");
        assert!(
            !verify_password("demo", "not a phc string"),
            "garbage never verifies"
        );
    }

    #[test]
    fn the_gate_is_sized_to_cores_and_memory() {
        let gib = 1024 * 1024 * 1024;
        assert_eq!(PasswordGate::size_for(2, Some(24 * gib)), 2, "two cores");
        assert_eq!(PasswordGate::size_for(32, Some(256 * gib)), MAX_HASHERS);
        assert_eq!(PasswordGate::size_for(8, Some(gib / 2)), 1, "a small box");
        assert_eq!(PasswordGate::size_for(8, Some(3 * gib)), 2);
        assert_eq!(PasswordGate::size_for(0, None), 1);
    }

    #[tokio::test]
    async fn a_full_queue_is_turned_away_with_a_time_to_come_back() {
        let gate = Arc::new(PasswordGate::new(1, 1));
        // One turn taken and held; one waiting for it: the queue is full.
        let held = gate.slot().await.expect("a free turn");
        let g = gate.clone();
        let second = tokio::spawn(async move { g.slot().await.map(|_| ()) });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        match gate.slot().await {
            Err(ApiError::Busy { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!(
                "the third should be turned away, got {:?}",
                other.map(|_| ())
            ),
        }
        assert!(
            held.verify("x".into(), None).await.is_ok(),
            "the held turn checks"
        );
        second.await.unwrap().expect("the waiting one got its turn");
        assert!(
            gate.verify("x".into(), None).await.is_ok(),
            "and the gate is free again"
        );
    }
}
