//! A tiny browser: keeps cookies, follows nothing by itself, posts forms.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::TestApp;

/// An answer as a browser sees it.
pub struct Page {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub html: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }
}

pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: Option<&'static str>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
            accept_language: None,
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Page {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("accept", "text/html,application/xhtml+xml");
        if let Some(lang) = self.accept_language {
            builder = builder.header("accept-language", lang);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            builder = builder.header("cookie", jar.join("; "));
        }
        let body = match form {
            Some(f) => {
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .router
            .clone()
            .oneshot(builder.body(body).expect("request"))
            .await
            .expect("response");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = text.contains("Max-Age=0");
                if expired || value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    /// Posts a form; the anti-forgery token is added unless the fields carry one.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut pairs: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            pairs.push(("csrf".into(), self.csrf()));
        }
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Method::POST, path, Some(body)).await
    }

    /// The anti-forgery token this browser was given (after its first page).
    pub fn csrf(&self) -> String {
        self.cookies
            .get("mandates_csrf")
            .cloned()
            .unwrap_or_default()
    }

    /// Signs in through the demo sign-in page.
    pub async fn sign_in(&mut self, number: &str) -> Page {
        self.get("/sign-in").await;
        let page = self
            .post(
                "/sign-in",
                &[("national_number", number), ("return_to", "/")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.html);
        page
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The id of the mandate a page redirected to.
pub fn mandate_id(location: &str) -> String {
    location
        .trim_start_matches("/mandates/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned()
}
