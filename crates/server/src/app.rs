//! The whole application: the API with its OpenAPI document, the OAuth and demo issuer
//! routes, and the pages, behind one request context; an unknown address answers a page to
//! a browser and a problem document to a program.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::AppState;
use crate::error::AppError;
use crate::http::context::request_context;
use crate::{api, web};

/// An error page for a browser, a problem document for a program.
async fn page_or_problem(
    pages: Router,
    request: axum::extract::Request,
    problem: AppError,
) -> axum::response::Response {
    if web::wants_page(request.headers(), request.uri().path()) {
        use tower::ServiceExt;
        match pages.oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        }
    } else {
        problem.into_response()
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (routes, mut doc) = api::documented().split_for_parts();
    api::doc::complete(&mut doc);
    let not_found = web::not_found_router(state.clone());
    let wrong_method = web::wrong_method_router(state.clone());
    let doc = std::sync::Arc::new(doc);
    routes
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { (StatusCode::OK, Json(doc.as_ref().clone())) }
            }),
        )
        .route("/.well-known/jwks.json", get(api::business::oauth::jwks))
        .route(
            "/demo/token",
            post(api::demo::token).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::http::limits::demo_token,
            )),
        )
        .route("/demo/identities", get(api::demo::identities))
        .route(
            "/demo/.well-known/openid-configuration",
            get(api::demo::discovery),
        )
        .route("/demo/jwks.json", get(api::demo::jwks))
        .merge(web::router(state.clone()))
        .fallback(move |request: axum::extract::Request| {
            page_or_problem(not_found.clone(), request, AppError::NoRoute)
        })
        .method_not_allowed_fallback(move |request: axum::extract::Request| {
            page_or_problem(wrong_method.clone(), request, AppError::MethodNotAllowed)
        })
        .layer(axum::middleware::from_fn(request_context))
        .with_state(state)
}
