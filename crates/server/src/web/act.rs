//! Acting on a mandate from its page: a confirmation that says what the action will do,
//! then the action itself through the unit of work; a refusal shows the confirmation again
//! with the reason.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::access::MandateAction;
use mandates_domain::mandate::{Mandate, NotesChange, TermsChange};
use serde::Deserialize;

use super::changes::{Change, changes};
use super::dates::DateInput;
use super::exclusive;
use super::forms::{FieldMessages, Refusal, TypeChoice, type_choices};
use super::mandate::{PAGE_ACTIONS, is_danger, other_short, visible};
use super::page::{Chrome, Tr, render};
use super::rows::{Row, other_of, row_of, type_names};
use super::visit::{PageError, User, Visit};
use crate::AppState;
use crate::error::AppError;
use crate::i18n;
use crate::service::mandates::{self, Action, MandateCommand};
use crate::service::names;
use crate::service::unit::Keyed;
use crate::text as format;

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    c: Chrome,
    action: String,
    consequence: String,
    row: Row,
    version: u32,
    once: String,
    back: String,
    danger: bool,
    /// For a modification: the types on offer, and the period.
    types: Vec<TypeChoice>,
    until: DateInput,
    /// For a transfer: the new mandatee's number.
    mandatee: String,
    errors: FieldMessages,
    /// Signing a proposed change: what it changes.
    proposal_changes: Vec<Change>,
    /// A refusal because another mandate holds an exclusive type: that mandate, when the
    /// signer may see it.
    conflict_href: String,
}

impl ConfirmPage {
    /// The message of the confirming button.
    pub fn button_key(&self) -> String {
        format!("confirm-{}-button", self.action)
    }
}

/// An action of the pages, from its address.
fn page_action(name: &str) -> Result<MandateAction, PageError> {
    MandateAction::parse(name)
        .filter(|a| PAGE_ACTIONS.contains(a))
        .ok_or(PageError::Api(AppError::NoRoute))
}

async fn confirm_page(
    state: &AppState,
    visit: &Visit,
    user: &User,
    m: &Mandate,
    action: MandateAction,
) -> Result<ConfirmPage, PageError> {
    let t = Tr(visit.lang);
    let name = action.as_str();
    let now = state.clock().now();
    let party = &user.actor.party;
    let names = names::of(state, [other_of(m, party)]).await?;
    let r = row_of(state, t, &names, m, party, now);
    let proposal = m.live_proposal(now);
    let version = proposal.map_or(m.version, |p| p.version);
    let proposal_changes = match (action, proposal) {
        (MandateAction::Sign | MandateAction::Reject | MandateAction::Withdraw, Some(p)) => {
            changes(state, t, &m.terms, &p.terms)
        }
        _ => Vec::new(),
    };
    let consequence = if action == MandateAction::Sign && proposal.is_some() {
        t.t1("consequence-sign-change", "other", &r.other)
    } else {
        t.t1(&format!("consequence-{name}"), "other", &r.other)
    };
    let chosen: Vec<String> = m.terms.types.iter().cloned().collect();
    let title = t.t2(
        &format!("confirm-{name}-title"),
        ("types", &type_names(state, visit.lang, &chosen)),
        ("other", &other_short(&names, m, party)),
    );
    Ok(ConfirmPage {
        c: visit.chrome(state, title),
        action: name.to_owned(),
        consequence,
        row: r,
        version,
        once: super::session::random_secret()?,
        back: format!("/mandates/{}", m.id),
        danger: is_danger(action),
        types: if action == MandateAction::Modify {
            type_choices(
                state,
                visit.lang,
                &m.terms.domain,
                m.terms.side_of(&user.actor.party),
                &user.actor.party,
                &chosen,
            )
        } else {
            Vec::new()
        },
        until: DateInput::of("valid_until", m.terms.valid_until),
        mandatee: String::new(),
        errors: FieldMessages::default(),
        proposal_changes,
        conflict_href: String::new(),
    })
}

/// The confirmation of an action, saying what it will do.
pub async fn confirm(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let action = page_action(&action)?;
    let m = visible(&state, user, &id).await?;
    // An action the rules do not allow now is not offered: its reason instead of a form.
    mandates::require_action(&state, &user.actor, &m, action, state.clock().now()).await?;
    Ok(render(
        &confirm_page(&state, &visit, user, &m, action).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    version: Option<u32>,
    /// Modify: the types kept or added (repeated field).
    #[serde(default)]
    types: Vec<String>,
    /// Modify: the last day, in three boxes; all empty: no end.
    #[serde(default, rename = "valid_until-day")]
    until_day: String,
    #[serde(default, rename = "valid_until-month")]
    until_month: String,
    #[serde(default, rename = "valid_until-year")]
    until_year: String,
    /// Transfer: the new mandatee.
    #[serde(default)]
    mandatee: Option<String>,
}

impl ActForm {
    /// The last day as typed.
    fn until(&self) -> DateInput {
        DateInput::typed(
            "valid_until",
            &self.until_day,
            &self.until_month,
            &self.until_year,
        )
    }

    /// The change the form asks of mandate `m`.
    fn action(&self, action: MandateAction, m: &Mandate) -> Action {
        match action {
            MandateAction::Sign => Action::Sign {
                version: self.version.unwrap_or(m.version),
            },
            MandateAction::Reject => Action::Reject,
            MandateAction::Withdraw => Action::Withdraw,
            MandateAction::Stop => Action::Stop,
            MandateAction::Modify | MandateAction::ChangeNotes => Action::Modify {
                based_on: self.version,
                terms: Some(TermsChange {
                    types: Some(self.types.clone()),
                    valid_from: None,
                    valid_until: Some(self.until().text()),
                }),
                notes: NotesChange::default(),
            },
            MandateAction::Transfer => Action::Transfer {
                mandatee: format::digits(self.mandatee.as_deref().unwrap_or_default()),
            },
        }
    }
}

/// Does the confirmed action; a refusal shows the confirmation again with the reason.
pub async fn act(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path((id, action_name)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form: ActForm = serde_html_form::from_bytes(&body)
        .map_err(|e| AppError::Body(StatusCode::BAD_REQUEST, e.to_string()))?;
    visit.check_form(&form.csrf)?;
    let user = visit.user()?;
    let action = page_action(&action_name)?;
    let m = visible(&state, user, &id).await?;
    let fingerprint = format!("page {action_name} {id} {form:?}");
    let key = (!form.once.is_empty()).then(|| format!("page-{}", form.once));
    let keyed = Keyed::of(key.as_deref(), &fingerprint);
    let command = MandateCommand::Act(m.id, form.action(action, &m));
    match mandates::change(&state, &user.principal, user.acting_for(), keyed, command).await {
        // For a transfer, the answer is the new mandate.
        Ok(done) => Ok(
            Redirect::to(&format!("/mandates/{}?done={action_name}", done.value.id))
                .into_response(),
        ),
        Err(e) if e.status().is_client_error() => {
            let mut page = confirm_page(&state, &visit, user, &m, action).await?;
            let mut refusal = Refusal::of(&state, &visit, &e);
            if let Some((text, href)) = exclusive::conflict(&state, user, visit.lang, &m, &e).await
            {
                refusal.text = text;
                page.conflict_href = href.unwrap_or_default();
            }
            page.until = form.until();
            let mut fields = Vec::new();
            for (field, message) in refusal.fields.0 {
                let message = match field.as_str() {
                    // An empty number is one to enter, whatever the rules found wrong with it.
                    "mandatee" if form.mandatee.as_deref().unwrap_or("").trim().is_empty() => {
                        i18n::message(visit.lang, "party-enter-new-mandatee", &[])
                    }
                    "valid_until" => page.until.judge(visit.lang, message),
                    _ => message,
                };
                fields.push((field, message));
            }
            let refusal = Refusal {
                text: refusal.text,
                fields: FieldMessages(fields),
            };
            let until = page.until.anchor();
            let has_types = !page.types.is_empty();
            page.c.summary = refusal.summary(|field| match field {
                "mandatee" if action == MandateAction::Transfer => Some(field.to_owned()),
                "types" if has_types => Some("type-1".to_owned()),
                "valid_until" if action == MandateAction::Modify => Some(until.clone()),
                _ => None,
            });
            page.errors = refusal.fields;
            page.mandatee = form.mandatee.unwrap_or_default();
            if action == MandateAction::Modify {
                for choice in &mut page.types {
                    choice.checked = form.types.contains(&choice.code);
                }
            }
            Ok((e.status(), render(&page)).into_response())
        }
        Err(e) => Err(PageError::Api(e)),
    }
}
