//! A real receiver of webhooks in its own process (`receiver.py`), which verifies our
//! signatures with the reference library of Standard Webhooks.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running receiver; killed when dropped.
pub struct Receiver {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Receiver {
    /// Starts a receiver that answers 500 to the first `fail_first` verified requests.
    pub fn start(fail_first: u32) -> Receiver {
        let dir = tempfile::tempdir().expect("temporary directory");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/integration/webhooks/receiver.py");
        std::fs::write(dir.path().join("secret"), "").expect("secret file");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--secret-file")
            .arg(dir.path().join("secret"))
            .arg("--log")
            .arg(dir.path().join("log"))
            .arg("--fail-first")
            .arg(fail_first.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the receiver's port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the webhook receiver did not start (is the PyPI package standardwebhooks installed? python3 -m pip install standardwebhooks==1.1.0): {line:?}"
            )
        });
        Receiver { child, port, dir }
    }

    /// The address to subscribe.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Gives the receiver the subscription's secret.
    pub fn set_secret(&self, secret: &str) {
        std::fs::write(self.dir.path().join("secret"), secret).expect("secret file");
    }

    /// What it received so far, in order.
    pub fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Waits (at most 10 s) until it received `n` requests; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let started = std::time::Instant::now();
        loop {
            let records = self.records();
            if records.len() >= n {
                return records;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "the receiver got {} requests, not {n}: {records:#?}",
                records.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
