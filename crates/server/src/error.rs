//! One error type, two faces: a refusal of the rules or a failure, rendered as
//! `application/problem+json` in the request's language with the request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandates_domain::error::ErrorKind;
use mandates_domain::{DomainError, FieldError};
use mandates_store::StoreError;
use serde_json::{Map, Value, json};

use crate::auth::AuthError;
use crate::i18n;

/// Seconds to wait before sending a bulk file again when the server reads as many as it may.
const UPLOADS_RETRY_AFTER: u64 = 5;
/// Seconds after which evidence not ready may be asked again (a checkpoint is signed on demand).
const EVIDENCE_RETRY_AFTER: u64 = 2;

/// What a failure was caused by, kept whole for the logs (never shown to the client).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the application can answer instead of success: a refusal of the rules, a
/// request that cannot be read, or a failure (with its cause, for the logs).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("refused: {0}")]
    Domain(#[from] DomainError),
    /// A request that does not have the shape its protocol prescribes (400, where a standard
    /// says so), with the fields at fault.
    #[error("malformed: {0}")]
    Malformed(DomainError),
    #[error("unauthenticated")]
    Unauthenticated(#[source] AuthError),
    #[error("no such route")]
    NoRoute,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body or query cannot be read; the reason speaks of what the client sent.
    #[error("unreadable request: {1}")]
    Body(StatusCode, String),
    /// The body did not arrive in time.
    #[error("the request body came too slowly")]
    BodyTimeout,
    /// The body is larger than the address takes.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The address (path and query) is longer than `max` bytes, the most the service reads.
    #[error("the request's address is too long")]
    UriTooLong { max: usize },
    /// The request's headers are larger than the service keeps.
    #[error("the request's headers are too large")]
    HeadersTooLarge,
    #[error("concurrent change")]
    Concurrent,
    #[error("idempotency key reused")]
    KeyReused,
    /// Too many requests from this client address; it may try again after so many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// As many bulk files as the server reads at once are being read (503, try again soon).
    #[error("uploads busy")]
    UploadsBusy,
    /// Evidence cannot be given yet: events not chained (an older database being chained)
    /// or no checkpoint that reaches them (503, try again soon).
    #[error("evidence not ready")]
    EvidenceNotReady,
    /// The store failed: unavailable (503) or a failed statement (500).
    #[error("store")]
    Store(#[source] StoreError),
    /// The store was found full a moment ago (503 store_full, not asked again yet).
    #[error("the store was full when last asked")]
    StillFull,
    /// An answer could not be written to the access log: it is not given (503).
    #[error("access log")]
    AccessLog(#[from] crate::access_log::SpoolError),
    #[error("identity provider unavailable: {context}")]
    IdentityProvider {
        context: String,
        #[source]
        source: Option<Cause>,
    },
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Cause,
    },
}

impl AppError {
    /// A failure of ours, with what was being done and why it failed.
    pub fn internal(context: &'static str, source: impl Into<Cause>) -> Self {
        AppError::Internal {
            context,
            source: source.into(),
        }
    }

    /// The identity provider could not be used.
    pub fn identity_provider(context: impl Into<String>, source: Option<Cause>) -> Self {
        AppError::IdentityProvider {
            context: context.into(),
            source,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Concurrent,
            other => AppError::Store(other),
        }
    }
}

/// An error and every cause below it, for a log line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// What the renderer needs; travels in the response extensions to the middleware, which
/// knows the request's language and id.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    status: StatusCode,
    code: &'static str,
    args: Vec<(&'static str, String)>,
    fields: Vec<FieldError>,
}

impl AppError {
    fn problem(&self) -> Problem {
        let simple = |status, code| Problem {
            status,
            code,
            args: Vec::new(),
            fields: Vec::new(),
        };
        match self {
            AppError::Domain(e) => Problem {
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
            AppError::Malformed(e) => Problem {
                status: StatusCode::BAD_REQUEST,
                code: e.code,
                args: e.args.clone(),
                fields: e.fields.clone(),
            },
            AppError::Unauthenticated(_) => simple(StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::NoRoute => simple(StatusCode::NOT_FOUND, "not_found"),
            AppError::MethodNotAllowed => {
                simple(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            }
            AppError::Body(status, reason) => Problem {
                args: vec![("reason", reason.clone())],
                ..simple(*status, "invalid_body")
            },
            AppError::BodyTimeout => simple(StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            AppError::PayloadTooLarge => simple(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::UriTooLong { max } => Problem {
                args: vec![("max", max.to_string())],
                ..simple(StatusCode::URI_TOO_LONG, "uri_too_long")
            },
            AppError::HeadersTooLarge => simple(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
            ),
            AppError::Concurrent => simple(StatusCode::CONFLICT, "concurrent_change"),
            AppError::KeyReused => {
                simple(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            AppError::TooManyRequests { retry_after } => Problem {
                args: vec![("retry_after", retry_after.to_string())],
                ..simple(StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
            },
            AppError::UploadsBusy => Problem {
                args: vec![("retry_after", UPLOADS_RETRY_AFTER.to_string())],
                ..simple(StatusCode::SERVICE_UNAVAILABLE, "uploads_busy")
            },
            AppError::EvidenceNotReady => Problem {
                args: vec![("retry_after", EVIDENCE_RETRY_AFTER.to_string())],
                ..simple(StatusCode::SERVICE_UNAVAILABLE, "evidence_not_ready")
            },
            AppError::Store(e) if e.is_unavailable() => {
                simple(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable")
            }
            AppError::StillFull => simple(StatusCode::SERVICE_UNAVAILABLE, "store_full"),
            AppError::Store(e) if e.is_full() => {
                simple(StatusCode::SERVICE_UNAVAILABLE, "store_full")
            }
            AppError::Store(_) | AppError::Internal { .. } => {
                simple(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
            AppError::AccessLog(_) => {
                simple(StatusCode::SERVICE_UNAVAILABLE, "access_log_unavailable")
            }
            AppError::IdentityProvider { .. } => simple(
                StatusCode::SERVICE_UNAVAILABLE,
                "identity_provider_unavailable",
            ),
        }
    }
}

impl AppError {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        self.problem().status
    }

    /// The status and the problem document, for an answer given outside the router.
    pub fn document(&self, lang: mandates_domain::Lang, request_id: &str) -> (StatusCode, Value) {
        let problem = self.problem();
        (problem.status, problem_body(&problem, lang, request_id))
    }

    /// Logs what operators must see (failures, with their causes; not refusals).
    /// The seconds after which the same request may succeed, when it says so (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } => Some(*retry_after),
            AppError::UploadsBusy => Some(UPLOADS_RETRY_AFTER),
            AppError::EvidenceNotReady => Some(EVIDENCE_RETRY_AFTER),
            _ => None,
        }
    }

    pub fn log(&self) {
        match self {
            AppError::Internal { .. } => tracing::error!(error = %chain(self), "internal error"),
            AppError::Store(e) if e.is_unavailable() => {
                tracing::warn!(error = %chain(self), "store unavailable")
            }
            AppError::Store(e) if e.is_full() => {
                tracing::error!(error = %chain(self), "store full: writes refused until there is room")
            }
            AppError::Store(_) => tracing::error!(error = %chain(self), "store failed"),
            AppError::AccessLog(_) => {
                tracing::error!(error = %chain(self), "an answer was refused: the access log cannot take it")
            }
            AppError::IdentityProvider { .. } => {
                tracing::warn!(error = %chain(self), "identity provider unavailable")
            }
            AppError::Unauthenticated(reason) => tracing::debug!(reason = %reason, "token refused"),
            _ => {}
        }
    }

    /// What a form shows of a refusal, in `lang`: the refusal's own text (the whole of what
    /// is said when no field is at fault) and each field's message. `words` puts a code of an
    /// argument in words (a mandate type's or a service's name for its code), or leaves it.
    pub fn form_texts(
        &self,
        lang: mandates_domain::Lang,
        request_id: &str,
        words: &dyn Fn(&str, &str) -> Option<String>,
    ) -> (String, Vec<(String, String)>) {
        let p = self.problem();
        let named = |args: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
            args.iter()
                .map(|(k, v)| (*k, words(k, v).unwrap_or_else(|| v.clone())))
                .collect()
        };
        let mut args = named(&p.args);
        args.push(("request_id", request_id.to_owned()));
        let text = i18n::message(lang, message_id(&p), &args);
        let fields = p
            .fields
            .iter()
            .map(|f| (f.field.clone(), field_text(lang, f.code, &named(&f.args))))
            .collect();
        (text, fields)
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let problem = self.problem();
        let mut response = problem.status.into_response();
        if problem.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(problem);
        response
    }
}

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
    let mut words: Vec<(&str, String)> = args
        .iter()
        .map(|(k, v)| match *k {
            // Days as people read them, 31/12/2027.
            "today" | "latest" => (
                *k,
                v.parse::<chrono::NaiveDate>()
                    .map(crate::text::date)
                    .unwrap_or_else(|_| v.clone()),
            ),
            _ => (*k, v.clone()),
        })
        .collect();
    if let Some(days) = args
        .iter()
        .find(|(k, _)| *k == "max_days")
        .and_then(|(_, v)| v.parse::<u32>().ok())
    {
        words.push(("period", period_words(lang, days)));
    }
    i18n::message(lang, code, &words)
}

/// A longest period in words: whole years where the days are as many (1826 days: 5 years),
/// else days.
fn period_words(lang: mandates_domain::Lang, days: u32) -> String {
    let years = (f64::from(days) / 365.25).round();
    if years == 1.0 && days <= 366 {
        i18n::message(lang, "period-one-year", &[])
    } else if years >= 1.0 && (years * 365.25 - f64::from(days)).abs() <= 1.0 {
        i18n::message(lang, "period-years", &[("years", format!("{years}"))])
    } else {
        i18n::message(lang, "period-days", &[("days", days.to_string())])
    }
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

/// Renders the problem a handler answered with (if any) as `application/problem+json` in
/// the request's language, with its id; other answers pass unchanged.
pub fn render_problem(
    mut response: Response,
    lang: mandates_domain::Lang,
    request_id: &str,
    span: &tracing::Span,
) -> Response {
    let Some(problem) = response.extensions_mut().remove::<Problem>() else {
        return response;
    };
    if problem.status.is_server_error() {
        let _enter = span.enter();
        tracing::error!(status = problem.status.as_u16(), "answered with an error");
    }
    let body = problem_body(&problem, lang, request_id);
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
    rendered
}
