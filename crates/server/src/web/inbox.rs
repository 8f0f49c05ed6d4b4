//! The inbox: what the person (or the enterprise they act for) was told, newest first, each
//! notice with its text and a link to its mandate; opening one marks it read. And, in demo
//! mode, the mailbox of the mails kept instead of sent.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use mandates_store::StoredNotice;
use uuid::Uuid;

use super::page::{Chrome, Tr, render};
use super::visit::{PageError, Visit};
use crate::AppState;
use crate::error::AppError;
use crate::notify::render::{named_parties, notice_text_named};
use crate::service::names::{self, Names};
use crate::text as format;

/// Notices on one page of the inbox.
const PAGE: i64 = 20;

/// A notice as a row of the inbox.
pub struct NoticeRow {
    pub id: Uuid,
    pub at: String,
    pub subject: String,
    pub body: String,
    pub mandate: Option<String>,
    pub unread: bool,
}

fn row(state: &AppState, t: Tr, names: &Names, n: &StoredNotice) -> NoticeRow {
    let text = notice_text_named(state.catalog(), t.0, &n.kind, &n.detail, names);
    NoticeRow {
        id: n.id,
        at: format::instant(n.created_at),
        subject: text.subject,
        body: text.body,
        mandate: text.mandate,
        unread: n.read_at.is_none(),
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    c: Chrome,
    rows: Vec<NoticeRow>,
    /// The link to the next, older page.
    older: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct InboxQuery {
    /// The last notice of the page before: this page starts after it.
    before: Option<Uuid>,
}

/// The notices of the party one acts for, newest first, a page at a time.
pub async fn inbox(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let t = Tr(visit.lang);
    let party = user.actor.party.as_str();
    let before = match query.before {
        Some(id) => Some(
            state
                .store()
                .notice(party, id)
                .await?
                .map(|n| (n.created_at, n.id))
                .ok_or(AppError::NoRoute)?,
        ),
        None => None,
    };
    let mut notices = state.store().notices_of(party, before, PAGE + 1).await?;
    let more = notices.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
    notices.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
    let older = more
        .then(|| notices.last().map(|n| format!("/inbox?before={}", n.id)))
        .flatten();
    let named: Vec<_> = notices
        .iter()
        .flat_map(|n| named_parties(&n.detail))
        .collect();
    let names = names::of(&state, &named).await?;
    let rows = notices.iter().map(|n| row(&state, t, &names, n)).collect();
    Ok(render(&InboxPage {
        c: visit.chrome(&state, t.t("inbox-title")),
        rows,
        older,
    }))
}

#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    c: Chrome,
    n: NoticeRow,
}

/// One notice, marked read as it is opened; the header of this page counts it read already.
pub async fn notice(
    State(state): State<AppState>,
    axum::Extension(mut visit): axum::Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let t = Tr(visit.lang);
    // Owned: the header's count is updated in `visit` below.
    let party = user.actor.party.as_str().to_owned();
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NoRoute)?;
    let notice = state
        .store()
        .notice(&party, id)
        .await?
        .ok_or(AppError::NoRoute)?;
    if notice.read_at.is_none() {
        state
            .store()
            .mark_notices_read(&party, &[id], state.clock().now())
            .await?;
        // The count was read before this page marked the notice.
        let unread = state
            .store()
            .unread_notices(&party, super::visit::UNREAD_MAX)
            .await?;
        if let Some(user) = visit.user.as_mut() {
            user.unread = unread;
        }
    }
    let named: Vec<_> = named_parties(&notice.detail).collect();
    let names = names::of(&state, &named).await?;
    let n = row(&state, t, &names, &notice);
    Ok(render(&NoticePage {
        c: visit.chrome(&state, n.subject.clone()),
        n,
    }))
}

/// A mail of the demo mailbox.
pub struct KeptRow {
    pub at: String,
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
pub struct MailboxPage {
    c: Chrome,
    mails: Vec<KeptRow>,
}

/// In demo mode without an SMTP server: the mails the service would have sent, newest first.
pub async fn demo_mailbox(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Result<Response, PageError> {
    let t = Tr(visit.lang);
    let mailbox = state.demo_mailbox().ok_or(AppError::NoRoute)?;
    let mails = mailbox
        .newest()
        .into_iter()
        .map(|(at, m)| KeptRow {
            at: format::instant(at),
            to: m.to,
            subject: m.subject,
            text: m.text,
        })
        .collect();
    Ok(render(&MailboxPage {
        c: visit.chrome(&state, t.t("mailbox-title")),
        mails,
    }))
}
