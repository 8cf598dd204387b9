fn main() {
    // Declare our commands so that capabilities can grant exactly them and nothing else.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["device_id"])),
    )
    .expect("failed to run the Tauri build script");
}
