//! What every page request carries: its language, its anti-forgery token, the signed-in
//! person with the party they act for, and the headers every page sends. Errors of page
//! handlers are rendered here as pages in the visitor's language.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::roles::{EnterpriseRole, RoleKind};
use mandates_domain::{Insz, Kbo, Lang, Party, PartyName};

use super::page::{Chrome, ErrorPage, render};
use super::session::{self, Session, cookie, random_secret, set_cookie};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::i18n;
use crate::service::names::{self, Names};

/// The cookie that keeps the visitor's choice of language.
pub const LANG_COOKIE: &str = "mandates_lang";
/// The cookie that names a visitor before sign-in; their anti-forgery token is signed over
/// it (and, once signed in, over the session instead).
pub const CSRF_COOKIE: &str = "mandates_csrf";

/// A page request.
#[derive(Clone)]
pub struct Visit {
    pub lang: Lang,
    pub csrf: String,
    pub session: Option<Session>,
    pub user: Option<User>,
    /// The path and query of this page (to come back to after a switch).
    pub here: String,
    pub request_id: String,
}

/// A signed-in person and whom they act for, with their roles as read for this request.
#[derive(Clone)]
pub struct User {
    pub principal: Principal,
    pub actor: Actor,
    /// Roles in force now, of every enterprise (to offer the choice of whom to act for).
    pub roles: Vec<EnterpriseRole>,
    /// Unread notices of the party they act for, counted up to [`UNREAD_MAX`].
    pub unread: i64,
    /// Whether there is a mandate they may use now (in their own name or as an executor).
    pub may_use: bool,
    /// The names of the person (from the session) and of the enterprises of their roles.
    pub names: Names,
}

/// The most unread notices the page header counts (more show as "9+").
pub const UNREAD_MAX: i64 = 10;

impl User {
    /// The enterprises the person may act for now.
    pub fn enterprises(&self) -> Vec<Kbo> {
        let mut list: Vec<Kbo> = self.roles.iter().map(|r| r.enterprise.clone()).collect();
        list.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        list.dedup();
        list
    }

    pub fn acting_for(&self) -> Option<&Kbo> {
        self.actor.party.as_enterprise()
    }
}

impl Visit {
    /// The signed-in user, or a redirect to sign in and come back here.
    pub fn user(&self) -> Result<&User, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::SignIn(self.here.clone()))
    }

    /// Refuses a form whose anti-forgery token is not this visitor's.
    pub fn check_form(&self, token: &str) -> Result<(), PageError> {
        if !token.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::Forgery)
        }
    }

    /// The frame of a page.
    pub fn chrome(&self, state: &AppState, title: String) -> Chrome {
        Chrome::new(self, state, title)
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// A refusal or a failure, shown as a page.
    Api(AppError),
    /// Sign in first, then come back to this address.
    SignIn(String),
    /// A form without this visitor's anti-forgery token.
    Forgery,
}

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError::Api(e.into())
    }
}

/// Travels from a handler's error to the middleware, which renders it.
#[derive(Clone)]
struct Failed(std::sync::Arc<std::sync::Mutex<Option<PageError>>>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::Api(e) => e.status(),
            PageError::SignIn(_) => StatusCode::SEE_OTHER,
            PageError::Forgery => StatusCode::FORBIDDEN,
        };
        let mut response = status.into_response();
        if let PageError::Api(e) = &self
            && let Some(seconds) = e.retry_after()
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
            .extensions_mut()
            .insert(Failed(std::sync::Arc::new(std::sync::Mutex::new(Some(
                self,
            )))));
        response
    }
}

/// Reads the visitor's language, token, session and roles before a page handler; renders
/// its errors as pages and adds the headers of every page after it.
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_else(|| i18n::request_lang(headers));
    let here = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let known_seed = cookie(headers, CSRF_COOKIE)
        .filter(|t| {
            t.len() >= 32
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned);
    let mut seed = known_seed.clone();
    let mut visit = Visit {
        lang,
        csrf: String::new(),
        session: None,
        user: None,
        here,
        request_id: request
            .extensions()
            .get::<crate::http::context::RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
    };
    let prepared = prepare(&state, &mut visit, request.headers(), &mut seed).await;
    let mut response = match prepared {
        Ok(()) => {
            request.extensions_mut().insert(visit.clone());
            next.run(request).await
        }
        Err(e) => e.into_response(),
    };
    let failed = response
        .extensions_mut()
        .remove::<Failed>()
        .and_then(|f| f.0.lock().ok().and_then(|mut e| e.take()));
    if let Some(error) = failed {
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        response = error_response(&state, &visit, error);
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds);
        }
    }
    if known_seed.is_none()
        && let Some(seed) = &seed
    {
        append_cookie(&mut response, &set_cookie(&state, CSRF_COOKIE, seed, None));
    }
    secure(&mut response, &state);
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(visit.lang.code()),
    );
    response
}

async fn prepare(
    state: &AppState,
    visit: &mut Visit,
    headers: &axum::http::HeaderMap,
    seed: &mut Option<String>,
) -> Result<(), PageError> {
    let seed = match seed {
        Some(seed) => seed,
        None => seed.insert(random_secret()?),
    };
    visit.csrf = anti_forgery_token(state, headers, seed);
    visit.session = session::load(state, headers).await?;
    let Some(data) = visit.session.as_ref().map(|s| &s.data) else {
        return Ok(());
    };
    let Some(person) = data.person.as_deref().and_then(|p| Insz::parse(p).ok()) else {
        return Ok(());
    };
    let principal = Principal {
        person: person.clone(),
        auth: AuthContext {
            acr: data.acr.clone(),
            amr: data.amr.clone(),
        },
    };
    let now = state.clock().now();
    let roles: Vec<EnterpriseRole> = state
        .store()
        .roles_of_person(&person)
        .await?
        .into_iter()
        .filter(|r| r.in_force_at(now))
        .collect();
    let chosen = data.acting_for.as_deref().and_then(|k| Kbo::parse(k).ok());
    // A role that ended since the choice was made: back to the person's own name.
    let actor = chosen
        .and_then(|k| crate::service::actor_with(&principal, Some(&k), roles.clone(), now).ok())
        .unwrap_or_else(|| Actor::myself(person, principal.auth.clone()));
    let unread = state
        .store()
        .unread_notices(actor.party.as_str(), UNREAD_MAX)
        .await?;
    // An executor's page is theirs while the role lasts (finding whether one of the
    // enterprise's mandates grants their types now may read many: that is the page's work,
    // not every page's); in their own name, one indexed read says whether there is one.
    let executes = roles
        .iter()
        .any(|r| r.kind == RoleKind::Executor && r.in_force_at(now));
    let may_use = executes
        || !crate::service::search::own_usable(state, &principal.person, now, 1)
            .await?
            .is_empty();
    // A person without roles costs no read: their own name comes with the session.
    let enterprises: Vec<Party> = roles
        .iter()
        .map(|r| Party::Enterprise(r.enterprise.clone()))
        .collect();
    let mut names = if enterprises.is_empty() {
        Names::default()
    } else {
        names::of(state, &enterprises).await?
    };
    if let Some(name) = data.name.as_deref().and_then(|n| PartyName::parse(n).ok()) {
        names.insert(Party::Person(principal.person.clone()), name);
    }
    visit.user = Some(User {
        principal,
        actor,
        roles,
        unread,
        may_use,
        names,
    });
    Ok(())
}

/// The anti-forgery token of this browser: signed over its session cookie when it has one
/// (valid or stale: a form sent after the session ended then asks to sign in again), else over
/// its visitor cookie. Only the server can sign, so a cookie and token planted in a browser
/// pass for no session but the one they were made for.
fn anti_forgery_token(state: &AppState, headers: &axum::http::HeaderMap, seed: &str) -> String {
    match cookie(headers, session::COOKIE).filter(|s| !s.is_empty()) {
        Some(secret) => state
            .cookie_key()
            .sign("anti-forgery session", &session::hash(secret)),
        None => state.cookie_key().sign("anti-forgery visitor", seed),
    }
}

fn error_response(state: &AppState, visit: &Visit, error: PageError) -> Response {
    match error {
        PageError::SignIn(return_to) => {
            let target = format!("/login?return_to={}", encode_component(&return_to));
            Redirect::to(&target).into_response()
        }
        PageError::Forgery => {
            let page = ErrorPage::new(
                visit.chrome(state, i18n::message(visit.lang, "page-forgery-title", &[])),
                i18n::message(visit.lang, "page-forgery-text", &[]),
            );
            (StatusCode::FORBIDDEN, render(&page)).into_response()
        }
        PageError::Api(e) => {
            e.log();
            let status = e.status();
            let (title, text) = e.page_texts(visit.lang, &visit.request_id);
            let page = ErrorPage::new(visit.chrome(state, title), text);
            (status, render(&page)).into_response()
        }
    }
}

fn append_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The headers every page sends: no inline script (one file of ours at most), no framing, no sniffing, no referrer
/// leaving the service, no caching of personal pages. Forms post to the service only (and
/// logout goes on to the identity provider).
pub fn secure(response: &mut Response, state: &AppState) {
    let provider = state
        .config()
        .login
        .issuer
        .as_deref()
        .and_then(origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'{provider}; frame-ancestors 'none'; base-uri 'none'"
    );
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `scheme://host[:port]` of an address.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty() && !host.contains([' ', ';', '\''])).then(|| format!("{scheme}://{host}"))
}

/// Percent-encodes a query parameter's value.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local address to come back to: only paths of this service, never another site. A
/// browser reads `//host`, `/\\host` and a path with a tab or line break in it (which it drops)
/// as another site; a line break or NUL cannot even be sent in a header. So the address is
/// printable ASCII, starts with one `/`, holds no backslash, and its path, decoded, still does;
/// anything else goes home. So does an address too long to travel in the sign-in's cookie.
pub fn local_path(candidate: &str) -> String {
    if candidate.len() > MAX_LOCAL_PATH {
        return "/".to_owned();
    }
    let clean = |text: &[u8]| {
        text.first() == Some(&b'/')
            && text.get(1) != Some(&b'/')
            && text.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
    };
    let path = candidate.split(['?', '#']).next().unwrap_or_default();
    if clean(candidate.as_bytes()) && clean(&percent_decode(path)) {
        candidate.to_owned()
    } else {
        "/".to_owned()
    }
}

/// The longest address come back to.
const MAX_LOCAL_PATH: usize = 2048;

/// The bytes of percent-encoded text (a `%` without two hex digits stays as it is).
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_come_back_to() {
        for hostile in [
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example/",
            "/\r\nSet-Cookie:x",
            "/\0",
            "/ /evil.example",
            "https://evil.example/",
            "evil.example",
            "",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/mandates/\u{e9}",
        ] {
            assert_eq!(local_path(hostile), "/", "{hostile:?}");
        }
        assert_eq!(local_path(&format!("/?q={}", "a".repeat(2048))), "/");
        for good in ["/", "/mandates/abc?x=1", "/?q=a%20b&page=2", "/bulk/1#top"] {
            assert_eq!(local_path(good), good);
        }
    }
}
