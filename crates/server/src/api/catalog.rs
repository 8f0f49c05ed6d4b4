//! `/api/v1/catalog`: domains and mandate types, in the four languages.

use axum::Json;
use axum::extract::State;
use mandates_domain::catalog::Catalog;

use crate::AppState;

/// The catalog: every domain and its types, names and descriptions in nl, fr, de and en,
/// the party kinds each side may be, period limits and acceptance windows. Retired types
/// are listed with `retired: true` (existing mandates keep them; new ones cannot choose them).
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog",
    responses((status = 200, description = "The catalog", body = Object)))]
pub async fn get_catalog(State(state): State<AppState>) -> Json<Catalog> {
    Json(state.catalog().clone())
}
