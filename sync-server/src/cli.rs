//! The command line: `serve`, `migrate`, `demo`, `user add`, `grids import`, `verify-ledger`,
//! `backup`, `restore`, `migrate-to`.
//! Every command takes `--data-dir` and `--database`; `serve` and `demo` take `--listen`. The
//! same settings come from `YIWANG_DATA_DIR`, `YIWANG_DATABASE_URL` and `YIWANG_LISTEN`.
//!
//! - `demo` seeds the reference county ([`crate::demo`]) into an empty ledger, then serves it in
//!   demo mode; on a folder that already holds a county it serves at once.
//! - `grids import FILE.geojson` upserts the grids of a GeoJSON FeatureCollection in one
//!   transaction, all of them or none, through the admin endpoint's own
//!   [`crate::console::grids_geojson`].
//! - `verify-ledger` proves no case was rewritten ([`crate::storage::audit::check_ledger`]): every chain links and
//!   matches its hashes, ends at the head the case row records, and replays into that row.
//! - `backup DEST` copies the SQLite ledger while the server runs; `restore SRC` checks a copy
//!   and puts it in place, refusing while a server runs ([`crate::backup`]).
//! - `migrate-to postgres://…` copies the SQLite ledger into PostgreSQL, resumably
//!   ([`crate::migrate_to`]).

use crate::app::ConsoleFiles;
use crate::state::{AppState, Settings};
use crate::storage::Ledger;
use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "yiwang-server",
    version,
    about = "Yiwang (一网) county case ledger and sync server"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Folder for the SQLite ledger and the photo store.
    #[arg(
        long,
        global = true,
        env = "YIWANG_DATA_DIR",
        default_value = "./yiwang-data"
    )]
    pub data_dir: PathBuf,
    /// Ledger database URL (sqlite:PATH or postgres://…); overrides the ledger in --data-dir.
    #[arg(long, global = true, env = "YIWANG_DATABASE_URL")]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the console.
    Serve(ServeArgs),
    /// Create or upgrade the ledger schema, then exit.
    Migrate,
    /// Seed the reference county (if the ledger is empty) and serve it in demo mode.
    Demo(DemoArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage grids.
    #[command(subcommand)]
    Grids(GridsCommand),
    /// Check every case's hash chain; exits non-zero if any was rewritten.
    VerifyLedger,
    /// Copy the SQLite ledger to DEST, consistent even while a server writes it.
    Backup {
        /// The file to write (one self-contained SQLite file).
        dest: PathBuf,
        /// Overwrite DEST if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Copy the SQLite ledger into a PostgreSQL database (empty, or a copy cut short: the copy
    /// resumes). Stop the server first; afterwards serve with --database TARGET.
    MigrateTo {
        /// The PostgreSQL ledger: postgres://USER@HOST:PORT/DATABASE (created with the C
        /// collation, see docs/ARCHITECTURE.md).
        target: String,
    },
    /// Replace the SQLite ledger with SRC, after checking it as verify-ledger does. The server
    /// must be stopped.
    Restore {
        /// A backup made by `backup` (or any Yiwang ledger file).
        src: PathBuf,
        /// Replace an existing ledger (kept as ledger.sqlite.before-restore-<time>).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Counties to seed into an empty ledger: 1 is the reference county alone; more puts that
    /// many under one city (营口市), each drawn by the same generator with its own code, place,
    /// history and users (`c001-center`, `c002-worker-0001`, …; the city's `admin` and
    /// `leader` read them all). Ignored when the ledger already holds a county.
    #[arg(long, default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=crate::demo::MAX_COUNTIES as i64))]
    pub counties: u16,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "YIWANG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key. Without it the server
    /// speaks plain HTTP, for a reverse proxy in front (docs/SECURITY.md) or a test on one
    /// machine.
    #[arg(long, env = "YIWANG_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "YIWANG_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A reverse proxy whose X-Forwarded-For names the client (an address or a network, e.g.
    /// 10.0.0.0/8; repeat or separate with commas). Anyone else's X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "YIWANG_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = crate::auth::address::parse_trusted_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Connections one address may hold open at once (a load balancer named by --trusted-proxy
    /// is not limited). Raise it when many devices share one address (a carrier's NAT, a test
    /// harness on one machine).
    #[arg(long, env = "YIWANG_MAX_CONNECTIONS_PER_ADDRESS",
          default_value_t = crate::connections::MAX_PER_ADDRESS)]
    pub max_connections_per_address: usize,
    /// Threads that check passwords at once (each check takes 19 MiB); by default one per core,
    /// at most four, fewer on a small machine.
    #[arg(long, env = "YIWANG_PASSWORD_HASHERS")]
    pub password_hashers: Option<usize>,
    /// The built web console (`npm run build:console` in ui/), served at `/`. When the folder
    /// has no index.html, `/` is a small page that says how to build it.
    #[arg(long, env = "YIWANG_CONSOLE_DIR", default_value = "ui/dist/console")]
    pub console_dir: PathBuf,
    /// Photo uploads are refused (507) while the data folder's filesystem has fewer free bytes
    /// than this; records still sync. Default: 1 GiB (or two of the largest photos, if more).
    #[arg(long, env = "YIWANG_MIN_FREE_SPACE")]
    pub min_free_space: Option<u64>,
    /// `GET /metrics` answers only with `Authorization: Bearer <this token>`; without a token
    /// it answers 404.
    #[arg(long, env = "YIWANG_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Where photos and unfinished uploads are kept: a folder, or `s3://bucket[/prefix]` for
    /// S3-compatible object storage shared by several server processes (endpoint, region and
    /// credentials from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY; the bucket must exist). Default: --data-dir's photos/ and uploads/.
    #[arg(long, env = "YIWANG_PHOTO_STORE")]
    pub photo_store: Option<String>,
}

impl ServeArgs {
    /// The certificate and key to serve HTTPS with, when given.
    pub fn tls(&self) -> Option<TlsFiles> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        }
    }

    /// The server's settings for `data_dir`.
    pub fn settings(&self, data_dir: &Path, demo_mode: bool) -> anyhow::Result<Settings> {
        Ok(Settings {
            photo_store: crate::photos::store::open(self.photo_store.as_deref(), data_dir)?,
            demo_mode,
            trusted_proxies: self.trusted_proxies.clone(),
            max_connections_per_address: self.max_connections_per_address.max(1),
            password_hashers: self.password_hashers,
            min_free_space: self
                .min_free_space
                .unwrap_or_else(crate::photos::space::default_min_free_space),
            metrics_token: self.metrics_token.clone().filter(|t| !t.trim().is_empty()),
            ..Settings::new(data_dir)
        })
    }

    /// The console to serve, if built; says so on stdout either way.
    pub fn console(&self) -> Option<ConsoleFiles> {
        let found = ConsoleFiles::find(&self.console_dir);
        match &found {
            Some(c) => println!("  console:  served from {}", c.dir.display()),
            None => println!(
                "  console:  not built at {} (cd ui && npm ci && npm run build:console, or pass \
                 --console-dir); serving the API only",
                self.console_dir.display()
            ),
        }
        found
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from YIWANG_PASSWORD or the first line of stdin.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// grid_worker, community, township, center, department, leader or admin.
        #[arg(long)]
        role: String,
        /// The org unit the user belongs to (all roles but department).
        #[arg(long)]
        unit: Option<String>,
        /// The department (role department).
        #[arg(long)]
        department: Option<String>,
        /// The grids a grid worker owns (repeatable).
        #[arg(long = "grid")]
        grids: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GridsCommand {
    /// Import grids from a GeoJSON FeatureCollection.
    Import { file: PathBuf },
}

impl Global {
    /// [`Global::database_url`] as it may be printed: without a password.
    pub fn database_shown(&self) -> String {
        crate::storage::postgres::redact(&self.database_url())
    }

    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("ledger.sqlite").display()))
    }

    pub fn open_ledger(&self) -> anyhow::Result<Ledger> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let url = self.database_url();
        let shown = self.database_shown();
        Ledger::open(&url).with_context(|| format!("opening the ledger at {shown}"))
    }

    /// The SQLite ledger's file, when the ledger is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.database_url();
        match url.strip_prefix("sqlite:") {
            Some(p) => Some(PathBuf::from(p.strip_prefix("//").unwrap_or(p))),
            None if !url.contains("://") => Some(PathBuf::from(url)),
            None => None,
        }
    }

    /// The SQLite ledger's file, or a clear refusal for `what` on another backend.
    fn sqlite_path_for(&self, what: &str) -> anyhow::Result<PathBuf> {
        self.sqlite_path().with_context(|| {
            format!(
                "`{what}` works on the SQLite ledger; {} is not one (use your database's own \
                 tools, e.g. pg_dump)",
                self.database_shown()
            )
        })
    }

    /// Opens a ledger that must already exist: checking or importing into a ledger that a typo
    /// in `--data-dir` just created empty would report nonsense.
    pub fn open_existing_ledger(&self) -> anyhow::Result<Ledger> {
        let url = self.database_url();
        if let Some(path) = self.sqlite_path() {
            if !path.exists() {
                bail!(
                    "there is no ledger at {}; run `yiwang-server migrate` (or `demo`) with \
                     this --data-dir first",
                    path.display()
                );
            }
        }
        let shown = self.database_shown();
        Ledger::open(&url).with_context(|| format!("opening the ledger at {shown}"))
    }

    /// The lock a server holds on its SQLite ledger while it serves (none on other backends).
    fn serving_lock(&self) -> anyhow::Result<Option<crate::backup::LedgerLock>> {
        self.sqlite_path()
            .map(|p| crate::backup::LedgerLock::serving(&p))
            .transpose()
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let _lock = cli.global.serving_lock()?;
            let ledger = cli.global.open_ledger()?;
            let settings = args.settings(&cli.global.data_dir, false)?;
            let console = args.console();
            let listener = bind(args.listen).await?;
            serve_on(
                listener,
                AppState::with_system_clock(ledger, settings),
                console,
                args.tls(),
            )
            .await
        }
        Command::Migrate => {
            let ledger = cli.global.open_ledger()?;
            println!(
                "ledger at {} is at the current schema ({})",
                cli.global.database_shown(),
                ledger.kind()
            );
            Ok(())
        }
        Command::Demo(args) => demo(&cli.global, &args).await,
        Command::User(UserCommand::Add {
            username,
            display_name,
            role,
            unit,
            department,
            grids,
        }) => {
            let role = yiwang_core::org::Role::parse(&role)
                .with_context(|| format!("unknown role {role:?}"))?;
            let password = match std::env::var("YIWANG_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if let Err(e) = crate::auth::check_new_password(&password) {
                bail!("{e}");
            }
            let ledger = cli.global.open_ledger()?;
            let user = crate::storage::auth::StoredUser {
                id: username.clone().into(),
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                org_unit_id: unit.map(Into::into),
                department_id: department.map(Into::into),
                grid_ids: grids.into_iter().map(Into::into).collect(),
                password_hash: crate::auth::hash_password(&password)?,
                demo_password: false,
                disabled: false,
            };
            let name = user.username.clone();
            ledger.write_blocking(move |tx| tx.insert_user(&user, chrono::Utc::now()))?;
            println!("added user {name}");
            Ok(())
        }
        Command::Grids(GridsCommand::Import { file }) => import_grids(&cli.global, &file),
        Command::VerifyLedger => verify_ledger(&cli.global),
        Command::Backup { dest, force } => {
            let started = Instant::now();
            let ledger = cli.global.sqlite_path_for("backup")?;
            let copy = crate::backup::backup(&ledger, &dest, force).with_context(|| {
                format!("backing up {} to {}", ledger.display(), dest.display())
            })?;
            println!(
                "backup: {} → {} ({} bytes, schema {}, change seq {}; {:.1} s)",
                ledger.display(),
                dest.display(),
                copy.bytes,
                copy.schema,
                copy.seq,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::MigrateTo { target } => {
            let started = Instant::now();
            let source = cli.global.sqlite_path_for("migrate-to")?;
            // A server writing the source meanwhile would leave the copy behind it.
            let _lock = crate::backup::LedgerLock::exclusive(&source)?;
            let copied = tokio::task::spawn_blocking(move || {
                crate::migrate_to::migrate_to(&source, &target)
            })
            .await??;
            for (table, rows) in &copied.tables {
                if *rows > 0 {
                    println!("  {table}: {rows} rows");
                }
            }
            println!(
                "migrate-to: {} rows copied ({:.1} s); serve with --database set to the target",
                copied.rows(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { src, force } => {
            let ledger = cli.global.sqlite_path_for("restore")?;
            let done = crate::backup::restore(&src, &ledger, force, chrono::Utc::now())
                .with_context(|| format!("restoring {} to {}", src.display(), ledger.display()))?;
            println!(
                "restore: {} → {}: {} cases, {} events, every chain intact",
                src.display(),
                ledger.display(),
                done.cases,
                done.events
            );
            if let Some(kept) = done.kept {
                println!("  the ledger it replaced is kept as {}", kept.display());
            }
            Ok(())
        }
    }
}

/// A certificate chain and its key, PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

async fn bind(listen: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))
}

/// Serves on a bound listener until Ctrl-C or SIGTERM, over TLS when `tls` names a certificate.
/// Prints the address it serves on (with the real port when `--listen` asked for port 0).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    console: Option<ConsoleFiles>,
    tls: Option<TlsFiles>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    // Nothing of this ledger is being written before we serve: a photo upload's lease left by a
    // server killed mid-PATCH is void, so its device resumes at once instead of waiting for the
    // lease to lapse.
    crate::console::admin::prune_audit_log_periodically(state.clone());
    // Only the leases of processes that are gone: on PostgreSQL siblings keep theirs.
    let stale = state
        .ledger
        .write(|tx| tx.release_all_upload_leases())
        .await
        .context("releasing the upload leases of an earlier run")?;
    if stale > 0 {
        tracing::info!(
            leases = stale,
            "released upload leases a stopped server left behind"
        );
    }
    // A photo store that cannot be written (a missing bucket, refused credentials, an
    // unreachable endpoint) stops the start, before any device is told its photo is stored.
    let store = state.settings.photo_store.clone();
    store.check().await.map_err(|e| {
        anyhow::anyhow!(
            "the photo store, {}, cannot be used: {e}. Check that the bucket exists and that \
             the endpoint and credentials (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, \
             AWS_SECRET_ACCESS_KEY) are right; the server creates no buckets",
            store.describe()
        )
    })?;
    tracing::info!(photo_store = %store.describe(), "photo store checked");
    println!("  photos:   {}", store.describe());
    let open_files = crate::connections::raise_open_file_limit();
    let connections = crate::connections::Connections {
        max_per_address: state.settings.max_connections_per_address,
        ..crate::connections::Connections::fitted(
            state.settings.trusted_proxies.clone(),
            open_files,
        )
    };
    tracing::info!(
        open_files,
        max_connections = connections.max_open,
        per_address = connections.max_per_address,
        "connection limits"
    );
    // Expired uploads and photos no record names, swept while the server runs.
    let sweeper = crate::photos::sweep::spawn(state.clone());
    let _stop_sweeper = AbortOnDrop(sweeper);
    // Stored photos' whole decode and thumbnails, after their uploads were acknowledged.
    let checker = crate::photos::check::spawn(state.clone());
    let _stop_checker = AbortOnDrop(checker);
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, backend = state.ledger.kind(), demo = state.settings.demo_mode, scheme, "serving");
    let app = crate::app::app_with_console(state, console);
    match tls {
        None => {
            println!("yiwang-server listening on http://{addr}/");
            crate::app::serve_with(listener, app, connections, shutdown_signal()).await?;
        }
        Some(files) => {
            let config = crate::app::tls_config(&files.cert, &files.key).await?;
            println!("yiwang-server listening on https://{addr}/");
            crate::app::serve_tls(listener, app, config, connections, shutdown_signal()).await?;
        }
    }
    Ok(())
}

/// Stops a background task when the server stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The demo logins printed by `demo`: one per role (password `demo`).
pub const DEMO_LOGINS: [(&str, &str); 7] = [
    ("center", "county command centre dispatcher (市指挥中心)"),
    ("township-01", "township supervisor, 钢都街道"),
    ("community-001", "community operator, 富丽社区 (钢都街道)"),
    ("worker-0001", "grid worker, 富丽社区第1网格"),
    ("dept-01", "department handler, 供电公司"),
    ("leader", "leader: reads everything, urges (督办)"),
    ("admin", "administrator: org tree, grids, users, categories"),
];

/// `demo`: seeds the reference county into an empty ledger, then serves it in demo mode.
async fn demo(global: &Global, demo_args: &DemoArgs) -> anyhow::Result<()> {
    let args = &demo_args.serve;
    let counties = usize::from(demo_args.counties);
    let started = Instant::now();
    let _lock = global.serving_lock()?;
    let ledger = global.open_ledger()?;
    let l = ledger.clone();
    let has_county = tokio::task::spawn_blocking(move || crate::demo::has_county(&l)).await??;
    let l = ledger.clone();
    let interrupted =
        tokio::task::spawn_blocking(move || crate::demo::province_seeding_interrupted(&l))
            .await??;
    anyhow::ensure!(
        !interrupted,
        "the ledger at {} holds a province whose seeding (demo --counties) was interrupted; \
         delete it (the folder, or the database) and run demo again",
        global.database_shown()
    );
    if has_county {
        println!(
            "the ledger at {} already holds a county: serving it as it is",
            global.database_shown()
        );
    } else {
        if counties == 1 {
            println!(
                "seeding the reference county into {} (one transaction)…",
                global.database_shown()
            );
        } else {
            println!(
                "seeding {counties} counties under {} into {} (a transaction per county)…",
                crate::demo::CITY_NAME,
                global.database_shown()
            );
        }
        let l = ledger.clone();
        let summary = tokio::task::spawn_blocking(move || {
            let progress = |line: &str| {
                println!("  {:>6.1} s  {line}", started.elapsed().as_secs_f64());
            };
            crate::demo::seed_demo(
                &l,
                chrono::Utc::now(),
                &crate::demo::HistorySpec::default(),
                counties,
                &progress,
            )
        })
        .await??;
        let h = &summary.history;
        let closed = h
            .states
            .get(&yiwang_core::case::CaseState::Closed)
            .copied()
            .unwrap_or(0);
        println!(
            "  {:>6.1} s  seeded {} townships, {} communities, {} grids, {} users; {} cases \
             ({closed} closed, {} open), {} events",
            started.elapsed().as_secs_f64(),
            summary.townships,
            summary.communities,
            summary.grids,
            summary.users,
            h.cases,
            h.cases - closed,
            h.events,
        );
        if h.refused > 0 {
            println!(
                "  warning: the workflow refused {} simulated actions; first: {}",
                h.refused,
                h.first_refusal.as_deref().unwrap_or("-")
            );
        }
        let l = ledger.clone();
        tokio::task::spawn_blocking(move || l.after_bulk_load()).await??;
        println!(
            "  {:>6.1} s  the database tidied after the load",
            started.elapsed().as_secs_f64()
        );
    }
    let l = ledger.clone();
    let is_demo = tokio::task::spawn_blocking(move || {
        l.read_blocking(|tx| tx.meta_get(crate::demo::SEEDED_META_KEY))
    })
    .await??
    .is_some();
    let listener = bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let scheme = if args.tls().is_some() {
        "https"
    } else {
        "http"
    };
    println!(
        "Yiwang demo ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let console = args.console();
    println!("  home:     {scheme}://{addr}/");
    println!(
        "  API:      {scheme}://{addr}/api/v1/  (OpenAPI: {scheme}://{addr}/api/v1/openapi.json)"
    );
    if is_demo {
        println!(
            "  sign in with any of these (password {:?}, demo mode only):",
            crate::demo::DEMO_PASSWORD
        );
        let l = ledger.clone();
        let city = tokio::task::spawn_blocking(move || {
            l.read_blocking(|tx| {
                let org = tx.load_org()?;
                Ok(org
                    .root()
                    .filter(|r| r.level == yiwang_core::org::OrgLevel::City)
                    .map(|r| {
                        let counties = org.units().filter(|u| u.parent_id == Some(r.id.clone()));
                        (r.name.clone(), counties.count())
                    }))
            })
        })
        .await??;
        match city {
            None => {
                for (user, what) in DEMO_LOGINS {
                    println!("    {user:<14} {what}");
                }
                println!(
                    "    also township-01…17, community-001…283, worker-0001…1798, dept-01…16"
                );
            }
            Some((name, counties)) => {
                println!(
                    "    {:<18} administrator of {name} and its counties",
                    "admin"
                );
                println!("    {:<18} {name}'s leader: reads every county", "leader");
                for (user, what) in DEMO_LOGINS.iter().take(4) {
                    println!("    c001-{user:<13} {what}");
                }
                println!(
                    "    {:<18} department handler, every county's 供电公司",
                    "dept-01"
                );
                println!(
                    "    each county c001…c{counties:03} has its own -center, -leader, \
                     -township-NN, -community-NNN, -worker-NNNN"
                );
            }
        }
    } else {
        println!("  this ledger was not seeded by `demo`: sign in with its own users");
    }
    let settings = args.settings(&global.data_dir, true)?;
    serve_on(
        listener,
        AppState::with_system_clock(ledger, settings),
        console,
        args.tls(),
    )
    .await
}

/// `verify-ledger`: prints a summary; fails (non-zero exit) when any case fails.
fn verify_ledger(global: &Global) -> anyhow::Result<()> {
    let started = Instant::now();
    let ledger = global.open_existing_ledger()?;
    let check = ledger.read_blocking(crate::storage::audit::check_ledger)?;
    let secs = started.elapsed().as_secs_f64();
    if check.failures.is_empty() {
        println!(
            "verify-ledger: {} cases, {} events: every chain is intact and every case row \
             matches its events ({secs:.1} s)",
            check.cases, check.events
        );
        return Ok(());
    }
    println!(
        "verify-ledger: {} cases, {} events: {} FAILED ({secs:.1} s)",
        check.cases,
        check.events,
        check.failures.len()
    );
    for (id, why) in &check.failures {
        println!("  case {id}: {why}");
    }
    bail!(
        "{} of {} cases failed verification: the ledger was altered outside Yiwang",
        check.failures.len(),
        check.cases
    )
}

/// `grids import FILE`: the grids of a GeoJSON FeatureCollection, through the same
/// [`crate::console::grids_geojson::import`] as the admin endpoint. The whole file is checked
/// before anything is written; any problem refuses all of it, listing every bad feature.
fn import_grids(global: &Global, file: &Path) -> anyhow::Result<()> {
    use crate::console::grids_geojson;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let doc = grids_geojson::read_document(&text)
        .with_context(|| format!("{} was not imported; nothing changed", file.display()))?;
    let ledger = global.open_existing_ledger()?;
    let outcome = ledger
        .write_blocking(move |tx| grids_geojson::import(tx, &doc))
        .with_context(|| format!("{} was not imported; nothing changed", file.display()))?;
    match outcome {
        Ok(summary) => {
            println!(
                "imported {} grids from {}: {} new, {} updated",
                summary.grids.len(),
                file.display(),
                summary.created,
                summary.updated
            );
            Ok(())
        }
        Err(refused) => Err(anyhow::Error::new(refused))
            .with_context(|| format!("{} was not imported; nothing changed", file.display())),
    }
}
