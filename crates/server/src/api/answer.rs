//! The answer to a change, from its typed outcome: 201 for what it made (with `Location`),
//! 200 otherwise, the `ETag` of a mandate's version, the consistency token, and
//! `Idempotent-Replayed` for a request repeated with the same key.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandates_domain::Party;
use mandates_domain::mandate::Mandate;
use mandates_domain::roles::EnterpriseRole;
use serde::Serialize;

use crate::api::views::{MandateView, RoleView};
use crate::service::unit::Done;

/// Header with the event sequence number of a change: pass it as `min_consistency` to get
/// answers at least that fresh.
pub const CONSISTENCY: &str = "consistency-token";

/// Header that tells the client the answer is the one remembered for its key.
pub const REPLAYED: &str = "idempotent-replayed";

/// A mandate's `ETag`: the version of its terms.
pub fn etag(m: &Mandate) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{}\"", m.version))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn changed<T, V: Serialize>(done: &Done<T>, view: V) -> Response {
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, Json(view)).into_response();
    let headers = response.headers_mut();
    if done.replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    } else {
        headers.insert(CONSISTENCY, HeaderValue::from(done.seq));
    }
    response
}

/// The answer to a change of a mandate, as `viewer` sees it.
pub fn mandate(done: &Done<Mandate>, viewer: &Party) -> Response {
    let m = &done.value;
    let mut response = changed(done, MandateView::of(m, viewer, done.at));
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag(m));
    if done.created
        && let Ok(location) = HeaderValue::from_str(&format!("/api/v1/mandates/{}", m.id))
    {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// The answer to a change of a role.
pub fn role(done: &Done<EnterpriseRole>) -> Response {
    changed(done, RoleView::of(&done.value, done.at))
}
