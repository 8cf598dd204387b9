//! The TypeScript types in `ui/src/backend/generated/` are what the Rust view types produce:
//! a change to `client/src/app/views.rs` that is not regenerated fails here, naming the file.
//! `YIWANG_BLESS=1 cargo test -p yiwang-client --test ts_types` rewrites them.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn generated_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend/generated")
}

#[test]
fn generated_typescript_matches_the_rust_view_types() {
    let files = yiwang_client::app::views::typescript_files().expect("every view type exports");
    let dir = generated_dir();
    let bless = std::env::var_os("YIWANG_BLESS").is_some_and(|v| v == "1");
    if bless {
        std::fs::create_dir_all(&dir).expect("the generated folder can be made");
    }
    let expected: BTreeSet<String> = files.iter().map(|(name, _)| name.clone()).collect();
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        if bless {
            std::fs::write(&path, text).expect("the generated file can be written");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(found) if found == *text => {}
            Ok(_) => stale.push(format!(
                "{} differs from what the Rust types produce",
                path.display()
            )),
            Err(e) => stale.push(format!("{} cannot be read: {e}", path.display())),
        }
    }
    // A file left over from a removed type would still be importable by the UI.
    for entry in std::fs::read_dir(&dir).expect("the generated folder is listable") {
        let name = entry
            .expect("a folder entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".ts") && !expected.contains(&name) {
            if bless {
                std::fs::remove_file(dir.join(&name)).expect("a stale file can be removed");
            } else {
                stale.push(format!(
                    "{} is not produced by any Rust type",
                    dir.join(&name).display()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "the checked-in TypeScript types are stale; run `YIWANG_BLESS=1 cargo test -p \
         yiwang-client --test ts_types`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn view_types_carry_no_bigint() {
    for (name, text) in yiwang_client::app::views::typescript_files().expect("types export") {
        assert!(
            !text.contains("bigint"),
            "{name}: a 64-bit integer reached TypeScript as bigint; use u32, f64 or #[ts(type = \"number\")]"
        );
    }
}
