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
    /// Another instance to ask instead of `app`'s.
    pub via: Option<axum::Router>,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: Option<&'static str>,
    /// What the requests accept: pages, unless a script's request is played.
    pub accept: &'static str,
    /// The anti-forgery token of the last page, with the cookies it was made for.
    token: Option<(Vec<Option<String>>, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            via: None,
            cookies: BTreeMap::new(),
            accept_language: None,
            accept: "text/html,application/xhtml+xml",
            token: None,
        }
    }

    /// Posts a multipart form with a file in the field `file` (and the anti-forgery token).
    pub async fn post_file(&mut self, path: &str, fields: &[(&str, &str)], file: &[u8]) -> Page {
        let boundary = "----mandates-test-boundary";
        let mut body = Vec::new();
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", csrf.as_str()));
        for (name, value) in all {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send_body(
            Method::POST,
            path,
            Some((format!("multipart/form-data; boundary={boundary}"), body)),
        )
        .await
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Page {
        let body = form.map(|f| {
            (
                "application/x-www-form-urlencoded".to_owned(),
                f.into_bytes(),
            )
        });
        self.send_body(method, path, body).await
    }

    async fn send_body(
        &mut self,
        method: Method,
        path: &str,
        form: Option<(String, Vec<u8>)>,
    ) -> Page {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("accept", self.accept);
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
            Some((content_type, bytes)) => {
                builder = builder.header("content-type", content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let response = self
            .via
            .clone()
            .unwrap_or_else(|| self.app.router.clone())
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
        let html = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = token_in(&html) {
            self.token = Some((self.token_cookies(), token));
        }
        Page {
            status,
            headers,
            html,
        }
    }

    /// The cookies an anti-forgery token is made for.
    fn token_cookies(&self) -> Vec<Option<String>> {
        ["mandates_session", "mandates_csrf"]
            .iter()
            .map(|name| self.cookies.get(*name).cloned())
            .collect()
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
            pairs.push(("csrf".into(), self.csrf().await));
        }
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Method::POST, path, Some(body)).await
    }

    /// The anti-forgery token of this browser's pages: that of the last page while the
    /// cookies are those it was made for, else that of a fresh home page.
    pub async fn csrf(&mut self) -> String {
        match &self.token {
            Some((cookies, token)) if *cookies == self.token_cookies() => token.clone(),
            _ => {
                let home = self.get("/").await;
                token_in(&home.html).unwrap_or_default()
            }
        }
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

/// The anti-forgery token in a page's forms.
pub fn token_in(html: &str) -> Option<String> {
    let (_, rest) = html.split_once(r#"name="csrf" value=""#)?;
    rest.split('"').next().map(str::to_owned)
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
