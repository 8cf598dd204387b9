//! Declares our commands (so capabilities grant exactly them), and makes sure the folder the
//! window is served from exists: until the UI is built into `ui/dist/worker`, the placeholder
//! page stands in for it, so the shell builds and starts on its own.

use std::path::Path;

// The same list the crate uses (one file, included by both).
include!("src/commands.in.rs");

fn main() {
    let dist = Path::new("../ui/dist/worker");
    println!("cargo:rerun-if-changed=../ui/dist/worker/index.html");
    println!("cargo:rerun-if-changed=src/commands.in.rs");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("the frontend folder can be made");
        for name in ["index.html", "main.js"] {
            std::fs::copy(
                Path::new("frontend-placeholder").join(name),
                dist.join(name),
            )
            .expect("the placeholder page can be copied");
        }
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run the Tauri build script");
}
