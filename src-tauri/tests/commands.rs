//! The shell's commands through Tauri's own IPC (mock runtime, the real config and
//! capabilities): each answers by the facade, errors arrive as `{code, message}`, `add_photo`
//! takes the raw body and its `x-lat`/`x-lon` headers, and nothing outside our list is callable.

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

fn invoke(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: InvokeBody,
    headers: &[(&'static str, &str)],
) -> Result<Value, Value> {
    invoke_from(window, "tauri://localhost", cmd, body, headers)
}

fn invoke_from(
    window: &WebviewWindow<MockRuntime>,
    origin: &str,
    cmd: &str,
    body: InvokeBody,
    headers: &[(&'static str, &str)],
) -> Result<Value, Value> {
    let mut map = tauri::http::HeaderMap::new();
    for (k, v) in headers {
        map.insert(*k, v.parse().expect("a header value"));
    }
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().expect("an origin"),
            body,
            headers: map,
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("a JSON answer"))
}

fn json_call(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    invoke(window, cmd, InvokeBody::Json(args), &[])
}

fn code(r: Result<Value, Value>) -> String {
    let err = r.expect_err("the command fails");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "every error carries a message: {err}"
    );
    err["code"]
        .as_str()
        .unwrap_or_else(|| panic!("errors are {{code, message}}: {err}"))
        .to_owned()
}

#[test]
fn commands_answer_through_the_ipc_as_the_contract_says() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // This test binary is its own process: the variable reaches only this app.
    std::env::set_var("YIWANG_DATA_DIR", dir.path());
    let app = yiwang_app_lib::builder(mock_builder())
        .build(yiwang_app_lib::context())
        .expect("the app builds on the mock runtime");
    yiwang_app_lib::init(&app).expect("the app opens its data folder");
    // The mock runtime does not open the config's windows; open "main", the window our
    // capability names.
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens");

    let info = json_call(&window, "app_info", json!({})).expect("app_info answers");
    assert!(
        info["device_id"].as_str().is_some_and(|d| d.len() == 36),
        "the device has its UUID: {info}"
    );
    assert_eq!(info["session"], Value::Null, "nobody is signed in yet");
    assert_eq!(info["settings"]["language"], "zh-CN", "Chinese by default");
    assert!(
        dir.path().join("yiwang.sqlite").is_file(),
        "YIWANG_DATA_DIR holds the store"
    );

    assert_eq!(code(json_call(&window, "home", json!({}))), "not_logged_in");
    assert_eq!(
        code(json_call(&window, "case_detail", json!({ "caseId": "x" }))),
        "not_logged_in",
        "camelCase arguments reach the command"
    );
    assert_eq!(
        code(json_call(
            &window,
            "dismiss_rejected",
            json!({ "opId": "nope" })
        )),
        "not_found",
        "dismiss_rejected is granted and says when there is no such refusal"
    );
    let settings = json_call(
        &window,
        "set_settings",
        json!({ "settings": { "language": "en", "watermark": false, "server_url": "" } }),
    )
    .expect("valid settings are stored");
    assert_eq!(settings["language"], "en");
    assert_eq!(
        code(json_call(
            &window,
            "set_settings",
            json!({ "settings": { "language": "fr", "watermark": false, "server_url": "" } }),
        )),
        "invalid_input"
    );

    // The server is a port nobody listens on, and this user never signed in here.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("an address");
    assert_eq!(
        code(json_call(
            &window,
            "login",
            json!({ "serverUrl": format!("http://{closed}"), "username": "worker-0001", "password": "demo" }),
        )),
        "offline"
    );

    // add_photo: raw bytes and coordinate headers.
    assert_eq!(
        code(invoke(
            &window,
            "add_photo",
            InvokeBody::Raw(vec![0xff, 0xd8]),
            &[("x-lat", "north")]
        )),
        "invalid_input",
        "a coordinate header that is no number is refused"
    );
    assert_eq!(
        code(invoke(
            &window,
            "add_photo",
            InvokeBody::Raw(vec![0xff, 0xd8]),
            &[("x-lat", "40.6"), ("x-lon", "122.5")]
        )),
        "not_logged_in",
        "the raw body reached the facade, which wants a signed-in worker"
    );
    assert_eq!(
        code(json_call(&window, "add_photo", json!({ "bytes": "nope" }))),
        "invalid_input",
        "a JSON object is no photo"
    );

    assert_eq!(
        json_call(&window, "ui_ready", json!({})).expect("ui_ready answers"),
        Value::Null,
        "without the probe, ui_ready only acknowledges"
    );
    assert!(
        invoke_from(
            &window,
            "https://example.com",
            "app_info",
            InvokeBody::Json(json!({})),
            &[]
        )
        .is_err(),
        "the capability grants our commands to the app's own pages only"
    );
    assert!(
        json_call(&window, "device_id", json!({})).is_err(),
        "a command outside our list is not callable"
    );
}
