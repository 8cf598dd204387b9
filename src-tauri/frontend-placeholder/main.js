// The worker screens (Vue + Vant) replace this page; it only proves the shell reaches Rust.
if (window.__TAURI_INTERNALS__) {
  window.__TAURI_INTERNALS__.invoke('device_id').then((id) => {
    document.getElementById('device').textContent = '设备 ' + id;
  });
}
