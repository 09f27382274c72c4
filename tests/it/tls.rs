//! The roots the HTTPS clients trust on a host without CA certificates (`src/tls.rs`): the
//! binary falls back to the roots bundled in it and still runs.

use crate::common::{TestEnv, seed_every_type, stderr};

/// What the binary logs (at debug) when it falls back to its bundled roots.
const FALLBACK: &str = "trusting the roots bundled in the binary";

/// `sync` with the system store at `file` and `dir` (`SSL_CERT_FILE`, `SSL_CERT_DIR`: when
/// either is set, nothing else is read), logging the TLS decision; its stderr.
fn sync_with_store(env: &TestEnv, file: &std::path::Path, dir: &std::path::Path) -> String {
    let out = env
        .cmd()
        .env("SSL_CERT_FILE", file)
        .env("SSL_CERT_DIR", dir)
        .env("RUST_LOG", "oura_sync::tls=debug")
        .args(["sync", "2026-11-23", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stderr(&out)
}

/// A scratch container has no CA certificates (here: `SSL_CERT_FILE` an empty file,
/// `SSL_CERT_DIR` an empty folder): the HTTP client is still built, on the bundled roots, and
/// the sync runs; a store with certificates is used as it is.
#[test]
fn a_host_without_ca_certificates_uses_the_bundled_roots() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    let empty = tempfile::tempdir().unwrap();
    let none = empty.path().join("none.pem");
    std::fs::write(&none, "").unwrap();
    assert!(sync_with_store(&env, &none, empty.path()).contains(FALLBACK));

    // The bundle as the system's file: the system store is the one trusted.
    let roots = empty.path().join("roots.pem");
    std::fs::write(&roots, oura_sync::tls::bundled_pem()).unwrap();
    assert!(!sync_with_store(&env, &roots, empty.path()).contains(FALLBACK));
}
