//! One error type, two faces: a refusal of the rules or a failure, rendered as
//! `application/problem+json` in the request's language with the request id.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mandates_domain::error::ErrorKind;
use mandates_domain::{DomainError, FieldError};
use mandates_store::StoreError;
use serde_json::{Map, Value, json};

use crate::auth::AuthError;
use crate::i18n;

/// Everything a handler can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("refused: {0}")]
    Domain(#[from] DomainError),
    #[error("unauthenticated: {0}")]
    Unauthenticated(AuthError),
    #[error("no such route")]
    NoRoute,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("unreadable body: {1}")]
    Body(StatusCode, String),
    #[error("concurrent change")]
    Concurrent,
    #[error("idempotency key reused")]
    KeyReused,
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("identity provider unavailable: {0}")]
    IdentityProvider(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ApiError::Concurrent,
            e if e.is_unavailable() => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// What the renderer needs; travels in the response extensions to the middleware, which
/// knows the request's language and id.
#[derive(Debug, Clone)]
struct Problem {
    status: StatusCode,
    code: &'static str,
    args: Vec<(&'static str, String)>,
    fields: Vec<FieldError>,
}

impl ApiError {
    fn problem(&self) -> Problem {
        let simple = |status, code| Problem {
            status,
            code,
            args: Vec::new(),
            fields: Vec::new(),
        };
        match self {
            ApiError::Domain(e) => Problem {
                status: match e.kind {
                    ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorKind::NotFound => StatusCode::NOT_FOUND,
                    ErrorKind::Forbidden => StatusCode::FORBIDDEN,
                    ErrorKind::Conflict => StatusCode::CONFLICT,
                },
                code: e.code,
                args: e.args.clone(),
                fields: e.fields.clone(),
            },
            ApiError::Unauthenticated(_) => simple(StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::NoRoute => simple(StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => {
                simple(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            }
            ApiError::Body(status, reason) => Problem {
                args: vec![("reason", reason.clone())],
                ..simple(*status, "invalid_body")
            },
            ApiError::Concurrent => simple(StatusCode::CONFLICT, "concurrent_change"),
            ApiError::KeyReused => {
                simple(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            ApiError::Unavailable(_) => {
                simple(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable")
            }
            ApiError::IdentityProvider(_) => simple(
                StatusCode::SERVICE_UNAVAILABLE,
                "identity_provider_unavailable",
            ),
            ApiError::Internal(_) => simple(StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl ApiError {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        self.problem().status
    }

    /// Logs what operators must see (failures, not refusals).
    pub fn log(&self) {
        match self {
            ApiError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            ApiError::Unavailable(detail) => tracing::warn!(error = %detail, "store unavailable"),
            ApiError::IdentityProvider(detail) => {
                tracing::warn!(error = %detail, "identity provider unavailable")
            }
            ApiError::Unauthenticated(reason) => tracing::debug!(reason = %reason, "token refused"),
            _ => {}
        }
    }

    /// A title and a text for a page, in `lang`: what went wrong and, per field, why.
    pub fn page_texts(&self, lang: mandates_domain::Lang, request_id: &str) -> (String, String) {
        let p = self.problem();
        let title = i18n::message(lang, &format!("title-{}", p.status.as_u16()), &[]);
        let mut args = p.args.clone();
        args.push(("request_id", request_id.to_owned()));
        let mut text = i18n::message(lang, message_id(&p), &args);
        for f in &p.fields {
            text.push(' ');
            text.push_str(&field_message(lang, f));
        }
        (title, text)
    }
}

fn message_id(p: &Problem) -> &'static str {
    if p.code == "exclusive_conflict" && p.args.iter().any(|(k, _)| *k == "mandate") {
        "exclusive_conflict-named"
    } else {
        p.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let problem = self.problem();
        let mut response = problem.status.into_response();
        if problem.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(problem);
        response
    }
}

/// The header that carries the id of a request, generated when the client sends none.
pub const REQUEST_ID: &str = "x-request-id";

pub fn field_message(lang: mandates_domain::Lang, f: &FieldError) -> String {
    field_text(lang, f.code, &f.args)
}

/// The message of a field error's code with its arguments (a party number's reason in words).
pub fn field_text(lang: mandates_domain::Lang, code: &str, args: &[(&str, String)]) -> String {
    if code == "invalid_party_number" {
        let reason = args
            .iter()
            .find(|(k, _)| *k == "reason")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let why = i18n::message(lang, &format!("party-{reason}"), &[]);
        return i18n::message(lang, code, &[("reason", why)]);
    }
    i18n::message(lang, code, args)
}

fn problem_body(p: &Problem, lang: mandates_domain::Lang, request_id: &str) -> Value {
    let mut args = p.args.clone();
    args.push(("request_id", request_id.to_owned()));
    let params: Map<String, Value> = p
        .args
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
        .collect();
    let mut body = json!({
        "type": format!("urn:mandates:problem:{}", p.code),
        "title": i18n::message(lang, &format!("title-{}", p.status.as_u16()), &[]),
        "status": p.status.as_u16(),
        "code": p.code,
        "detail": i18n::message(lang, message_id(p), &args),
        "request_id": request_id,
    });
    if !params.is_empty() {
        body["params"] = Value::Object(params);
    }
    if !p.fields.is_empty() {
        body["errors"] = p
            .fields
            .iter()
            .map(|f| json!({"field": f.field, "code": f.code, "message": field_message(lang, f)}))
            .collect();
    }
    body
}

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
    let mut response = {
        let _enter = span.enter();
        tracing::debug!("started");
        drop(_enter);
        tracing::Instrument::instrument(next.run(request), span.clone()).await
    };
    if let Some(problem) = response.extensions_mut().remove::<Problem>() {
        if problem.status.is_server_error() {
            let _enter = span.enter();
            tracing::error!(status = problem.status.as_u16(), "answered with an error");
        }
        let body = problem_body(&problem, lang, &request_id);
        let mut rendered = (problem.status, axum::Json(body)).into_response();
        for (name, value) in response.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                rendered.headers_mut().insert(name.clone(), value.clone());
            }
        }
        rendered.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response = rendered;
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
