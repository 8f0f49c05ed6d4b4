//! The REST API v1, its OpenAPI document, health checks and the demo issuer's routes.

pub mod answer;
pub mod bulk;
pub mod business;
pub mod catalog;
pub mod demo;
pub mod enterprises;
pub mod lifecycle;
pub mod mandates;
pub mod me;
pub mod views;

use axum::extract::State;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;
use crate::error::AppError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mandates API",
        description = "Mandates (powers of attorney) for e-government services: create, sign, modify, stop and transfer them, and manage who acts for an enterprise. Errors are application/problem+json (RFC 9457) with a stable `code` and a message in the language of Accept-Language (nl, fr, de, en).",
        version = "1"
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "mandates", description = "Mandates and their lifecycle"),
        (name = "enterprises", description = "Who acts for an enterprise"),
        (name = "catalog", description = "Domains and mandate types"),
        (name = "business", description = "For government applications: checks and lists, with a client token"),
        (name = "bulk", description = "Many changes from one file: checked first, then applied"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "client",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A business application's token from POST /oauth/token (client credentials)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The service is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "Up")))]
async fn healthz() -> &'static str {
    "ok"
}

/// The service can serve: its store answers.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "Ready"), (status = 503, description = "The store is unreachable")))]
async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store().ping().await?;
    Ok("ready")
}

/// The routes with their OpenAPI description, registered together.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(catalog::get_catalog))
        .routes(routes!(lifecycle::create_mandate, mandates::list_mandates))
        .routes(routes!(mandates::get_mandate, lifecycle::modify_mandate))
        .routes(routes!(mandates::mandate_history))
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
        // A bulk file may hold 100 000 rows; every other body keeps the default limit.
        .routes(routes!(bulk::upload).layer(axum::extract::DefaultBodyLimit::max(64 << 20)))
        .routes(routes!(bulk::get_job))
        .routes(routes!(bulk::commit))
        .routes(routes!(bulk::results_csv))
        .routes(routes!(bulk::template))
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}
