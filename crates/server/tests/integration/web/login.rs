//! Signing in through an OpenID Connect provider, in-process: a provider that cannot be
//! reached is "unavailable", not a refusal. (The refusals, against a real provider, are in
//! `e2e/tests/login.test.mjs`.)

use super::browser::Browser;
use crate::on_both_stores;
use crate::support::issuer::{Issuer, Key};
use crate::support::*;

/// The provider is gone between the start of a sign-in and the person's return: the service
/// answers 503 (try again in a moment), not a refusal of the sign-in.
async fn a_provider_out_of_reach_is_unavailable(backend: Backend) {
    let issuer = Issuer::start(&[]).await;
    let Some(app) = TestApp::with_config(backend, |c| {
        c.login.issuer = Some(issuer.url.clone());
        c.public_url = Some("http://localhost".into());
    })
    .await
    else {
        return;
    };
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("en");
    let started = browser.get("/login").await;
    assert_eq!(started.status, 303, "{}", started.html);
    let to_provider = started.location();
    assert!(
        to_provider.starts_with(&format!("{}/authorize?", issuer.url)),
        "{to_provider}"
    );
    let state = to_provider
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .expect("a state in the authorization request")
        .to_owned();
    issuer.stop();
    let back = browser
        .get(&format!("/auth/callback?code=a-code&state={state}"))
        .await;
    assert_eq!(back.status, 503, "{}", back.html);
    assert!(
        back.html.contains("the identity provider does not answer"),
        "{}",
        back.html
    );
}

on_both_stores!(a_provider_out_of_reach_is_unavailable);

/// Where a sign-in may send the person afterwards, written as an attacker would (raw in the
/// query, as a link would carry it): each must end at home, never on another site.
const HOSTILE_RETURN_TO: &[&str] = &[
    "//evil.example/",
    "/%5Cevil.example/",
    "%5C%5Cevil.example/",
    "/%09/evil.example/",
    "/%0d%0aSet-Cookie:x=1",
    "/%0a/evil.example/",
    "/%00",
    "https://evil.example/",
    "https:evil.example",
    "/%20/evil.example/",
    "evil.example",
    "/%252F/evil.example/",
    "/%C3%A9",
];

fn provider_app<'a>(issuer: &'a Issuer) -> impl FnOnce(&mut mandates_server::config::Config) + 'a {
    |c| {
        c.login.issuer = Some(issuer.url.clone());
        c.public_url = Some("http://localhost".into());
    }
}

/// Signs in through the provider, `return_to` written raw in the query of `/login`; returns
/// where the service sends the person at the end.
async fn sign_in_through(
    browser: &mut Browser<'_>,
    issuer: &Issuer,
    key: &Key,
    return_to: &str,
) -> String {
    let started = browser.get(&format!("/login?return_to={return_to}")).await;
    assert_eq!(started.status, 303, "{return_to}: {}", started.html);
    let back = issuer.sign_in(key, started.location(), ANN);
    let signed_in = browser.get(&back).await;
    assert_eq!(signed_in.status, 303, "{return_to}: {}", signed_in.html);
    assert!(browser.cookies.contains_key("mandates_session"));
    assert!(
        !browser.cookies.contains_key("mandates_login"),
        "the sign-in under way is over"
    );
    signed_in.location().to_owned()
}

/// A link to the service's sign-in that names another site (or a header of its own) to come
/// back to sends the person home, through the provider as through the demo page; a path of
/// the service is kept.
async fn after_a_sign_in_only_the_services_own_paths_are_followed(backend: Backend) {
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    let Some(app) = TestApp::with_config(backend, provider_app(&issuer)).await else {
        return;
    };
    for hostile in HOSTILE_RETURN_TO {
        let mut browser = Browser::new(&app);
        assert_eq!(
            sign_in_through(&mut browser, &issuer, &key, hostile).await,
            "/",
            "{hostile}"
        );
    }
    let mut browser = Browser::new(&app);
    assert_eq!(
        sign_in_through(&mut browser, &issuer, &key, "/mandates/abc%3Fx%3D1").await,
        "/mandates/abc?x=1"
    );
    assert!(browser.get("/").await.html.contains("85.07.30-033.28"));

    let Some(demo) = TestApp::new(backend).await else {
        return;
    };
    for hostile in HOSTILE_RETURN_TO {
        let mut browser = Browser::new(&demo);
        let login = browser.get(&format!("/login?return_to={hostile}")).await;
        assert_eq!(login.status, 303, "{hostile}: {}", login.html);
        assert_eq!(login.location(), "/sign-in?return_to=/", "{hostile}");
        let page = browser.get(&format!("/sign-in?return_to={hostile}")).await;
        assert_eq!(page.status, 200, "{hostile}: {}", page.html);
        assert!(
            page.html.contains(r#"name="return_to" value="/""#),
            "{hostile}"
        );
        // The form's field, changed by hand or by another site, is judged the same way.
        let decoded = decode(hostile);
        let signed_in = browser
            .post(
                "/sign-in",
                &[("national_number", ANN), ("return_to", &decoded)],
            )
            .await;
        assert_eq!(signed_in.status, 303, "{hostile}: {}", signed_in.html);
        assert_eq!(signed_in.location(), "/", "{hostile}");
    }
    let mut browser = Browser::new(&demo);
    let login = browser.get("/login?return_to=/mandates/abc%3Fx%3D1").await;
    assert_eq!(login.location(), "/sign-in?return_to=/mandates/abc%3Fx%3D1");
    let signed_in = browser
        .post(
            "/sign-in",
            &[("national_number", ANN), ("return_to", "/mandates/abc?x=1")],
        )
        .await;
    assert_eq!(signed_in.location(), "/mandates/abc?x=1");
}

/// What a query's percent-encoding stands for.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Anyone may start a sign-in, as often as they like: it stores nothing (what the callback
/// needs travels in a sealed cookie), and the sign-in still goes through.
async fn starting_sign_ins_stores_nothing(backend: Backend) {
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    let Some(app) = TestApp::with_config(backend, provider_app(&issuer)).await else {
        return;
    };
    for _ in 0..50 {
        let mut browser = Browser::new(&app);
        let started = browser.get("/login").await;
        assert_eq!(started.status, 303, "{}", started.html);
        let cookie = started.header("set-cookie");
        assert!(cookie.starts_with("mandates_login="), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("Max-Age=600"));
    }
    assert_eq!(app.db.count_rows("web_sessions").await, 0);

    let mut browser = Browser::new(&app);
    let started = browser.get("/login").await;
    // The sealed cookie holds the PKCE verifier: it cannot be read, nor changed unnoticed.
    let sealed = browser.cookies["mandates_login"].clone();
    let verifier_free = !sealed.contains("verifier") && !sealed.contains("state");
    assert!(verifier_free, "{sealed}");
    let back = issuer.sign_in(&key, started.location(), ANN);
    let mut changed = sealed.clone().into_bytes();
    changed[20] = if changed[20] == b'A' { b'B' } else { b'A' };
    let mut forger = Browser::new(&app);
    forger.cookies.insert(
        "mandates_login".into(),
        String::from_utf8(changed).expect("ascii"),
    );
    let refused = forger.get(&back).await;
    assert_eq!(refused.status, 403, "{}", refused.html);
    assert_eq!(app.db.count_rows("web_sessions").await, 0);

    let signed_in = browser.get(&back).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.html);
    assert_eq!(signed_in.location(), "/");
    assert_eq!(app.db.count_rows("web_sessions").await, 1);
    assert!(browser.get("/").await.html.contains("85.07.30-033.28"));

    // A sign-in left at the provider for longer than ten minutes is over.
    let mut late = Browser::new(&app);
    let started_late = late.get("/login").await;
    app.clock.advance(chrono::Duration::minutes(11));
    let refused = late
        .get(&issuer.sign_in(&key, started_late.location(), ANN))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.html);
}

/// Behind a load balancer the callback may reach another instance than the start of the
/// sign-in, and a form another instance than its page: instances configured with the same key
/// accept each other's cookies; one with another key does not. Outside demo mode a sign-in
/// provider without a key is refused at start.
async fn instances_with_the_same_key_accept_each_others_cookies(backend: Backend) {
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    let shared = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let Some(first) = TestApp::with_config(backend, |c| {
        provider_app(&issuer)(c);
        c.demo = false;
        c.login.cookie_key = Some(shared.into());
    })
    .await
    else {
        return;
    };
    let mut browser = Browser::new(&first);
    let started = browser.get("/login").await;
    assert_eq!(started.status, 303, "{}", started.html);
    let back = issuer.sign_in(&key, started.location(), ANN);

    let mut stranger = Browser::new(&first);
    stranger.via = Some(
        first
            .twin_with(|c| {
                c.login.cookie_key = Some("ZGlmZmVyZW50LWRpZmZlcmVudC1kaWZmZXJlbnQtMzI=".into())
            })
            .await,
    );
    stranger.cookies = browser.cookies.clone();
    let refused = stranger.get(&back).await;
    assert_eq!(refused.status, 403, "{}", refused.html);

    browser.via = Some(first.twin().await);
    let signed_in = browser.get(&back).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.html);
    let token = browser.csrf().await;
    browser.via = None;
    assert!(browser.get("/").await.html.contains("85.07.30-033.28"));
    let out = browser.post("/logout", &[("csrf", &token)]).await;
    assert_eq!(out.status, 303, "{}", out.html);

    let mut config = first.db.config();
    config.login.issuer = Some(issuer.url.clone());
    let refused = mandates_server::build(
        config,
        first.db.reconnect().await,
        first.clock.clone(),
        "http://localhost",
    )
    .await
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(refused.contains("login.cookie_key"), "{refused}");
}

on_both_stores!(
    after_a_sign_in_only_the_services_own_paths_are_followed,
    starting_sign_ins_stores_nothing,
    instances_with_the_same_key_accept_each_others_cookies,
);
