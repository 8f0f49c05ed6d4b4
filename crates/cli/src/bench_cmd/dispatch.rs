//! `mandates bench dispatch`: how fast what the service decides leaves it. A bulk creation
//! writes a mail to each new mandatee and two events (created, signed) per mandate, while
//! nothing is sent: the instance that writes looks at its outbox only hourly, and the
//! webhook subscription is made after the commit, its cursor where the bulk began. Then a
//! second instance starts sending that backlog, the mails to an SMTP server and the events to
//! a webhook receiver, both given by the caller; the rate of each is taken from the first
//! message answered to the last. Then, one at a time, a mandate is stopped through the
//! sending instance and the time is taken until its webhook was answered and until an
//! exchanged token of it is refused by introspection at the writing instance.

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
use mandates_store::{Channel, ContactPreferences, DeliveryStatus, MailMode, Subscription};
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

/// Stops timed.
const STOPS: u64 = 20;

/// What the caller gives: where mails and events go.
pub(super) struct Targets {
    pub smtp: String,
    pub webhook: String,
}

/// The messages of a channel delivered, and the seconds from the first answered to the last.
async fn rate(state: &AppState, channel: Channel) -> Result<(usize, f64), String> {
    let done = state
        .store()
        .deliveries(Some(channel), Some(DeliveryStatus::Delivered), i64::MAX)
        .await
        .map_err(|e| e.to_string())?;
    let first = done.iter().filter_map(|d| d.done_at).min();
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
        if state
            .store()
            .pending_deliveries(channel)
            .await
            .is_ok_and(|n| n == 0)
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
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
    subscription: uuid::Uuid,
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
    // Cheap looks until the stop was fanned out and nothing is pending; then its delivery
    // is read once (the figure is the time it was answered, whenever it is looked at).
    let hooked = loop {
        let fanned = state
            .store()
            .webhook(subscription)
            .await
            .map_err(|e| e.to_string())?
            .is_some_and(|s| s.cursor >= stopped.seq);
        let pending = state
            .store()
            .pending_deliveries(Channel::Webhook)
            .await
            .map_err(|e| e.to_string())?;
        if fanned && pending == 0 {
            let done = state
                .store()
                .deliveries(Some(Channel::Webhook), Some(DeliveryStatus::Delivered), 50)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|d| d.seq == Some(stopped.seq))
                .and_then(|d| d.done_at)
                .ok_or("the stop's webhook was not delivered")?;
            break (done - stopped_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            return Err("the stop's webhook was not answered within 30 s".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
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
    let build = |config: Config| {
        let store = store.clone();
        async move {
            mandates_server::build(
                config,
                store,
                mandates_server::clock::Clock::System,
                "http://127.0.0.1",
            )
            .await
            .map_err(|e| e.to_string())
        }
    };
    // The instance that writes: it looks at its outbox hourly, and at subscriptions only
    // when an event comes (there is none during the bulk).
    let mut writing = config.clone();
    writing.mail.poll_seconds = 3600;
    writing.webhooks.poll_millis = 3_600_000;
    let other_state = build(writing).await?;
    let other = mandates_server::app::router(other_state.clone());
    let now = other_state.clock().now();
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
    let before = store.last_seq().await.map_err(|e| e.to_string())?;
    let (_, commit, job) = create_in_bulk(
        &other_state,
        &principal(STAFF + 9_700_000),
        0,
        count,
        Mode::PerRow,
    )
    .await?;
    // The instance that sends, its own access log spool; it looks at its outbox every second.
    let mut sending = config.clone();
    sending.mail.poll_seconds = 1;
    sending.access_log.spool = Some(
        config
            .access_log_settings()
            .dir
            .with_extension("sending-spool"),
    );
    let state = build(sending).await?;
    let router = mandates_server::app::router(state.clone());
    // A subscription as the demo application would make it, behind by the whole bulk.
    let subscription = Subscription {
        id: uuid::Uuid::new_v4(),
        client_id: CLIENT.0.to_owned(),
        url: targets.webhook.clone(),
        types: Vec::new(),
        secret: mandates_server::webhooks::signing::new_secret().map_err(|e| e.to_string())?,
        cursor: before,
        created_at: state.clock().now(),
        disabled_at: None,
    };
    let mut tx = store.begin_unlocked().await.map_err(|e| e.to_string())?;
    tx.add_webhook(&subscription)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    let limit = std::time::Duration::from_secs(300);
    let mails_done = drained(&state, Channel::Mail, limit).await;
    let hooks_done = drained(&state, Channel::Webhook, limit).await;
    let (mails, mail_s) = rate(&state, Channel::Mail).await?;
    let (events, hook_s) = rate(&state, Channel::Webhook).await?;
    println!(
        "store {}: {} mandates created in bulk ({commit:.1} s), then sent: {mails} mails in {mail_s:.1} s ({:.0} a second){}; {events} webhook events in {hook_s:.1} s ({:.0} a second){}",
        store.backend_name(),
        job.succeeded,
        mails as f64 / mail_s.max(1e-9),
        if mails_done { "" } else { " (not all sent)" },
        events as f64 / hook_s.max(1e-9),
        if hooks_done { "" } else { " (not all sent)" },
    );
    let mut hooks = Vec::new();
    let mut refusals = Vec::new();
    for k in 0..STOPS {
        let (hooked, refused) =
            stop_to_refusal(&state, &router, &other, subscription.id, k).await?;
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
        "from a stop, {STOPS} times: to its webhook answered {:.1} ms (median), {:.1} ms (most); to introspection at the other instance refusing a token of it {:.1} ms (median), {:.1} ms (most)",
        hook_median * 1e3,
        hook_max * 1e3,
        refusal_median * 1e3,
        refusal_max * 1e3,
    );
    state.shutdown().await;
    other_state.shutdown().await;
    Ok(())
}
