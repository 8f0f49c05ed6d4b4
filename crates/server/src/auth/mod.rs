//! Bearer tokens of people, from the configured OpenID Connect issuer (or the demo issuer,
//! through the same checks). The discovery document and signing keys are fetched and cached.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use mandates_domain::Insz;
use mandates_domain::actor::AuthContext;
use mandates_domain::time::Instant;
use serde_json::Value;
use tokio::sync::RwLock;

pub mod provider;

use crate::config::AuthConfig;

/// The person a valid token speaks for, and how they authenticated.
#[derive(Debug, Clone)]
pub struct Principal {
    pub person: Insz,
    pub auth: AuthContext,
}

/// Why a token was refused (logged, never shown in detail).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("token refused: {0}")]
    Invalid(String),
    #[error("signing keys unavailable: {0}")]
    Keys(String),
}

enum Keys {
    /// Keys known in-process (the demo issuer).
    Fixed(JwkSet),
    /// Keys fetched from the issuer's `jwks_uri`, with the moment they were fetched by the
    /// service's clock (the one every rule reads, and tests move).
    Remote {
        http: reqwest::Client,
        cache: RwLock<Option<(JwkSet, Instant)>>,
        ttl: TimeDelta,
    },
}

/// Checks people's access tokens: signature, issuer, audience, expiry and kind.
pub struct Verifier {
    issuer: String,
    audience: String,
    claim: String,
    keys: Keys,
}

/// Clock difference tolerated between the identity provider and us.
const LEEWAY_SECONDS: i64 = 30;

/// A token signed with a key we do not know refetches the keys at most this often: a rotated
/// key is accepted soon, and tokens with made-up key ids cannot make us hammer the issuer.
const UNKNOWN_KEY_REFETCH_SECONDS: i64 = 30;

const ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl Verifier {
    /// A verifier for a remote issuer; keys are fetched when first needed.
    pub fn remote(issuer: &str, config: &AuthConfig) -> Self {
        Verifier {
            issuer: issuer.to_owned(),
            audience: config.audience.clone(),
            claim: config.national_number_claim.clone(),
            keys: Keys::Remote {
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap_or_default(),
                cache: RwLock::new(None),
                ttl: i64::try_from(config.jwks_cache_seconds)
                    .ok()
                    .and_then(TimeDelta::try_seconds)
                    .unwrap_or(TimeDelta::MAX),
            },
        }
    }

    /// A verifier that trusts no issuer: every token is refused.
    pub fn refusing(config: &AuthConfig) -> Self {
        Self::fixed("", config, JwkSet { keys: Vec::new() })
    }

    /// A verifier whose keys are known in-process.
    pub fn fixed(issuer: &str, config: &AuthConfig, keys: JwkSet) -> Self {
        Verifier {
            issuer: issuer.to_owned(),
            audience: config.audience.clone(),
            claim: config.national_number_claim.clone(),
            keys: Keys::Fixed(keys),
        }
    }

    async fn fetch_keys(&self, http: &reqwest::Client) -> Result<JwkSet, AuthError> {
        let discovery: Value = get_json(
            http,
            &format!(
                "{}/.well-known/openid-configuration",
                self.issuer.trim_end_matches('/')
            ),
        )
        .await?;
        if discovery["issuer"].as_str() != Some(self.issuer.as_str()) {
            return Err(AuthError::Keys(
                "discovery document names another issuer".into(),
            ));
        }
        let Some(jwks_uri) = discovery["jwks_uri"].as_str() else {
            return Err(AuthError::Keys("discovery document has no jwks_uri".into()));
        };
        get_json(http, jwks_uri).await
    }

    /// The key set, refreshed when older than the cache's lifetime at `now`, or when `kid` is
    /// unknown and the last fetch is older than [`UNKNOWN_KEY_REFETCH_SECONDS`].
    async fn keys_for(&self, kid: Option<&str>, now: Instant) -> Result<Arc<JwkSet>, AuthError> {
        match &self.keys {
            Keys::Fixed(set) => Ok(Arc::new(set.clone())),
            Keys::Remote { http, cache, ttl } => {
                if let Some((set, fetched)) = cache.read().await.as_ref() {
                    let age = now - *fetched;
                    // A clock set back makes the keys stale, not fresh for ever.
                    let fresh = age >= TimeDelta::zero() && age < *ttl;
                    let knows_kid = kid.is_none_or(|k| set.find(k).is_some());
                    if fresh && (knows_kid || age < TimeDelta::seconds(UNKNOWN_KEY_REFETCH_SECONDS))
                    {
                        return Ok(Arc::new(set.clone()));
                    }
                }
                match self.fetch_keys(http).await {
                    Ok(set) => {
                        *cache.write().await = Some((set.clone(), now));
                        Ok(Arc::new(set))
                    }
                    // The provider is unreachable: the keys known so far still verify tokens.
                    Err(e) => match cache.read().await.as_ref() {
                        Some((set, _)) => {
                            tracing::warn!(error = %e, "identity provider keys could not be refreshed; using the known ones");
                            Ok(Arc::new(set.clone()))
                        }
                        None => Err(e),
                    },
                }
            }
        }
    }

    /// Checks a token and returns the person it speaks for.
    /// Expiry, and the age of the issuer's keys, are judged at `now`, the request's moment.
    pub async fn verify(&self, token: &str, now: Instant) -> Result<Principal, AuthError> {
        let invalid = |m: &str| AuthError::Invalid(m.to_owned());
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(invalid("algorithm not accepted"));
        }
        if let Some(typ) = &header.typ {
            let typ = typ.to_ascii_lowercase();
            if !matches!(typ.as_str(), "jwt" | "at+jwt" | "application/at+jwt") {
                return Err(invalid("not an access token"));
            }
        }
        let keys = self.keys_for(header.kid.as_deref(), now).await?;
        let jwk = match &header.kid {
            Some(kid) => keys.find(kid),
            None => keys.keys.first(),
        }
        .ok_or_else(|| invalid("unknown signing key"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // Expiry is checked below against the request's clock, not the host's.
        validation.validate_exp = false;
        let claims = decode::<Value>(token, &key, &validation)
            .map_err(|e| {
                AuthError::Invalid(match e.kind() {
                    ErrorKind::InvalidAudience => {
                        format!("its aud is not {:?} (auth.audience)", self.audience)
                    }
                    ErrorKind::InvalidIssuer => {
                        format!("its iss is not {:?} (auth.issuer)", self.issuer)
                    }
                    _ => e.to_string(),
                })
            })?
            .claims;
        let now = now.timestamp();
        let Some(exp) = claims["exp"].as_i64() else {
            return Err(invalid("no expiry"));
        };
        if exp + LEEWAY_SECONDS < now {
            return Err(invalid("expired"));
        }
        if claims["nbf"]
            .as_i64()
            .is_some_and(|nbf| nbf - LEEWAY_SECONDS > now)
        {
            return Err(invalid("not valid yet"));
        }
        // Exchanged "acting for" tokens and service tokens never manage mandates.
        if claims.get("nonce").is_some() || claims.get("at_hash").is_some() {
            return Err(invalid("an ID token is not an access token"));
        }
        if claims.get("act").is_some() || claims.get("token_kind").is_some_and(|k| k != "person") {
            return Err(invalid("not a person's token"));
        }
        let number = claims[self.claim.as_str()].as_str().ok_or_else(|| {
            AuthError::Invalid(format!(
                "no {:?} claim with the national number (auth.national_number_claim)",
                self.claim
            ))
        })?;
        let person =
            Insz::parse(number).map_err(|_| invalid("national number claim is not valid"))?;
        let amr = match &claims["amr"] {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Principal {
            person,
            auth: AuthContext {
                acr: claims["acr"].as_str().map(str::to_owned),
                amr,
            },
        })
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, AuthError> {
    let fail = |e: reqwest::Error| AuthError::Keys(format!("{url}: {e}"));
    http.get(url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(fail)?
        .json()
        .await
        .map_err(fail)
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// HTTP Basic credentials (`id`, `secret`), if any.
pub fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
