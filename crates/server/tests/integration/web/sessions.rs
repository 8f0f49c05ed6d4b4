//! Sessions, anti-forgery and headers: what keeps a signed-in person safe.

use chrono::Duration;

use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::Browser;

/// The create page's form for a mandate to BOB, with `token` as its anti-forgery token (the
/// browser's own when `None`).
fn new_mandate(token: Option<&str>) -> Vec<(&str, &str)> {
    let mut form: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
    form.extend([
        ("domain", "fin"),
        ("side", "mandator"),
        ("types", "fin.myminfin_consult"),
        ("other", BOB),
        ("valid_from-day", "15"),
        ("valid_from-month", "3"),
        ("valid_from-year", "2027"),
        ("valid_until-day", "31"),
        ("valid_until-month", "12"),
        ("valid_until-year", "2027"),
    ]);
    form
}

async fn every_page_sends_strict_headers_and_cookies(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    let page = b.get("/").await;
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy");
    for part in [
        "default-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert!(
        csp.contains("script-src 'self';"),
        "only the service's own script files"
    );
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "same-origin");
    assert_eq!(page.header("cache-control"), "no-store");
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("mandates_csrf="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    // Demo mode runs on http://localhost; a Secure cookie would never come back.
    assert!(!cookie.contains("Secure"));
    let signed_in = b.sign_in(ANN).await;
    let session = signed_in.header("set-cookie");
    assert!(session.starts_with("mandates_session=") && session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Lax"));
}

async fn outside_demo_mode_cookies_are_secure_and_there_is_no_demo_sign_in(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo = false).await else {
        return;
    };
    let mut b = Browser::new(&app);
    let page = b.get("/").await;
    assert!(page.header("set-cookie").contains("Secure"));
    assert_eq!(b.get("/sign-in").await.status, 404);
}

async fn sign_in_rotates_the_session_and_sign_out_ends_it(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.sign_in(ANN).await;
    let first = b.cookies["mandates_session"].clone();
    assert!(b.get("/").await.html.contains("85.07.30-033.28"));
    b.sign_in(BOB).await;
    let second = b.cookies["mandates_session"].clone();
    assert_ne!(first, second, "a sign-in starts a new session");
    // The first session is gone, not merely replaced in this browser.
    let mut old = Browser::new(&app);
    old.cookies.insert("mandates_session".into(), first);
    assert!(!old.get("/").await.html.contains("85.07.30-033.28"));
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert!(!b.cookies.contains_key("mandates_session"));
    // Signed out, the browser is told so (the demo issuer has no session of its own to end).
    assert_eq!(out.header("location"), "/signed-out");
    b.accept_language = Some("en");
    let told = b.get("/signed-out").await;
    assert_eq!(told.status, 200);
    assert!(
        told.html.contains("<h1>You have signed out</h1>"),
        "{}",
        told.html
    );
    assert!(
        told.html.contains("href=\"/login\""),
        "signing in again is offered"
    );
    let mut replay = Browser::new(&app);
    replay.cookies.insert("mandates_session".into(), second);
    assert_eq!(replay.get("/mandates/new").await.status, 303, "signed out");
}

async fn sessions_end_when_idle_and_after_their_lifetime(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.sign_in(ANN).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(b.get("/mandates/new").await.status, 200, "still active");
    app.clock.advance(Duration::minutes(31));
    let page = b.get("/mandates/new").await;
    assert_eq!(page.status, 303, "idle for 31 minutes");
    assert_eq!(page.location(), "/login?return_to=/mandates/new");

    b.sign_in(ANN).await;
    // Busy all day long: the session still ends 12 hours after sign-in.
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(b.get("/").await.status, 200);
        assert!(b.get("/mandates/new").await.status == 200);
    }
    app.clock.advance(Duration::minutes(20));
    assert_eq!(
        b.get("/mandates/new").await.status,
        303,
        "12 hours after sign-in"
    );
}

/// The seconds a page's timeout warning counts down from, and how long ahead it warns.
fn timeout_of(html: &str) -> Option<(i64, i64)> {
    let attr = |name: &str| -> Option<i64> {
        let start = html.find(&format!("{name}=\""))? + name.len() + 2;
        html[start..].split('"').next()?.parse().ok()
    };
    Some((attr("data-expires-in")?, attr("data-warn-before")?))
}

async fn a_signed_in_person_is_warned_before_the_session_ends_and_can_stay(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.accept_language = Some("en");
    let welcome = b.get("/").await;
    assert!(
        !welcome.html.contains("id=\"timeout\""),
        "no warning before sign-in"
    );
    b.sign_in(ANN).await;
    let home = b.get("/").await;
    assert_eq!(
        timeout_of(&home.html),
        Some((30 * 60, 120)),
        "warned two minutes before 30 idle minutes end"
    );
    assert!(home.html.contains("You are about to be signed out"));
    assert!(home.html.contains("sign you out in 2 minutes"));
    assert!(
        home.html
            .contains("<script src=\"/static/timeout.js\" defer></script>")
    );
    let script = b.get("/static/timeout.js").await;
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").starts_with("text/javascript"));

    // 20 minutes later a page counts the 30 from its own request (visits are recorded once a
    // minute at most, so a page 30 s after the last counts from that one).
    app.clock.advance(Duration::minutes(20));
    assert_eq!(timeout_of(&b.get("/").await.html), Some((30 * 60, 120)));
    app.clock.advance(Duration::seconds(30));
    assert_eq!(
        timeout_of(&b.get("/").await.html),
        Some((30 * 60 - 30, 120))
    );

    // "Stay signed in" from the script: the idle time starts again, the answer says so.
    app.clock.advance(Duration::minutes(29));
    b.accept = "application/json";
    let stay = b.post("/session/stay", &[("return_to", "/inbox")]).await;
    assert_eq!(stay.status, 200, "{}", stay.html);
    let left: serde_json::Value = serde_json::from_str(&stay.html).expect("json");
    assert_eq!(left["expires_in"], 30 * 60);
    b.accept = "text/html,application/xhtml+xml";
    app.clock.advance(Duration::minutes(29));
    assert_eq!(b.get("/mandates/new").await.status, 200, "still signed in");

    // Without the script, the button is a form: it goes back to the page.
    app.clock.advance(Duration::seconds(90));
    let stay = b.post("/session/stay", &[("return_to", "/inbox")]).await;
    assert_eq!((stay.status, stay.location()), (303, "/inbox"));
    // Never beyond 12 hours after sign-in (80 minutes have passed).
    for _ in 0..22 {
        app.clock.advance(Duration::minutes(28));
        assert_eq!(b.post("/session/stay", &[]).await.status, 303);
    }
    b.accept = "application/json";
    let left: serde_json::Value =
        serde_json::from_str(&b.post("/session/stay", &[]).await.html).expect("json");
    let left = left["expires_in"].as_i64().expect("seconds");
    assert!(left < 30 * 60, "the longest life caps it: {left}");
    b.accept = "text/html,application/xhtml+xml";

    // Unanswered, the page signs its person out and they are told why.
    let out = b.post("/logout", &[("why", "timeout")]).await;
    assert_eq!(
        (out.status, out.location()),
        (303, "/signed-out?state=timeout")
    );
    let told = b.get("/signed-out?state=timeout").await;
    assert!(
        told.html.contains("<h1>We signed you out</h1>"),
        "{}",
        told.html
    );
    assert!(told.html.contains("you did nothing for 30 minutes"));
    assert!(!told.html.contains("id=\"timeout\""));
    // Signed out, "stay" cannot bring the session back.
    let stay = b.post("/session/stay", &[("return_to", "/inbox")]).await;
    assert_ne!(stay.status, 200);
    assert_eq!(b.get("/mandates/new").await.status, 303);
}

async fn a_form_without_the_visitors_token_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.sign_in(ANN).await;
    let forged = b
        .post(
            "/mandates/create",
            &new_mandate(Some("a-token-from-another-site-aaaaaaaaaaaaaaaaaa")),
        )
        .await;
    assert_eq!(forged.status, 403);
    let ann = app.person(ANN).await;
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
    // The switch of whom one acts for and sign-out are protected the same way.
    assert_eq!(
        b.post(
            "/logout",
            &[("csrf", "forged-forged-forged-forged-forged-00")]
        )
        .await
        .status,
        403
    );
    assert_eq!(b.get("/mandates/new").await.status, 200, "still signed in");
}

/// A cookie planted in the victim's browser (by a neighbouring site) with a form that
/// repeats it, or a cookie and token taken from another visit of the attacker's own, pass for
/// no one: the token is signed over the victim's own session. The victim's own pages' forms go
/// through.
async fn a_planted_anti_forgery_cookie_passes_for_no_one(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut attacker = Browser::new(&app);
    let visitor_token = attacker.csrf().await;
    let visitor_cookie = attacker.cookies["mandates_csrf"].clone();
    attacker.sign_in(BOB).await;
    let signed_in_token = attacker.csrf().await;

    let mut victim = Browser::new(&app);
    victim.accept_language = Some("en");
    victim.sign_in(ANN).await;
    let chosen = "planted-planted-planted-planted-planted-0";
    for (cookie, token) in [
        (chosen, chosen),
        (visitor_cookie.as_str(), visitor_token.as_str()),
        (visitor_cookie.as_str(), signed_in_token.as_str()),
    ] {
        victim
            .cookies
            .insert("mandates_csrf".into(), cookie.to_owned());
        let forged = victim
            .post("/mandates/create", &new_mandate(Some(token)))
            .await;
        assert_eq!(forged.status, 403, "{cookie} / {token}");
        assert!(
            forged.html.contains("This form has expired"),
            "the anti-forgery page: {}",
            forged.html
        );
        let out = victim.post("/logout", &[("csrf", token)]).await;
        assert_eq!(out.status, 403, "{cookie} / {token}");
    }
    let ann = app.person(ANN).await;
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));

    // The victim's own form, whatever the planted cookie.
    let genuine = victim.post("/mandates/create", &new_mandate(None)).await;
    assert_ne!(genuine.status, 403, "{}", genuine.html);
    assert_eq!(victim.post("/logout", &[]).await.status, 303);
}

/// Sessions that ended (idle too long, or too old) leave the store: at the next sign-in of
/// anyone, not only when their own browser comes back.
async fn ended_sessions_leave_the_store(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut idle = Browser::new(&app);
    idle.sign_in(ANN).await;
    let mut busy = Browser::new(&app);
    busy.sign_in(BOB).await;
    assert_eq!(app.db.count_rows("web_sessions").await, 2);
    app.clock.advance(Duration::minutes(20));
    assert_eq!(busy.get("/").await.status, 200);
    app.clock.advance(Duration::minutes(11));
    let mut next = Browser::new(&app);
    next.sign_in(CARL).await;
    assert_eq!(
        app.db.count_rows("web_sessions").await,
        2,
        "the session idle for 31 minutes is gone, the busy one stays"
    );

    // Busy until ten minutes ago, but signed in 12 hours ago.
    for _ in 0..34 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(busy.get("/").await.status, 200);
    }
    app.clock.advance(Duration::minutes(10));
    let mut last = Browser::new(&app);
    last.sign_in(DINA).await;
    assert_eq!(
        app.db.count_rows("web_sessions").await,
        1,
        "only DINA's: BOB's is too old, CARL's idle"
    );
    assert_eq!(
        mandates_server::web::session::purge_ended(&app.state)
            .await
            .expect("purged"),
        0
    );
    app.clock.advance(Duration::minutes(30));
    assert_eq!(
        mandates_server::web::session::purge_ended(&app.state)
            .await
            .expect("purged"),
        1
    );
    assert_eq!(app.db.count_rows("web_sessions").await, 0);
}

async fn the_api_never_accepts_the_page_session(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.sign_in(ANN).await;
    let cookie = format!("mandates_session={}", b.cookies["mandates_session"]);
    let resp = app
        .request(
            axum::http::Method::GET,
            "/api/v1/mandates",
            &[("cookie", &cookie)],
            None,
        )
        .await;
    assert_eq!(resp.status.as_u16(), 401);
}

on_both_stores!(
    every_page_sends_strict_headers_and_cookies,
    outside_demo_mode_cookies_are_secure_and_there_is_no_demo_sign_in,
    sign_in_rotates_the_session_and_sign_out_ends_it,
    sessions_end_when_idle_and_after_their_lifetime,
    a_signed_in_person_is_warned_before_the_session_ends_and_can_stay,
    a_form_without_the_visitors_token_changes_nothing,
    a_planted_anti_forgery_cookie_passes_for_no_one,
    ended_sessions_leave_the_store,
    the_api_never_accepts_the_page_session,
);
