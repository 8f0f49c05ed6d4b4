//! A real SMTP server for the mail tests: `e2e/smtp_sink.py` (aiosmtpd) on a free loopback
//! port, writing each message it accepts to a file the test reads. A recipient starting
//! with `bounce` is refused for good (550), one starting with `busy` for now (451).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The SMTP server of a test; stopped when dropped.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// The raw message: headers and MIME parts.
    pub data: String,
    /// As Python's mail parser read them.
    headers: Value,
    parts: Value,
}

impl Received {
    /// A header's decoded value (the first of that name).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers[name.to_ascii_lowercase()]
            .as_str()
            .map(str::to_owned)
    }

    /// The decoded text of the MIME part of this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        self.parts[content_type].as_str().map(str::to_owned)
    }

    pub fn subject(&self) -> String {
        self.header("subject").unwrap_or_default()
    }
}

impl SmtpSink {
    /// Starts the server. Needs `aiosmtpd` (PyPI); without it the test is skipped with a
    /// notice, and under CI (`CI` set) that is a failure.
    pub fn start() -> Option<SmtpSink> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e/smtp_sink.py");
        let dir = tempfile::tempdir().expect("temporary directory");
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                std::env::var_os("CI").is_none(),
                "aiosmtpd is not installed: the mail tests are mandatory in CI"
            );
            eprintln!(
                "*** mail test SKIPPED: `python3 -m pip install aiosmtpd==1.4.6` to run it ***"
            );
            return None;
        }
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("the SMTP server says its port");
        let port = line.trim().parse().expect("a port");
        Some(SmtpSink { port, dir, child })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in the order received.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("the sink's directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
                Received {
                    mail_from: v["mail_from"].as_str().unwrap_or_default().to_owned(),
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|r| r.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    data: v["data"].as_str().unwrap_or_default().to_owned(),
                    headers: v["headers"].clone(),
                    parts: v["parts"].clone(),
                }
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Its standard input closed, the server stops; killed if it does not.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
