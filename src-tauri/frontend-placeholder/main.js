// The worker screens (Vue + Vant, built into ui/dist/worker) replace this page; it only proves
// the shell reaches Rust.
if (window.__TAURI_INTERNALS__) {
  const invoke = window.__TAURI_INTERNALS__.invoke;
  invoke('app_info').then((info) => {
    document.getElementById('device').textContent = '设备 ' + info.device_id;
    return invoke('ui_ready');
  });
}
