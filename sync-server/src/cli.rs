//! The command line: `serve`, `migrate`, `demo`, `user add`, `grids import`, `verify-ledger`.
//! Every command takes `--data-dir` and `--database`; `serve` and `demo` take `--listen`. The
//! same settings come from `YIWANG_DATA_DIR`, `YIWANG_DATABASE_URL` and `YIWANG_LISTEN`.

use crate::state::{AppState, Settings};
use crate::storage::Ledger;
use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    Demo(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage grids.
    #[command(subcommand)]
    Grids(GridsCommand),
    /// Check every case's hash chain; exits non-zero if any was rewritten.
    VerifyLedger,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "YIWANG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
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
    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("ledger.sqlite").display()))
    }

    pub fn open_ledger(&self) -> anyhow::Result<Ledger> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let url = self.database_url();
        Ledger::open(&url).with_context(|| format!("opening the ledger at {url}"))
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let ledger = cli.global.open_ledger()?;
            let settings = Settings {
                data_dir: cli.global.data_dir.clone(),
                demo_mode: false,
            };
            serve(AppState::with_system_clock(ledger, settings), args.listen).await
        }
        Command::Migrate => {
            let ledger = cli.global.open_ledger()?;
            println!(
                "ledger at {} is at the current schema ({})",
                cli.global.database_url(),
                ledger.kind()
            );
            Ok(())
        }
        Command::Demo(_) => bail!("the demo county comes with the next change"),
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
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters");
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
        Command::Grids(GridsCommand::Import { .. }) => {
            bail!("grid import comes with the next change")
        }
        Command::VerifyLedger => bail!("verify-ledger comes with the next change"),
    }
}

/// Binds `listen` and serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = state.ledger.kind(), "serving");
    println!("yiwang-server listening on http://{addr}/");
    axum::serve(listener, crate::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
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
