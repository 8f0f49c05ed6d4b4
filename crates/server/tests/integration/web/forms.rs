//! The forms as people meet them: a refusal opens with a summary that leads to each field,
//! the title says "Error:", each field at fault is marked; dates are typed as day, month and
//! year; the messages say what to do, in plain words.

use serde_json::json;

use super::browser::{Browser, mandate_id};
use crate::on_both_stores;
use crate::support::issuer::{Issuer, Key};
use crate::support::*;

/// The create form's fields for a mandate to `other` of `types`, with the first and last day
/// typed as (day, month, year).
fn create_form<'a>(
    other: &'a str,
    types: &[&'a str],
    from: (&'a str, &'a str, &'a str),
    until: (&'a str, &'a str, &'a str),
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("domain", "fin"), ("side", "mandator"), ("other", other)];
    form.extend(types.iter().map(|t| ("types", *t)));
    form.extend([
        ("valid_from-day", from.0),
        ("valid_from-month", from.1),
        ("valid_from-year", from.2),
        ("valid_until-day", until.0),
        ("valid_until-month", until.1),
        ("valid_until-year", until.2),
    ]);
    form
}

const FROM: (&str, &str, &str) = ("15", "3", "2027");

/// The summary box of a page, if it has one.
fn summary(html: &str) -> Option<&str> {
    let (_, rest) = html.split_once("<div class=\"error-summary\"")?;
    rest.split("</div>").next()
}

/// The input of `id`, its tag alone.
fn input<'h>(html: &'h str, id: &str) -> &'h str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..at].rfind('<').unwrap_or(at);
    let end = html[at..].find('>').map_or(html.len(), |e| at + e);
    &html[start..end]
}

async fn a_refused_create_form_opens_with_a_summary_that_leads_to_each_field(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    // No type, no other party, and a month that does not exist.
    let page = ann
        .post(
            "/mandates/review",
            &create_form("", &[], FROM, ("31", "13", "2027")),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    let html = &page.html;
    assert!(
        html.contains("<title>Error: New mandate · Mandates</title>"),
        "{html}"
    );
    let summary = summary(html).unwrap_or_else(|| panic!("no summary: {html}"));
    // Focused on load without a script, and named by its heading.
    assert!(summary.contains("tabindex=\"-1\" autofocus"), "{summary}");
    assert!(summary.contains("There is a problem"), "{summary}");
    for (href, text) in [
        ("#type-1", "Choose at least one mandate type."),
        (
            "#other",
            "Enter the national number or enterprise number of who receives the mandate.",
        ),
        (
            "#valid_until-month",
            "Enter a real end date, for example 31 12 2027.",
        ),
    ] {
        assert!(
            summary.contains(&format!("<a href=\"{href}\">{text}</a>")),
            "{href}: {summary}"
        );
    }
    assert!(!html.contains("wrong number of digits"), "{html}");
    // Each field at fault is marked, its message above it; the boxes as typed are kept.
    assert_eq!(html.matches("field-with-error").count(), 3, "{html}");
    let other = input(html, "other");
    assert!(
        other.contains("aria-invalid=\"true\"") && other.contains("other-error"),
        "{other}"
    );
    assert!(html.find("id=\"other-error\"") < html.find("id=\"other\""));
    let month = input(html, "valid_until-month");
    assert!(
        month.contains("aria-invalid=\"true\"") && month.contains("value=\"13\""),
        "{month}"
    );
    let day = input(html, "valid_until-day");
    assert!(
        !day.contains("aria-invalid") && day.contains("value=\"31\""),
        "only the month is wrong: {day}"
    );
    assert!(
        html.contains(
            "aria-describedby=\"valid_until-hint valid_until-hint-more valid_until-error\""
        )
    );
    let listed = app.person(ANN).await.get("/api/v1/mandates").await.body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

async fn a_date_typed_as_day_month_and_year_makes_the_mandate(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let form = create_form(BOB, &["fin.myminfin_consult"], FROM, ("31", "12", "2027"));
    // The create form offers three boxes per date, not a date picker.
    let blank = ann.get("/mandates/new?domain=fin&side=mandator").await.html;
    assert!(!blank.contains("type=\"date\""), "{blank}");
    for part in ["day", "month", "year"] {
        let boxed = input(&blank, &format!("valid_until-{part}"));
        assert!(boxed.contains("inputmode=\"numeric\""), "{boxed}");
    }
    assert!(blank.contains("For example, 31 12 2027"));
    let review = ann.post("/mandates/review", &form).await;
    assert_eq!(review.status, 200, "{}", review.html);
    assert!(review.html.contains("31/12/2027"), "{}", review.html);
    // Back from the review to change: the boxes are as typed.
    let mut edit = form.clone();
    edit.push(("go", "edit"));
    let again = ann.post("/mandates/create", &edit).await;
    assert_eq!(again.status, 200, "{}", again.html);
    for (id, value) in [
        ("valid_until-day", "31"),
        ("valid_until-month", "12"),
        ("valid_until-year", "2027"),
    ] {
        assert!(
            input(&again.html, id).contains(&format!("value=\"{value}\"")),
            "{id}"
        );
    }
    let mut sign = form.clone();
    sign.extend([("go", "sign"), ("once", "d1")]);
    let created = ann.post("/mandates/create", &sign).await;
    assert_eq!(created.status, 303, "{}", created.html);
    let id = mandate_id(created.location());
    let api = app.person(ANN).await.mandate(&id).await.expect(200).body;
    assert_eq!(api["valid_from"], "2027-03-15");
    assert_eq!(api["valid_until"], "2027-12-31");
    // Empty boxes for the end: a mandate without end, where the type allows it.
    let mut open = create_form(BOB, &["fin.tax_on_web"], FROM, ("", "", ""));
    open.extend([("go", "sign"), ("once", "d2")]);
    let created = ann.post("/mandates/create", &open).await;
    assert_eq!(created.status, 303, "{}", created.html);
    let id = mandate_id(created.location());
    let api = app.person(ANN).await.mandate(&id).await.expect(200).body;
    assert!(api["valid_until"].is_null(), "{api}");
}

async fn a_date_without_its_year_says_what_is_missing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let page = ann
        .post(
            "/mandates/review",
            &create_form(BOB, &["fin.tax_on_web"], FROM, ("31", "12", "")),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(
        summary(&page.html)
            .is_some_and(|s| s
                .contains("<a href=\"#valid_until-year\">The end date must include a year.</a>")),
        "{}",
        page.html
    );
    assert!(input(&page.html, "valid_until-year").contains("aria-invalid=\"true\""));
    assert!(!input(&page.html, "valid_until-day").contains("aria-invalid"));
}

async fn the_rules_speak_of_names_years_and_days_as_people_write_them(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    // MyMinfin allows at most 1826 days: from 15 March 2027, 13 March 2032 at the latest.
    let page = ann
        .post(
            "/mandates/review",
            &create_form(BOB, &["fin.myminfin_consult"], FROM, ("31", "12", "2032")),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    let summary = summary(&page.html).unwrap_or_default();
    assert!(
        summary.contains(
            "<a href=\"#valid_until-day\">For “View the tax file (MyMinfin)”, the end date can be \
             at most 5 years after the start: 13/03/2032 at the latest.</a>"
        ),
        "{summary}"
    );
    assert!(!summary.contains("1826") && !summary.contains("fin.myminfin_consult"));
    // The whole date is marked when the rules refuse it.
    for part in ["day", "month", "year"] {
        assert!(input(&page.html, &format!("valid_until-{part}")).contains("aria-invalid"));
    }
    // A day in the past, as people write it.
    let page = ann
        .post(
            "/mandates/review",
            &create_form(BOB, &["fin.tax_on_web"], ("1", "1", "2027"), ("", "", "")),
        )
        .await;
    assert!(
        page.html
            .contains("The start date must be today or later (today is 01/03/2027)."),
        "{}",
        page.html
    );
}

async fn a_signature_refused_for_the_way_of_signing_in_says_why(backend: Backend) {
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    let Some(app) = TestApp::with_config(backend, |c| {
        c.login.issuer = Some(issuer.url.clone());
        c.public_url = Some("http://localhost".into());
        c.auth.min_signing_acr = Some("http://eidas.europa.eu/LoA/substantial".into());
    })
    .await
    else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    let started = ann.get("/login?return_to=/").await;
    // Signed in with a password only (eIDAS "low"); signing asks for more.
    let low = json!({ "acr": "http://eidas.europa.eu/LoA/low" });
    let back = issuer.sign_in_with(&key, started.location(), ANN, &low);
    assert_eq!(ann.get(&back).await.status, 303);
    let mut sign = create_form(BOB, &["fin.tax_on_web"], FROM, ("31", "12", "2027"));
    sign.extend([("go", "sign"), ("once", "l1")]);
    let page = ann.post("/mandates/create", &sign).await;
    assert_eq!(page.status, 403, "{}", page.html);
    let summary = summary(&page.html).unwrap_or_else(|| panic!("no summary: {}", page.html));
    // The level in words a citizen knows, not the level's identifier.
    assert!(
        summary.contains(
            "<li>The way you signed in is not safe enough to sign (at least a login with an \
             identity app or a security code is needed)."
        ),
        "{summary}"
    );
    assert!(!summary.contains("eidas"), "{summary}");
    assert!(page.html.contains("<title>Error: "));
    issuer.stop();
}

async fn a_change_and_a_transfer_are_refused_with_a_summary(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let api = app.person(ANN).await;
    let m = api.create(tax_return(ANN, BOB)).await;
    let id = m["id"].as_str().unwrap_or_default().to_owned();
    app.person(BOB).await.sign(&id, 1).await.expect(200);
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    // The change of terms shows the end date in three boxes.
    let confirm = ann.get(&format!("/mandates/{id}/modify")).await.html;
    assert!(input(&confirm, "valid_until-day").contains("value=\"31\""));
    assert!(input(&confirm, "valid_until-year").contains("value=\"2027\""));
    let page = ann
        .post(
            &format!("/mandates/{id}/modify"),
            &[
                ("once", "m1"),
                ("version", "1"),
                ("types", "fin.tax_on_web"),
                ("valid_until-day", "30"),
                ("valid_until-month", "2"),
                ("valid_until-year", "2027"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(page.html.contains("<title>Error: "));
    assert!(
        summary(&page.html).is_some_and(|s| s.contains(
            "<a href=\"#valid_until-day\">Enter a real end date, for example 31 12 2027.</a>"
        )),
        "{}",
        page.html
    );
    assert!(input(&page.html, "valid_until-day").contains("value=\"30\""));
    // A real, narrower end date is taken at once.
    let done = ann
        .post(
            &format!("/mandates/{id}/modify"),
            &[
                ("once", "m2"),
                ("version", "1"),
                ("types", "fin.tax_on_web"),
                ("valid_until-day", "30"),
                ("valid_until-month", "9"),
                ("valid_until-year", "2027"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert_eq!(api.mandate(&id).await.body["valid_until"], "2027-09-30");
    // A transfer to nobody says what to enter.
    let page = ann
        .post(
            &format!("/mandates/{id}/transfer"),
            &[("once", "t1"), ("mandatee", "")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(
        summary(&page.html).is_some_and(|s| s.contains(
            "<a href=\"#mandatee\">Enter the national number or enterprise number of who will \
             receive the mandate.</a>"
        )),
        "{}",
        page.html
    );
    assert!(input(&page.html, "mandatee").contains("aria-invalid=\"true\""));
    // The mandate's page speaks of who gives and who receives, and of no version.
    let shown = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(shown.contains("Who gives") && shown.contains("Who receives"));
    assert!(shown.contains("<dt>Service</dt>"), "{shown}");
    for word in ["Mandator", "Mandatee", "Version", "Domain"] {
        assert!(!shown.contains(word), "{word}: {shown}");
    }
}

async fn the_settings_and_the_bulk_upload_are_refused_with_a_summary(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("fr");
    ann.sign_in(ANN).await;
    let page = ann
        .post(
            "/settings/notifications",
            &[("email", "not an address"), ("lang", ""), ("mail", "each")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(page.html.contains("<title>Erreur : "), "{}", page.html);
    let box_ = summary(&page.html).unwrap_or_default();
    assert!(
        box_.contains("Il y a un problème") && box_.contains("<a href=\"#email\">"),
        "{box_}"
    );
    assert!(input(&page.html, "email").contains("aria-invalid=\"true\""));
    let page = ann
        .post_file("/bulk", &[("operation", "create"), ("format", "csv")], b"")
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(page.html.contains("<title>Erreur : "), "{}", page.html);
    assert!(
        summary(&page.html).is_some_and(|s| s.contains("<a href=\"#file\">")),
        "{}",
        page.html
    );
    assert!(input(&page.html, "file").contains("aria-invalid=\"true\""));
}

on_both_stores!(
    a_refused_create_form_opens_with_a_summary_that_leads_to_each_field,
    a_date_typed_as_day_month_and_year_makes_the_mandate,
    a_date_without_its_year_says_what_is_missing,
    the_rules_speak_of_names_years_and_days_as_people_write_them,
    a_signature_refused_for_the_way_of_signing_in_says_why,
    a_change_and_a_transfer_are_refused_with_a_summary,
    the_settings_and_the_bulk_upload_are_refused_with_a_summary,
);
