//! The built console served at `/` by the real application on a real listener: its index and
//! hashed assets with their cache headers, the console's own paths, and the API keeping
//! priority with JSON 404s in our envelope. Without a built console, `/` says how to build it.

use yiwang_server::app::{ConsoleFiles, IMMUTABLE, NO_CACHE};
use yiwang_tests::kit::{server_bin, TestServer};

use crate::common::serve_console;

const INDEX: &str = "<!doctype html><html><body><div id=\"app\"></div><script type=\"module\" src=\"./assets/console-AbC123xy.js\"></script></body></html>";
const SCRIPT: &str = "console.log('yiwang console')";

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_console_is_served_at_the_root_and_the_api_keeps_priority() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    std::fs::write(dir.path().join("assets/console-AbC123xy.js"), SCRIPT).unwrap();
    std::fs::write(dir.path().join("favicon.svg"), "<svg/>").unwrap();
    let console = ConsoleFiles::find(dir.path()).expect("a folder with index.html is a console");
    let base = serve_console(&s, Some(console)).await;
    let http = reqwest::Client::new();

    for path in ["/", "/index.html", "/cases/123"] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path} gives the console");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{path} is HTML"
        );
        assert_eq!(
            header(&r, "cache-control"),
            NO_CACHE,
            "{path}: the index is revalidated, so a new build shows at once"
        );
        assert_eq!(
            r.text().await.unwrap(),
            INDEX,
            "{path} is the console's index.html"
        );
    }
    let r = http
        .get(format!("{base}/assets/console-AbC123xy.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").contains("javascript"));
    assert_eq!(
        header(&r, "cache-control"),
        IMMUTABLE,
        "hashed assets are cached for good"
    );
    assert_eq!(r.text().await.unwrap(), SCRIPT);
    let r = http
        .get(format!("{base}/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "cache-control"),
        NO_CACHE,
        "unhashed files are revalidated"
    );

    let r = http
        .get(format!("{base}/assets/missing-1234.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "a missing asset is a 404, not the index (a browser would run HTML as a script)"
    );
    let r = http
        .get(format!("{base}/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200, "nothing outside the console folder");

    for path in ["/api/v1/nope", "/api/nothing", "/api", "/open311/v2/nope"] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path} is not a page");
        assert!(header(&r, "content-type").starts_with("application/json"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "not_found",
            "{path}: unknown API paths answer in our envelope"
        );
    }
    let r = http.get(format!("{base}/healthz")).send().await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok", "/healthz is still the health check");
    let r = http
        .get(format!("{base}/metrics"))
        .bearer_auth(yiwang_tests::kit::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("yiwang_http_requests_total"));
    let r = http
        .get(format!("{base}/api/v1/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the API still asks for a sign-in");
    let r = http.post(format!("{base}/somewhere")).send().await.unwrap();
    assert_eq!(r.status(), 404, "only GET and HEAD read the console");
}

#[tokio::test]
async fn without_a_built_console_the_home_page_says_how_to_build_it() {
    let s = TestServer::start().await;
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        ConsoleFiles::find(empty.path()),
        None,
        "a folder without index.html is not a console"
    );
    let base = serve_console(&s, None).await;
    let r = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("npm run build:console"),
        "the page says how to build it"
    );
    assert!(page.contains("--console-dir"));
    let r = reqwest::get(format!("{base}/cases")).await.unwrap();
    assert_eq!(r.status(), 404, "no console, no console paths");
    let r = reqwest::get(format!("{s}/", s = s.base)).await.unwrap();
    assert!(
        r.text().await.unwrap().contains("/api/v1/openapi.json"),
        "app() keeps the home page"
    );
}

/// Runs `yiwang-server serve` on port 0 over `data`, with `console` given as the flag or the
/// environment variable; returns the process and the base URL it printed, and everything it
/// printed until then. The binary is the kit's [`server_bin`] (a lone `cargo test -p
/// yiwang-tests` needs `cargo build -p yiwang-server` first, and says so).
fn serve_cli(data: &std::path::Path, console: ConsoleArg<'_>) -> (ChildGuard, String, String) {
    use std::io::BufRead as _;
    let mut c = std::process::Command::new(server_bin());
    c.arg("serve")
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("YIWANG_CONSOLE_DIR")
        .env_remove("YIWANG_LISTEN")
        .env_remove("YIWANG_DATA_DIR")
        .env_remove("YIWANG_DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    match console {
        ConsoleArg::Flag(d) => {
            c.arg("--console-dir").arg(d);
        }
        ConsoleArg::Env(d) => {
            c.env("YIWANG_CONSOLE_DIR", d);
        }
    }
    let mut child = ChildGuard(c.spawn().expect("the server starts"));
    let out = child.0.stdout.take().unwrap();
    let mut printed = String::new();
    for line in std::io::BufReader::new(out).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(url) = line.strip_prefix("yiwang-server listening on ") {
            return (child, url.trim_end_matches('/').to_owned(), printed);
        }
    }
    panic!("the server never said where it listens; it printed:\n{printed}");
}

enum ConsoleArg<'a> {
    Flag(&'a std::path::Path),
    Env(&'a std::path::Path),
}

struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_takes_the_console_folder_from_the_flag_or_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let console = tempfile::tempdir().unwrap();
    std::fs::write(console.path().join("index.html"), INDEX).unwrap();
    for arg in [
        ConsoleArg::Flag(console.path()),
        ConsoleArg::Env(console.path()),
    ] {
        let (_server, base, printed) = serve_cli(data.path(), arg);
        assert!(
            printed.contains(&format!("served from {}", console.path().display())),
            "it says where the console comes from: {printed}"
        );
        let page = reqwest::get(format!("{base}/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(page, INDEX, "/ is the console's index.html");
    }
    let missing = data.path().join("no-console-here");
    let (_server, base, printed) = serve_cli(data.path(), ConsoleArg::Flag(&missing));
    assert!(
        printed.contains("npm run build:console"),
        "a missing console is reported with how to build it: {printed}"
    );
    let page = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("npm run build:console"), "and / says so too");
}
