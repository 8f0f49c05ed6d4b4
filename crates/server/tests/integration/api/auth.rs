//! Bearer tokens: from a real issuer over HTTP (discovery and keys fetched, refetched when the
//! issuer rotates its key), a person's access token of the right issuer and audience, valid
//! now by the service's clock; and how the signer authenticated is kept with the signature.

use axum::http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mandates_server::clock::Clock;
use mandates_server::config::Config;
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::issuer::{Issuer, Key};
use crate::support::*;

async fn requests_without_a_valid_token_are_401(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let none = app
        .request(Method::GET, "/api/v1/mandates", &[], None)
        .await
        .refused(401, "unauthenticated");
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    app.request(
        Method::GET,
        "/api/v1/mandates",
        &[("authorization", "Bearer not.a.token")],
        None,
    )
    .await
    .refused(401, "unauthenticated");
    // A token of another issuer (another key) is refused.
    let other = TestApp::new(Backend::Sqlite)
        .await
        .expect("a second application on SQLite");
    let foreign = format!("Bearer {}", other.token(ANN).await);
    app.request(
        Method::GET,
        "/api/v1/mandates",
        &[("authorization", foreign.as_str())],
        None,
    )
    .await
    .refused(401, "unauthenticated");
    // A token is refused once it expired, by the service's clock.
    let ann = app.person(ANN).await;
    ann.get("/api/v1/mandates").await.expect(200);
    app.clock.advance(chrono::Duration::minutes(61));
    ann.get("/api/v1/mandates")
        .await
        .refused(401, "unauthenticated");
}

async fn the_way_of_signing_in_is_kept_and_can_be_required(backend: Backend) {
    let substantial = "http://eidas.europa.eu/LoA/substantial";
    let Some(app) = TestApp::with_config(backend, |c| {
        c.auth.min_signing_acr = Some(substantial.into())
    })
    .await
    else {
        return;
    };
    let token = |acr: &'static str| {
        let app = &app;
        async move {
            let resp = app
                .request(
                    Method::POST,
                    "/demo/token",
                    &[],
                    Some(json!({"sub": ANN, "acr": acr})),
                )
                .await
                .expect(200);
            format!(
                "Bearer {}",
                resp.body["access_token"].as_str().unwrap_or_default()
            )
        }
    };
    let low = token("http://eidas.europa.eu/LoA/low").await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/mandates",
            &[("authorization", low.as_str())],
            Some(tax_return(ANN, BOB)),
        )
        .await
        .refused(403, "authentication_level_too_low");
    assert!(
        resp.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(substantial)
    );
    let high = token("http://eidas.europa.eu/LoA/high").await;
    let created = app
        .request(
            Method::POST,
            "/api/v1/mandates",
            &[("authorization", high.as_str())],
            Some(tax_return(ANN, BOB)),
        )
        .await
        .expect(201);
    assert_eq!(
        created.body["signatures"][0]["acr"],
        "http://eidas.europa.eu/LoA/high"
    );
    assert_eq!(created.body["signatures"][0]["amr"], json!(["demo"]));
}

/// An issuer served over real HTTP on an ephemeral loopback port: the service's own demo
/// issuer, in another instance. A setup that fails fails the test.
async fn serve_issuer() -> (String, TestStore, tokio::task::JoinHandle<()>) {
    let db = TestStore::new(Backend::Sqlite)
        .await
        .expect("an SQLite store for the issuer");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the issuer");
    let base = format!(
        "http://{}",
        listener.local_addr().expect("the issuer's address")
    );
    let config = Config {
        demo: true,
        demo_data: false,
        ..db.config()
    };
    let state = mandates_server::build(config, db.store.clone(), Clock::System, &base)
        .await
        .expect("the issuer's application");
    let router = mandates_server::app::router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("the issuer serves");
    });
    (base, db, task)
}

async fn tokens_of_a_configured_issuer_are_checked_with_its_published_keys(backend: Backend) {
    let (base, _issuer_db, task) = serve_issuer().await;
    let issuer = format!("{base}/demo");
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{issuer}/token"))
        .json(&json!({"sub": BOB}))
        .send()
        .await
        .expect("issuer answers")
        .json()
        .await
        .expect("token");
    let bearer = format!(
        "Bearer {}",
        token["access_token"].as_str().expect("the issuer's token")
    );
    let Some(app) = TestApp::with_config(backend, |c| {
        c.demo = false;
        c.auth.issuer = Some(issuer.clone());
    })
    .await
    else {
        return;
    };
    // The issuer signs with the host's clock: the service under test follows it.
    #[expect(
        clippy::disallowed_methods,
        reason = "tokens of a real issuer carry real time"
    )]
    app.clock.set(chrono::Utc::now());
    let resp = app.request(Method::POST, "/api/v1/mandates", &[("authorization", bearer.as_str())], Some(json!({"domain": "ehealth", "types": ["ehealth.consent"], "mandator": BOB, "mandatee": ANN}))).await.expect(201);
    assert_eq!(resp.body["signatures"][0]["signed_by"], BOB);
    // The demo routes do not exist outside demo mode.
    app.request(Method::POST, "/demo/token", &[], Some(json!({"sub": ANN})))
        .await
        .refused(404, "not_found");
    // The same token for an API of another audience is refused.
    let other = TestApp::with_config(backend, |c| {
        c.demo = false;
        c.auth.issuer = Some(issuer.clone());
        c.auth.audience = "another-api".into();
    })
    .await
    .expect("a second application on the same backend");
    #[expect(
        clippy::disallowed_methods,
        reason = "tokens of a real issuer carry real time"
    )]
    other.clock.set(chrono::Utc::now());
    other
        .request(
            Method::GET,
            "/api/v1/mandates",
            &[("authorization", bearer.as_str())],
            None,
        )
        .await
        .refused(401, "unauthenticated");
    task.abort();
}

/// `GET /api/v1/mandates` with a bearer token.
async fn list_with(app: &TestApp, token: &str) -> Resp {
    let bearer = format!("Bearer {token}");
    app.request(
        Method::GET,
        "/api/v1/mandates",
        &[("authorization", bearer.as_str())],
        None,
    )
    .await
}

/// `claims` with some claims added or replaced.
fn with(claims: &Value, changes: Value) -> Value {
    let mut claims = claims.clone();
    if let (Some(fields), Value::Object(changes)) = (claims.as_object_mut(), changes) {
        fields.extend(changes);
    }
    claims
}

/// Only a person's access token of the configured issuer opens the person API: a token that
/// is exchanged, of a service, an ID token, not valid yet, expired, for another issuer or
/// audience, or signed otherwise than with the issuer's asymmetric keys is refused. Well-formed
/// tokens beside them are accepted, so that each refusal has its one reason.
async fn only_a_persons_access_token_opens_the_person_api(backend: Backend) {
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    // A symmetric key in the issuer's key set is public: it must not make tokens valid.
    let shared = b"a secret that the key set makes public";
    issuer.publish_jwks(vec![
        key.jwk.clone(),
        json!({"kty": "oct", "kid": "shared", "alg": "HS256", "k": b64(shared)}),
    ]);
    let Some(app) = issuer.app(backend, |_| {}).await else {
        return;
    };
    // The service's clock is not the host's: the tokens are judged by the service's.
    let now = app.clock.now().timestamp();
    let good = issuer.claims(ANN, app.clock.now());
    let accepted = [
        ("a well-formed token", key.sign(&good)),
        (
            "a person's token that says so",
            key.sign(&with(&good, json!({"token_kind": "person"}))),
        ),
        (
            "a token valid in 20 s (within the clock leeway)",
            key.sign(&with(&good, json!({"nbf": now + 20}))),
        ),
    ];
    for (what, token) in accepted {
        let resp = list_with(&app, &token).await;
        assert_eq!(resp.status.as_u16(), 200, "{what}: {:#}", resp.body);
    }

    let hs256 = |kid: &str, secret: &[u8]| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.to_owned());
        let secret = EncodingKey::from_secret(secret).expect("an HMAC key");
        jsonwebtoken::encode(&header, &good, &secret).expect("an HS256 token")
    };
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": key.kid})
            .to_string()
            .as_bytes()),
        b64(good.to_string().as_bytes())
    );
    let refused = [
        (
            "an exchanged token (act)",
            key.sign(&with(&good, json!({"act": {"sub": BOB}}))),
        ),
        (
            "an exchanged token (token_kind)",
            key.sign(&with(&good, json!({"token_kind": "acting_for"}))),
        ),
        (
            "a business application's token",
            key.sign(&with(&good, json!({"token_kind": "client"}))),
        ),
        (
            "an ID token (nonce)",
            key.sign(&with(&good, json!({"nonce": "n-0S6_WzA2Mj"}))),
        ),
        (
            "an ID token (at_hash)",
            key.sign(&with(&good, json!({"at_hash": "77QmUPtjPfzWtF2AnpK9RQ"}))),
        ),
        (
            "a token valid only in a minute",
            key.sign(&with(&good, json!({"nbf": now + 60}))),
        ),
        (
            "a token expired a minute ago",
            key.sign(&with(&good, json!({"exp": now - 60}))),
        ),
        (
            "a token of another issuer",
            key.sign(&with(
                &good,
                json!({"iss": "https://idp.elsewhere.example"}),
            )),
        ),
        (
            "a token for another audience",
            key.sign(&with(&good, json!({"aud": "another-api"}))),
        ),
        (
            "HS256 with the public key as the secret",
            hs256(&key.kid, &key.public_bytes()),
        ),
        (
            "HS256 with a symmetric key of the issuer's key set",
            hs256("shared", shared),
        ),
        ("alg none", unsigned),
        (
            "another key's signature under the issuer's key id",
            Key::generate().sign_with(&key.header(), &good),
        ),
    ];
    for (what, token) in refused {
        let resp = list_with(&app, &token).await;
        assert_eq!(
            (resp.status.as_u16(), resp.code()),
            (401, "unauthenticated"),
            "{what}: {:#}",
            resp.body
        );
        assert_eq!(
            resp.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
    }
}

/// The issuer rotates its key: a token of the new key makes the service fetch the keys again
/// (at most every 30 s), so the new key is accepted without a restart.
async fn a_rotated_key_is_accepted_without_a_restart(backend: Backend) {
    let (old, new) = (Key::generate(), Key::generate());
    let issuer = Issuer::start(&[&old]).await;
    let Some(app) = issuer.app(backend, |_| {}).await else {
        return;
    };
    let token = |key: &Key| key.sign(&issuer.claims(ANN, app.clock.now()));
    let fetched = app.clock.now();
    list_with(&app, &token(&old)).await.expect(200);
    issuer.publish(&[&new]);
    for after in [10, 29] {
        app.clock.set(fetched + chrono::Duration::seconds(after));
        list_with(&app, &token(&new))
            .await
            .refused(401, "unauthenticated");
    }
    app.clock.set(fetched + chrono::Duration::seconds(31));
    list_with(&app, &token(&new)).await.expect(200);
    // The issuer no longer publishes the old key: its tokens are refused.
    list_with(&app, &token(&old))
        .await
        .refused(401, "unauthenticated");
}

/// Fetched keys are kept `auth.jwks_cache_seconds`: a key the issuer withdrew still verifies
/// until then, and no longer after.
async fn fetched_keys_are_kept_for_the_configured_time(backend: Backend) {
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    let Some(app) = issuer
        .app(backend, |c| c.auth.jwks_cache_seconds = 120)
        .await
    else {
        return;
    };
    let token = || key.sign(&issuer.claims(ANN, app.clock.now()));
    let fetched = app.clock.now();
    list_with(&app, &token()).await.expect(200);
    issuer.publish(&[]);
    for after in [60, 119] {
        app.clock.set(fetched + chrono::Duration::seconds(after));
        list_with(&app, &token()).await.expect(200);
    }
    app.clock.set(fetched + chrono::Duration::seconds(121));
    list_with(&app, &token())
        .await
        .refused(401, "unauthenticated");
}

on_both_stores!(
    only_a_persons_access_token_opens_the_person_api,
    a_rotated_key_is_accepted_without_a_restart,
    fetched_keys_are_kept_for_the_configured_time,
    requests_without_a_valid_token_are_401,
    the_way_of_signing_in_is_kept_and_can_be_required,
    tokens_of_a_configured_issuer_are_checked_with_its_published_keys,
);
