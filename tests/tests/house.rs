//! The house rules a newcomer can check with one command, `cargo test -p yiwang-tests --test
//! house` (issue 11):
//!
//! 1. **No import circles.** Within each Rust crate, a file depends on another when it names it:
//!    `use crate::a::b…`, `use super::…`, or a path `crate::a::b::f(…)` in its code. Within the
//!    UI, a file depends on what it imports (`import … from './x'` or `'@/x'`). Edges between a
//!    module and its own ancestors (`mod.rs`, `lib.rs`) are containment, not dependency, and are
//!    left out: a parent re-exports its children and a child uses its parent's helpers. Any
//!    other circle fails, named file by file.
//! 2. **Files that hold one thing**: no hand-written source file (Rust, TypeScript, Vue, and the
//!    end-to-end scripts) over 800 lines. Generated files (`ui/src/generated/`) are exempt.
//!
//! The checks read the files as text; they compile nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

fn files_under(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "node_modules" | "target" | "dist" | "generated" | "gen" | ".git"
            ) {
                files_under(&p, ext, out);
            }
        } else if ext.iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

/// A Rust crate's module tree: module path (`a::b`) → file.
fn rust_modules(src: &Path, root: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut files = Vec::new();
    files_under(src, &[".rs"], &mut files);
    let mut out = BTreeMap::new();
    out.insert(vec![], root.to_path_buf());
    for f in files {
        if f == root || f.starts_with(src.join("bin")) {
            continue;
        }
        let rel = f.strip_prefix(src).expect("under src");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = parts.pop().expect("a file name");
        if last != "mod.rs" {
            parts.push(last.trim_end_matches(".rs").to_owned());
        }
        out.insert(parts, f);
    }
    out
}

/// Strips comments and string literals (roughly) so paths in them are not read as code.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every module path a Rust file names: `use` trees expanded, plus `crate::…` in code.
fn rust_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    // `use` statements, braces expanded.
    let mut i = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        if at_word && code_at(&bytes, i, "use ") {
            let end = (i..bytes.len())
                .find(|&j| bytes[j] == ';')
                .unwrap_or(bytes.len());
            let stmt: String = bytes[i + 4..end].iter().collect();
            expand_use(stmt.trim(), &mut Vec::new(), &mut out);
            i = end;
        }
        i += 1;
    }
    // Inline `crate::a::b` and `super::a` paths.
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(pos) = code[from..].find(start) {
            let p = from + pos;
            let before = code[..p].chars().last();
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                let rest: String = code[p..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                out.push(rest.split("::").map(str::to_owned).collect());
            }
            from = p + start.len();
        }
    }
    out
}

fn code_at(chars: &[char], i: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(k, w)| chars.get(i + k) == Some(&w))
}

/// Expands `a::{b, c::{d}}` into full paths, with `prefix` before them.
fn expand_use(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim().trim_start_matches("pub ").trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let n = prefix.len();
        prefix.extend(head);
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_use(&inner[start..k], prefix, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand_use(&inner[start..], prefix, out);
        prefix.truncate(n);
    } else {
        let path = tree.split(" as ").next().unwrap_or("").trim();
        if path.is_empty() {
            return;
        }
        let mut full = prefix.clone();
        full.extend(path.split("::").map(|s| s.trim().to_owned()));
        out.push(full);
    }
}

/// The module a path names, resolved from the module `here`: the longest prefix that is a file.
fn resolve(
    path: &[String],
    here: &[String],
    here_is_dir: bool,
    modules: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => vec![],
        Some("super") => {
            // `super` of a mod.rs is its parent directory's module's parent; of a.rs, a's parent.
            let mut b = here.to_vec();
            let _ = here_is_dir;
            b.pop();
            b
        }
        Some("self") => here.to_vec(),
        _ => return None,
    };
    let mut rest = &path[1..];
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut best = None;
    let mut cur = base.clone();
    if modules.contains_key(&cur) {
        best = Some(cur.clone());
    }
    for seg in rest {
        cur.push(seg.clone());
        if modules.contains_key(&cur) {
            best = Some(cur.clone());
        } else {
            break;
        }
    }
    best
}

fn is_ancestor(a: &[String], b: &[String]) -> bool {
    a.len() < b.len() && b.starts_with(a)
}

/// Circles in a graph (Tarjan's strongly connected components of more than one node).
fn circles<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct T<'g, N: Ord + Clone> {
        graph: &'g BTreeMap<N, BTreeSet<N>>,
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on: BTreeSet<N>,
        next: usize,
        out: Vec<Vec<N>>,
    }
    fn visit<N: Ord + Clone>(t: &mut T<'_, N>, v: &N) {
        t.index.insert(v.clone(), t.next);
        t.low.insert(v.clone(), t.next);
        t.next += 1;
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        let succ: Vec<N> = t.graph.get(v).into_iter().flatten().cloned().collect();
        for w in succ {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let lw = t.low[&w];
                let lv = t.low[v];
                t.low.insert(v.clone(), lv.min(lw));
            } else if t.on.contains(&w) {
                let iw = t.index[&w];
                let lv = t.low[v];
                t.low.insert(v.clone(), lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        next: 0,
        out: vec![],
    };
    let nodes: Vec<N> = graph.keys().cloned().collect();
    for n in nodes {
        if !t.index.contains_key(&n) {
            visit(&mut t, &n);
        }
    }
    t.out
}

fn rust_crate_circles(src: &Path) -> Vec<Vec<String>> {
    let root = if src.join("lib.rs").exists() {
        src.join("lib.rs")
    } else {
        src.join("main.rs")
    };
    let modules = rust_modules(src, &root);
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (m, file) in &modules {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let is_dir = file.ends_with("mod.rs") || file == &root;
        let edges = graph.entry(m.clone()).or_default();
        for path in rust_paths(&code_only(&text)) {
            if let Some(target) = resolve(&path, m, is_dir, &modules) {
                if &target != m && !is_ancestor(&target, m) && !is_ancestor(m, &target) {
                    edges.insert(target);
                }
            }
        }
    }
    circles(&graph)
        .into_iter()
        .map(|c| c.iter().map(|m| modules[m].display().to_string()).collect())
        .collect()
}

#[test]
fn no_rust_crate_has_an_import_circle() {
    let repo = repo();
    let mut found = Vec::new();
    for krate in [
        "core",
        "client",
        "sync-server",
        "tests",
        "bench",
        "src-tauri",
    ] {
        let src = repo.join(krate).join("src");
        for circle in rust_crate_circles(&src) {
            found.push(format!("{krate}: {}", circle.join(" → ")));
        }
    }
    assert!(
        found.is_empty(),
        "import circles (each line: the files that depend on each other):\n{}",
        found.join("\n")
    );
}

/// The UI's import graph: relative and `@/` imports between `src/` files.
fn ui_circles(ui: &Path) -> Vec<Vec<String>> {
    let src = ui.join("src");
    let mut files = Vec::new();
    files_under(&src, &[".ts", ".vue"], &mut files);
    let known: BTreeSet<PathBuf> = files.iter().cloned().collect();
    let resolve = |from: &Path, spec: &str| -> Option<PathBuf> {
        let base = if let Some(rest) = spec.strip_prefix("@/") {
            src.join(rest)
        } else if spec.starts_with('.') {
            from.parent()?.join(spec)
        } else {
            return None;
        };
        let base = normalise(&base);
        [
            base.clone(),
            base.with_extension("ts"),
            PathBuf::from(format!("{}.ts", base.display())),
            base.join("index.ts"),
        ]
        .into_iter()
        .find(|p| known.contains(p))
    };
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("a readable UI file");
        let edges = graph.entry(f.clone()).or_default();
        for line in text.lines() {
            let line = line.trim();
            let is_import = (line.starts_with("import ") || line.starts_with("export "))
                && line.contains(" from ");
            let dynamic = line.find("import('");
            let spec = if is_import {
                line.rsplit(" from ").next().map(|s| {
                    s.trim()
                        .trim_end_matches(';')
                        .trim_matches(|c| c == '\'' || c == '"')
                })
            } else {
                dynamic.map(|p| {
                    let s = &line[p + 8..];
                    &s[..s.find('\'').unwrap_or(s.len())]
                })
            };
            if let Some(target) = spec.and_then(|s| resolve(f, s)) {
                if &target != f {
                    edges.insert(target);
                }
            }
        }
    }
    circles(&graph)
        .into_iter()
        .map(|c| {
            c.iter()
                .map(|p| p.strip_prefix(ui).unwrap_or(p).display().to_string())
                .collect()
        })
        .collect()
}

fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn the_ui_has_no_import_circle() {
    let found = ui_circles(&repo().join("ui"));
    assert!(
        found.is_empty(),
        "UI import circles:\n{}",
        found
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn no_hand_written_source_file_is_over_800_lines() {
    let repo = repo();
    let mut files = Vec::new();
    for dir in [
        "core",
        "client",
        "sync-server",
        "tests",
        "bench",
        "src-tauri/src",
        "src-tauri/tests",
        "ui/src",
        "ui/scripts",
        "ui/console",
        "ui/worker",
    ] {
        files_under(&repo.join(dir), &[".rs", ".ts", ".vue", ".mjs"], &mut files);
    }
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).ok()?.lines().count();
            (n > 800).then(|| {
                format!(
                    "{} ({n} lines)",
                    f.strip_prefix(&repo).unwrap_or(f).display()
                )
            })
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "files over 800 lines: split them by what they hold:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let mut g: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
    g.insert(1, [2].into());
    g.insert(2, [3].into());
    g.insert(3, [1, 4].into());
    g.insert(4, BTreeSet::new());
    assert_eq!(
        circles(&g),
        vec![vec![1, 2, 3]],
        "1 → 2 → 3 → 1 is found, 4 is not in it"
    );
    let mut uses = Vec::new();
    expand_use("crate::{a::B, c::{d::E, F}}", &mut vec![], &mut uses);
    assert_eq!(
        uses,
        vec![
            vec!["crate", "a", "B"],
            vec!["crate", "c", "d", "E"],
            vec!["crate", "c", "F"]
        ]
    );
}
