//! `mandates webhooks ...`: business applications' webhook subscriptions, and their
//! deliveries as an operator follows them.

use clap::Subcommand;
use mandates_domain::Lang;
use mandates_server::config::Config;
use mandates_server::error::AppError;
use mandates_server::webhooks::subscribe::{self, NewSubscription};

use crate::config::open_store;

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Subscribe an address of an application to the events of its domain, from now on;
    /// prints the subscription's id and its signing secret (shown once).
    Add {
        /// The application's client id.
        #[arg(long)]
        client: String,
        /// Where to POST the events: https, resolving only to public addresses (unless
        /// `[webhooks] allow_private` is set).
        #[arg(long)]
        url: String,
        /// Only these CloudEvent types (comma-separated, e.g. be.mandates.mandate.stopped);
        /// default: all.
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
    },
    /// List the subscriptions in service (of one application, or of all).
    List {
        /// Only this application's.
        #[arg(long)]
        client: Option<String>,
    },
    /// Remove a subscription: nothing more is sent to it.
    Remove {
        /// The subscription's id.
        id: String,
    },
}

/// A refusal as an operator reads it: the problem, and each field at fault, in English.
fn refusal(e: &AppError) -> String {
    let (_, doc) = e.document(Lang::En, "cli");
    let mut text = doc["detail"].as_str().unwrap_or("refused").to_owned();
    for f in doc["errors"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "\n  {}: {}",
            f["field"].as_str().unwrap_or_default(),
            f["message"].as_str().unwrap_or_default()
        ));
    }
    text
}

pub async fn run(config: &Config, command: WebhooksCommand) -> Result<(), String> {
    let store = open_store(config).await?;
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let now = chrono::Utc::now();
    let result = match command {
        WebhooksCommand::Add { client, url, types } => {
            match store.client(&client).await.map_err(|e| e.to_string())? {
                Some(c) if c.revoked_at.is_none() => {
                    let new = NewSubscription {
                        url: Some(&url),
                        types: &types,
                    };
                    match subscribe::add(&store, &config.webhooks, &client, &new, now).await {
                        Ok(s) => {
                            println!("id:     {}", s.id);
                            println!("secret: {}", s.secret);
                            println!(
                                "(the secret is shown only now; the receiver verifies each delivery's webhook-signature with it)"
                            );
                            Ok(())
                        }
                        Err(e) => Err(refusal(&e)),
                    }
                }
                _ => Err(format!("there is no client {client:?} in service")),
            }
        }
        WebhooksCommand::List { client } => {
            let all = store
                .webhooks(client.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            for s in all {
                let types = if s.types.is_empty() {
                    "all types".to_owned()
                } else {
                    s.types.join(",")
                };
                println!(
                    "{}\t{}\t{}\t{}\tafter event {}",
                    s.id, s.client_id, s.url, types, s.cursor
                );
            }
            Ok(())
        }
        WebhooksCommand::Remove { id } => match subscribe::remove(&store, &id, None, now).await {
            Ok(()) => {
                println!("subscription {id} removed");
                Ok(())
            }
            Err(e) => Err(refusal(&e)),
        },
    };
    store.close().await;
    result
}
