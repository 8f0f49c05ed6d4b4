//! An OpenID Connect issuer of the test's own, over real HTTP on an ephemeral loopback port:
//! a discovery document and the key set the test publishes, Ed25519 keys made in the test,
//! and tokens with whatever claims and header a test wants (the service under test fetches
//! the keys as it would from the federal provider).

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mandates_domain::time::Instant;
use serde_json::{Value, json};

use super::{Backend, TestApp};

/// The audience the service expects by default.
pub const AUDIENCE: &str = "mandates";

/// A signing key of the issuer.
pub struct Key {
    pub kid: String,
    /// The public key as a JWK, as the issuer publishes it.
    pub jwk: Value,
    encoding: EncodingKey,
}

impl Key {
    /// A new Ed25519 key.
    pub fn generate() -> Key {
        let (kid, der, jwk) = mandates_server::tokens::generate_ed25519().expect("a new key");
        Key {
            kid,
            jwk,
            encoding: EncodingKey::from_ed_der(&der),
        }
    }

    /// The public key's bytes (what an attacker can read from the key set).
    pub fn public_bytes(&self) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(self.jwk["x"].as_str().expect("x"))
            .expect("public key bytes")
    }

    /// The header of a well-formed access token signed with this key.
    pub fn header(&self) -> Header {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some("at+jwt".into());
        header
    }

    /// `claims` signed with this key under `header`.
    pub fn sign_with(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).expect("a signed token")
    }

    /// `claims` signed with this key under a well-formed header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with(&self.header(), claims)
    }
}

/// The issuer, serving until dropped.
pub struct Issuer {
    /// The issuer's identifier (its base address).
    pub url: String,
    published: Arc<Mutex<Vec<Value>>>,
    codes: Codes,
    task: tokio::task::JoinHandle<()>,
}

/// The ID tokens the token endpoint gives, by authorization code.
type Codes = Arc<Mutex<Vec<(String, String)>>>;

#[derive(Clone)]
struct Served {
    url: String,
    published: Arc<Mutex<Vec<Value>>>,
    codes: Codes,
}

/// A discovery document complete enough for a sign-in client too (no endpoint but the key
/// set is served).
async fn discovery(State(s): State<Served>) -> Json<Value> {
    Json(json!({
        "issuer": s.url,
        "jwks_uri": format!("{}/jwks.json", s.url),
        "authorization_endpoint": format!("{}/authorize", s.url),
        "token_endpoint": format!("{}/token", s.url),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
    }))
}

/// The token endpoint: an ID token for a code a test left, once; else `invalid_grant`.
async fn token(
    State(s): State<Served>,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let code = form.get("code").cloned().unwrap_or_default();
    let mut codes = s.codes.lock().expect("codes");
    match codes.iter().position(|(c, _)| *c == code) {
        Some(i) => {
            let (_, id_token) = codes.remove(i);
            Json(json!({
                "access_token": "an-access-token",
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
            }))
            .into_response()
        }
        None => (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
            .into_response(),
    }
}

async fn jwks(State(s): State<Served>) -> Json<Value> {
    let keys = s.published.lock().expect("published keys").clone();
    Json(json!({ "keys": keys }))
}

impl Issuer {
    /// Starts serving, publishing `keys`.
    pub async fn start(keys: &[&Key]) -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the issuer");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the issuer's address")
        );
        let published = Arc::new(Mutex::new(Vec::new()));
        let codes = Codes::default();
        let router = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks.json", get(jwks))
            .route("/token", post(token))
            .with_state(Served {
                url: url.clone(),
                published: published.clone(),
                codes: codes.clone(),
            });
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the issuer serves");
        });
        let issuer = Issuer {
            url,
            published,
            codes,
            task,
        };
        issuer.publish(keys);
        issuer
    }

    /// From now on, the key set holds these keys only (a rotation, a revocation).
    pub fn publish(&self, keys: &[&Key]) {
        self.publish_jwks(keys.iter().map(|k| k.jwk.clone()).collect());
    }

    /// From now on, the key set holds these JWKs, whatever they are.
    pub fn publish_jwks(&self, jwks: Vec<Value>) {
        *self.published.lock().expect("published keys") = jwks;
    }

    /// The person signs in at the provider, which sends them back to `redirect` (its
    /// authorization request) with a code; returns the callback's path and query. The code
    /// gives an ID token of `key` for `person` at the token endpoint, once.
    pub fn sign_in(&self, key: &Key, redirect: &str, person: &str) -> String {
        self.sign_in_with(key, redirect, person, &json!({}))
    }

    /// Like [`Issuer::sign_in`], with more claims in the ID token (a name).
    pub fn sign_in_with(&self, key: &Key, redirect: &str, person: &str, more: &Value) -> String {
        let param = |name: &str| {
            redirect
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no {name} in {redirect}"))
                .to_owned()
        };
        let (state, nonce) = (param("state"), param("nonce"));
        // The service checks an ID token's times against the real clock.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        header.typ = Some("JWT".into());
        let mut claims = json!({
            "iss": self.url,
            "aud": "mandates-web",
            "sub": "a-subject",
            "national_number": person,
            "nonce": nonce,
            "iat": now,
            "exp": now + 300,
            "acr": "http://eidas.europa.eu/LoA/high",
            "amr": ["eid"],
        });
        if let (Some(all), Some(more)) = (claims.as_object_mut(), more.as_object()) {
            all.extend(more.clone());
        }
        let id_token = key.sign_with(&header, &claims);
        let code = format!("code-{}", uuid::Uuid::new_v4().simple());
        self.codes
            .lock()
            .expect("codes")
            .push((code.clone(), id_token));
        format!("/auth/callback?code={code}&state={state}")
    }

    /// Stops serving: from now on the issuer cannot be reached.
    pub fn stop(&self) {
        self.task.abort();
    }

    /// The claims of a well-formed access token of a person, issued at `now` for an hour.
    pub fn claims(&self, person: &str, now: Instant) -> Value {
        json!({
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": person,
            "iat": now.timestamp(),
            "exp": now.timestamp() + 3600,
            "acr": "http://eidas.europa.eu/LoA/high",
            "amr": ["eid"],
        })
    }

    /// The application under test in production mode, trusting this issuer only.
    pub async fn app(
        &self,
        backend: Backend,
        adjust: impl FnOnce(&mut mandates_server::config::Config),
    ) -> Option<TestApp> {
        TestApp::with_config(backend, |c| {
            c.demo = false;
            c.auth.issuer = Some(self.url.clone());
            adjust(c);
        })
        .await
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
