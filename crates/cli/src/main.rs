//! `mandates`: the system of record for e-government mandates.

mod audit_cmd;
mod bench_cmd;
mod bulk_cmd;
mod catalog_cmd;
mod clients_cmd;
mod config;
mod outbox_cmd;
mod roles_cmd;
mod serve;
mod webhooks_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Mandates: powers of attorney for e-government services, with their whole lifecycle
/// (create, sign, modify, stop, transfer) and the roster of who acts for an enterprise.
#[derive(Debug, Parser)]
#[command(name = "mandates", version, propagate_version = true)]
struct Cli {
    /// A TOML configuration file (keys as in the README; unknown keys are an error).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The database: sqlite://PATH (default: an SQLite file here) or postgres://...
    #[arg(long, global = true, value_name = "URL", env = "MANDATES_DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// The catalog of domains and mandate types.
    Catalog {
        #[command(subcommand)]
        command: catalog_cmd::CatalogCommand,
    },
    /// Benchmark helpers.
    Bench {
        #[command(subcommand)]
        command: bench_cmd::BenchCommand,
    },
    /// The business applications (clients of one domain) that ask checks.
    Clients {
        #[command(subcommand)]
        command: clients_cmd::ClientsCommand,
    },
    /// Webhook subscriptions of business applications (their deliveries: `outbox`).
    Webhooks {
        #[command(subcommand)]
        command: webhooks_cmd::WebhooksCommand,
    },
    /// The outbox: mails and webhooks waiting, delivered, failed or dropped; send failed
    /// ones again.
    Outbox {
        #[command(subcommand)]
        command: outbox_cmd::OutboxCommand,
    },
    /// The roster of enterprise roles.
    Roles {
        #[command(subcommand)]
        command: roles_cmd::RolesCommand,
    },
    /// Send a file of changes to a running server's bulk API: a dry run, or a commit followed
    /// to its end. Exit status 0 when every row is fine, 1 when a row is invalid or failed, 2
    /// when the job could not be made or run.
    Bulk {
        #[command(subcommand)]
        command: bulk_cmd::BulkCommand,
    },
    /// The evidence chain of the event log: chain what was recorded before it, verify it
    /// with the public keys alone.
    Audit {
        #[command(subcommand)]
        command: audit_cmd::AuditCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MANDATES_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A client of a running server: it reads no configuration and has its own exit statuses.
    let command = match cli.command {
        Command::Bulk { command } => return runtime.block_on(bulk_cmd::run(command)),
        // Its own exit statuses too: 1 when the log does not verify, 2 when it cannot.
        Command::Audit { command } => {
            return match config::load(cli.config.as_deref(), cli.database, None) {
                Ok(config) => runtime.block_on(audit_cmd::run(&config, command)),
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            };
        }
        other => other,
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Serve(args) => {
                let config = config::load(cli.config.as_deref(), cli.database, Some(&args))?;
                serve::run(config).await
            }
            Command::Migrate => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                let store = config::open_store(&config).await?;
                println!(
                    "migrations applied to {}",
                    mandates_store::redact_url(&config.database_url())
                );
                store.close().await;
                Ok(())
            }
            Command::Catalog { command } => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                catalog_cmd::run(&config, command)
            }
            Command::Bench { command } => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                bench_cmd::run(&config, command).await
            }
            Command::Clients { command } => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                clients_cmd::run(&config, command).await
            }
            Command::Webhooks { command } => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                webhooks_cmd::run(&config, command).await
            }
            Command::Outbox { command } => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                outbox_cmd::run(&config, command).await
            }
            Command::Roles { command } => {
                let config = config::load(cli.config.as_deref(), cli.database, None)?;
                roles_cmd::run(&config, command).await
            }
            Command::Bulk { .. } | Command::Audit { .. } => Err("handled above".into()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
