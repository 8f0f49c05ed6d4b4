//! `mandates clients ...`: the business applications allowed to ask checks.

use clap::Subcommand;
use mandates_server::config::Config;
use mandates_server::service::clients::{self, NewClient};

use crate::config::open_store;

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a business application of one domain; prints its id and secret (shown once,
    /// stored only hashed).
    Add {
        /// The domain it asks about: fin, ehealth, vlaanderen, ...
        #[arg(long)]
        domain: String,
        /// A name mandators will see in their access log.
        #[arg(long)]
        name: String,
        /// Limit it to these types of the domain (comma-separated); default: all.
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// The client id; default: generated.
        #[arg(long)]
        id: Option<String>,
    },
    /// List the registered applications.
    List,
    /// Revoke an application: it gets no new token, and the tokens it holds are refused by
    /// every running instance within a second.
    Revoke {
        /// The client id.
        id: String,
    },
}

pub async fn run(config: &Config, command: ClientsCommand) -> Result<(), String> {
    let store = open_store(config).await?;
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let now = chrono::Utc::now();
    let result = match command {
        ClientsCommand::Add {
            domain,
            name,
            types,
            id,
        } => {
            let catalog = config.load_catalog()?;
            let new = NewClient {
                id: id.as_deref(),
                name: &name,
                domain: &domain,
                types: &types,
                secret: None,
            };
            let (client, secret) = clients::add(&store, &catalog, &new, now)
                .await
                .map_err(|e| e.to_string())?;
            println!("client_id:     {}", client.id);
            println!("client_secret: {secret}");
            println!(
                "(the secret is shown only now; get tokens at POST /oauth/token with grant_type=client_credentials)"
            );
            Ok(())
        }
        ClientsCommand::List => {
            let all = store.clients().await.map_err(|e| e.to_string())?;
            for c in all {
                let types = if c.types.is_empty() {
                    "all types".to_owned()
                } else {
                    c.types.join(",")
                };
                let state = match c.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M UTC")),
                    None => "active".to_owned(),
                };
                println!("{}\t{}\t{}\t{}\t{}", c.id, c.domain, types, state, c.name);
            }
            Ok(())
        }
        ClientsCommand::Revoke { id } => {
            let done = clients::revoke(&store, &id, now)
                .await
                .map_err(|e| e.to_string())?;
            if done {
                println!("client {id} revoked");
                Ok(())
            } else {
                Err(format!("there is no client {id:?} in service"))
            }
        }
    };
    store.close().await;
    result
}
