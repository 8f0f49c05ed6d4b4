//! Making, listing and removing an application's webhook subscriptions: what the API and
//! the command line share.

use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, FieldErrors};
use mandates_store::{Store, Subscription};
use uuid::Uuid;

use super::{address, signing};
use crate::config::WebhooksConfig;
use crate::error::AppError;
use crate::events::cloud;

/// A subscription as asked for.
#[derive(Debug, Clone, Default)]
pub struct NewSubscription<'a> {
    pub url: Option<&'a str>,
    /// CloudEvent types; empty: all.
    pub types: &'a [String],
}

/// Makes a subscription for an application: its address checked (and resolved), its types
/// known; events from the end of the log on (earlier ones are in the feed). Returns it with
/// its secret, shown only now.
pub async fn add(
    store: &Store,
    config: &WebhooksConfig,
    client_id: &str,
    new: &NewSubscription<'_>,
    now: Instant,
) -> Result<Subscription, AppError> {
    let mut errors = FieldErrors::default();
    let url = match new.url.map(str::trim).filter(|u| !u.is_empty()) {
        None => {
            errors.push(FieldError::new("url", "required"));
            None
        }
        Some(text) => match checked(text, config.allow_private).await {
            Ok(url) => Some(url),
            Err(e) => {
                let error = FieldError::new("url", e.code()).arg("url", text);
                errors.push(match e {
                    address::AddressError::NotPublic(ip) => error.arg("address", ip),
                    _ => error,
                });
                None
            }
        },
    };
    let known = cloud::all_types();
    for (i, t) in new.types.iter().enumerate() {
        if !known.contains(&t.as_str()) {
            errors.push(
                FieldError::new(format!("types[{i}]"), "unknown_event_type")
                    .arg("type", t)
                    .arg("known", known.join(", ")),
            );
        }
    }
    if store.webhooks(Some(client_id)).await?.len() >= config.max_per_client {
        errors.push(FieldError::new("url", "too_many_webhooks").arg("max", config.max_per_client));
    }
    errors.into_result()?;
    let Some(url) = url else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    let secret =
        signing::new_secret().map_err(|e| AppError::internal("making a webhook secret", e))?;
    let mut types: Vec<String> = new.types.to_vec();
    types.sort();
    types.dedup();
    let subscription = Subscription {
        id: Uuid::new_v4(),
        client_id: client_id.to_owned(),
        url: url.to_string(),
        types,
        secret,
        cursor: store.last_seq().await?,
        created_at: now,
        disabled_at: None,
    };
    let mut tx = store.begin_unlocked().await?;
    tx.add_webhook(&subscription).await?;
    tx.commit().await?;
    Ok(subscription)
}

/// An address as a subscription may have it, resolved to addresses it may reach.
async fn checked(text: &str, allow_private: bool) -> Result<reqwest::Url, address::AddressError> {
    let url = address::parse(text, allow_private)?;
    address::resolve(&url, allow_private).await?;
    Ok(url)
}

/// Removes a subscription of an application (of any, from the command line): no more
/// deliveries are made for it, and those waiting are dropped when due.
pub async fn remove(
    store: &Store,
    id: &str,
    client_id: Option<&str>,
    now: Instant,
) -> Result<(), AppError> {
    let not_found = || AppError::from(DomainError::not_found("webhook_not_found"));
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    if store.disable_webhook(id, client_id, now).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}
