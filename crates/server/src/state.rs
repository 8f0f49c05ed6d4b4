//! The state every handler shares, and the start-up that builds it.

use std::net::SocketAddr;
use std::sync::Arc;

use mandates_domain::catalog::Catalog;
use mandates_store::{Store, StoreError};

use crate::access_log::AccessLog;
use crate::auth::Verifier;
use crate::clock::Clock;
use crate::config::Config;
use crate::demo::DemoIssuer;
use crate::index::Index;
use crate::service::unit::Rules;
use crate::tokens::ServiceTokens;

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    index: Arc<Index>,
    tokens: ServiceTokens,
    /// The key that signs checkpoints and receipts.
    evidence: crate::evidence::EvidenceKeys,
    access_log: AccessLog,
    catalog: Catalog,
    verifier: Verifier,
    demo: Option<DemoIssuer>,
    clock: Clock,
    config: Config,
    login: crate::auth::provider::Login,
    cookie_key: crate::web::seal::CookieKey,
    limits: crate::http::limits::Limiters,
    /// The bulk files that may be read at once.
    upload_slots: Arc<tokio::sync::Semaphore>,
    /// Whether the last write was refused for want of room (until one succeeds).
    store_full: std::sync::atomic::AtomicBool,
    /// When room was last probed for: at most one probe write every two seconds, however
    /// often `/readyz` is asked while the store is full.
    room_probed: tokio::sync::Mutex<Option<mandates_domain::time::Instant>>,
    /// The task that keeps the index current; stopped at shutdown (it holds a connection).
    follower: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The webhook dispatcher of this instance; stopped at shutdown.
    dispatcher: std::sync::Mutex<Option<crate::webhooks::dispatcher::Running>>,
    /// The mail dispatcher, when mail goes anywhere (an SMTP server, the demo mailbox).
    mail: Option<Arc<crate::notify::mail::Dispatcher>>,
    /// In demo mode without an SMTP server: the mails kept instead of sent.
    mailbox: Option<Arc<crate::notify::mail::DemoMailbox>>,
    /// The task that sends the outbox's mails; stopped at shutdown.
    mail_task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keys(#[from] crate::tokens::KeyError),
    #[error(transparent)]
    Spool(#[from] crate::access_log::SpoolError),
    /// The configuration or the database does not allow it; the text says why.
    #[error("{0}")]
    Refused(String),
    #[error("{context}")]
    Failed {
        context: &'static str,
        #[source]
        source: crate::error::Cause,
    },
}

/// A handle on the state that does not keep it alive: background tasks hold one and stop
/// when the state is gone.
pub(crate) struct WeakState(std::sync::Weak<Inner>);

impl AppState {
    pub(crate) fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.0))
    }

    pub(crate) fn upgrade(weak: &WeakState) -> Option<AppState> {
        weak.0.upgrade().map(AppState)
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }
    pub fn index(&self) -> &Index {
        &self.0.index
    }
    pub fn evidence_keys(&self) -> &crate::evidence::EvidenceKeys {
        &self.0.evidence
    }

    pub fn tokens(&self) -> &ServiceTokens {
        &self.0.tokens
    }
    /// The address the service is reached at, without a trailing slash: the issuer of its
    /// tokens and the source of its events.
    pub fn public_base(&self) -> &str {
        self.0.tokens.issuer()
    }
    pub fn access_log(&self) -> &AccessLog {
        &self.0.access_log
    }

    /// Remembers how a write ended: refused for want of room, until one succeeds.
    pub fn note_write<T>(&self, result: &Result<T, crate::error::AppError>) {
        use std::sync::atomic::Ordering;
        match result {
            Ok(_) => self.0.store_full.store(false, Ordering::Relaxed),
            Err(crate::error::AppError::Store(e)) if e.is_full() => {
                self.0.store_full.store(true, Ordering::Relaxed)
            }
            Err(_) => {}
        }
    }

    /// Whether the store has room for writes: after a write refused for want of room, a
    /// probe write says whether there is room again.
    pub async fn has_room(&self) -> Result<(), crate::error::AppError> {
        let full = || self.0.store_full.load(std::sync::atomic::Ordering::Relaxed);
        if !full() {
            return Ok(());
        }
        let mut last = self.0.room_probed.lock().await;
        let now = self.0.clock.now();
        if last.is_some_and(|at| now - at < chrono::Duration::seconds(2)) {
            // A write in between may have found room already.
            return if full() {
                Err(crate::error::AppError::StillFull)
            } else {
                Ok(())
            };
        }
        *last = Some(now);
        let probed = self.0.store.probe_room().await.map_err(Into::into);
        self.note_write(&probed);
        probed
    }

    /// Brings the index up to the store's last event (after a write of this instance).
    pub async fn catch_up(&self) {
        if let Err(e) = self.0.index.sync(&self.0.store).await {
            tracing::warn!(error = %e, "index could not catch up");
        }
    }

    /// Finishes what is in flight: the access log's spool is synced and, as far as the
    /// store takes it within ten seconds, drained (what is left goes at the next start), and
    /// the index stops following the log (so that the store's connections can close).
    pub async fn shutdown(&self) {
        self.0.access_log.sync_now().await;
        if !self
            .0
            .access_log
            .flush(std::time::Duration::from_secs(10))
            .await
        {
            tracing::warn!(
                bytes = self.0.access_log.backlog(),
                "access log entries stay in the spool until the next start"
            );
        }
        let follower = self
            .0
            .follower
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(task) = follower {
            task.abort();
            let _ = task.await;
        }
        let dispatcher = self
            .0
            .dispatcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(dispatcher) = dispatcher {
            dispatcher.stop(self.store()).await;
        }
        let mail_task = self
            .0
            .mail_task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(task) = mail_task {
            task.abort();
            let _ = task.await;
        }
        if let Some(mail) = &self.0.mail
            && let Err(e) = mail.release().await
        {
            tracing::warn!(error = %e, "mails held by this instance wait for their lease to run out");
        }
    }

    /// The mail dispatcher, when mail goes anywhere.
    pub fn mail(&self) -> Option<&crate::notify::mail::Dispatcher> {
        self.0.mail.as_deref()
    }

    /// In demo mode without an SMTP server: the mails kept instead of sent.
    pub fn demo_mailbox(&self) -> Option<&crate::notify::mail::DemoMailbox> {
        self.0.mailbox.as_deref()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.0.catalog
    }
    pub fn verifier(&self) -> &Verifier {
        &self.0.verifier
    }
    pub fn demo(&self) -> Option<&DemoIssuer> {
        self.0.demo.as_ref()
    }
    pub fn login(&self) -> &crate::auth::provider::Login {
        &self.0.login
    }
    /// The key of the pages' sealed cookies and anti-forgery tokens.
    pub fn cookie_key(&self) -> &crate::web::seal::CookieKey {
        &self.0.cookie_key
    }
    /// The bulk files that may be read at once.
    pub fn upload_slots(&self) -> Arc<tokio::sync::Semaphore> {
        self.0.upload_slots.clone()
    }
    /// How often a client address may knock.
    pub fn limits(&self) -> &crate::http::limits::Limiters {
        &self.0.limits
    }
    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }
    pub fn config(&self) -> &Config {
        &self.0.config
    }
    /// The rules changes are judged by: the catalog and the signing policy.
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            catalog: &self.0.catalog,
            signing: mandates_domain::access::SigningPolicy {
                levels: &self.0.config.auth.acr_levels,
                minimum: self.0.config.auth.min_signing_acr.as_deref(),
            },
        }
    }
}

/// Checks that demo mode binds to loopback only.
pub fn check_bind(config: &Config) -> Result<SocketAddr, StartupError> {
    let addr: SocketAddr = config.bind.parse().map_err(|_| {
        StartupError::Refused(format!("bind address {:?} is not IP:PORT", config.bind))
    })?;
    if config.demo && !addr.ip().is_loopback() {
        return Err(StartupError::Refused(format!(
            "demo mode only listens on a loopback address (127.0.0.1 or ::1), not {addr}"
        )));
    }
    Ok(addr)
}

/// Builds the state over a migrated store: the database's mode must match the
/// configuration, the catalog is synchronised, demo data seeded in demo mode.
/// `public_base` is the address the server is reached at (the demo issuer's name).
pub async fn build(
    config: Config,
    store: Store,
    clock: Clock,
    public_base: &str,
) -> Result<AppState, StartupError> {
    let now = clock.now();
    if let Some(min) = &config.auth.min_signing_acr
        && !config.auth.acr_levels.contains(min)
    {
        return Err(StartupError::Refused(format!(
            "auth.min_signing_acr {min:?} is not one of auth.acr_levels {:?}",
            config.auth.acr_levels
        )));
    }
    let cookie_key = cookie_key(&config)?;
    let wanted = if config.demo { "demo" } else { "production" };
    let mut tx = store.begin().await?;
    let mode = tx.init_meta("mode", wanted).await?;
    tx.commit().await?;
    if mode != wanted {
        return Err(StartupError::Refused(if config.demo {
            "demo mode runs only on a database created in demo mode; this one was created without it".into()
        } else {
            "this database was created in demo mode; it cannot be used without --demo".into()
        }));
    }
    let evidence =
        crate::evidence::EvidenceKeys::load(&config.evidence, config.demo, &config.database_url())
            .map_err(StartupError::Refused)?;
    // Events recorded before the chain existed are chained before anything is added.
    let chained = store.chain_all_pending(CHAIN_BATCH).await?;
    if chained > 0 {
        tracing::info!(chained, "the events recorded before the chain are chained");
    }
    let file_catalog = config.load_catalog().map_err(StartupError::Refused)?;
    let catalog = crate::service::catalog::sync(&store, file_catalog, now).await?;
    let (verifier, demo) = if config.demo {
        let issuer = format!("{}/demo", public_base.trim_end_matches('/'));
        let demo = DemoIssuer::generate(&issuer, &config.auth.audience).map_err(|source| {
            StartupError::Failed {
                context: "making the demo issuer's key",
                source,
            }
        })?;
        if config.demo_data {
            crate::demo::seed(&store, &catalog, now)
                .await
                .map_err(|e| StartupError::Failed {
                    context: "seeding the demo data",
                    source: e.into(),
                })?;
        }
        crate::service::clients::add_demo_clients(&store, &catalog, now)
            .await
            .map_err(|e| StartupError::Failed {
                context: "registering the demo clients",
                source: e.into(),
            })?;
        (
            Verifier::fixed(&issuer, &config.auth, demo.jwks().clone()),
            Some(demo),
        )
    } else {
        match &config.auth.issuer {
            Some(issuer) => (Verifier::remote(issuer, &config.auth), None),
            None => {
                tracing::warn!(
                    "no identity provider configured (auth.issuer, MANDATES_AUTH__ISSUER): every API call will be refused as unauthenticated; run with --demo to try the service"
                );
                (Verifier::refusing(&config.auth), None)
            }
        }
    };
    if !config.demo && config.login.issuer.is_none() {
        tracing::warn!(
            "no login provider configured (login.issuer, MANDATES_LOGIN__ISSUER): the pages offer no sign-in and say that it is not set up"
        );
    }
    let index = Arc::new(Index::new(&catalog));
    let building = std::time::Instant::now();
    index.build(&store).await?;
    let stats = index.stats();
    tracing::info!(
        grants = stats.grants,
        applied = stats.applied,
        millis = building.elapsed().as_millis() as u64,
        "index built"
    );
    let follower = crate::index::follow(index.clone(), store.clone());
    let tokens = ServiceTokens::load(&store, public_base.trim_end_matches('/'), now).await?;
    let access_log = AccessLog::start(&config.access_log_settings(), store.clone())?;
    let limits = crate::http::limits::Limiters::new(&config.limits);
    let upload_slots = Arc::new(tokio::sync::Semaphore::new(config.http.max_uploads.max(1)));
    let mailbox = (config.demo && config.mail.smtp_url.is_none())
        .then(|| Arc::new(crate::notify::mail::DemoMailbox::new(config.mail.demo_keep)));
    let mail = crate::notify::mail::Dispatcher::new(
        store.clone(),
        clock.clone(),
        catalog.clone(),
        &config.mail,
        &config.public_url(),
        mailbox.clone(),
    )
    .map_err(|e| StartupError::Refused(e.to_string()))?
    .map(Arc::new);
    if mail.is_none() {
        tracing::warn!(
            "no SMTP server configured (mail.smtp_url, MANDATES_MAIL__SMTP_URL): mails wait in the outbox"
        );
    }
    let mail_task = mail
        .as_ref()
        .map(|mail| send_mail(Arc::downgrade(mail), config.mail.poll_seconds));
    let state = AppState(Arc::new(Inner {
        index,
        tokens,
        evidence,
        access_log,
        store,
        catalog,
        verifier,
        demo,
        clock,
        config,
        login: crate::auth::provider::Login::default(),
        cookie_key,
        limits,
        upload_slots,
        store_full: std::sync::atomic::AtomicBool::new(false),
        room_probed: tokio::sync::Mutex::new(None),
        follower: std::sync::Mutex::new(Some(follower)),
        dispatcher: std::sync::Mutex::new(None),
        mail,
        mailbox,
        mail_task: std::sync::Mutex::new(mail_task),
    }));
    let dispatcher = crate::webhooks::dispatcher::start(&state);
    *state.0.dispatcher.lock().unwrap_or_else(|e| e.into_inner()) = dispatcher;
    keep_keys_fresh(&state);
    if state.config().evidence.checkpoint_seconds > 0 {
        crate::evidence::checkpoints::keep(&state, state.config().evidence.checkpoint_seconds);
    }
    purge_ended_sessions(&state);
    if state.config().notices.enabled && state.config().notices.scheduler_seconds > 0 {
        crate::service::schedule::keep(
            &state,
            std::time::Duration::from_secs(state.config().notices.scheduler_seconds),
        );
    }
    resume_bulk_jobs(&state).await?;
    Ok(state)
}

/// Events chained in one transaction when those recorded before the chain are chained.
pub const CHAIN_BATCH: i64 = 10_000;

/// The configured cookie key; one drawn at random where no sign-in outside demo mode needs
/// instances to share it.
fn cookie_key(config: &Config) -> Result<crate::web::seal::CookieKey, StartupError> {
    use crate::web::seal::CookieKey;
    let refused = |e: crate::web::seal::KeyError| StartupError::Refused(e.to_string());
    match &config.login.cookie_key {
        Some(text) => CookieKey::from_base64(text).map_err(refused),
        None if config.login.issuer.is_some() && !config.demo => Err(StartupError::Refused(
            "login.cookie_key (MANDATES_LOGIN__COOKIE_KEY) is required with login.issuer: base64 of 32 random bytes, the same for every instance (e.g. `openssl rand -base64 32`)".into(),
        )),
        None => CookieKey::random().map_err(refused),
    }
}

/// Bulk jobs that were running when the service stopped go on where they were.
async fn resume_bulk_jobs(state: &AppState) -> Result<(), StartupError> {
    for id in state.store().running_bulk_jobs().await? {
        tracing::info!(job = %id, "resuming a bulk job");
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::service::bulk::run(&state, id).await {
                e.log();
                tracing::error!(job = %id, "bulk job stopped; it resumes at the next start");
            }
        });
    }
    Ok(())
}

/// Every few minutes: the web sessions that ended are forgotten (they would refuse their
/// next request anyway). Stops when the state is dropped.
fn purge_ended_sessions(state: &AppState) {
    let weak = Arc::downgrade(&state.0);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            let Some(inner) = weak.upgrade() else { break };
            match crate::web::session::purge_ended(&AppState(inner)).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(sessions = n, "ended web sessions forgotten"),
                Err(e) => tracing::warn!(error = %e, "ended web sessions could not be forgotten"),
            }
        }
    });
}

/// Every few minutes: a new token signing key when the newest is old, and the keys other
/// instances made. Stops when the state is dropped.
fn keep_keys_fresh(state: &AppState) {
    let weak = Arc::downgrade(&state.0);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            let Some(inner) = weak.upgrade() else { break };
            if let Err(e) = inner.tokens.refresh(&inner.store, inner.clock.now()).await {
                tracing::warn!(error = %e, "token signing keys could not be refreshed");
            }
        }
    });
}

/// Every `poll_seconds`: the outbox's due mails are sent. Stopped at shutdown, or when the
/// state is dropped.
fn send_mail(
    mail: std::sync::Weak<crate::notify::mail::Dispatcher>,
    poll_seconds: u64,
) -> tokio::task::JoinHandle<()> {
    let every =
        std::time::Duration::from_secs(poll_seconds.clamp(1, crate::config::MAX_TIMEOUT_SECONDS));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(mail) = mail.upgrade() else { break };
            if let Err(e) = mail.tick().await {
                tracing::warn!(error = %e, "the outbox could not be read; mails wait");
            }
        }
    })
}
