//! What every request carries: an id (the client's, or a new one) that logs and problem
//! documents show, and a language; problems are rendered here in that language.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, Problem, render_problem};
use crate::i18n;

/// The header that carries the id of a request, generated when the client sends none.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest address (path and query) read; a longer one is refused (414) before any route.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The id of a request, for handlers that show it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Gives every request an id, and renders problems in the request's language.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let lang = i18n::request_lang(request.headers());
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let span = tracing::info_span!("request", request_id = %request_id, method = %request.method(), path = %request.uri().path());
    let api = request.uri().path().starts_with("/api/");
    let response = if uri_length(request.uri()) > MAX_URI_BYTES {
        AppError::UriTooLong { max: MAX_URI_BYTES }.into_response()
    } else {
        let _enter = span.enter();
        tracing::debug!("started");
        drop(_enter);
        tracing::Instrument::instrument(next.run(request), span.clone()).await
    };
    let problem = response.extensions().get::<Problem>().is_some();
    let mut response = render_problem(response, lang, &request_id, &span);
    // What the API answers is data for one caller: never kept by a cache, never sniffed.
    if api || problem {
        let headers = response.headers_mut();
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    // A page may have answered in the language its visitor chose.
    if !response.headers().contains_key(header::CONTENT_LANGUAGE) {
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
    }
    response
}

/// The length of a request's path and query.
fn uri_length(uri: &axum::http::Uri) -> usize {
    uri.path_and_query().map_or(0, |p| p.as_str().len())
}
