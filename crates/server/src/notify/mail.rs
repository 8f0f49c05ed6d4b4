//! The mail dispatcher: leases the outbox's due mails, decides for each recipient what may
//! go (their preferences, whether a reminder still holds, the digest window), and hands one
//! mail per recipient to the SMTP server, in their language, as plain text and HTML.
//!
//! A batch of claimed mails is sent a few recipients at a time over the SMTP connections
//! the transport keeps open, and how each went (delivered, to retry, failed, dropped, held
//! back for a digest) is recorded for the whole batch in one store transaction.
//!
//! At least once: a dispatcher killed between the send and the mark leaves its lease to run
//! out (`lease_seconds`), and the next claim sends again (at most a batch), with the same
//! Message-ID, derived from the deliveries it carries, so that a mail client shows it once.
//! Never twice at the same time: the lease is renewed just before each mail goes, which goes
//! only if this instance still holds it and may take no longer than the lease.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use askama::Template;
use chrono::Duration;
use futures_util::StreamExt as _;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart, header};
use mandates_domain::catalog::Catalog;
use mandates_domain::notice::Still;
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Lang};
use mandates_store::{Channel, Delivery, MailMode, Settle, Store, StoreError};
use sha2::Digest as _;
use uuid::Uuid;

use super::digest::{self, Plan};
use super::render;
use crate::clock::Clock;
use crate::config::MailConfig;
use crate::i18n;

/// Mails claimed at once.
const BATCH: i64 = 100;
const BATCH_USIZE: usize = BATCH as usize;
/// Recipients of a batch handled side by side, each mail an SMTP transaction on a
/// connection of its own (kept open for the next).
const SENDS: usize = 4;

/// A mail ready to go.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub lang: Lang,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without the angle brackets.
    pub message_id: String,
}

/// In demo mode without an SMTP server: the newest mails, kept in memory for the demo
/// mailbox page instead of sent.
pub struct DemoMailbox {
    keep: usize,
    mails: Mutex<VecDeque<(Instant, Mail)>>,
}

impl DemoMailbox {
    pub fn new(keep: usize) -> Self {
        DemoMailbox {
            keep: keep.max(1),
            mails: Mutex::new(VecDeque::new()),
        }
    }

    /// The mails kept, newest first.
    pub fn newest(&self) -> Vec<(Instant, Mail)> {
        let mails = self.mails.lock().unwrap_or_else(|e| e.into_inner());
        mails.iter().rev().cloned().collect()
    }

    fn keep(&self, at: Instant, mail: Mail) {
        let mut mails = self.mails.lock().unwrap_or_else(|e| e.into_inner());
        // A mail sent again after a lost mark is the same mail: kept once.
        if mails.iter().any(|(_, m)| m.message_id == mail.message_id) {
            return;
        }
        mails.push_back((at, mail));
        while mails.len() > self.keep {
            mails.pop_front();
        }
    }
}

/// Where mails go.
enum Transport {
    Smtp(super::smtp::Smtp),
    Keep(Arc<DemoMailbox>),
}

/// Why a mail did not go.
#[derive(Debug)]
pub enum SendError {
    /// The server may take it later: it said so (4xx), or it could not be reached.
    Transient(String),
    /// The server refused it for good (5xx).
    Permanent(String),
}

/// Why the dispatcher cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("mail.smtp_url: {0}")]
    SmtpUrl(String),
    #[error("mail.from {0:?} is not a mail address (e.g. `Mandates <no-reply@example.org>`)")]
    From(String),
    #[error("mail.default_lang {0:?} is not one of nl, fr, de, en")]
    Lang(String),
}

/// Everything a dispatcher needs; cheap to share.
pub struct Dispatcher {
    store: Store,
    clock: Clock,
    catalog: Catalog,
    config: MailConfig,
    default_lang: Lang,
    public_url: String,
    from: Mailbox,
    /// Who holds the leases of this instance.
    owner: String,
    transport: Transport,
}

impl Dispatcher {
    /// A dispatcher sending through `config.smtp_url`, else keeping mails in `mailbox`;
    /// none when there is neither (the mails then wait in the outbox).
    pub fn new(
        store: Store,
        clock: Clock,
        catalog: Catalog,
        config: &MailConfig,
        public_url: &str,
        mailbox: Option<Arc<DemoMailbox>>,
    ) -> Result<Option<Dispatcher>, MailSetupError> {
        let transport = match (&config.smtp_url, mailbox) {
            (Some(url), _) => Transport::Smtp(
                super::smtp::Smtp::from_url(url, std::time::Duration::from_secs(30))
                    .map_err(MailSetupError::SmtpUrl)?,
            ),
            (None, Some(mailbox)) => Transport::Keep(mailbox),
            (None, None) => return Ok(None),
        };
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| MailSetupError::From(config.from.clone()))?;
        let default_lang = Lang::parse(&config.default_lang)
            .ok_or_else(|| MailSetupError::Lang(config.default_lang.clone()))?;
        Ok(Some(Dispatcher {
            store,
            clock,
            catalog,
            config: config.clone(),
            default_lang,
            public_url: public_url.trim_end_matches('/').to_owned(),
            from,
            owner: format!("mail-{}", Uuid::new_v4().simple()),
            transport,
        }))
    }

    /// Who holds this instance's leases.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Sends what is due now; returns how many deliveries were settled or held back.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let mut handled = 0;
        loop {
            let now = self.clock.now();
            let claimed = self
                .store
                .claim_deliveries(Channel::Mail, &self.owner, now, self.config.lease(), BATCH)
                .await?;
            let n = claimed.len();
            handled += n;
            // How each went is recorded as soon as it is known, those known together in one
            // transaction: a mail sent is never left unrecorded until its lease runs out (the
            // mails of a batch go one after another), and what was sent is recorded even
            // when another recipient's turn failed. Sending and recording run side by side:
            // a recipient's turn may hold the store's writer (on SQLite, its only connection)
            // while the record waits for it.
            let (known, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
            let sending = async move {
                futures_util::stream::iter(by_target(claimed))
                    .map(|(target, deliveries)| async move {
                        let mut settled = Vec::new();
                        self.for_target(&target, deliveries, &mut settled)
                            .await
                            .map(|()| settled)
                    })
                    .buffer_unordered(SENDS)
                    .for_each(|outcome| {
                        // The recording side ends only after this one: it is there.
                        let _ = known.send(outcome);
                        std::future::ready(())
                    })
                    .await;
                // All sent: the recording side ends once it has recorded the rest.
                drop(known);
            };
            let recording = async {
                let mut failed = None;
                let mut ready = Vec::new();
                while outcomes.recv_many(&mut ready, BATCH_USIZE).await > 0 {
                    let mut settled = Vec::new();
                    for outcome in ready.drain(..) {
                        match outcome {
                            Ok(list) => settled.extend(list),
                            Err(e) => failed = failed.or(Some(e)),
                        }
                    }
                    if let Err(e) = self.store.settle_deliveries(&self.owner, &settled).await {
                        failed = failed.or(Some(e));
                    }
                }
                failed
            };
            let ((), failed) = futures_util::join!(sending, recording);
            if let Some(e) = failed {
                return Err(e);
            }
            if n < BATCH_USIZE {
                return Ok(handled);
            }
        }
    }

    /// Gives back what this instance holds (at a clean stop).
    pub async fn release(&self) -> Result<u64, StoreError> {
        self.store.release_deliveries(&self.owner).await
    }

    /// The due mails of one recipient: their preferences decide whether mail goes and where
    /// (else the address given on each mandate: mails to different addresses go apart).
    /// How each ended is added to `settled`.
    async fn for_target(
        &self,
        target: &str,
        claimed: Vec<Delivery>,
        settled: &mut Vec<(Uuid, Settle)>,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let (prefs_email, prefs_lang, mode) = match target.split_once(':') {
            Some(("person", number)) => match Insz::parse(number) {
                Ok(person) => {
                    let prefs = self.store.contact_preferences(&person).await?;
                    (
                        prefs.email,
                        prefs.lang.as_deref().and_then(Lang::parse),
                        prefs.mail,
                    )
                }
                Err(_) => (None, None, MailMode::Each),
            },
            Some(("address", address)) => (Some(address.to_owned()), None, MailMode::Each),
            _ => (None, None, MailMode::Each),
        };
        if mode == MailMode::None {
            settled.extend(
                claimed
                    .iter()
                    .map(|d| (d.id, Settle::Dropped(now, "mail stopped".into()))),
            );
            return Ok(());
        }
        let mut by_address: Vec<(String, Vec<Delivery>)> = Vec::new();
        for d in claimed {
            let Some(address) = self.address_of(target, prefs_email.as_deref(), &d) else {
                settled.push((d.id, Settle::Dropped(now, "no address".into())));
                continue;
            };
            match by_address.iter_mut().find(|(a, _)| *a == address) {
                Some((_, list)) => list.push(d),
                None => by_address.push((address, vec![d])),
            }
        }
        for (address, deliveries) in by_address {
            let lang = prefs_lang
                .or_else(|| {
                    deliveries
                        .iter()
                        .find_map(|d| d.payload["lang"].as_str().and_then(Lang::parse))
                })
                .unwrap_or(self.default_lang);
            let to = Recipient {
                target,
                email: &address,
                preferred: prefs_email.as_deref(),
                lang,
                mode,
            };
            self.to_address(&to, deliveries, settled).await?;
        }
        Ok(())
    }

    /// Where a mail goes: the person's address, else the one given on the mandate; in the
    /// demo mailbox, to the person (masked) when there is none (the demo identities have
    /// none).
    fn address_of(&self, target: &str, preferred: Option<&str>, d: &Delivery) -> Option<String> {
        preferred
            .or_else(|| d.payload["email"].as_str())
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                matches!(self.transport, Transport::Keep(_)).then(|| target_for_log(target))
            })
    }

    /// The due mails of one recipient at one address; how each ended is added to `settled`.
    async fn to_address(
        &self,
        to: &Recipient<'_>,
        claimed: Vec<Delivery>,
        settled: &mut Vec<(Uuid, Settle)>,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let changed = || Settle::Dropped(now, "the mandate changed".into());
        let mut live = Vec::with_capacity(claimed.len());
        for d in claimed {
            if self.still_holds(&d).await? {
                live.push(d);
            } else {
                settled.push((d.id, changed()));
            }
        }
        if live.is_empty() {
            return Ok(());
        }
        let last = self
            .store
            .last_delivered_to(Channel::Mail, to.target)
            .await?;
        let plan = digest::plan(&live, to.mode, last, now, &self.config);
        settled.extend(
            plan.postponed
                .iter()
                .map(|(d, due)| (*d, Settle::Postpone(*due))),
        );
        let mut send: Vec<Delivery> = live
            .into_iter()
            .filter(|d| plan.send.contains(&d.id))
            .collect();
        if send.is_empty() {
            return Ok(());
        }
        if matches!(plan.kind, Plan::Digest) {
            // Those of the recipient that another batch would have brought join it.
            let more = self
                .store
                .claim_target(
                    Channel::Mail,
                    to.target,
                    &self.owner,
                    now,
                    now,
                    self.config.lease(),
                    BATCH,
                )
                .await?;
            for d in more {
                if self.address_of(to.target, to.preferred, &d).as_deref() != Some(to.email) {
                    // For another address: the next claim takes it.
                    settled.push((d.id, Settle::Postpone(d.due_at)));
                } else if self.still_holds(&d).await? {
                    send.push(d);
                } else {
                    settled.push((d.id, changed()));
                }
            }
        }
        let notices: Vec<(String, Uuid)> = send.iter().filter_map(notice_of).collect();
        let details = self.store.notice_details(&notices).await?;
        let mail = match self.compose(to.email, to.lang, &send, &details) {
            Ok(mail) => mail,
            Err(reason) => {
                settled.extend(
                    send.iter()
                        .map(|d| (d.id, Settle::Failed(now, reason.clone()))),
                );
                return Ok(());
            }
        };
        if !self.hold_for_sending(&send).await? {
            return Ok(());
        }
        let sent = tokio::time::timeout(attempt_limit(self.config.lease()), self.send(&mail))
            .await
            .unwrap_or_else(|_| {
                Err(SendError::Transient(
                    "the SMTP server took longer than the lease".into(),
                ))
            });
        match sent {
            Ok(()) => {
                let at = self.clock.now();
                settled.extend(send.iter().map(|d| (d.id, Settle::Delivered(at))));
            }
            Err(SendError::Permanent(reason)) => {
                tracing::warn!(to = %target_for_log(to.target), %reason, "mail refused for good");
                settled.extend(
                    send.iter()
                        .map(|d| (d.id, Settle::Failed(now, reason.clone()))),
                );
            }
            Err(SendError::Transient(reason)) => {
                tracing::info!(to = %target_for_log(to.target), %reason, "mail not sent; trying again later");
                settled.extend(send.iter().map(|d| {
                    let settle = match retry_at(d, now, &self.config) {
                        Some(due) => Settle::Retry(due, reason.clone()),
                        None => Settle::Failed(now, reason.clone()),
                    };
                    (d.id, settle)
                }));
            }
        }
        Ok(())
    }

    /// Renews this instance's lease on the deliveries a mail carries, just before it goes
    /// (the mails of a batch go one after another: the lease of the last could have run out
    /// meanwhile). False when another instance took some once their lease ran out: that
    /// instance sends them, and those still held are given back as they were.
    async fn hold_for_sending(&self, deliveries: &[Delivery]) -> Result<bool, StoreError> {
        let ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
        let until = self.clock.now() + self.config.lease();
        let held = self.store.renew_leases(&ids, &self.owner, until).await?;
        if usize::try_from(held).is_ok_and(|h| h == ids.len()) {
            return Ok(true);
        }
        for d in deliveries {
            self.store.postpone(d.id, &self.owner, d.due_at).await?;
        }
        Ok(false)
    }

    /// Whether a reminder still holds: its mandate is as it was when the reminder was
    /// written (same version, same status now). Every other mail holds.
    async fn still_holds(&self, d: &Delivery) -> Result<bool, StoreError> {
        let still = &d.payload["still"];
        if still.is_null() {
            return Ok(true);
        }
        let still: Still = match serde_json::from_value(still.clone()) {
            Ok(still) => still,
            Err(e) => {
                tracing::warn!(delivery = %d.id, error = %e, "a reminder's condition cannot be read; sent as it is");
                return Ok(true);
            }
        };
        Ok(match self.store.mandate(still.mandate).await? {
            Some(mandate) => still.holds(&mandate, self.clock.now()),
            None => false,
        })
    }

    /// One mail for the deliveries (a digest when they are several), in `lang`; `details`:
    /// what their notices say, by notice id.
    pub fn compose(
        &self,
        to: &str,
        lang: Lang,
        deliveries: &[Delivery],
        details: &HashMap<Uuid, serde_json::Value>,
    ) -> Result<Mail, String> {
        let items: Vec<Item> = deliveries
            .iter()
            .map(|d| {
                let kind = d.payload["kind"].as_str().unwrap_or_default();
                // A mail written before its notice was read at sending carries the detail.
                let detail = notice_of(d)
                    .and_then(|(_, id)| details.get(&id))
                    .unwrap_or(&d.payload["detail"]);
                let text = render::notice_text(&self.catalog, lang, kind, detail);
                Item {
                    link: text
                        .mandate
                        .as_ref()
                        .map(|m| format!("{}/mandates/{m}", self.public_url)),
                    subject: text.subject,
                    body: text.body,
                }
            })
            .collect();
        let subject = match items.as_slice() {
            [one] => one.subject.clone(),
            _ => i18n::message(
                lang,
                "mail-digest-subject",
                &[("count", items.len().to_string())],
            ),
        };
        let t = |id: &str| i18n::message(lang, id, &[]);
        let page = MailPage {
            lang: lang.code(),
            subject: subject.clone(),
            greeting: t("mail-greeting"),
            intro: t("mail-digest-intro"),
            open_mandate: t("mail-open-mandate"),
            inbox: t("mail-inbox"),
            inbox_link: format!("{}/inbox", self.public_url),
            settings: t("mail-settings"),
            settings_link: format!("{}/settings/notifications", self.public_url),
            footer: t("mail-footer"),
            items,
        };
        let text = MailText { p: &page }.render().map_err(|e| e.to_string())?;
        let html = page.render().map_err(|e| e.to_string())?;
        let mut ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
        ids.sort();
        let domain = self.from.email.domain().to_owned();
        Ok(Mail {
            to: to.to_owned(),
            lang,
            subject,
            text,
            html,
            message_id: message_id(&ids, &domain),
        })
    }

    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        match &self.transport {
            Transport::Keep(mailbox) => {
                mailbox.keep(self.clock.now(), mail.clone());
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let to: Mailbox = mail.to.parse().map_err(|_| {
                    SendError::Permanent(format!("not a mail address: {}", mail.to))
                })?;
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(mail.subject.clone())
                    .message_id(Some(format!("<{}>", mail.message_id)))
                    .header(ContentLanguage(mail.lang.code().to_owned()))
                    .multipart(MultiPart::alternative_plain_html(
                        mail.text.clone(),
                        mail.html.clone(),
                    ))
                    .map_err(|e| SendError::Permanent(e.to_string()))?;
                smtp.send(message.envelope(), &message.formatted()).await
            }
        }
    }
}

/// The `Content-Language` header: the language the mail is written in.
#[derive(Clone)]
struct ContentLanguage(String);

impl header::Header for ContentLanguage {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The notice a mail tells of: its party and id.
fn notice_of(d: &Delivery) -> Option<(String, Uuid)> {
    let id = d.payload["notice"].as_str()?.parse().ok()?;
    Some((d.payload["party"].as_str()?.to_owned(), id))
}

/// The Message-ID of a mail carrying these deliveries (sorted): the same for every attempt.
fn message_id(ids: &[Uuid], domain: &str) -> String {
    match ids {
        [one] => format!("{one}@{domain}"),
        _ => {
            let mut hash = sha2::Sha256::new();
            for id in ids {
                hash.update(id.as_bytes());
            }
            let digest = hash.finalize();
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("digest-{hex}@{domain}")
        }
    }
}

/// How long the handing over of a mail may take: well within its lease, so that it ends
/// before another instance may take the mail.
fn attempt_limit(lease: Duration) -> std::time::Duration {
    lease.to_std().unwrap_or_default() * 4 / 5
}

/// When to try a mail again after an attempt that may succeed later: a minute after the
/// first, doubling, at most an hour apart; none past `retry_hours` after it was written.
fn retry_at(d: &Delivery, now: Instant, config: &MailConfig) -> Option<Instant> {
    let exponent = u32::try_from(d.attempts.clamp(0, 6)).unwrap_or(6);
    let wait = Duration::minutes(1 << exponent).min(Duration::hours(1));
    let give_up = d.created_at + config.retry_for();
    let due = now + wait;
    (due <= give_up).then_some(due)
}

/// A target for the logs: a national number masked.
fn target_for_log(target: &str) -> String {
    match target.split_once(':') {
        Some(("person", n)) => format!("person:{}", render::masked_number(n)),
        Some(("address", _)) => "address".into(),
        _ => target.to_owned(),
    }
}

/// One recipient at one address, as the dispatcher decided for them.
struct Recipient<'a> {
    /// Whom the mails are for (`person:…`, `address:…`).
    target: &'a str,
    email: &'a str,
    /// The address of their settings, if any.
    preferred: Option<&'a str>,
    lang: Lang,
    mode: MailMode,
}

/// The claimed deliveries per target, in the order their first was due.
fn by_target(claimed: Vec<Delivery>) -> Vec<(String, Vec<Delivery>)> {
    let mut groups: Vec<(String, Vec<Delivery>)> = Vec::new();
    for d in claimed {
        match groups.iter_mut().find(|(t, _)| *t == d.target) {
            Some((_, list)) => list.push(d),
            None => groups.push((d.target.clone(), vec![d])),
        }
    }
    groups
}

/// One notice in a mail.
struct Item {
    subject: String,
    body: String,
    link: Option<String>,
}

/// A mail's HTML alternative.
#[derive(Template)]
#[template(path = "mail/notice.html")]
struct MailPage {
    lang: &'static str,
    subject: String,
    greeting: String,
    intro: String,
    open_mandate: String,
    inbox: String,
    inbox_link: String,
    settings: String,
    settings_link: String,
    footer: String,
    items: Vec<Item>,
}

/// A mail's plain text alternative, from the same parts.
#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct MailText<'a> {
    p: &'a MailPage,
}
