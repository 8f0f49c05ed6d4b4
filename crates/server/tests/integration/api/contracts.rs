//! The answers that clients parse, pinned as they are: problem documents
//! (`application/problem+json`) and the answers of the business check, in English and in
//! another language. What differs from run to run is redacted (request ids, mandate ids,
//! event sequence numbers) after it is checked; everything else is the contract, and a
//! change to it is reviewed here.
//!
//! Answers that the store could change run on both stores, with the same snapshot for both.

use axum::http::Method;
use insta::internals::{Content, ContentPath};
use serde_json::{Value, json};

use crate::enterprises::SECOND_EXECUTOR;
use crate::on_both_stores;
use crate::support::*;

/// Pins a problem document; its request id is redacted. A test on both stores asserts the
/// same snapshot twice (once a store), which insta allows only when asked.
macro_rules! assert_problem {
    ($body:expr, @$snapshot:literal) => {{
        let body: Value = $body;
        insta::allow_duplicates! {
            insta::assert_json_snapshot!(body, {
                ".request_id" => insta::dynamic_redaction(request_id),
            }, @$snapshot);
        }
    }};
}

/// Pins the answer of a check; its mandate's id (also where its reason names it) and the
/// event sequence number it was read at are redacted. Asserted once a store, like problems.
macro_rules! assert_check {
    ($answer:expr, @$snapshot:literal) => {{
        let answer: Value = $answer;
        let mandate = answer["mandate_id"].as_str().map(str::to_owned);
        insta::allow_duplicates! {
            insta::assert_json_snapshot!(answer, {
                ".mandate_id" => "[mandate_id]",
                ".consistency" => insta::dynamic_redaction(sequence_number),
                ".reason.message" => insta::dynamic_redaction(naming(mandate)),
            }, @$snapshot);
        }
    }};
}

/// A request id the service made up (the client sent none).
fn request_id(value: Content, _: ContentPath<'_>) -> &'static str {
    assert!(
        value
            .as_str()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
        "a request id: {value:?}"
    );
    "[request_id]"
}

/// The event sequence number an answer was read at: past the events the test wrote.
fn sequence_number(value: Content, _: ContentPath<'_>) -> &'static str {
    assert!(
        value.as_u64().is_some_and(|n| n > 0),
        "a sequence number: {value:?}"
    );
    "[consistency]"
}

/// A check's reason in words names the answer's own mandate (written `[mandate_id]`) and no
/// other.
fn naming(mandate: Option<String>) -> impl Fn(Content, ContentPath<'_>) -> String + Send + Sync {
    move |value, _| {
        let text = value.as_str().expect("a reason's message is text");
        let named = match &mandate {
            Some(id) => {
                assert!(text.contains(id.as_str()), "names {id}: {text}");
                text.replace(id.as_str(), "[mandate_id]")
            }
            None => text.to_owned(),
        };
        assert!(!names_an_id(&named), "names no other mandate: {text}");
        named
    }
}

fn names_an_id(text: &str) -> bool {
    text.as_bytes().windows(36).any(|w| {
        std::str::from_utf8(w).is_ok_and(|candidate| uuid::Uuid::parse_str(candidate).is_ok())
    })
}

/// The document of a problem answer, once its headers keep their promises: the status and
/// the code, the media type, the language asked for, and the request id it shows.
#[track_caller]
fn problem(resp: Resp, status: u16, code: &str, lang: &str) -> Value {
    let resp = resp.refused(status, code);
    assert_eq!(resp.header("content-language"), Some(lang));
    assert_eq!(
        resp.body["request_id"].as_str(),
        resp.header("x-request-id"),
        "the document shows the request's id"
    );
    resp.body
}

fn id(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

/// Asks a check as the demo application of the type's domain, in a language.
async fn ask(app: &TestApp, lang: &str, actor: &str, mandator: &str, type_code: &str) -> Value {
    let domain = type_code.split('.').next().unwrap_or_default();
    let resp = app
        .application(domain)
        .await
        .send(
            Method::POST,
            "/api/v1/checks",
            &[("accept-language", lang)],
            Some(json!({"actor": actor, "mandator": mandator, "type": type_code})),
        )
        .await
        .expect(200);
    assert_eq!(resp.header("content-language"), Some(lang));
    resp.body
}

/// An answer about `mandate`.
#[track_caller]
fn about(answer: Value, mandate: &str) -> Value {
    assert_eq!(answer["mandate_id"].as_str(), Some(mandate), "{answer:#}");
    answer
}

/// Refusals of the mandates API that the store takes part in: invalid fields (checked in
/// the write path), a mandate that is someone else's, a stale version, a role that does not
/// allow. The demo roster gives the office an executor.
async fn problems_of_the_mandates_api(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    let en = [("accept-language", "en")];

    let invalid = json!({
        "domain": "fin",
        "types": ["fin.tax_on_web", "fin.nothing"],
        "mandator": "85073003329",
        "mandatee": "5061207730",
        "valid_until": "31/12/2027",
        "language": "es",
        "email": "a@b",
    });
    let refused = ann
        .send(Method::POST, "/api/v1/mandates", &en, Some(invalid.clone()))
        .await;
    assert_problem!(problem(refused, 422, "validation_failed", "en"), @r#"
    {
      "code": "validation_failed",
      "detail": "Some fields are invalid; see the details per field.",
      "errors": [
        {
          "code": "unknown_type",
          "field": "types[1]",
          "message": "The service fin has no mandate type fin.nothing."
        },
        {
          "code": "invalid_party_number",
          "field": "mandator",
          "message": "This number is not valid: its check digits do not match; check for a typing error."
        },
        {
          "code": "invalid_party_number",
          "field": "mandatee",
          "message": "This number is not valid: a leading zero was probably lost (spreadsheets do that); write the number with all its digits."
        },
        {
          "code": "invalid_date",
          "field": "valid_until",
          "message": "31/12/2027 is not a date written as YYYY-MM-DD."
        },
        {
          "code": "invalid_language",
          "field": "language",
          "message": "es is not one of the languages nl, fr, de, en."
        },
        {
          "code": "invalid_email",
          "field": "email",
          "message": "This is not a valid e-mail address."
        }
      ],
      "request_id": "[request_id]",
      "status": 422,
      "title": "Invalid input",
      "type": "urn:mandates:problem:validation_failed"
    }
    "#);
    let in_dutch = ann
        .send(
            Method::POST,
            "/api/v1/mandates",
            &[("accept-language", "nl")],
            Some(invalid),
        )
        .await;
    assert_problem!(problem(in_dutch, 422, "validation_failed", "nl"), @r#"
    {
      "code": "validation_failed",
      "detail": "Sommige velden zijn ongeldig; zie de details per veld.",
      "errors": [
        {
          "code": "unknown_type",
          "field": "types[1]",
          "message": "De dienst fin heeft geen mandaattype fin.nothing."
        },
        {
          "code": "invalid_party_number",
          "field": "mandator",
          "message": "Dit nummer is niet geldig: de controlecijfers kloppen niet; kijk na of u geen tikfout hebt gemaakt."
        },
        {
          "code": "invalid_party_number",
          "field": "mandatee",
          "message": "Dit nummer is niet geldig: waarschijnlijk is een nul vooraan weggevallen (rekenbladen doen dat); schrijf het nummer met al zijn cijfers."
        },
        {
          "code": "invalid_date",
          "field": "valid_until",
          "message": "31/12/2027 is geen datum in de vorm YYYY-MM-DD."
        },
        {
          "code": "invalid_language",
          "field": "language",
          "message": "es is geen van de talen nl, fr, de, en."
        },
        {
          "code": "invalid_email",
          "field": "email",
          "message": "Dit is geen geldig e-mailadres."
        }
      ],
      "request_id": "[request_id]",
      "status": 422,
      "title": "Ongeldige invoer",
      "type": "urn:mandates:problem:validation_failed"
    }
    "#);

    let pending = id(&ann.create(tax_return(ANN, BOB)).await);
    let not_theirs = carl
        .send(
            Method::GET,
            &format!("/api/v1/mandates/{pending}"),
            &en,
            None,
        )
        .await;
    assert_problem!(problem(not_theirs, 404, "mandate_not_found", "en"), @r#"
    {
      "code": "mandate_not_found",
      "detail": "This mandate does not exist, or you are not one of its parties.",
      "request_id": "[request_id]",
      "status": 404,
      "title": "Not found",
      "type": "urn:mandates:problem:mandate_not_found"
    }
    "#);

    let stale = bob
        .send(
            Method::POST,
            &format!("/api/v1/mandates/{pending}/sign"),
            &en,
            Some(json!({"version": 2})),
        )
        .await;
    assert_problem!(problem(stale, 409, "stale_version", "en"), @r#"
    {
      "code": "stale_version",
      "detail": "This mandate has changed in the meantime. Reload the page, check the new terms and try again.",
      "params": {
        "current": "1"
      },
      "request_id": "[request_id]",
      "status": 409,
      "title": "Conflict",
      "type": "urn:mandates:problem:stale_version"
    }
    "#);

    let dina = app.for_enterprise(DINA, OFFICE).await;
    let executor = dina
        .send(
            Method::POST,
            "/api/v1/mandates",
            &en,
            Some(tax_return(BOB, OFFICE)),
        )
        .await;
    assert_problem!(problem(executor, 403, "role_does_not_allow", "en"), @r#"
    {
      "code": "role_does_not_allow",
      "detail": "Your role does not allow this for the service fin.",
      "params": {
        "domain": "fin"
      },
      "request_id": "[request_id]",
      "status": 403,
      "title": "Not allowed",
      "type": "urn:mandates:problem:role_does_not_allow"
    }
    "#);
}

/// Refusals decided before the store is read: the token, the names and values of query
/// parameters. Their answers cannot depend on the store, so SQLite alone answers them.
#[tokio::test]
async fn problems_before_the_store() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    let no_token = app
        .request(
            Method::GET,
            "/api/v1/mandates",
            &[("accept-language", "en")],
            None,
        )
        .await;
    assert_eq!(no_token.header("www-authenticate"), Some("Bearer"));
    assert_problem!(problem(no_token, 401, "unauthenticated", "en"), @r#"
    {
      "code": "unauthenticated",
      "detail": "Sign in first: this request needs a valid bearer token.",
      "request_id": "[request_id]",
      "status": 401,
      "title": "Not signed in",
      "type": "urn:mandates:problem:unauthenticated"
    }
    "#);

    let ann = app.person(ANN).await;
    let en = [("accept-language", "en")];
    let unknown = ann
        .send(Method::GET, "/api/v1/mandates?party=xyz", &en, None)
        .await;
    let unknown = problem(unknown, 422, "validation_failed", "en");
    assert_eq!(unknown["errors"][0]["field"], "party");
    assert_problem!(unknown, @r#"
    {
      "code": "validation_failed",
      "detail": "Some fields are invalid; see the details per field.",
      "errors": [
        {
          "code": "unknown_parameter",
          "field": "party",
          "message": "This address does not read a parameter of this name; the ones it reads are: role, status, domain, cursor, limit."
        }
      ],
      "request_id": "[request_id]",
      "status": 422,
      "title": "Invalid input",
      "type": "urn:mandates:problem:validation_failed"
    }
    "#);

    let too_many = ann
        .send(Method::GET, "/api/v1/mandates?limit=2147483648", &en, None)
        .await;
    assert_problem!(problem(too_many, 422, "validation_failed", "en"), @r#"
    {
      "code": "validation_failed",
      "detail": "Some fields are invalid; see the details per field.",
      "errors": [
        {
          "code": "out_of_range",
          "field": "limit",
          "message": "Enter a whole number from 1 to 500."
        }
      ],
      "request_id": "[request_id]",
      "status": 422,
      "title": "Invalid input",
      "type": "urn:mandates:problem:validation_failed"
    }
    "#);
}

/// The answers of checks about mandates between people: allowed, and every reason for no
/// that a direct mandate gives. Dates in reasons are days (dd/mm/yyyy), instants Brussels
/// time to the minute.
async fn check_answers_of_direct_mandates(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    assert_check!(ask(&app, "en", BOB, ANN, "fin.tax_on_web").await, @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "reason": {
        "code": "no_mandate",
        "message": "No mandate allows this person to act for this mandator for this type."
      }
    }
    "#);

    let pending = id(&ann.create(tax_return(ANN, BOB)).await);
    let waiting = ask(&app, "en", BOB, ANN, "fin.tax_on_web").await;
    assert_check!(about(waiting, &pending), @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "reason": {
        "code": "pending_signature",
        "message": "Mandate [mandate_id] waits for the signature of the mandatee."
      }
    }
    "#);

    let later = id(&ann
        .create(json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": CARL, "valid_from": "2027-04-01", "valid_until": "2027-12-31"}))
        .await);
    carl.sign(&later, 1).await.expect(200);
    let not_yet = ask(&app, "en", CARL, ANN, "fin.myminfin_consult").await;
    assert_check!(about(not_yet, &later), @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "reason": {
        "code": "not_yet_in_force",
        "message": "Mandate [mandate_id] is in force from 01/04/2027 on."
      }
    }
    "#);

    bob.sign(&pending, 1).await.expect(200);
    let allowed = ask(&app, "en", BOB, ANN, "fin.tax_on_web").await;
    assert_check!(about(allowed, &pending), @r#"
    {
      "allowed": true,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "valid_until": "2027-12-31"
    }
    "#);

    // Stopped at 10:00:00.123456 in Brussels.
    app.clock
        .set("2027-03-01T09:00:00.123456Z".parse().expect("an instant"));
    ann.action(&pending, "stop", json!({})).await.expect(200);
    let stopped = ask(&app, "en", BOB, ANN, "fin.tax_on_web").await;
    assert_check!(about(stopped, &pending), @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "reason": {
        "code": "stopped",
        "message": "Mandate [mandate_id] was stopped at 01/03/2027 10:00."
      }
    }
    "#);
    let in_french = ask(&app, "fr", BOB, ANN, "fin.tax_on_web").await;
    assert_check!(about(in_french, &pending), @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "reason": {
        "code": "stopped",
        "message": "Le mandat [mandate_id] a été arrêté le 01/03/2027 10:00."
      }
    }
    "#);

    // The first instant after the last day, in Brussels.
    app.clock
        .set("2027-12-31T23:00:00Z".parse().expect("an instant"));
    let expired = ask(&app, "en", CARL, ANN, "fin.myminfin_consult").await;
    assert_check!(about(expired, &later), @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "reason": {
        "code": "expired",
        "message": "Mandate [mandate_id] ended on 31/12/2027."
      }
    }
    "#);
}

/// The answers of checks through an enterprise, on the demo roster: Ann gave the office
/// her income tax return; Dina executes it there, the office's other executor does not.
async fn check_answers_through_an_enterprise(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let allowed = ask(&app, "en", DINA, ANN, "fin.tax_on_web").await;
    let mandate = allowed["mandate_id"]
        .as_str()
        .expect("the granting mandate")
        .to_owned();
    assert_check!(allowed, @r#"
    {
      "allowed": true,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "via_enterprise": "0412345614"
    }
    "#);
    let refused = ask(&app, "en", SECOND_EXECUTOR, ANN, "fin.tax_on_web").await;
    assert_check!(about(refused, &mandate), @r#"
    {
      "allowed": false,
      "consistency": "[consistency]",
      "mandate_id": "[mandate_id]",
      "reason": {
        "code": "no_executor_role",
        "message": "Mandate [mandate_id] is held by enterprise 0412.345.614, and this person has no executor role for this type there."
      }
    }
    "#);
}

on_both_stores!(
    problems_of_the_mandates_api,
    check_answers_of_direct_mandates,
    check_answers_through_an_enterprise,
);
