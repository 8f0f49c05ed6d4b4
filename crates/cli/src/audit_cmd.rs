//! `mandates audit ...`: the evidence chain of the event log.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use mandates_server::config::Config;
use mandates_server::evidence::export::Evidence;
use mandates_server::evidence::verify::{Keys, verify_evidence, verify_store};
use mandates_store::{Store, redact_url};

use crate::config::open_store;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Chain the events recorded before the chain existed (each event's digest and chain
    /// value), in transactions of 10 000 events: stopped, it goes on where it was when run
    /// again. `serve` does the same when it starts.
    Chain,
    /// Verify the event log with the public keys alone: every event against its digest and
    /// chain value, every signed checkpoint against the events. Reads the database in
    /// batches and changes nothing: the service may run meanwhile. With --file, verifies a
    /// mandate's evidence file instead (no database). Exit status 0 when all holds, 1 when
    /// an event or a checkpoint does not, 2 when it could not verify.
    Verify {
        /// The public keys: a JWKS file, or the address of the service's
        /// `/.well-known/jwks.json` (never the keys inside an evidence file: whoever made
        /// the file could have made those too).
        #[arg(long, value_name = "FILE|URL")]
        keys: String,
        /// A mandate's evidence file (`GET /api/v1/mandates/{id}/evidence`, JSON).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Runs an audit command; its exit status.
pub async fn run(config: &Config, command: AuditCommand) -> ExitCode {
    let result = match command {
        AuditCommand::Chain => chain(config).await.map(|()| true),
        AuditCommand::Verify {
            keys,
            file: Some(file),
        } => verify_file(&file, &keys).await,
        AuditCommand::Verify { keys, file: None } => verify(config, &keys).await,
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

async fn chain(config: &Config) -> Result<(), String> {
    let store = open_store(config).await?;
    let done = store
        .chain_all_pending(mandates_server::CHAIN_BATCH)
        .await
        .map_err(|e| e.to_string())?;
    println!("{done} events chained; every event of the log is chained");
    store.close().await;
    Ok(())
}

async fn verify(config: &Config, keys: &str) -> Result<bool, String> {
    let keys = Keys::from_jwks(&read_keys(keys).await?)?;
    // Read as it is: a database is verified, never migrated.
    let url = config.database_url();
    let store = Store::connect_with(&url, None, &config.store.options())
        .await
        .map_err(|e| format!("cannot open {}: {e}", redact_url(&url)))?;
    let report = verify_store(&store, &keys).await.map_err(|e| {
        format!(
            "cannot read the event log of {}: {e} (a database of an older version: run `mandates migrate` and `mandates audit chain` first)",
            redact_url(&url)
        )
    });
    store.close().await;
    let report = report?;
    for line in report.lines() {
        println!("{line}");
    }
    Ok(report.holds())
}

async fn verify_file(file: &std::path::Path, keys: &str) -> Result<bool, String> {
    let keys = Keys::from_jwks(&read_keys(keys).await?)?;
    let text = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let evidence: Evidence = serde_json::from_slice(&text)
        .map_err(|e| format!("{}: not an evidence file: {e}", file.display()))?;
    let report = verify_evidence(&evidence, &keys);
    for line in report.lines() {
        println!("{line}");
    }
    Ok(report.holds())
}

/// A JWKS from a file or an address.
async fn read_keys(keys: &str) -> Result<serde_json::Value, String> {
    let text = if keys.starts_with("http://") || keys.starts_with("https://") {
        reqwest::get(keys)
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("keys {keys}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("keys {keys}: {e}"))?
    } else {
        let path = PathBuf::from(keys);
        std::fs::read_to_string(&path).map_err(|e| format!("keys {}: {e}", path.display()))?
    };
    serde_json::from_str(&text).map_err(|e| format!("keys {keys}: not JSON: {e}"))
}
