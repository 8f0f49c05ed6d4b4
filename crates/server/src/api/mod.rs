//! The REST API v1, its OpenAPI document, health checks and the demo issuer's routes.

pub mod answer;
pub mod bulk;
pub mod business;
pub mod catalog;
pub mod demo;
pub mod doc;
pub mod enterprises;
pub mod evidence;
pub mod lifecycle;
pub mod mandates;
pub mod me;
pub mod views;

use axum::extract::State;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;
use crate::error::AppError;

/// The service is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "Up")))]
async fn healthz() -> &'static str {
    "ok"
}

/// The service can serve: its store answers and has room for writes.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "Ready"), (status = 503, description = "The store is unreachable (store_unavailable) or full (store_full)")))]
async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store().ping().await?;
    state.has_room().await?;
    Ok("ready")
}

/// The routes with their OpenAPI description, registered together.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(catalog::get_catalog))
        .routes(routes!(lifecycle::create_mandate, mandates::list_mandates))
        .routes(routes!(mandates::get_mandate, lifecycle::modify_mandate))
        .routes(routes!(mandates::mandate_history))
        .routes(routes!(evidence::mandate_receipts))
        .routes(routes!(evidence::mandate_evidence))
        .routes(routes!(evidence::checkpoints))
        .routes(routes!(lifecycle::sign_mandate))
        .routes(routes!(lifecycle::reject_mandate))
        .routes(routes!(lifecycle::withdraw_mandate))
        .routes(routes!(lifecycle::stop_mandate))
        .routes(routes!(lifecycle::transfer_mandate))
        .routes(routes!(enterprises::list_roles, enterprises::assign_role))
        .routes(routes!(enterprises::end_role))
        .routes(routes!(me::access_log))
        .routes(routes!(business::checks::check))
        .routes(routes!(business::checks::check_batch))
        .routes(routes!(business::search::search_mandators))
        .routes(routes!(business::authzen::evaluation))
        .routes(routes!(business::authzen::evaluations))
        .routes(routes!(business::authzen_search::resources))
        .routes(routes!(business::authzen_search::subjects))
        .routes(routes!(business::authzen_search::actions))
        .routes(routes!(business::authzen::configuration))
        .routes(routes!(business::oauth::oauth_token))
        .routes(routes!(business::introspect::introspect))
        .routes(routes!(business::events::events))
        .routes(routes!(
            business::webhooks::create_webhook,
            business::webhooks::list_webhooks
        ))
        .routes(routes!(business::webhooks::delete_webhook))
        // A bulk file may hold 100 000 rows; every other body keeps the default limit.
        .routes(routes!(bulk::upload).layer(axum::extract::DefaultBodyLimit::max(64 << 20)))
        .routes(routes!(bulk::get_job))
        .routes(routes!(bulk::commit))
        .routes(routes!(bulk::results_csv))
        .routes(routes!(bulk::template))
}

/// The OpenAPI document of the API, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = documented().into_openapi();
    doc::complete(&mut doc);
    doc
}
