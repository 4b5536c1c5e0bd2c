//! Shared pieces of the storage integration tests.

/// A fresh database: a temporary SQLite file, or a new PostgreSQL database
/// when `BANGFU_TEST_DATABASE_URL` names a server. `label` goes into the
/// database's (or directory's) name so a left-over one tells which test made
/// it: `bangfu_{label}_test_…` on PostgreSQL, `bangfu-{label}-…` for SQLite.
///
/// Returns the URL and a clean-up closure that drops the database (or removes
/// the directory); call it when the test is done.
pub fn fresh(label: &str) -> (String, Box<dyn FnOnce()>) {
    // Tests run in parallel in one process: a counter keeps two databases
    // made in the same nanosecond apart.
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let unique = format!(
        "{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    match std::env::var("BANGFU_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let base = url.trim_end_matches('/').to_owned();
            let name = format!("bangfu_{label}_test_{unique}");
            let admin = format!("{base}/postgres");
            let ok = std::process::Command::new("psql")
                .args([
                    admin.as_str(),
                    "-qc",
                    &format!("CREATE DATABASE \"{name}\""),
                ])
                .status()
                .expect("psql")
                .success();
            assert!(ok, "create database");
            let drop_name = name.clone();
            (
                format!("{base}/{name}"),
                Box::new(move || {
                    let _ = std::process::Command::new("psql")
                        .args([
                            admin.as_str(),
                            "-qc",
                            &format!("DROP DATABASE IF EXISTS \"{drop_name}\" WITH (FORCE)"),
                        ])
                        .status();
                }),
            )
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("bangfu-{label}-{unique}"));
            let url = format!("sqlite://{}/t.db", dir.display());
            (url, Box::new(move || drop(std::fs::remove_dir_all(dir))))
        }
    }
}
