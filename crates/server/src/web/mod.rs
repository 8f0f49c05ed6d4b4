//! The self-service web pages: server-rendered HTML in four languages that works without
//! JavaScript, signed in through OpenID Connect, with a session of its own. The pages use
//! the same services as the API; the API never accepts the page session.

mod act;
mod bulk;
mod changes;
mod choices;
mod create;
mod dates;
mod enterprise;
mod exclusive;
mod forms;
mod home;
mod inbox;
pub mod login;
mod mandate;
mod outcome;
mod page;
mod rows;
pub mod seal;
pub mod session;
mod settings;
mod sign_in;
mod visit;

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;

const STYLE: &str = include_str!("../../static/style.css");
const PROGRESS: &str = include_str!("../../static/progress.js");
const TIMEOUT: &str = include_str!("../../static/timeout.js");
const ICON: &[u8] = include_bytes!("../../static/favicon.ico");

async fn progress_script() -> Response {
    script(PROGRESS)
}

/// Warns a signed-in person before their session ends and lets them stay signed in.
async fn timeout_script() -> Response {
    script(TIMEOUT)
}

fn script(source: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        source,
    )
        .into_response()
}

/// The service's icon, which browsers ask for at `/favicon.ico` whatever a page says.
async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// The pages, with their request context.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/mandates.csv", get(home::export_csv))
        .route("/mandates/new", get(create::new_form))
        // Steps that answer a form: opened again (a language switch, a bookmark), they start over.
        .route("/mandates/review", post(create::review).get(start_over))
        .route("/mandates/create", post(create::create).get(start_over))
        .route("/mandates/{id}", get(mandate::show))
        .route("/mandates/{id}/{action}", get(act::confirm).post(act::act))
        .route(
            "/bulk",
            get(bulk::new)
                .post(bulk::upload)
                .layer(axum::extract::DefaultBodyLimit::max(64 << 20)),
        )
        .route("/bulk/{id}", get(bulk::show))
        .route("/bulk/{id}/commit", post(bulk::commit))
        .route("/bulk/{id}/results.csv", get(bulk::results))
        .route("/enterprise", get(enterprise::roster))
        .route("/access-log", get(enterprise::access_log))
        .route("/executor", get(enterprise::executor))
        .route(
            "/login",
            get(login::start).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                login::limit,
            )),
        )
        .route(
            "/auth/callback",
            get(login::callback).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                login::limit,
            )),
        )
        .route("/logout", post(login::logout))
        .route("/session/stay", post(login::stay))
        .route("/signed-out", get(home::signed_out))
        .route("/accessibility", get(home::accessibility))
        .route(
            "/sign-in",
            get(sign_in::demo_page).post(sign_in::demo_sign_in),
        )
        .route("/acting-as", get(choices::choose).post(choices::switch))
        .route("/language", post(choices::language))
        .route("/inbox", get(inbox::inbox))
        .route("/inbox/{id}", get(inbox::notice))
        .route(
            "/settings/notifications",
            get(settings::show).post(settings::save),
        )
        .route("/demo/mailbox", get(inbox::demo_mailbox))
        .layer(axum::middleware::from_fn(forms::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(
            state,
            visit::middleware,
        ))
        .route("/static/style.css", get(style))
        .route("/static/progress.js", get(progress_script))
        .route("/static/timeout.js", get(timeout_script))
        .route("/favicon.ico", get(icon))
}

async fn start_over() -> axum::response::Redirect {
    axum::response::Redirect::to("/mandates/new")
}

/// The "not found" page for any address, in the visitor's language.
pub fn not_found_router(state: AppState) -> Router {
    error_router(state, || crate::error::AppError::NoRoute)
}

/// The page for an address that does not take this method, in the visitor's language.
pub fn wrong_method_router(state: AppState) -> Router {
    error_router(state, || crate::error::AppError::MethodNotAllowed)
}

fn error_router(state: AppState, error: fn() -> crate::error::AppError) -> Router {
    Router::new()
        .fallback(move || async move { visit::PageError::Api(error()) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            visit::middleware,
        ))
        .with_state(state)
}

/// Whether a request comes from a browser that wants a page rather than JSON.
pub fn wants_page(headers: &HeaderMap, path: &str) -> bool {
    !path.starts_with("/api/")
        && !path.starts_with("/oauth/")
        && !path.starts_with("/access/")
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}
