//! `mandates bench dispatch`: how fast what the service decides leaves it. A bulk creation
//! writes a mail to each new mandatee and two events (created, signed) per mandate; the
//! dispatchers send the mails to an SMTP server and the events to a webhook receiver, both
//! given by the caller. Then, one at a time, a mandate is stopped and the time is taken until
//! its webhook was answered and until an exchanged token of it is refused by introspection.

use axum::body::Body;
use axum::http::{Method, Request};
use mandates_domain::actor::AuthContext;
use mandates_domain::bulk::Mode;
use mandates_domain::mandate::Draft;
use mandates_domain::time::Instant;
use mandates_server::AppState;
use mandates_server::auth::Principal;
use mandates_server::config::Config;
use mandates_server::service::mandates::{Action, MandateCommand, change};
use mandates_store::{Channel, ContactPreferences, DeliveryStatus, MailMode};
use serde_json::Value;

use super::bulk::{create_in_bulk, period};
use super::numbers::{STAFF, person};
use crate::config::open_store;

/// The demo application of `fin`, as the demo mode registers it.
const CLIENT: (&str, &str) = ("demo-fin", "demo-secret");

fn principal(number: u64) -> Principal {
    Principal {
        person: person(number),
        auth: AuthContext {
            acr: Some("bench".into()),
            amr: vec!["bench".into()],
        },
    }
}

/// What the caller gives: where mails and events go.
pub(super) struct Targets {
    pub smtp: String,
    pub webhook: String,
}

/// Messages of a channel in a status, and the rate at which they left: from the first one
/// written to the last one answered.
async fn rate(state: &AppState, channel: Channel) -> Result<(usize, f64), String> {
    let done = state
        .store()
        .deliveries(Some(channel), Some(DeliveryStatus::Delivered), i64::MAX)
        .await
        .map_err(|e| e.to_string())?;
    let first = done.iter().map(|d| d.created_at).min();
    let last = done.iter().filter_map(|d| d.done_at).max();
    let seconds = match (first, last) {
        (Some(f), Some(l)) => (l - f).num_microseconds().unwrap_or(0) as f64 / 1e6,
        _ => 0.0,
    };
    Ok((done.len(), seconds))
}

/// Waits until no message of a channel is pending (at most `limit`).
async fn drained(state: &AppState, channel: Channel, limit: std::time::Duration) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        let pending = state
            .store()
            .delivery_counts()
            .await
            .map(|counts| {
                counts
                    .iter()
                    .filter(|(c, s, _)| *c == channel && *s == DeliveryStatus::Pending)
                    .map(|(_, _, n)| *n)
                    .sum::<i64>()
            })
            .unwrap_or(1);
        if pending == 0 {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// Posts a form to the service in-process, as the demo application; the JSON answer.
async fn post_form(router: &axum::Router, path: &str, form: String) -> Result<Value, String> {
    use base64::Engine;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", CLIENT.0, CLIENT.1));
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {basic}"))
        .body(Body::from(form))
        .map_err(|e| e.to_string())?;
    answer(router, request).await
}

async fn answer(router: &axum::Router, request: Request<Body>) -> Result<Value, String> {
    let response = tower::ServiceExt::oneshot(router.clone(), request)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// A token of the demo issuer for a person.
async fn person_token(router: &axum::Router, number: &str) -> Result<String, String> {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/demo/token")
        .header("content-type", "application/json")
        .body(Body::from(serde_json::json!({"sub": number}).to_string()))
        .map_err(|e| e.to_string())?;
    let body = answer(router, request).await?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no demo token: {body}"))
}

/// One mandate made active, a token exchanged for its mandatee acting for its mandator, then
/// the mandate stopped through one instance: the seconds until its webhook was answered and
/// until introspection at `other`, a second instance on the same store, refused the token.
async fn stop_to_refusal(
    state: &AppState,
    router: &axum::Router,
    other: &axum::Router,
    k: u64,
) -> Result<(f64, f64), String> {
    let err = |e: mandates_server::error::AppError| e.to_string();
    let (_, until) = period();
    let (mandator, mandatee) = (
        principal(STAFF + 9_800_000 + k),
        principal(STAFF + 9_900_000 + k),
    );
    let draft = Draft {
        domain: "fin".into(),
        types: vec!["fin.myminfin_consult".into()],
        mandator: mandator.person.to_string(),
        mandatee: mandatee.person.to_string(),
        valid_until: Some(until.to_string()),
        ..Draft::default()
    };
    let made = change(state, &mandator, None, None, MandateCommand::Create(draft))
        .await
        .map_err(err)?;
    let id = made.value.id;
    let sign = Action::Sign {
        version: made.value.version,
    };
    change(state, &mandatee, None, None, MandateCommand::Act(id, sign))
        .await
        .map_err(err)?;
    let subject = person_token(router, mandatee.person.as_str()).await?;
    let exchanged = post_form(
        router,
        "/oauth/token",
        format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token={subject}&mandator={}&types=fin.myminfin_consult",
            mandator.person
        ),
    )
    .await?;
    let token = exchanged["access_token"]
        .as_str()
        .ok_or_else(|| format!("no exchanged token: {exchanged}"))?
        .to_owned();
    let active = post_form(router, "/oauth/introspect", format!("token={token}")).await?;
    if active["active"] != true {
        return Err(format!("the exchanged token is not active: {active}"));
    }
    drained(state, Channel::Webhook, std::time::Duration::from_secs(30)).await;
    let started = std::time::Instant::now();
    let stopped_at: Instant = state.clock().now();
    let stopped = change(
        state,
        &mandator,
        None,
        None,
        MandateCommand::Act(id, Action::Stop),
    )
    .await
    .map_err(err)?;
    let refused = loop {
        let answer = post_form(other, "/oauth/introspect", format!("token={token}")).await?;
        if answer["active"] == false {
            break started.elapsed().as_secs_f64();
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            return Err("introspection still says active after 10 s".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    };
    let hooked = loop {
        let done = state
            .store()
            .deliveries(Some(Channel::Webhook), Some(DeliveryStatus::Delivered), 50)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|d| d.seq == Some(stopped.seq))
            .and_then(|d| d.done_at);
        if let Some(at) = done {
            break (at - stopped_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            return Err("the stop's webhook was not answered within 30 s".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    };
    Ok((hooked, refused))
}

pub(super) async fn dispatch(config: &Config, count: u64, targets: Targets) -> Result<(), String> {
    let store = open_store(config).await?;
    if store.last_seq().await.map_err(|e| e.to_string())? > 0 {
        return Err("the database is not empty: use a new one".into());
    }
    let mut config = config.clone();
    config.demo = true;
    config.demo_data = false;
    config.notices.scheduler_seconds = 0;
    config.webhooks.allow_private = true;
    config.mail.smtp_url = Some(targets.smtp.clone());
    let state = mandates_server::build(
        config.clone(),
        store.clone(),
        mandates_server::clock::Clock::System,
        "http://127.0.0.1",
    )
    .await
    .map_err(|e| e.to_string())?;
    let router = mandates_server::app::router(state.clone());
    // A second instance on the same store, its own access log spool, sending nothing.
    let mut second = config.clone();
    second.mail.smtp_url = None;
    second.access_log.spool = Some(
        config
            .access_log_settings()
            .dir
            .with_extension("second-spool"),
    );
    let other_state = mandates_server::build(
        second,
        store.clone(),
        mandates_server::clock::Clock::System,
        "http://127.0.0.1",
    )
    .await
    .map_err(|e| e.to_string())?;
    let other = mandates_server::app::router(other_state.clone());
    let now = state.clock().now();
    mandates_server::webhooks::subscribe::add(
        &store,
        &config.webhooks,
        CLIENT.0,
        &mandates_server::webhooks::subscribe::NewSubscription {
            url: Some(&targets.webhook),
            types: &[],
        },
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    // Each new mandatee has an address: one mail each.
    for k in 0..count {
        let prefs = ContactPreferences {
            email: Some(format!("person-{k}@example.test")),
            lang: None,
            mail: MailMode::Each,
        };
        store
            .set_contact_preferences(&person(k), &prefs, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    let (_, commit, job) = create_in_bulk(
        &state,
        &principal(STAFF + 9_700_000),
        0,
        count,
        Mode::PerRow,
    )
    .await?;
    let limit = std::time::Duration::from_secs(600);
    let mails_done = drained(&state, Channel::Mail, limit).await;
    let hooks_done = drained(&state, Channel::Webhook, limit).await;
    let (mails, mail_s) = rate(&state, Channel::Mail).await?;
    let (events, hook_s) = rate(&state, Channel::Webhook).await?;
    println!(
        "store {}: {} mandates created in bulk ({commit:.1} s): {mails} mails in {mail_s:.1} s ({:.0} a second){}; {events} webhook events in {hook_s:.1} s ({:.0} a second){}",
        store.backend_name(),
        job.succeeded,
        mails as f64 / mail_s.max(1e-9),
        if mails_done { "" } else { " (not all sent)" },
        events as f64 / hook_s.max(1e-9),
        if hooks_done { "" } else { " (not all sent)" },
    );
    let mut hooks = Vec::new();
    let mut refusals = Vec::new();
    for k in 0..20 {
        let (hooked, refused) = stop_to_refusal(&state, &router, &other, k).await?;
        hooks.push(hooked);
        refusals.push(refused);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() - 1])
    };
    let (hook_median, hook_max) = median(&mut hooks);
    let (refusal_median, refusal_max) = median(&mut refusals);
    println!(
        "from a stop, 20 times: to its webhook answered {:.1} ms (median), {:.1} ms (most); to introspection refusing a token of it {:.1} ms (median), {:.1} ms (most)",
        hook_median * 1e3,
        hook_max * 1e3,
        refusal_median * 1e3,
        refusal_max * 1e3,
    );
    state.shutdown().await;
    other_state.shutdown().await;
    Ok(())
}
