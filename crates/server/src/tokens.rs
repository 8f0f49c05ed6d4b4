//! The service's own tokens: short-lived tokens of business applications (OAuth client
//! credentials) and, later, exchanged "acting for" tokens. Signed with Ed25519 keys kept
//! in the store, so that every instance verifies what any instance issued; a new key is
//! made when the newest is old, and older keys stay published until their tokens expire.

use std::collections::HashMap;
use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Duration;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use mandates_domain::time::Instant;
use mandates_store::{Client, SigningKey, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::auth::AuthError;

/// The audience of business applications' tokens.
pub const BUSINESS_AUDIENCE: &str = "mandates-business";
/// How long a client token is valid.
pub const CLIENT_TOKEN_SECONDS: i64 = 300;
/// A new signing key is made when the newest is older than this.
const ROTATE_AFTER_DAYS: i64 = 30;
/// A new key is published this long before it signs, so that every instance and every
/// application that caches our key set knows it first.
const PUBLISH_BEFORE_USE_MINUTES: i64 = 15;
/// A key is no longer published (nor trusted) this long after a newer one was made: long
/// after the last token it signed expired.
const RETIRE_AFTER_DAYS: i64 = 7;
/// At most this many verified tokens are remembered.
const CACHE_LIMIT: usize = 50_000;

/// Why a key or a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no random bytes")]
    Random(#[from] getrandom::Error),
    #[error("the key could not be encoded")]
    Encoding(#[from] ed25519_dalek::pkcs8::Error),
    #[error("the token could not be signed")]
    Signing(#[from] jsonwebtoken::errors::Error),
    #[error("there is no signing key")]
    NoKey,
}

/// A new Ed25519 key: its id, its PKCS#8 DER (secret) and its public JWK.
pub fn generate_ed25519() -> Result<(String, Vec<u8>, serde_json::Value), TokenError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let der = signing.to_pkcs8_der()?;
    let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
    let digest = sha2::Sha256::digest(x.as_bytes());
    let kid = URL_SAFE_NO_PAD.encode(&digest[..12]);
    let jwk = serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"});
    Ok((kid, der.as_bytes().to_vec(), jwk))
}

/// A business application, as its token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPrincipal {
    pub client_id: String,
    pub name: String,
    pub domain: String,
    /// Empty: every type of the domain.
    pub types: Vec<String>,
}

impl From<&Client> for ClientPrincipal {
    fn from(c: &Client) -> Self {
        ClientPrincipal {
            client_id: c.id.clone(),
            name: c.name.clone(),
            domain: c.domain.clone(),
            types: c.types.clone(),
        }
    }
}

impl ClientPrincipal {
    /// Whether the client may ask about a type.
    pub fn covers(&self, type_code: &str) -> bool {
        type_code.split_once('.').map(|(d, _)| d) == Some(self.domain.as_str())
            && (self.types.is_empty() || self.types.iter().any(|t| t == type_code))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ClientClaims {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    exp: i64,
    token_kind: String,
    client_name: String,
    domain: String,
    #[serde(default)]
    types: Vec<String>,
}

struct LoadedKey {
    kid: String,
    created_at: Instant,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: serde_json::Value,
}

fn load_key(k: &SigningKey) -> Option<LoadedKey> {
    let der = STANDARD.decode(&k.private_der).ok()?;
    let jwk = serde_json::from_value(k.public_jwk.clone()).ok()?;
    Some(LoadedKey {
        kid: k.kid.clone(),
        created_at: k.created_at,
        encoding: EncodingKey::from_ed_der(&der),
        decoding: DecodingKey::from_jwk(&jwk).ok()?,
        jwk: k.public_jwk.clone(),
    })
}

/// The service's signing keys and a cache of verified client tokens.
pub struct ServiceTokens {
    issuer: String,
    /// Newest first.
    keys: RwLock<Vec<LoadedKey>>,
    verified: RwLock<HashMap<String, (ClientPrincipal, i64)>>,
}

/// Why the signing keys could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl ServiceTokens {
    /// Loads the keys from the store, making a new one when there is none or the newest is old.
    pub async fn load(
        store: &Store,
        issuer: &str,
        now: Instant,
    ) -> Result<ServiceTokens, KeyError> {
        let tokens = ServiceTokens {
            issuer: issuer.to_owned(),
            keys: RwLock::new(Vec::new()),
            verified: RwLock::new(HashMap::new()),
        };
        tokens.refresh(store, now).await?;
        Ok(tokens)
    }

    /// Makes a new key when the newest is old, then rereads the keys (another instance may
    /// have made one). Run at start-up and periodically: keys rotate without a restart.
    pub async fn refresh(&self, store: &Store, now: Instant) -> Result<(), KeyError> {
        let stored = store.signing_keys().await?;
        let fresh = stored
            .first()
            .is_some_and(|k| now - k.created_at < Duration::days(ROTATE_AFTER_DAYS));
        if !fresh {
            let (kid, der, jwk) = generate_ed25519()?;
            let mut tx = store.begin_unlocked().await?;
            tx.add_signing_key(&SigningKey {
                kid,
                private_der: STANDARD.encode(der),
                public_jwk: jwk,
                created_at: now,
            })
            .await?;
            tx.commit().await?;
            tracing::info!("made a new token signing key");
        }
        Ok(self.reload(store, now).await?)
    }

    /// Rereads the keys: newest first, without those retired at `now`.
    pub async fn reload(&self, store: &Store, now: Instant) -> Result<(), StoreError> {
        let mut keys: Vec<LoadedKey> = store
            .signing_keys()
            .await?
            .iter()
            .filter_map(load_key)
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.created_at));
        // A key is retired some time after the next one was made.
        let mut newer: Option<Instant> = None;
        keys.retain(|k| {
            let keep = newer.is_none_or(|n| now - n < Duration::days(RETIRE_AFTER_DAYS));
            newer = Some(k.created_at);
            keep
        });
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(())
    }

    /// The public keys, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> serde_json::Value {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        serde_json::json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Signs with the newest key that has been published long enough (the only key, on a
    /// new installation).
    fn sign<T: Serialize>(&self, claims: &T, now: Instant) -> Result<String, TokenError> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let key = keys
            .iter()
            .find(|k| now - k.created_at >= Duration::minutes(PUBLISH_BEFORE_USE_MINUTES))
            .or_else(|| keys.last())
            .ok_or(TokenError::NoKey)?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        header.typ = Some("at+jwt".into());
        Ok(encode(&header, claims, &key.encoding)?)
    }

    /// A client-credentials token for a business application.
    pub fn issue_client_token(&self, client: &Client, now: Instant) -> Result<String, TokenError> {
        self.sign(
            &ClientClaims {
                iss: self.issuer.clone(),
                aud: BUSINESS_AUDIENCE.into(),
                sub: client.id.clone(),
                iat: now.timestamp(),
                exp: now.timestamp() + CLIENT_TOKEN_SECONDS,
                token_kind: "client".into(),
                client_name: client.name.clone(),
                domain: client.domain.clone(),
                types: client.types.clone(),
            },
            now,
        )
    }

    /// An exchanged token (RFC 8693): "`actor` acting for `mandator`", for the client that
    /// asked (its audience), expiring within minutes and never after the mandate.
    pub fn issue_acting_for(
        &self,
        grant: &ActingFor,
        now: Instant,
    ) -> Result<(String, i64), TokenError> {
        let exp = (now.timestamp() + ACTING_FOR_SECONDS)
            .min(grant.until.map_or(i64::MAX, |u| u.timestamp()));
        let claims = serde_json::json!({
            "iss": self.issuer,
            "aud": grant.client_id,
            "sub": grant.mandator,
            "act": { "sub": grant.actor },
            "iat": now.timestamp(),
            "exp": exp,
            "token_kind": "acting_for",
            "client_id": grant.client_id,
            "mandates": grant.mandates,
            "types": grant.types,
        });
        Ok((self.sign(&claims, now)?, exp - now.timestamp()))
    }

    fn decoding_key(&self, kid: &str) -> Option<DecodingKey> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .find(|k| k.kid == kid)
            .map(|k| k.decoding.clone())
    }

    /// Checks a business application's token; a verified token is remembered until it expires.
    pub async fn verify_client(
        &self,
        store: &Store,
        token: &str,
        now: Instant,
    ) -> Result<ClientPrincipal, AuthError> {
        let now_s = now.timestamp();
        if let Some((principal, exp)) = self
            .verified
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            && now_s < *exp
        {
            return Ok(principal.clone());
        }
        let invalid = |m: &str| AuthError::Invalid(m.to_owned());
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let kid = header.kid.ok_or_else(|| invalid("no key id"))?;
        let key = match self.decoding_key(&kid) {
            Some(k) => k,
            None => {
                self.reload(store, now)
                    .await
                    .map_err(|e| AuthError::Keys(e.to_string()))?;
                self.decoding_key(&kid)
                    .ok_or_else(|| invalid("unknown signing key"))?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[BUSINESS_AUDIENCE]);
        validation.validate_exp = false;
        let claims = decode::<ClientClaims>(token, &key, &validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?
            .claims;
        if claims.token_kind != "client" {
            return Err(invalid("not a client token"));
        }
        if claims.exp <= now_s {
            return Err(invalid("expired"));
        }
        let principal = ClientPrincipal {
            client_id: claims.sub,
            name: claims.client_name,
            domain: claims.domain,
            types: claims.types,
        };
        let mut cache = self.verified.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.retain(|_, (_, exp)| now_s < *exp);
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
        }
        cache.insert(token.to_owned(), (principal.clone(), claims.exp));
        Ok(principal)
    }
}

/// One of the service's own tokens, read back (for introspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnToken {
    /// The business application it was issued to.
    pub client_id: String,
    pub iat: i64,
    pub exp: i64,
    pub kind: OwnTokenKind,
}

/// What an own token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnTokenKind {
    /// A client-credentials token: the application in its own name.
    Client { types: Vec<String> },
    /// An exchanged token: `actor` acting for `mandator` for `types`.
    ActingFor {
        actor: String,
        mandator: String,
        types: Vec<String>,
    },
}

#[derive(Debug, Deserialize)]
struct AnyClaims {
    iss: String,
    sub: String,
    iat: i64,
    exp: i64,
    token_kind: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    act: Option<ActClaim>,
    #[serde(default)]
    types: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ActClaim {
    sub: String,
}

impl ServiceTokens {
    /// Reads a token this service issued, of either kind: signed by one of its keys, issued
    /// by it and not expired at `now`; `None` otherwise. Whether what it says still holds is
    /// for the caller to ask.
    pub async fn read_own(&self, store: &Store, token: &str, now: Instant) -> Option<OwnToken> {
        let kid = decode_header(token).ok()?.kid?;
        let key = match self.decoding_key(&kid) {
            Some(k) => k,
            None => {
                self.reload(store, now).await.ok()?;
                self.decoding_key(&kid)?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        // Client tokens name the business audience, exchanged ones the client: checked below.
        validation.validate_aud = false;
        validation.validate_exp = false;
        let claims = decode::<AnyClaims>(token, &key, &validation).ok()?.claims;
        if claims.iss != self.issuer || claims.exp <= now.timestamp() {
            return None;
        }
        let kind = match claims.token_kind.as_str() {
            "client" => OwnTokenKind::Client {
                types: claims.types,
            },
            "acting_for" => OwnTokenKind::ActingFor {
                actor: claims.act?.sub,
                mandator: claims.sub.clone(),
                types: claims.types,
            },
            _ => return None,
        };
        let client_id = match &kind {
            OwnTokenKind::Client { .. } => claims.sub,
            OwnTokenKind::ActingFor { .. } => claims.client_id?,
        };
        Some(OwnToken {
            client_id,
            iat: claims.iat,
            exp: claims.exp,
            kind,
        })
    }
}

/// How long an exchanged token is valid at most.
pub const ACTING_FOR_SECONDS: i64 = 300;

/// What an exchanged token says.
#[derive(Debug, Clone)]
pub struct ActingFor {
    pub client_id: String,
    pub actor: String,
    pub mandator: String,
    pub types: Vec<String>,
    /// The granting mandates (one per type, often the same).
    pub mandates: Vec<String>,
    /// The end of the shortest granting mandate.
    pub until: Option<Instant>,
}

/// The stored form of a client secret.
pub fn hash_secret(secret: &str) -> String {
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random client secret.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
