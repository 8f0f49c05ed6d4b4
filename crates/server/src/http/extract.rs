//! Request parts the API reads the same way everywhere: JSON bodies, `Act-For`,
//! `Idempotency-Key`.

use axum::RequestExt;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use mandates_domain::{DomainError, FieldError, FieldErrors, Kbo, has_control};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::Digest;

use crate::AppState;
use crate::auth::{AuthError, Principal, bearer};
use crate::error::AppError;

/// A JSON body: an object (an empty body reads as `{}`), kept with what identifies the
/// request for idempotency. Syntax errors are 400, values of the wrong shape 422.
pub struct JsonBody<T> {
    pub value: T,
    head: String,
    bytes: Bytes,
}

impl<T> JsonBody<T> {
    /// What identifies the request (method, path, body), to refuse an `Idempotency-Key`
    /// reused for another request.
    pub fn fingerprint(&self) -> String {
        let mut hash = sha2::Sha256::new();
        hash.update(self.head.as_bytes());
        hash.update([0]);
        hash.update(if self.bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}".as_slice()
        } else {
            &self.bytes
        });
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let head = format!("{} {}", req.method(), req.uri().path());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| unread(e.status(), &e, e.body_text()))?;
        let text: &[u8] = match bytes.iter().position(|b| !b.is_ascii_whitespace()) {
            None => b"{}",
            // A JSON array would fill a request's fields by their order: only an object is one.
            Some(first) if bytes[first] != b'{' => {
                return Err(AppError::Body(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the body must be a JSON object".into(),
                ));
            }
            Some(_) => &bytes,
        };
        refuse_control_characters(text)?;
        let value = serde_json::from_slice(text).map_err(|e| {
            let status = match e.classify() {
                serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_REQUEST,
            };
            AppError::Body(status, e.to_string())
        })?;
        Ok(JsonBody { value, head, bytes })
    }
}

/// Refuses a JSON text whose strings hold a control character ([`has_control`]), naming
/// each field (`reference`, `types[1]`, `subject.properties.kbo`). A raw control character
/// is no JSON (a syntax error, left to the reader); an escaped one, DEL or a C1 character is
/// text, so only a body with one of those is read a second time.
fn refuse_control_characters(text: &[u8]) -> Result<(), AppError> {
    let suspect = text.contains(&0x7f)
        || text
            .windows(2)
            .any(|w| w == b"\\u" || (w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1])));
    if !suspect {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(text) else {
        return Ok(());
    };
    let mut errors = FieldErrors::default();
    controlled_fields(&value, String::new(), &mut errors);
    Ok(errors.into_result()?)
}

fn controlled_fields(value: &serde_json::Value, path: String, errors: &mut FieldErrors) {
    match value {
        serde_json::Value::String(text) if has_control(text) => {
            errors.push(FieldError::control_character(path));
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                controlled_fields(item, format!("{path}[{i}]"), errors);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let key = if has_control(key) {
                    key.escape_debug().to_string()
                } else {
                    key.clone()
                };
                let path = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                controlled_fields(item, path, errors);
            }
        }
        _ => {}
    }
}

/// A value read only from a JSON object: serde would also fill a struct's fields from an
/// array, by their order. Read in one pass, without an intermediate JSON value.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Only<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Only<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Only(std::marker::PhantomData))
            .map(Object)
    }
}

/// A body that could not be read: too late (408), too large (413), else a body that is not
/// what it should be (400).
pub(crate) fn unread(
    status: StatusCode,
    error: &(dyn std::error::Error + 'static),
    text: String,
) -> AppError {
    if crate::http::server::timed_out(error) {
        AppError::BodyTimeout
    } else if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::Body(StatusCode::BAD_REQUEST, text)
    }
}

/// Reads a list of JSON objects (never arrays).
pub fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Vec::<Object<T>>::deserialize(d)?;
    Ok(list.into_iter().map(|Object(value)| value).collect())
}

/// Reads an optional JSON object field (never an array).
pub fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Object<T>>::deserialize(d)?.map(|Object(value)| value))
}

/// The enterprise the caller acts for (`Act-For` header); absent: in their own name.
pub struct ActFor(pub Option<Kbo>);

impl FromRequestParts<AppState> for ActFor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("act-for") else {
            return Ok(ActFor(None));
        };
        let text = value.to_str().unwrap_or_default();
        Kbo::parse(text).map(|k| ActFor(Some(k))).map_err(|e| {
            DomainError::field(
                FieldError::new("Act-For", "invalid_party_number").arg("reason", e.code()),
            )
            .into()
        })
    }
}

/// The language of a request: `Accept-Language`, else Dutch.
pub struct RequestLang(pub mandates_domain::Lang);

impl FromRequestParts<AppState> for RequestLang {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(crate::i18n::request_lang(&parts.headers)))
    }
}

/// The client's `Idempotency-Key`, if any.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequestParts<AppState> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(k) if !k.is_empty() && k.len() <= 255 => Ok(IdempotencyKey(Some(k.to_owned()))),
                _ => Err(DomainError::field(
                    FieldError::new("Idempotency-Key", "invalid_value").arg("value", "…"),
                )
                .into()),
            },
        }
    }
}

/// Who asks the API for a change: the person, the enterprise they act for (`Act-For`), and
/// the request's `Idempotency-Key`.
pub struct Changer {
    pub principal: Principal,
    pub act_for: Option<Kbo>,
    pub key: Option<String>,
}

impl FromRequestParts<AppState> for Changer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let ActFor(act_for) = ActFor::from_request_parts(parts, state).await?;
        let IdempotencyKey(key) = IdempotencyKey::from_request_parts(parts, state).await?;
        Ok(Changer {
            principal,
            act_for,
            key,
        })
    }
}

/// Query parameters of a known set of names.
pub trait Params: DeserializeOwned {
    /// Every name the endpoint reads.
    const NAMES: &'static [&'static str];
}

/// Query parameters: one whose name the endpoint does not read is refused (a filter that
/// would be ignored), values that cannot be read are a problem answer, not plain text.
pub struct QueryParams<T>(pub T);

impl<T: Params> FromRequestParts<AppState> for QueryParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_html_form::from_str(query)
            .map_err(|e| AppError::Body(StatusCode::BAD_REQUEST, e.to_string()))?;
        let mut errors = FieldErrors::default();
        for (name, value) in &pairs {
            if has_control(value) {
                errors.push(FieldError::control_character(name.clone()));
            }
            if has_control(name) {
                errors.push(FieldError::control_character("query"));
            } else if !T::NAMES.contains(&name.as_str()) {
                errors.push(
                    FieldError::new(name.clone(), "unknown_parameter")
                        .arg("known", T::NAMES.join(", ")),
                );
            }
        }
        errors.into_result()?;
        serde_html_form::from_str(query)
            .map(QueryParams)
            .map_err(|e| AppError::Body(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
    }
}

/// A page size: `default` when absent, otherwise a whole number from 1 to `max`.
pub fn page_limit(text: Option<&str>, default: i64, max: i64, errors: &mut FieldErrors) -> i64 {
    let Some(text) = text else { return default };
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => n,
        _ => {
            errors.push(
                FieldError::new("limit", "out_of_range")
                    .arg("value", text)
                    .arg("min", 1)
                    .arg("max", max),
            );
            default
        }
    }
}

/// An uploaded file: the request body itself, or the field `file` of a multipart form (whose
/// other fields are kept as text).
pub struct UploadedFile {
    /// One of the server's upload slots, held while the file is read, checked and stored.
    _slot: tokio::sync::OwnedSemaphorePermit,
    pub bytes: Bytes,
    pub fields: std::collections::HashMap<String, String>,
    /// The request's query string, part of what identifies the upload.
    pub query: String,
}

impl UploadedFile {
    /// What identifies an upload, to refuse its `Idempotency-Key` reused for another: the
    /// query, the form's fields and the file.
    pub fn fingerprint(&self) -> String {
        let mut hash = sha2::Sha256::new();
        hash.update(b"POST /api/v1/bulk?");
        hash.update(self.query.as_bytes());
        let fields: std::collections::BTreeMap<_, _> = self.fields.iter().collect();
        for (name, value) in fields {
            hash.update([0]);
            hash.update(name.as_bytes());
            hash.update([0]);
            hash.update(value.as_bytes());
        }
        hash.update([0]);
        hash.update(&self.bytes);
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl FromRequest<AppState> for UploadedFile {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let slot = state
            .upload_slots()
            .try_acquire_owned()
            .map_err(|_| AppError::UploadsBusy)?;
        let query = req.uri().query().unwrap_or_default().to_owned();
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let bytes = whole_body(req).await?;
            return Ok(UploadedFile {
                _slot: slot,
                bytes,
                fields: std::collections::HashMap::new(),
                query,
            });
        }
        let unreadable =
            |e: axum::extract::multipart::MultipartError| unread(e.status(), &e, e.body_text());
        let mut file = buffer_for(&req);
        let mut form = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| unread(e.status(), &e, e.body_text()))?;
        let mut bytes = Bytes::new();
        let mut fields = std::collections::HashMap::new();
        while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                // Into one buffer, as a body is (see `whole_body`).
                file.clear();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    file.extend_from_slice(&chunk);
                }
                bytes = Bytes::from(std::mem::take(&mut file));
            } else {
                let text = field.text().await.map_err(unreadable)?;
                fields.insert(name, text);
            }
        }
        Ok(UploadedFile {
            _slot: slot,
            bytes,
            fields,
            query,
        })
    }
}

/// A buffer for what a request's body announces (its `Content-Length`), up to the upload
/// limit: reserved, not yet used, so an announced length beyond the limit costs nothing.
fn buffer_for(req: &Request) -> Vec<u8> {
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    Vec::with_capacity(announced.min(64 << 20))
}

/// A request's body in one buffer of the size it announces (within the route's limit): a
/// large file is held once, not in pieces and then again whole.
async fn whole_body(req: Request) -> Result<Bytes, AppError> {
    let mut bytes = buffer_for(&req);
    let mut body = req.into_limited_body();
    while let Some(frame) =
        std::future::poll_fn(|cx| http_body::Body::poll_frame(std::pin::Pin::new(&mut body), cx))
            .await
    {
        let frame = frame.map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            let (status, text) = if too_large {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "length limit exceeded".to_owned(),
                )
            } else {
                (StatusCode::BAD_REQUEST, e.to_string())
            };
            unread(
                status,
                &e,
                format!("Failed to buffer the request body: {text}"),
            )
        })?;
        if let Some(data) = frame.data_ref() {
            bytes.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(bytes))
}

/// The person a bearer token speaks for (a token of the configured identity provider).
impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers);
        let Some(token) = token else {
            return Err(AppError::Unauthenticated(AuthError::Missing));
        };
        match state.verifier().verify(token, state.clock().now()).await {
            Ok(p) => Ok(p),
            Err(e @ AuthError::Keys(_)) => Err(AppError::identity_provider(
                "fetching the signing keys",
                Some(e.into()),
            )),
            Err(e) => Err(AppError::Unauthenticated(e)),
        }
    }
}
