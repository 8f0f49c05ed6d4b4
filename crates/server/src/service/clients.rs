//! Registering business applications and checking their credentials.

use mandates_domain::catalog::Catalog;
use mandates_domain::time::Instant;
use mandates_store::{Client, EventKind, NewEvent, Store, StoreError};

use crate::tokens::{hash_secret, new_secret};

/// Why a client could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("there is no domain {0:?} in the catalog")]
    UnknownDomain(String),
    #[error("the domain {domain} has no type {code:?}")]
    UnknownType { domain: String, code: String },
    #[error("a client {0:?} exists already")]
    Exists(String),
    #[error("no random bytes for the secret")]
    Random(#[from] getrandom::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A business application to register.
#[derive(Debug, Clone, Default)]
pub struct NewClient<'a> {
    /// Chosen by the operator, else generated.
    pub id: Option<&'a str>,
    pub name: &'a str,
    pub domain: &'a str,
    /// Empty: every type of the domain.
    pub types: &'a [String],
    /// Chosen by the operator (demo clients), else generated.
    pub secret: Option<&'a str>,
}

/// Registers a business application of one domain (optionally limited to some types).
/// Returns the client and its secret, which is shown once and stored only hashed.
pub async fn add(
    store: &Store,
    catalog: &Catalog,
    new: &NewClient<'_>,
    now: Instant,
) -> Result<(Client, String), ClientError> {
    let NewClient {
        id,
        name,
        domain,
        types,
        secret,
    } = *new;
    let Some(d) = catalog.domain(domain) else {
        return Err(ClientError::UnknownDomain(domain.to_owned()));
    };
    if let Some(code) = types
        .iter()
        .find(|t| !d.types.iter().any(|x| x.code == **t))
    {
        return Err(ClientError::UnknownType {
            domain: domain.to_owned(),
            code: code.clone(),
        });
    }
    let secret = match secret {
        Some(s) => s.to_owned(),
        None => new_secret()?,
    };
    let id = match id {
        Some(id) => id.to_owned(),
        None => format!("{domain}-{}", &new_secret()?[..12].to_ascii_lowercase()),
    };
    let client = Client {
        id: id.clone(),
        name: name.to_owned(),
        domain: domain.to_owned(),
        types: types.to_vec(),
        secret_hash: hash_secret(&secret),
        created_at: now,
        revoked_at: None,
    };
    let mut tx = store.begin_unlocked().await?;
    let added = tx.add_client(&client).await?;
    tx.commit().await?;
    if added {
        Ok((client, secret))
    } else {
        Err(ClientError::Exists(id))
    }
}

/// The client these credentials belong to, if they are right and it is not revoked.
pub async fn authenticate(
    store: &Store,
    id: &str,
    secret: &str,
) -> Result<Option<Client>, StoreError> {
    // No client id holds a NUL (PostgreSQL's text cannot hold one): no such client.
    if id.contains('\0') {
        return Ok(None);
    }
    let client = store.client(id).await?;
    Ok(client.filter(|c| c.revoked_at.is_none() && c.secret_hash == hash_secret(secret)))
}

/// Revokes a business application: it gets no new token, and every instance refuses the
/// tokens it holds as soon as it has followed the event log to the revocation (the instance
/// that revokes at once, after [`crate::AppState::catch_up`]). `false` when there is no such
/// client still in service.
pub async fn revoke(store: &Store, id: &str, now: Instant) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let done = tx.revoke_client(id, now).await?;
    if done {
        tx.append(&[NewEvent {
            kind: EventKind::ClientRevoked,
            subject: id.to_owned(),
            at: now,
            person: None,
            party: None,
            auth: serde_json::Value::Null,
            version: 0,
            detail: serde_json::Value::Null,
        }])
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// The demo clients: one per domain, each with the secret `demo-secret`.
pub async fn add_demo_clients(
    store: &Store,
    catalog: &Catalog,
    now: Instant,
) -> Result<(), ClientError> {
    for domain in ["fin", "ehealth", "vlaanderen"] {
        let id = format!("demo-{domain}");
        if store.client(&id).await?.is_none() {
            let name = format!("Demo application ({domain})");
            let new = NewClient {
                id: Some(&id),
                name: &name,
                domain,
                types: &[],
                secret: Some("demo-secret"),
            };
            add(store, catalog, &new, now).await?;
        }
    }
    Ok(())
}
