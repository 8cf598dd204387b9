use clap::Parser;

fn main() -> anyhow::Result<()> {
    // Before any thread exists: the allocator's settings apply to the arenas threads create.
    tune_malloc();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let out = runtime.block_on(yiwang_server::cli::run(yiwang_server::cli::Cli::parse()));
    // Served to the end (or failed): work still on the blocking pool was abandoned with its
    // requests and stops at its next step; do not wait for stragglers beyond a few seconds.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    out
}

/// glibc's malloc, told to give memory back. Its defaults keep an arena of up to 64 MB per
/// thread, and after the first large block is freed they stop returning large blocks to the
/// system (the mmap threshold grows to the block's size): a county's morning — 1,798 devices,
/// argon2's 19 MiB per password check, the database on the blocking pool — left the server at
/// 508 MB resident while its heap peaked near 200 MB. Fixed at two arenas, blocks over 128 KiB
/// mapped and unmapped on their own, and the heap trimmed above 1 MiB free, the same morning
/// peaks at 245 MB (`make bench`, `county_morning`). `GLIBC_TUNABLES` still overrides these
/// for an operator who wants otherwise.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        // SAFETY: mallopt only sets allocator parameters; called before any other thread runs.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
        }
    }
}
