//! The frame every page shares (language switch, whom one acts for, sign-out) and the
//! translation of its texts.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mandates_domain::{Lang, access};

use super::visit::{User, Visit};
use crate::AppState;
use crate::i18n;

/// Texts in the page's language, from the message files.
#[derive(Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        i18n::message(self.0, id, &[])
    }

    /// The message `id` with one argument.
    pub fn t1(&self, id: &str, name: &'static str, value: &str) -> String {
        i18n::message(self.0, id, &[(name, value.to_owned())])
    }

    /// The message `id` with two arguments.
    pub fn t2(
        &self,
        id: &str,
        (n1, v1): (&'static str, &str),
        (n2, v2): (&'static str, &str),
    ) -> String {
        i18n::message(self.0, id, &[(n1, v1.to_owned()), (n2, v2.to_owned())])
    }
}

/// One choice of whom to act for.
pub struct Choice {
    /// `self` or an enterprise number.
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What the frame shows of the signed-in person.
pub struct Someone {
    pub person: String,
    /// Whom they act for now, in words.
    pub acting: String,
    pub choices: Vec<Choice>,
    /// Which pages of the menu are theirs: those the rules let them use, and the mandates
    /// they may use only when there is one.
    pub menu: Menu,
    /// The inbox link, with its count of unread notices in words.
    pub inbox: String,
}

/// The pages of the menu that depend on who one is and whom one acts for; the decisions are
/// those of [`access`], the same that refuse the pages themselves.
pub struct Menu {
    /// Create mandates (whoever manages mandates of some domain).
    pub create: bool,
    pub bulk: bool,
    /// The roster of the enterprise one acts for.
    pub roster: bool,
    pub access_log: bool,
    /// The mandates one may use now: only when there is one.
    pub usable: bool,
}

impl Menu {
    pub fn of(user: &User) -> Menu {
        let actor = &user.actor;
        Menu {
            create: access::manages_any(actor),
            bulk: access::require_bulk(actor).is_ok(),
            roster: access::require_read_roster(actor).is_ok(),
            access_log: access::access_log_scope(actor).is_ok(),
            usable: user.may_use,
        }
    }
}

/// One error of a form's summary: its message, and the id of the field it leads to (none
/// for a refusal that is not about a field).
pub struct SummaryItem {
    pub href: Option<String>,
    pub text: String,
}

/// The frame of every page.
pub struct Chrome {
    pub t: Tr,
    pub lang: &'static str,
    pub title: String,
    pub csrf: String,
    pub here: String,
    pub user: Option<Someone>,
    pub demo: bool,
    pub languages: Vec<(&'static str, &'static str, bool)>,
    /// For a signed-in person: when their session ends, for the warning before it does.
    pub timeout: Option<Timeout>,
    /// The errors of a form that was refused, shown first; the title then starts with
    /// "Error:".
    pub summary: Vec<SummaryItem>,
}

/// What the timeout warning needs: when the session ends and how long before to warn.
pub struct Timeout {
    /// Seconds from this page's answer until the session ends without another request.
    pub expires_in: i64,
    /// Seconds before the end at which the warning shows.
    pub warn_before: i64,
    /// What it says.
    pub text: String,
}

impl Timeout {
    /// The warning comes two minutes before the end, or one minute before it when sessions
    /// idle out in less than four.
    fn of(visit: &Visit, state: &AppState, t: Tr) -> Option<Timeout> {
        visit.user.as_ref()?;
        let session = visit.session.as_ref()?;
        let expires_in = (session.expires_at - state.clock().now())
            .num_seconds()
            .max(0);
        let idle = state.config().login.idle().num_seconds();
        let (warn_before, text) = if idle >= 240 {
            (120, t.t1("timeout-text", "minutes", "2"))
        } else {
            (60, t.t("timeout-text-one"))
        };
        Some(Timeout {
            expires_in,
            warn_before,
            text,
        })
    }
}

impl Chrome {
    pub fn new(visit: &Visit, state: &AppState, title: String) -> Chrome {
        let t = Tr(visit.lang);
        let user = visit.user.as_ref().map(|u| {
            let person = u
                .names
                .shown(&mandates_domain::Party::Person(u.principal.person.clone()));
            let acting_for = u.acting_for();
            let mut choices = vec![Choice {
                value: "self".into(),
                label: t.t("acting-self"),
                selected: acting_for.is_none(),
            }];
            let enterprise = |k: &mandates_domain::Kbo| {
                u.names
                    .shown(&mandates_domain::Party::Enterprise(k.clone()))
            };
            for k in u.enterprises() {
                choices.push(Choice {
                    selected: acting_for == Some(&k),
                    label: t.t1("acting-enterprise", "enterprise", &enterprise(&k)),
                    value: k.as_str().to_owned(),
                });
            }
            Someone {
                acting: match acting_for {
                    Some(k) => t.t1("acting-enterprise", "enterprise", &enterprise(k)),
                    None => t.t("acting-self"),
                },
                person,
                choices,
                menu: Menu::of(u),
                inbox: match u.unread {
                    0 => t.t("nav-inbox"),
                    n if n >= super::visit::UNREAD_MAX => t.t1(
                        "nav-inbox-unread",
                        "count",
                        &format!("{}+", super::visit::UNREAD_MAX - 1),
                    ),
                    n => t.t1("nav-inbox-unread", "count", &n.to_string()),
                },
            }
        });
        Chrome {
            t,
            lang: visit.lang.code(),
            title,
            csrf: visit.csrf.clone(),
            here: visit.here.clone(),
            user,
            demo: state.config().demo,
            languages: Lang::ALL
                .iter()
                .map(|l| (l.code(), language_name(*l), *l == visit.lang))
                .collect(),
            timeout: Timeout::of(visit, state, t),
            summary: Vec::new(),
        }
    }
}

/// A language's name in that language.
pub fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "Nederlands",
        Lang::Fr => "Français",
        Lang::De => "Deutsch",
        Lang::En => "English",
    }
}

/// Renders a page; a template that fails is an internal error.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A page that says what went wrong and what to do.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub text: String,
}

impl ErrorPage {
    pub fn new(c: Chrome, text: String) -> ErrorPage {
        ErrorPage { c, text }
    }
}
