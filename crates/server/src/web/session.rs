//! Server-side sessions of the web pages, kept in the application's own database. The
//! cookie carries a random secret; the store keeps only its SHA-256. A session ends after
//! a time without requests (idle) and a time after sign-in (absolute), and gets a new
//! secret at sign-in.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use mandates_domain::time::Instant;
use mandates_store::StoredSession;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;

/// The session cookie's name.
pub const COOKIE: &str = "mandates_session";

/// What a session remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionData {
    /// The signed-in person's national number.
    pub person: Option<String>,
    /// The signed-in person's name, as learned at sign-in.
    #[serde(default)]
    pub name: Option<String>,
    pub acr: Option<String>,
    #[serde(default)]
    pub amr: Vec<String>,
    /// The enterprise the person acts for; `None`: in their own name.
    pub acting_for: Option<String>,
    /// The provider's ID token, to end the provider's session at logout.
    pub id_token: Option<String>,
}

/// A session as loaded for a request.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub data: SessionData,
    pub created_at: Instant,
    /// When it ends if no other request comes: idle, or too old, whichever is first.
    pub expires_at: Instant,
}

/// A new random secret, URL-safe.
pub fn random_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal("drawing a random secret", e))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the store keeps of a session's secret.
pub fn hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure outside demo mode.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if !state.config().demo {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The `Set-Cookie` value that removes a cookie.
pub fn clear_cookie(state: &AppState, name: &str) -> String {
    set_cookie(state, name, "", Some(0))
}

/// Loads the session named by the request's cookie, if it is still valid; touches it.
pub async fn load(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, AppError> {
    let Some(secret) = cookie(headers, COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id_hash = hash(secret);
    let Some(stored) = state.store().session(&id_hash).await? else {
        return Ok(None);
    };
    let now = state.clock().now();
    let (idle, max) = lifetimes(state);
    if now - stored.last_seen_at >= idle || now - stored.created_at >= max {
        // Forgetting it is housekeeping (the purge does it too): a store that takes no
        // writes just now does not stop the page.
        if let Err(e) = state.store().delete_session(&id_hash).await {
            tracing::warn!(error = %e, "an ended session could not be deleted now");
        }
        return Ok(None);
    }
    let data: SessionData = serde_json::from_str(&stored.data).unwrap_or_default();
    // One write a minute at most keeps the idle clock honest without a write a request.
    // A page that only reads still works while the store takes no writes (full, or read
    // only); the idle clock then lags by the time the store was away.
    let mut last_seen = stored.last_seen_at;
    if now - stored.last_seen_at >= Duration::minutes(1) {
        let touched = StoredSession {
            last_seen_at: now,
            ..stored.clone()
        };
        match state.store().put_session(&id_hash, &touched).await {
            Ok(()) => last_seen = now,
            Err(e) => tracing::warn!(error = %e, "a session's last visit could not be recorded"),
        }
    }
    Ok(Some(Session {
        id_hash,
        data,
        created_at: stored.created_at,
        expires_at: ends_at(last_seen, stored.created_at, idle, max),
    }))
}

/// When a session last seen at `last_seen` ends: idle, or too old, whichever is first.
fn ends_at(last_seen: Instant, created_at: Instant, idle: Duration, max: Duration) -> Instant {
    let after = |from: Instant, age| from.checked_add_signed(age).unwrap_or(Instant::MAX_UTC);
    after(last_seen, idle).min(after(created_at, max))
}

/// Records a visit now, whatever the time since the last: the person chose to stay signed
/// in. Returns when the session now ends.
pub async fn extend(state: &AppState, session: &Session) -> Result<Instant, AppError> {
    save(state, session).await?;
    let (idle, max) = lifetimes(state);
    Ok(ends_at(state.clock().now(), session.created_at, idle, max))
}

/// How long a session lives without a request, and at most.
fn lifetimes(state: &AppState) -> (Duration, Duration) {
    let login = &state.config().login;
    (login.idle(), login.max_age())
}

/// Forgets the sessions that have ended (idle too long, or too old); returns how many.
pub async fn purge_ended(state: &AppState) -> Result<u64, AppError> {
    let now = state.clock().now();
    let (idle, max) = lifetimes(state);
    // A lifetime longer than the clock reaches back ends no session.
    let before = |age| now.checked_sub_signed(age).unwrap_or(Instant::UNIX_EPOCH);
    Ok(state
        .store()
        .delete_ended_sessions(before(idle), before(max))
        .await?)
}

/// Starts a new session (a new secret: sign-in rotates it); returns its `Set-Cookie`.
/// The previous session, if any, is forgotten.
pub async fn start(
    state: &AppState,
    previous: Option<&Session>,
    data: &SessionData,
) -> Result<String, AppError> {
    if let Some(old) = previous {
        state.store().delete_session(&old.id_hash).await?;
    }
    // A sign-in also sweeps the sessions that ended without a sign-out.
    purge_ended(state).await?;
    let secret = random_secret()?;
    let now = state.clock().now();
    state
        .store()
        .put_session(
            &hash(&secret),
            &StoredSession {
                data: to_text(data)?,
                created_at: now,
                last_seen_at: now,
            },
        )
        .await?;
    Ok(set_cookie(state, COOKIE, &secret, None))
}

/// Saves a changed session under the same secret.
pub async fn save(state: &AppState, session: &Session) -> Result<(), AppError> {
    state
        .store()
        .put_session(
            &session.id_hash,
            &StoredSession {
                data: to_text(&session.data)?,
                created_at: session.created_at,
                last_seen_at: state.clock().now(),
            },
        )
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn end(state: &AppState, session: &Session) -> Result<(), AppError> {
    state.store().delete_session(&session.id_hash).await?;
    Ok(())
}

fn to_text(data: &SessionData) -> Result<String, AppError> {
    serde_json::to_string(data).map_err(|e| AppError::internal("writing a session", e))
}
