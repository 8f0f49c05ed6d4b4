//! Signing in through an OpenID Connect provider, in-process: a provider that cannot be
//! reached is "unavailable", not a refusal. (The refusals, against a real provider, are in
//! `e2e/tests/login.test.mjs`.)

use super::browser::Browser;
use crate::on_both_stores;
use crate::support::issuer::Issuer;
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
