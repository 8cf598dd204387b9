//! The files in `ui/src/generated/` are what the Rust types produce (core's enums and ids, the
//! app's views, the error codes, the finding rules and their verdict table): a change on the
//! Rust side that is not regenerated fails here, naming the file.
//! `YIWANG_BLESS=1 cargo test -p yiwang-client --test ts_types` rewrites them.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn generated_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/generated")
}

#[test]
fn generated_files_match_the_rust_types() {
    let files = yiwang_client::app::generated::generated_files().expect("every type exports");
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
    // A file left over from a removed type would still be importable by the UI. The server's
    // OpenAPI document (`openapi.json`, tests/tests/console/openapi.rs) and the console's API
    // types made from it (`api.ts`, `npm run gen:api`) are generated elsewhere.
    for entry in std::fs::read_dir(&dir).expect("the generated folder is listable") {
        let name = entry
            .expect("a folder entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let ours = name.ends_with(".ts") || name.ends_with(".json");
        let elsewhere = name == "openapi.json" || name == "api.ts";
        if ours && !expected.contains(&name) && !elsewhere {
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
        "the checked-in generated files are stale; run `YIWANG_BLESS=1 cargo test -p \
         yiwang-client --test ts_types`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn generated_types_carry_no_bigint() {
    for (name, text) in yiwang_client::app::generated::generated_files().expect("types export") {
        assert!(
            !text.contains("bigint"),
            "{name}: a 64-bit integer reached TypeScript as bigint; use u32, f64 or #[ts(type = \"number\")]"
        );
    }
}

#[test]
fn the_rule_table_exercises_every_form_rule() {
    let table = yiwang_client::app::generated::finding_rule_cases();
    let seen: BTreeSet<String> = table["cases"]
        .as_array()
        .expect("a list of cases")
        .iter()
        .flat_map(|c| c["problems"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    for rule in [
        "category_required",
        "category_not_leaf",
        "description_too_long",
        "report_needs_description",
        "description_or_photo",
        "too_many_photos",
        "duplicate_photo",
    ] {
        assert!(
            seen.contains(rule),
            "the table the form is tested against has a case breaking {rule}"
        );
    }
    let clean = table["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["problems"].as_array().is_some_and(|p| p.is_empty()))
        .count();
    assert!(clean > 10, "and cases that pass: {clean}");
}
