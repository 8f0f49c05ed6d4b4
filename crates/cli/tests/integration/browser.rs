//! The web pages in a real browser: runs the Node.js suite in `e2e/` (a real OpenID Connect
//! provider process, headless Chromium, axe-core on every page) against this build's
//! `mandates` binary. Needs Node.js and Chromium; without them the suite is skipped with a
//! notice, and under CI (`CI` set) that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser scenarios in `e2e/tests` (Node counts each test and subtest): fewer ran means
/// a file was not loaded.
const MIN_SCENARIOS: u64 = 38;

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
    // A green exit is not enough: every scenario must have run and passed, none skipped.
    let count = |name: &str| -> u64 {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("# {name} ")))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("the browser run printed no '# {name}' count:\n{out}"))
    };
    let tests = count("tests");
    assert!(
        tests >= MIN_SCENARIOS,
        "only {tests} browser scenarios ran (at least {MIN_SCENARIOS} exist):\n{out}"
    );
    for not_run in ["skipped", "todo", "cancelled", "fail"] {
        assert_eq!(count(not_run), 0, "browser scenarios {not_run}:\n{out}");
    }
    assert_eq!(
        count("pass"),
        tests,
        "not every browser scenario passed:\n{out}"
    );
    // The summary, for whoever reads the test output.
    for line in out.lines().filter(|l| l.starts_with("# ")) {
        eprintln!("e2e {line}");
    }
}
