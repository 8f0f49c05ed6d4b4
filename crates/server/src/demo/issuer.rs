//! The demo token issuer: a key that lives only as long as the process, and access tokens
//! signed with it as an identity provider would issue them (checked through the same path
//! as a real one).

use chrono::Duration;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mandates_domain::Insz;
use mandates_domain::time::Instant;
use serde::Serialize;

use crate::error::AppError;

/// How long a demo token is valid.
pub const TOKEN_MINUTES: i64 = 60;

/// Signs demo tokens with a key that lives only as long as the process.
pub struct DemoIssuer {
    pub issuer: String,
    audience: String,
    key: EncodingKey,
    kid: String,
    jwks: JwkSet,
}

impl DemoIssuer {
    /// A new issuer with a fresh random key.
    pub fn generate(issuer: &str, audience: &str) -> Result<Self, crate::error::Cause> {
        let (kid, der, jwk) = crate::tokens::generate_ed25519()?;
        let jwks: JwkSet = serde_json::from_value(serde_json::json!({ "keys": [jwk] }))?;
        Ok(DemoIssuer {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            key: EncodingKey::from_ed_der(&der),
            kid,
            jwks,
        })
    }

    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// A person's access token, as an identity provider would issue it.
    pub fn issue(
        &self,
        person: &Insz,
        acr: Option<&str>,
        now: Instant,
    ) -> Result<String, AppError> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            aud: &'a str,
            sub: &'a str,
            iat: i64,
            exp: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            acr: Option<&'a str>,
            amr: [&'a str; 1],
        }
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("at+jwt".into());
        header.kid = Some(self.kid.clone());
        let claims = Claims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: person.as_str(),
            iat: now.timestamp(),
            exp: (now + Duration::minutes(TOKEN_MINUTES)).timestamp(),
            acr,
            amr: ["demo"],
        };
        encode(&header, &claims, &self.key)
            .map_err(|e| AppError::internal("signing a demo token", e))
    }
}
