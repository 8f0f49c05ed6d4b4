//! The server's bulk API as `mandates bulk` speaks it: the client with the headers every
//! request carries, the answers it reads, and why a request failed.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Deserialize;

use super::BulkArgs;

/// Rows per page when reading a job's report.
const PAGE: u32 = 1000;

/// A job as the API shows it (the fields this command uses).
#[derive(Debug, Deserialize)]
pub(super) struct Job {
    pub(super) id: String,
    pub(super) state: String,
    pub(super) total: u64,
    pub(super) succeeded: u64,
    pub(super) failed: u64,
    pub(super) rows: Vec<Row>,
    pub(super) next_after: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Row {
    pub(super) line: i64,
    pub(super) state: String,
    pub(super) mandate_id: Option<String>,
    pub(super) errors: Vec<FieldError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct FieldError {
    pub(super) field: String,
    pub(super) message: String,
}

/// An `application/problem+json` answer.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Problem {
    detail: Option<String>,
    request_id: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

/// Why the command could not do its work (exit status 2).
pub(super) enum Failure {
    /// A local problem or an unreachable server.
    Message(String),
    /// The server refused a request.
    Refused { status: u16, problem: Problem },
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Message(message)
    }
}

impl Failure {
    pub(super) fn print(&self) {
        match self {
            Self::Message(m) => eprintln!("error: {m}"),
            Self::Refused { status, problem } => {
                let detail = problem.detail.as_deref().unwrap_or("the server refused");
                match &problem.request_id {
                    Some(id) => eprintln!("error: {detail} (HTTP {status}, request {id})"),
                    None => eprintln!("error: {detail} (HTTP {status})"),
                }
                for e in &problem.errors {
                    eprintln!("  {}: {}", e.field, e.message);
                }
            }
        }
    }
}

/// The language of a `LANG` value (`nl_BE.UTF-8` is `nl`), if the server speaks it.
fn accept_language(lang: Option<&str>) -> Option<&'static str> {
    let code = lang?
        .split(['_', '.', '@', '-'])
        .next()?
        .to_ascii_lowercase();
    ["nl", "fr", "de", "en"].into_iter().find(|l| *l == code)
}

/// An error with its causes (`error sending request: ...: Connection refused`).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The server, with the headers every request carries.
pub(super) struct Api {
    pub(super) http: reqwest::Client,
    base: String,
}

impl Api {
    pub(super) fn new(args: &BulkArgs, token: &str, lang: Option<&str>) -> Result<Self, String> {
        let mut headers = HeaderMap::new();
        let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the token holds characters a header cannot carry".to_owned())?;
        bearer.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, bearer);
        if let Some(enterprise) = &args.act_for {
            let value = HeaderValue::from_str(enterprise)
                .map_err(|_| format!("--act-for {enterprise:?} is not an enterprise number"))?;
            headers.insert("act-for", value);
        }
        if let Some(lang) = accept_language(lang) {
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(lang));
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Self {
            http,
            base: args.server.trim_end_matches('/').to_owned(),
        })
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request; a success is read as `T`, anything else as a problem.
    pub(super) async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let response = request
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {}", self.base, chain(&e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("reading the answer of {}: {e}", self.base))?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| {
                Failure::Message(format!("unexpected answer from {}: {e}", self.base))
            });
        }
        let problem = serde_json::from_str(&text).unwrap_or_else(|_| Problem {
            detail: Some(format!(
                "{} {}",
                status.canonical_reason().unwrap_or("error"),
                text.trim()
            )),
            ..Problem::default()
        });
        Err(Failure::Refused {
            status: status.as_u16(),
            problem,
        })
    }

    /// Every row of a job: the page it came with, then the following pages.
    pub(super) async fn all_rows(&self, job: Job) -> Result<Vec<Row>, Failure> {
        let mut rows = job.rows;
        let mut after = job.next_after;
        while let Some(line) = after {
            let page: Job = self
                .send(
                    self.http
                        .get(self.url(&format!("/api/v1/bulk/{}", job.id)))
                        .query(&[("after", line.to_string()), ("limit", PAGE.to_string())]),
                )
                .await?;
            rows.extend(page.rows);
            after = page.next_after;
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_languages_the_server_speaks_are_asked() {
        assert_eq!(accept_language(Some("nl_BE.UTF-8")), Some("nl"));
        assert_eq!(accept_language(Some("fr")), Some("fr"));
        assert_eq!(accept_language(Some("C.UTF-8")), None);
        assert_eq!(accept_language(Some("es_ES.UTF-8")), None);
        assert_eq!(accept_language(None), None);
    }
}
