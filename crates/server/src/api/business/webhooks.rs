//! `/api/v1/webhooks`: a business application's webhook subscriptions — make one (its
//! secret is shown only then), list them, remove one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mandates_domain::time::Instant;
use mandates_store::Subscription;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::BusinessClient;
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::JsonBody;
use crate::webhooks::subscribe::{self, NewSubscription};

/// A subscription to make.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"url": "https://app.example.be/hooks/mandates", "types": ["be.mandates.mandate.stopped"]}))]
pub struct SubscriptionRequest {
    /// Where to POST the events: `https`, resolving only to public addresses.
    pub url: Option<String>,
    /// CloudEvent types to receive (`be.mandates.mandate.stopped`, ...); absent or empty: all.
    #[serde(default)]
    pub types: Vec<String>,
}

/// A subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub url: String,
    /// Empty: all types.
    pub types: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Instant,
    /// Only in the answer that made it: `whsec_` and base64, the key that verifies the
    /// signatures (Standard Webhooks). It is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl SubscriptionView {
    fn of(s: Subscription, with_secret: bool) -> SubscriptionView {
        SubscriptionView {
            id: s.id,
            url: s.url,
            types: s.types,
            created_at: s.created_at,
            secret: with_secret.then_some(s.secret),
        }
    }
}

/// The application's subscriptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

/// Subscribes an address to the events of the application's domain (of some types, or
/// all), from now on (earlier events are in `GET /api/v1/events`). Each is POSTed as a
/// CloudEvent signed per Standard Webhooks with the secret of this answer, shown only now.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "business",
    request_body = SubscriptionRequest,
    responses((status = 201, body = SubscriptionView), (status = 401), (status = 422)),
    security(("client" = [])))]
pub async fn create_webhook(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    body: JsonBody<SubscriptionRequest>,
) -> Result<(StatusCode, Json<SubscriptionView>), AppError> {
    let new = NewSubscription {
        url: body.value.url.as_deref(),
        types: &body.value.types,
    };
    let made = subscribe::add(
        state.store(),
        &state.config().webhooks,
        &client.client_id,
        &new,
        state.clock().now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(SubscriptionView::of(made, true))))
}

/// The application's subscriptions (without their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "business",
    responses((status = 200, body = SubscriptionList), (status = 401)),
    security(("client" = [])))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
) -> Result<Json<SubscriptionList>, AppError> {
    let items = state
        .store()
        .webhooks(Some(&client.client_id))
        .await?
        .into_iter()
        .map(|s| SubscriptionView::of(s, false))
        .collect();
    Ok(Json(SubscriptionList { items }))
}

/// Removes a subscription: nothing more is sent to it, what waits is dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "business",
    params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 401), (status = 404)),
    security(("client" = [])))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    subscribe::remove(
        state.store(),
        &id,
        Some(&client.client_id),
        state.clock().now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
