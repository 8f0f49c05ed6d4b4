//! `mandates outbox ...`: what waits to leave the service (mails, webhooks), what failed,
//! and sending failed messages again.

use clap::{Subcommand, ValueEnum};
use mandates_server::config::Config;
use mandates_store::{Channel, Delivery, DeliveryStatus};
use uuid::Uuid;

use crate::config::open_store;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List the newest messages, one a line: id, channel, status, attempts, created, due,
    /// target (a national number masked), last error.
    List {
        #[arg(long, value_enum)]
        channel: Option<ChannelArg>,
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Send failed messages again: those with these ids, or every failed one (of a channel).
    /// They are due at once, their attempts counted afresh.
    Retry {
        #[arg(long, value_enum)]
        channel: Option<ChannelArg>,
        /// The ids of the messages (from `outbox list`); none: all failed ones.
        ids: Vec<Uuid>,
    },
    /// How many messages each channel holds in each status.
    Counts,
}

/// A channel, as given on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Mail,
    Webhook,
}

impl From<ChannelArg> for Channel {
    fn from(c: ChannelArg) -> Channel {
        match c {
            ChannelArg::Mail => Channel::Mail,
            ChannelArg::Webhook => Channel::Webhook,
        }
    }
}

/// A status, as given on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Pending,
    Delivered,
    Failed,
    Dropped,
}

impl From<StatusArg> for DeliveryStatus {
    fn from(s: StatusArg) -> DeliveryStatus {
        match s {
            StatusArg::Pending => DeliveryStatus::Pending,
            StatusArg::Delivered => DeliveryStatus::Delivered,
            StatusArg::Failed => DeliveryStatus::Failed,
            StatusArg::Dropped => DeliveryStatus::Dropped,
        }
    }
}

pub async fn run(config: &Config, command: OutboxCommand) -> Result<(), String> {
    let store = open_store(config).await?;
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let now = chrono::Utc::now();
    let result = match command {
        OutboxCommand::List {
            channel,
            status,
            limit,
        } => store
            .deliveries(
                channel.map(Into::into),
                status.map(Into::into),
                limit.max(0),
            )
            .await
            .map(|all| all.iter().for_each(|d| println!("{}", line(d))))
            .map_err(|e| e.to_string()),
        OutboxCommand::Retry { channel, ids } => store
            .retry_failed(channel.map(Into::into), &ids, now)
            .await
            .map_err(|e| e.to_string())
            .and_then(|n| {
                println!("{n} failed message(s) due again");
                if n == 0 && !ids.is_empty() {
                    Err("none of these ids is a failed message".into())
                } else {
                    Ok(())
                }
            }),
        OutboxCommand::Counts => store
            .delivery_counts()
            .await
            .map(|counts| {
                for (channel, status, n) in counts {
                    println!("{}\t{}\t{n}", channel.as_str(), status.as_str());
                }
            })
            .map_err(|e| e.to_string()),
    };
    store.close().await;
    result
}

/// One message on one line, tab-separated.
fn line(d: &Delivery) -> String {
    let at = |t: mandates_domain::time::Instant| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        d.id,
        d.channel.as_str(),
        d.status.as_str(),
        d.attempts,
        at(d.created_at),
        at(d.due_at),
        masked_target(&d.target),
        d.last_error
            .as_deref()
            .unwrap_or("-")
            .replace(['\t', '\n'], " "),
    )
}

/// A mail's target with a national number masked: the operator's screen is no place for it.
fn masked_target(target: &str) -> String {
    match target.split_once(':') {
        Some(("person", number)) => format!(
            "person:{}",
            mandates_server::notify::render::masked_number(number)
        ),
        _ => target.to_owned(),
    }
}
