//! The OpenAPI document: its description, its security schemes, and the answers every
//! operation may give besides its own (a problem document for each refusal or failure).

use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

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
        (name = "business", description = "For government applications, with a client token: checks and lists, the events of their domain (a feed of CloudEvents, and webhooks signed per Standard Webhooks), and token introspection"),
        (name = "evidence", description = "Signed receipts of acts and signed checkpoints of the event log, verifiable offline with the keys at /.well-known/jwks.json"),
        (name = "bulk", description = "Many changes from one file: checked first, then applied"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

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

/// A problem document (RFC 9457), as every refusal and failure of the API is answered.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Problem {
    /// `urn:mandates:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The class of the problem, in the request's language.
    pub title: String,
    pub status: u16,
    /// A stable code, e.g. `validation_failed`, `mandate_not_found`, `stale_version`.
    pub code: String,
    /// What went wrong and what to do, in the request's language.
    pub detail: String,
    /// The request's id, as in the service's logs.
    pub request_id: String,
    /// The values the message speaks of, by name.
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Value>,
    /// For `validation_failed`: each field at fault.
    pub errors: Option<Vec<ProblemField>>,
}

/// A field at fault, and why.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// What a status means when an operation does not say more.
fn meaning(status: &str) -> &'static str {
    match status {
        "400" => "The request cannot be read (its body is not JSON of the right shape)",
        "401" => "No valid token",
        "403" => "Your role does not allow it",
        "404" => "Not found (or not yours to see)",
        "405" => "This address does not take this method",
        "409" => "The state or the version does not allow it",
        "422" => "A field, header or parameter is not valid: `errors` names each",
        "500" => "A failure of the service (the request id is in its logs)",
        "503" => "The service cannot reach its store now; try again",
        _ => "A refusal",
    }
}

/// Adds what an operation may answer besides what it says: 400 for a body that cannot be
/// read, 422 for an invalid header or parameter, 401 where a token is needed, 503 when the
/// store cannot be reached; and gives every refusal its problem document.
fn complete_operation(path: &str, op: &mut Operation) {
    let mut add = |status: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().build()));
    };
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if has_body {
        add("400");
    }
    if has_body || has_params {
        add("422");
    }
    if secured {
        add("401");
    }
    if path != "/healthz" {
        add("503");
    }
    let problem = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status.as_str() < "400" {
            continue;
        }
        if response.description.is_empty() {
            response.description = meaning(status).to_owned();
        }
        if response.content.is_empty() {
            response.content.insert(
                "application/problem+json".to_owned(),
                problem.clone().into(),
            );
        }
    }
}

/// Completes the document of the routes: the problem schema, and each operation's answers.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("Problem".to_owned(), Problem::schema());
    components
        .schemas
        .insert("ProblemField".to_owned(), ProblemField::schema());
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(path, op);
        }
    }
}
