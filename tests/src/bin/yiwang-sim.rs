//! `yiwang-sim`: simulated grid workers' devices (issue 4, item 2).
//!
//! Device `n` (from 1) signs in as `worker-{n:04}`, keeps its store under
//! `DATA_DIR/sim-{n:04}/`, patrols its grid (a track, `--findings` findings with `--photos`
//! generated JPEGs each: about half reported, a third resolved on the spot, the rest notes),
//! then syncs until nothing waits. A second run over the same `--data-dir` continues: a device
//! that already holds its findings records no more, and `--sync-only` records nothing at all.
//!
//! Prints one JSON line: devices, ops pushed, photos uploaded, bytes, seconds, errors (devices
//! that did not finish clean). Exits non-zero when any device failed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use yiwang_client::photo::{PhotoFiles, PhotoPipeline};
use yiwang_client::store::{FindingFilter, Store};
use yiwang_client::sync::{AgentConfig, SyncAgent, SyncClient, SyncError, SyncReport};
use yiwang_core::category::CategoryTree;
use yiwang_core::field::{Disposition, FindingDraft, PhotoMeta, TrackPoint};
use yiwang_core::ids::{CategoryCode, GridId, PatrolId, PhotoHash, UserId};

/// How many times one device tries a sync that fails with a retryable error.
/// Syncs that made no progress before a device gives up.
const SYNC_ATTEMPTS: u32 = 8;
/// How long a device keeps retrying a busy server (as the app's agent does, with back-off).
const SYNC_PATIENCE: Duration = Duration::from_secs(600);
/// How long one device keeps trying to sign in while the server says it is busy.
const SIGN_IN_PATIENCE: Duration = Duration::from_secs(600);
/// Where the simulated patrols walk: a neighbourhood of the seeded county.
const BASE_LAT: f64 = 40.63;
const BASE_LON: f64 = 122.50;

#[derive(Debug, Parser)]
#[command(about = "Simulates grid workers' devices that patrol, record findings and sync")]
struct Args {
    /// The sync server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    /// How many devices run at once.
    #[arg(long, default_value_t = 1)]
    devices: u32,
    /// Findings each device records.
    #[arg(long, default_value_t = 5)]
    findings: u32,
    /// Photos per finding.
    #[arg(long, default_value_t = 1)]
    photos: u32,
    /// Where the devices keep their stores and photos; reuse it to resume.
    #[arg(long)]
    data_dir: PathBuf,
    /// Seed for everything generated (positions, dispositions, categories, pictures).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Record all field work before the first sync.
    #[arg(long)]
    offline_first: bool,
    /// Record nothing new: only sync what is waiting.
    #[arg(long)]
    sync_only: bool,
    /// The workers' password.
    #[arg(long, default_value = "demo")]
    password: String,
}

/// The JSON summary line.
#[derive(Debug, Default)]
struct Totals {
    ops_pushed: u64,
    photos_uploaded: u64,
    bytes: u64,
    /// From the first sign-in attempt to a token, when this run signed in.
    sign_in: Option<Duration>,
    /// Answers "busy, come back later" on the way.
    sign_in_retries: u64,
    /// Syncs that met a busy server and were tried again.
    sync_retries: u64,
}

impl Totals {
    fn add(&mut self, r: &SyncReport) {
        self.ops_pushed += r.ops_pushed;
        self.photos_uploaded += r.photos_uploaded;
        self.bytes += r.bytes_uploaded;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=args.devices {
        let args = args.clone();
        tasks.spawn(async move { (n, run_device(&args, n).await) });
    }
    let mut totals = Totals::default();
    let mut errors = 0u64;
    let mut sign_ins: Vec<Duration> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(t))) => {
                totals.ops_pushed += t.ops_pushed;
                totals.photos_uploaded += t.photos_uploaded;
                totals.bytes += t.bytes;
                totals.sign_in_retries += t.sign_in_retries;
                totals.sync_retries += t.sync_retries;
                sign_ins.extend(t.sign_in);
            }
            Ok((n, Err(e))) => {
                errors += 1;
                eprintln!("sim-{n:04}: {e:#}");
            }
            Err(e) => {
                errors += 1;
                eprintln!("a device task failed: {e}");
            }
        }
    }
    sign_ins.sort();
    let ms = |q: f64| -> Option<f64> {
        let i = ((sign_ins.len() as f64 * q).ceil() as usize).clamp(1, sign_ins.len().max(1)) - 1;
        sign_ins.get(i).map(|d| d.as_secs_f64() * 1000.0)
    };
    let summary = serde_json::json!({
        "devices": args.devices,
        "ops_pushed": totals.ops_pushed,
        "photos_uploaded": totals.photos_uploaded,
        "bytes": totals.bytes,
        "seconds": started.elapsed().as_secs_f64(),
        "errors": errors,
        "sign_ins": sign_ins.len(),
        "sign_in_ms_p50": ms(0.5),
        "sign_in_ms_p99": ms(0.99),
        "sign_in_ms_max": ms(1.0),
        "sign_in_busy_retries": totals.sign_in_retries,
        "sync_busy_retries": totals.sync_retries,
    });
    println!("{summary}");
    if errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// One device from start to a clean sync; its sync figures.
async fn run_device(args: &Args, n: u32) -> anyhow::Result<Totals> {
    let name = format!("sim-{n:04}");
    let dir = args.data_dir.join(&name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let store =
        Arc::new(Store::open(dir.join("store.sqlite")).context("opening the device store")?);
    store.set_device_name(&name)?;
    let files = PhotoFiles::open(dir.join("photos")).context("opening the photo folder")?;
    let username = format!("worker-{n:04}");
    let client = SyncClient::new(&args.server, None)?;
    let agent = SyncAgent::with_config(store.clone(), client, quick());

    // The store records field work on behalf of the signed-in worker, so a device that never
    // signed in must sign in before it can record anything (even offline-first).
    let mut totals = Totals::default();
    let session = match store.session()? {
        Some(s)
            if s.token.is_some() && s.server_url == args.server && s.user.username == username =>
        {
            agent.client().set_token(s.token.clone());
            s
        }
        _ => {
            let started = Instant::now();
            let (session, retries) = sign_in(&agent, &username, &args.password).await?;
            totals.sign_in = Some(started.elapsed());
            totals.sign_in_retries = retries;
            session
        }
    };
    let grid = session
        .user
        .grid_ids
        .first()
        .cloned()
        .with_context(|| format!("{username} patrols no grid"))?;

    if !args.sync_only {
        if !args.offline_first {
            sync_until_clean(&agent, &username, &args.password, &mut totals).await?;
        }
        let patrol = Patrol {
            store: &store,
            files: &files,
            grid,
            worker: session.user.id.clone(),
            seed: args.seed ^ (u64::from(n) << 32),
        };
        tokio::task::block_in_place(|| patrol.walk(args.findings, args.photos))?;
    }
    sync_until_clean(&agent, &username, &args.password, &mut totals).await?;
    Ok(totals)
}

/// Signs in, as long as the server is only busy: a county's devices signing in at once are told
/// `503` with a `Retry-After`, and come back then (the client already waits a few times; this
/// keeps trying for [`SIGN_IN_PATIENCE`]). The session and how many busy answers it took.
async fn sign_in(
    agent: &SyncAgent,
    username: &str,
    password: &str,
) -> anyhow::Result<(yiwang_client::store::Session, u64)> {
    let deadline = Instant::now() + SIGN_IN_PATIENCE;
    let mut tries = 0u32;
    loop {
        tries += 1;
        match agent.login(username, password).await {
            Ok(s) => return Ok((s, u64::from(tries - 1))),
            Err(e) if e.is_retryable() && Instant::now() < deadline => {
                let wait = e
                    .retry_after()
                    .unwrap_or(Duration::from_millis(200 * u64::from(tries.min(25))));
                tokio::time::sleep(jitter(wait)).await;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("signing in ({tries} tries)")))
            }
        }
    }
}

/// `wait` and up to half as much again, at random: devices told the same wait do not come back
/// in the same instant.
fn jitter(wait: Duration) -> Duration {
    let extra = rand::thread_rng().gen_range(0..=wait.as_millis() as u64 / 2 + 50);
    wait + Duration::from_millis(extra)
}

fn quick() -> AgentConfig {
    AgentConfig {
        backoff_base: Duration::from_millis(100),
        backoff_cap: Duration::from_secs(2),
        ..AgentConfig::default()
    }
}

/// Syncs until no op waits in the outbox and no photo waits for upload; retries retryable
/// errors a few times, and signs in again when the server asks for it.
async fn sync_until_clean(
    agent: &SyncAgent,
    username: &str,
    password: &str,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let store = agent.store().clone();
    let mut last_error = None;
    let deadline = Instant::now() + SYNC_PATIENCE;
    // Ops delivered are read from the outbox at the end: a sync cut short by a busy server
    // delivered some without reporting them.
    let (sent_before, pushed_before) = (store.outbox_counts()?.sent, totals.ops_pushed);
    // Syncs that moved nothing and met no busy server; a busy server is waited out until the
    // deadline, with a doubling pause, as the app's agent does.
    let mut idle = 0u32;
    let mut busy = 0u32;
    while idle < SYNC_ATTEMPTS && Instant::now() < deadline {
        match agent.sync_once().await {
            Ok(report) => {
                totals.add(&report);
                let counts = store.outbox_counts()?;
                let waiting = counts.waiting;
                let photos = store.photos_waiting_upload()?.len();
                if counts.rejected > 0 {
                    bail!("the server rejected {} ops", counts.rejected);
                }
                if !report.photos_refused.is_empty() {
                    bail!("the server refused photos {:?}", report.photos_refused);
                }
                if waiting == 0 && photos == 0 {
                    totals.ops_pushed = pushed_before + counts.sent.saturating_sub(sent_before);
                    return Ok(());
                }
                idle += 1;
                last_error = Some(format!(
                    "{waiting} ops and {photos} photos still wait after a sync"
                ));
                tokio::time::sleep(Duration::from_millis(100 * u64::from(idle))).await;
            }
            Err(SyncError::Unauthorized) => {
                idle += 1;
                sign_in(agent, username, password).await?;
                last_error = Some("the server asked to sign in again".into());
            }
            Err(e) if e.is_retryable() => {
                busy += 1;
                last_error = Some(format!("{}: {e}", e.code()));
                let backoff =
                    Duration::from_millis(500 << busy.min(6)).min(Duration::from_secs(30));
                let wait = e.retry_after().unwrap_or_default().max(backoff);
                totals.sync_retries += 1;
                tokio::time::sleep(jitter(wait)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    bail!(
        "gave up after {idle} syncs without progress and {busy} busy answers: {}",
        last_error.unwrap_or_default()
    )
}

/// One device's field work, generated from its seed.
struct Patrol<'a> {
    store: &'a Store,
    files: &'a PhotoFiles,
    grid: GridId,
    worker: UserId,
    seed: u64,
}

impl Patrol<'_> {
    /// Records a patrol with `findings` findings of `photos` photos each, continuing one a
    /// killed run left: findings already recorded are not recorded again, an open patrol is
    /// continued and ended.
    fn walk(&self, findings: u32, photos: u32) -> anyhow::Result<()> {
        // Findings made on this device have ops in its outbox; pulled ones (a demo county's
        // own history, say) do not, and do not count.
        let mut recorded = 0u32;
        for row in self.store.findings(&FindingFilter::default())? {
            if row.finding.worker_id == self.worker
                && !self.store.outbox_for(row.finding.id.as_str())?.is_empty()
            {
                recorded += 1;
            }
        }
        let open = self.store.open_patrol()?.map(|p| p.patrol.id);
        if recorded >= findings && open.is_none() {
            return Ok(());
        }
        let now = Utc::now();
        let start = now - chrono::Duration::minutes(30);
        let patrol_id: PatrolId = match open {
            Some(id) => id,
            None => {
                let patrol = self.store.start_patrol(&self.grid, start)?;
                let mut rng = self.rng(0);
                let points: Vec<TrackPoint> = (0..5)
                    .map(|i| TrackPoint {
                        t: start + chrono::Duration::minutes(i),
                        lat: BASE_LAT + rng.gen_range(-0.002..0.002),
                        lon: BASE_LON + rng.gen_range(-0.002..0.002),
                        accuracy_m: Some(rng.gen_range(3.0..15.0)),
                        mock: false,
                    })
                    .collect();
                self.store.add_track_points(&patrol.id, &points)?;
                patrol.id
            }
        };
        let leaves: Vec<CategoryCode> = CategoryTree::builtin()
            .leaves()
            .map(|c| c.code.clone())
            .collect();
        for i in recorded..findings {
            self.record_finding(&patrol_id, i, photos, &leaves, now)?;
        }
        self.store.end_patrol(&patrol_id, Utc::now())?;
        Ok(())
    }

    /// A generator for item `i` of this device: the same item gets the same values in every
    /// run, so a photo made again after a crash has the same content and hash.
    fn rng(&self, i: u64) -> StdRng {
        StdRng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i)
    }

    fn record_finding(
        &self,
        patrol: &PatrolId,
        i: u32,
        photos: u32,
        leaves: &[CategoryCode],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut rng = self.rng(1 + u64::from(i));
        let roll: f64 = rng.gen();
        let disposition = if roll < 0.5 {
            Disposition::Report
        } else if roll < 0.8 {
            Disposition::ResolvedOnSpot
        } else {
            Disposition::Note
        };
        let category = leaves[rng.gen_range(0..leaves.len())].clone();
        let hashes = (0..photos)
            .map(|p| self.take_photo(&mut rng, i, p))
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.store.create_finding(FindingDraft {
            grid_id: self.grid.clone(),
            patrol_id: Some(patrol.clone()),
            category_code: category,
            description: format!("模拟巡查发现 #{}", i + 1),
            lat: Some(BASE_LAT + rng.gen_range(-0.002..0.002)),
            lon: Some(BASE_LON + rng.gen_range(-0.002..0.002)),
            accuracy_m: Some(rng.gen_range(3.0..15.0)),
            mock_location: false,
            observed_at: now - chrono::Duration::minutes(20)
                + chrono::Duration::seconds(i64::from(i)),
            disposition,
            photos: hashes,
            case_id: None,
            urgent: false,
        })?;
        Ok(())
    }

    /// A small noisy JPEG through the photo pipeline, stored and recorded: its hash.
    fn take_photo(&self, rng: &mut StdRng, finding: u32, photo: u32) -> anyhow::Result<PhotoHash> {
        let base = [rng.gen::<u8>(), rng.gen::<u8>(), rng.gen::<u8>()];
        let picture = image::RgbImage::from_fn(160, 120, |x, y| {
            let noise: u8 = rng.gen_range(0..48);
            image::Rgb([
                base[0].wrapping_add(x as u8).wrapping_add(noise),
                base[1].wrapping_add(y as u8).wrapping_add(noise),
                base[2]
                    .wrapping_add((finding * 31 + photo * 7) as u8)
                    .wrapping_add(noise),
            ])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(&picture)
            .context("encoding the camera's JPEG")?;
        let processed = PhotoPipeline::default().process(&jpeg, None)?;
        let path = self.files.put(&processed)?;
        let meta = PhotoMeta {
            sha256: processed.hash.clone(),
            finding_id: None,
            width: processed.width,
            height: processed.height,
            bytes: processed.jpeg.len() as u64,
            taken_at: None,
            exif_lat: None,
            exif_lon: None,
        };
        self.store
            .record_photo(&meta, &path, &self.files.thumb_path(&processed.hash))?;
        Ok(processed.hash)
    }
}
