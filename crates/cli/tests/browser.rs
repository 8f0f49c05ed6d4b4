//! The web pages in a real browser: runs the Node.js suite in `e2e/` (a real OpenID Connect
//! provider process, headless Chromium, axe-core on every page) against this build's
//! `mandates` binary. Needs Node.js and Chromium; without them the suite is skipped with a
//! notice, and under CI (`CI` set) that is a failure.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_pages_work_in_a_real_browser() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    let ready = runs("node") && runs("npm") && chromium().exists();
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "Node.js, npm and Chromium are needed for the browser tests in CI (.ci/run installs them)"
        );
        eprintln!(
            "\n*** browser tests SKIPPED: install Node.js and Chromium (apt-get install nodejs npm chromium) to run them ***\n"
        );
        return;
    }
    if !e2e.join("node_modules").exists() {
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .output()
            .expect("npm runs");
        assert!(
            installed.status.success(),
            "npm ci failed:\n{}",
            String::from_utf8_lossy(&installed.stderr)
        );
    }
    let run = Command::new("npm")
        .arg("test")
        .current_dir(&e2e)
        .env("MANDATES_BIN", env!("CARGO_BIN_EXE_mandates"))
        .output()
        .expect("npm runs");
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "browser tests failed:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The summary, for whoever reads the test output.
    for line in out.lines().filter(|l| l.starts_with("# ")) {
        eprintln!("e2e {line}");
    }
}
