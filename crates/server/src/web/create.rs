//! Creating a mandate from the pages: step 1 (domain and side), step 2 (types, other party,
//! period, reference), step 3 "check your answers" (exactly what will be allowed, each answer
//! with a way back to its field), then the creation with the creator's signature through the
//! unit of work. A type that only one mandatee at a time may hold, and that the mandator
//! already gives to someone else, is flagged at steps 2 and 3.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::mandate::{Draft, Mandate, Side};
use mandates_domain::{Lang, Party};
use serde::Deserialize;

use super::dates::DateInput;
use super::exclusive::{Held, Wanted, held_elsewhere};
use super::forms::{FieldMessages, Refusal, TypeChoice, type_choices};
use super::page::{Chrome, Tr, render};
use super::rows::Opt;
use super::visit::{PageError, User, Visit};
use crate::AppState;
use crate::error::AppError;
use crate::i18n;
use crate::service::mandates::{self, MandateCommand, decide_create};
use crate::service::names;
use crate::service::unit::Keyed;
use crate::text as format;

/// What the create form holds, from step to step.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    domain: String,
    /// `mandator`: I give; `mandatee`: I receive.
    #[serde(default)]
    side: String,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    other: String,
    /// The first day, in three boxes.
    #[serde(default, rename = "valid_from-day")]
    from_day: String,
    #[serde(default, rename = "valid_from-month")]
    from_month: String,
    #[serde(default, rename = "valid_from-year")]
    from_year: String,
    /// The last day, in three boxes; all empty: no end.
    #[serde(default, rename = "valid_until-day")]
    until_day: String,
    #[serde(default, rename = "valid_until-month")]
    until_month: String,
    #[serde(default, rename = "valid_until-year")]
    until_year: String,
    #[serde(default)]
    reference: String,
    /// On the review: `edit` (or `edit-<field>`) goes back to the form.
    #[serde(default)]
    go: String,
}

/// The answers of the review that can be changed, each with the field it goes back to.
const CHANGEABLE: [&str; 5] = ["other", "types", "valid_from", "valid_until", "reference"];

impl DraftForm {
    fn side(&self) -> Option<Side> {
        Side::parse(&self.side)
    }

    /// The first day as typed.
    fn from(&self) -> DateInput {
        DateInput::typed(
            "valid_from",
            &self.from_day,
            &self.from_month,
            &self.from_year,
        )
    }

    /// The last day as typed.
    fn until(&self) -> DateInput {
        DateInput::typed(
            "valid_until",
            &self.until_day,
            &self.until_month,
            &self.until_year,
        )
    }

    fn draft(&self, me: &Party, lang: Lang) -> Draft {
        let other = format::digits(&self.other);
        let (mandator, mandatee) = match self.side() {
            Some(Side::Mandatee) => (other, me.as_str().to_owned()),
            _ => (me.as_str().to_owned(), other),
        };
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Draft {
            domain: self.domain.clone(),
            types: self.types.clone(),
            mandator,
            mandatee,
            valid_from: self.from().text(),
            valid_until: self.until().text(),
            reference: text(&self.reference),
            language: Some(lang.code().to_owned()),
            email: None,
            capacity: None,
        }
    }
}

#[derive(Template)]
#[template(path = "new.html")]
pub struct NewPage {
    c: Chrome,
    step: u8,
    domains: Vec<Opt>,
    form: DraftForm,
    domain_name: String,
    types: Vec<TypeChoice>,
    errors: FieldMessages,
    from: DateInput,
    until: DateInput,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    side: String,
}

fn new_page(state: &AppState, visit: &Visit, user: &User, form: DraftForm) -> NewPage {
    let t = Tr(visit.lang);
    let domain = state.catalog().domain(&form.domain);
    let step = if domain.is_some() && form.side().is_some() {
        2
    } else {
        1
    };
    NewPage {
        c: visit.chrome(state, t.t("new-title")),
        step,
        domains: state
            .catalog()
            .domains
            .iter()
            .map(|d| Opt {
                value: d.code.clone(),
                label: d.name.get(visit.lang).to_owned(),
                selected: d.code == form.domain,
            })
            .collect(),
        domain_name: domain
            .map(|d| d.name.get(visit.lang).to_owned())
            .unwrap_or_default(),
        types: type_choices(
            state,
            visit.lang,
            &form.domain,
            form.side(),
            &user.actor.party,
            &form.types,
        ),
        from: form.from(),
        until: form.until(),
        form,
        errors: FieldMessages::default(),
    }
}

/// Step 1 (domain and side), then step 2 (types, other party, period, reference).
pub async fn new_form(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let today = DateInput::of(
        "valid_from",
        Some(mandates_domain::time::brussels_date(state.clock().now())),
    );
    let form = DraftForm {
        domain: q.domain,
        side: q.side,
        from_day: today.day,
        from_month: today.month,
        from_year: today.year,
        ..DraftForm::default()
    };
    let mut page = new_page(&state, &visit, user, form);
    flag_held(&state, &visit, user, &mut page).await?;
    Ok(render(&page))
}

/// Step 2: each exclusive type on offer that the mandator already gives to someone else
/// (another mandatee than the one typed, if any) says so, with the way forward.
async fn flag_held(
    state: &AppState,
    visit: &Visit,
    user: &User,
    page: &mut NewPage,
) -> Result<(), AppError> {
    if page.step != 2 {
        return Ok(());
    }
    let offered: Vec<String> = page.types.iter().map(|c| c.code.clone()).collect();
    let other = Party::parse(&format::digits(&page.form.other)).ok();
    let held = held_elsewhere(
        state,
        user,
        visit.lang,
        &page.form.domain,
        page.form.side(),
        Wanted {
            types: &offered,
            mandatee: other.as_ref(),
            terms: None,
        },
        state.clock().now(),
    )
    .await?;
    attach(&mut page.types, held);
    Ok(())
}

/// Each warning under the choice of its type.
fn attach(types: &mut [TypeChoice], held: Vec<Held>) {
    for h in held {
        if let Some(choice) = types.iter_mut().find(|c| c.code == h.code) {
            choice.held.push(h);
        }
    }
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    c: Chrome,
    form: DraftForm,
    summary: String,
    domain: String,
    types: Vec<TypeChoice>,
    mandator: String,
    mandatee: String,
    valid_from: String,
    valid_until: String,
    deadline: String,
}

impl ReviewPage {
    /// Whether the other party is the mandator (I receive).
    pub fn other_gives(&self) -> bool {
        self.form.side() == Some(Side::Mandatee)
    }

    /// Whether any chosen type is already given to someone else.
    pub fn has_held(&self) -> bool {
        self.types.iter().any(|t| !t.held.is_empty())
    }
}

/// A posted draft form, once its anti-forgery token is checked.
fn posted_form(visit: &Visit, body: &[u8]) -> Result<DraftForm, PageError> {
    let form: DraftForm = serde_html_form::from_bytes(body)
        .map_err(|e| PageError::Api(AppError::Body(StatusCode::BAD_REQUEST, e.to_string())))?;
    visit.check_form(&form.csrf)?;
    Ok(form)
}

/// The draft judged by the same rules as its creation, nothing written: its refusal, or
/// the mandate it would make.
fn try_draft(
    state: &AppState,
    user: &User,
    form: &DraftForm,
    lang: Lang,
) -> Result<Mandate, AppError> {
    let draft = form.draft(&user.actor.party, lang);
    let now = state.clock().now();
    Ok(decide_create(&user.actor, &draft, state.rules(), now)?.0)
}

/// The form again with the refusal: the summary first, each error a link to its field,
/// and each field's error at its field.
async fn with_errors(
    state: &AppState,
    visit: &Visit,
    user: &User,
    form: DraftForm,
    e: &AppError,
) -> Result<Response, PageError> {
    let mut page = new_page(state, visit, user, form);
    flag_held(state, visit, user, &mut page).await?;
    let refusal = Refusal::of(state, visit, e);
    let side = page.form.side();
    let mut fields = Vec::new();
    for (field, message) in refusal.fields.0 {
        let field = map_field(&field, side);
        let message = match field.as_str() {
            // An empty number is one to enter, whatever the rules found wrong with it.
            "other" if page.form.other.trim().is_empty() => match side {
                Some(Side::Mandatee) => i18n::message(visit.lang, "party-enter-mandator", &[]),
                _ => i18n::message(visit.lang, "party-enter-mandatee", &[]),
            },
            "valid_from" | "valid_until" => {
                let date = if field == "valid_from" {
                    &mut page.from
                } else {
                    &mut page.until
                };
                date.judge(visit.lang, message)
            }
            _ => message,
        };
        fields.push((field, message));
    }
    let refusal = Refusal {
        text: refusal.text,
        fields: FieldMessages(fields),
    };
    let (from, until) = (page.from.anchor(), page.until.anchor());
    let has_types = !page.types.is_empty();
    page.c.summary = refusal.summary(|field| match field {
        "other" | "reference" => Some(field.to_owned()),
        "types" => has_types.then(|| "type-1".to_owned()),
        "valid_from" => Some(from.clone()),
        "valid_until" => Some(until.clone()),
        _ => None,
    });
    page.errors = refusal.fields;
    Ok((e.status(), render(&page)).into_response())
}

/// The form's name of a draft field: the other party is one field, whichever side it is.
fn map_field(field: &str, side: Option<Side>) -> String {
    match (field, side) {
        ("mandatee", Some(Side::Mandator) | None) | ("mandator", Some(Side::Mandatee)) => {
            "other".into()
        }
        _ => field.to_owned(),
    }
}

/// Step 3: the review says exactly what will be allowed.
pub async fn review(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = posted_form(&visit, &body)?;
    let user = visit.user()?;
    match try_draft(&state, user, &form, visit.lang) {
        Err(e @ AppError::Domain(_)) => with_errors(&state, &visit, user, form, &e).await,
        Err(e) => Err(PageError::Api(e)),
        Ok(m) => Ok(render(&review_page(&state, &visit, user, form, &m).await?)),
    }
}

async fn review_page(
    state: &AppState,
    visit: &Visit,
    user: &User,
    mut form: DraftForm,
    m: &Mandate,
) -> Result<ReviewPage, PageError> {
    let t = Tr(visit.lang);
    let chosen: Vec<String> = m.terms.types.iter().cloned().collect();
    // The parties as the creator may read them: an enterprise by name, a person not yet.
    let readable = names::of(state, [&m.terms.mandator, &m.terms.mandatee])
        .await?
        .on(m, &user.actor.party);
    let other = match form.side() {
        Some(Side::Mandatee) => readable.shown(&m.terms.mandator),
        _ => readable.shown(&m.terms.mandatee),
    };
    let summary = match form.side() {
        Some(Side::Mandatee) => t.t1("review-summary-mandatee", "other", &other),
        _ => t.t1("review-summary-mandator", "other", &other),
    };
    let mut types: Vec<TypeChoice> = type_choices(
        state,
        visit.lang,
        &m.terms.domain,
        None,
        &user.actor.party,
        &chosen,
    )
    .into_iter()
    .filter(|c| c.checked)
    .collect();
    let held = held_elsewhere(
        state,
        user,
        visit.lang,
        &m.terms.domain,
        form.side(),
        Wanted {
            types: &chosen,
            mandatee: None,
            terms: Some(&m.terms),
        },
        state.clock().now(),
    )
    .await?;
    attach(&mut types, held);
    let you = |p: &Party| {
        if *p == user.actor.party {
            t.t1("review-you", "party", &readable.shown(p))
        } else {
            readable.shown(p)
        }
    };
    form.once = super::session::random_secret()?;
    Ok(ReviewPage {
        c: visit.chrome(state, t.t("review-title")),
        domain: super::rows::domain_name(state, visit.lang, &m.terms.domain),
        types,
        mandator: you(&m.terms.mandator),
        mandatee: you(&m.terms.mandatee),
        valid_from: format::date(m.terms.valid_from),
        valid_until: m
            .terms
            .valid_until
            .map_or_else(|| t.t("review-no-end"), format::date),
        deadline: m.lapses_at.map(format::instant).unwrap_or_default(),
        summary,
        form,
    })
}

/// Signs and sends the reviewed draft (or goes back to change it).
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = posted_form(&visit, &body)?;
    let user = visit.user()?;
    // "Change" on the review: step 2 with every answer kept (the button's address holds
    // the field's anchor).
    if form.go == "edit"
        || form
            .go
            .strip_prefix("edit-")
            .is_some_and(|f| CHANGEABLE.contains(&f))
    {
        let mut page = new_page(&state, &visit, user, form);
        flag_held(&state, &visit, user, &mut page).await?;
        return Ok(render(&page));
    }
    let draft = form.draft(&user.actor.party, visit.lang);
    let key = (!form.once.is_empty()).then(|| format!("page-{}", form.once));
    let fingerprint = format!("page create {draft:?}");
    let keyed = Keyed::of(key.as_deref(), &fingerprint);
    let command = MandateCommand::Create(draft);
    match mandates::change(&state, &user.principal, user.acting_for(), keyed, command).await {
        Ok(done) => {
            Ok(Redirect::to(&format!("/mandates/{}?done=create", done.value.id)).into_response())
        }
        Err(e @ AppError::Domain(_)) => with_errors(&state, &visit, user, form, &e).await,
        Err(e) => Err(PageError::Api(e)),
    }
}
