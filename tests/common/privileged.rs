//! Helpers for tests that need root or system tools: skip with a printed line when they are
//! missing, fail instead when `SOCKAUDIT_REQUIRE_TOOLS=1` (set by scripts/test, which installs
//! them) says they must be there.

use std::path::PathBuf;
use std::process::Command;

/// Whether the test may run as root; prints why not.
pub fn require_root(test: &str) -> bool {
    if super::is_root() {
        return true;
    }
    eprintln!("skipped: {test} needs root (CI runs as root)");
    false
}

/// Whether `tool` runs; prints a skip line, or panics when tools are required.
pub fn require_tool(tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
        "scripts/test should have installed {tool}"
    );
    eprintln!("skipped: {tool} is not installed (./scripts/test installs it)");
    false
}

/// A copy of the sockaudit binary that uid 65534 can execute (the build tree may sit under a
/// root-only directory), in a fresh 0755 directory under /tmp. Keep the returned guard alive.
pub fn binary_for_nobody() -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("sockaudit-nobody")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let bin = dir.path().join("sockaudit");
    std::fs::copy(super::sockaudit_path(), &bin).expect("copy binary");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod dir");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod bin");
    (dir, bin)
}

/// `chown uid:gid path` without unsafe code.
pub fn chown(path: &std::path::Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

/// `chmod mode path`.
pub fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}
