//! `mandates bench`: helpers for benchmarks.
//!
//! - `seed.rs`: a realistic synthetic population (`mandates bench seed`);
//! - `bulk.rs`: the timing of a bulk creation beside single ones (`mandates bench bulk`);
//! - `writes.rs`: single creations and signatures with and without their notices and chain
//!   (`mandates bench writes`);
//! - `dispatch.rs`: mails and webhook events sent, and the time from a stop to its webhook
//!   and to a refused introspection (`mandates bench dispatch`);
//! - `numbers.rs`: the synthetic national and enterprise numbers both use.

mod bulk;
mod dispatch;
mod numbers;
mod seed;
mod writes;

use std::path::PathBuf;

use clap::Subcommand;
use mandates_server::config::Config;

use crate::config::open_store;
use numbers::STAFF;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill an empty database with N synthetic mandates: mostly citizens and companies with
    /// one accounting office each, offices with hundreds of clients and a few executors, and
    /// a mix of states (80 % active, 8 % pending, 5 % stopped, 4 % expired, 3 % withdrawn).
    /// Writes sample check questions (JSON lines) for the load benchmark.
    Seed {
        /// How many mandates.
        #[arg(long)]
        mandates: u64,
        /// Where to write sample check questions.
        #[arg(long, default_value = "bench/checks.jsonl")]
        sample: PathBuf,
        /// How many sample questions.
        #[arg(long, default_value_t = 20_000)]
        sample_size: u64,
    },
    /// On an empty database: a bulk creation of N mandates (one file), timed as its dry run
    /// and as its commit, beside M mandates created one by one through the same service, in
    /// the same run on the same store.
    Bulk {
        /// Rows in the bulk file.
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
        /// Mandates created one at a time, for comparison.
        #[arg(long, default_value_t = 2_000)]
        single: u64,
        /// Commit the whole file in one transaction (all or nothing) instead of row by row.
        #[arg(long)]
        all_or_nothing: bool,
    },
    /// On an empty database: N mandates created and signed one at a time through the
    /// service with their notices, mails and evidence chain, N without the notices
    /// (`[notices] enabled = false`) and N without the chain, alternating in rounds on the
    /// same store; prints the time of each and the ratios.
    Writes {
        /// Mandates created and signed each way.
        #[arg(long, default_value_t = 2_000)]
        single: u64,
        /// Rounds to alternate in.
        #[arg(long, default_value_t = 10)]
        rounds: u64,
    },
    /// On an empty database: a bulk creation of N mandates, whose mails (one per mandatee)
    /// go to an SMTP server and whose events (two per mandate) go to a webhook receiver, timed
    /// until all left; then 20 mandates stopped one at a time, timed until their webhook was
    /// answered and until a second instance's introspection refused a token of them.
    Dispatch {
        /// Mandates created in bulk.
        #[arg(long, default_value_t = 10_000)]
        mandates: u64,
        /// The SMTP server, e.g. smtp://127.0.0.1:2525.
        #[arg(long)]
        smtp: String,
        /// The webhook receiver, e.g. http://127.0.0.1:8099/.
        #[arg(long)]
        webhook: String,
    },
}

pub async fn run(config: &Config, command: BenchCommand) -> Result<(), String> {
    let (mandates, sample, sample_size) = match command {
        BenchCommand::Seed {
            mandates,
            sample,
            sample_size,
        } => (mandates, sample, sample_size),
        BenchCommand::Bulk {
            rows,
            single,
            all_or_nothing,
        } => {
            let mode = if all_or_nothing {
                mandates_domain::bulk::Mode::AllOrNothing
            } else {
                mandates_domain::bulk::Mode::PerRow
            };
            return bulk::bulk(config, rows, single, mode).await;
        }
        BenchCommand::Dispatch {
            mandates,
            smtp,
            webhook,
        } => {
            let targets = dispatch::Targets { smtp, webhook };
            return dispatch::dispatch(config, mandates, targets).await;
        }
        BenchCommand::Writes { single, rounds } => {
            return writes::writes(config, single, rounds).await;
        }
    };
    if mandates > STAFF {
        return Err(format!("at most {STAFF} mandates"));
    }
    let store = open_store(config).await?;
    seed::seed(&store, mandates, &sample, sample_size).await?;
    store.close().await;
    Ok(())
}
