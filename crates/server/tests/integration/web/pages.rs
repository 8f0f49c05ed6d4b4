//! The pages' journeys: create, sign, stop; repeated forms; errors in the user's language;
//! the choice of language and of whom one acts for.

use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::{Browser, mandate_id};

fn draft<'a>(other: &'a str, once: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("once", once),
        ("go", "sign"),
        ("domain", "fin"),
        ("side", "mandator"),
        ("types", "fin.myminfin_consult"),
        ("types", "fin.tax_disputes"),
        ("other", other),
        ("valid_from-day", "15"),
        ("valid_from-month", "3"),
        ("valid_from-year", "2027"),
        ("valid_until-day", "31"),
        ("valid_until-month", "12"),
        ("valid_until-year", "2027"),
        ("reference", "client 42"),
    ]
}

async fn create_sign_and_stop_through_the_pages(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.sign_in(ANN).await;
    let review = ann
        .post("/mandates/review", &draft("90.01.01-123.95", ""))
        .await;
    assert_eq!(review.status, 200, "{}", review.html);
    assert!(review.html.contains("90.01.01-123.95"));
    assert!(review.html.contains("15/03/2027") && review.html.contains("31/12/2027"));
    let created = ann.post("/mandates/create", &draft(BOB, "k1")).await;
    assert_eq!(created.status, 303, "{}", created.html);
    let id = mandate_id(created.location());
    let api = app.person(ANN).await.mandate(&id).await.expect(200).body;
    assert_eq!(api["status"], "pending");
    assert_eq!(api["types"].as_array().map(Vec::len), Some(2));
    assert_eq!(api["reference"], "client 42");

    let mut bob = Browser::new(&app);
    bob.sign_in(BOB).await;
    let home = bob.get("/").await;
    let mine = home.html.split("theirs-heading").next().unwrap_or_default();
    assert!(mine.contains(&id), "waiting for Bob's signature");
    let page = bob.get(&format!("/mandates/{id}")).await;
    assert!(page.html.contains(&format!("/mandates/{id}/sign")));
    assert!(
        !page.html.contains(&format!("/mandates/{id}/stop")),
        "not in force yet"
    );
    let signed = bob
        .post(
            &format!("/mandates/{id}/sign"),
            &[("once", "b1"), ("version", "1")],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.html);
    // Signed by both, in force from 15 March: said so, not "in force" already.
    assert_eq!(
        app.person(ANN).await.mandate(&id).await.body["status"],
        "scheduled"
    );
    // The pages say the same: the status, the lists and the history (in Dutch, the default).
    let page = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(
        page.contains("Ondertekend, van kracht vanaf 15/03/2027"),
        "{page}"
    );
    assert!(page.contains("Ondertekend door beide partijen, van kracht vanaf 15/03/2027"));
    assert!(!page.contains(">Van kracht<"), "not in force yet: {page}");
    let home = ann.get("/").await.html;
    assert!(home.contains("Ondertekend, van kracht vanaf 15/03/2027"));
    assert!(
        page.contains(&format!("/mandates/{id}/stop")),
        "it can be stopped"
    );

    let stopped = ann
        .post(&format!("/mandates/{id}/stop"), &[("once", "a2")])
        .await;
    assert_eq!(stopped.status, 303, "{}", stopped.html);
    let api = app.person(BOB).await.mandate(&id).await.body;
    assert_eq!(api["status"], "stopped");
    // Created and signed by Ann, signed by Bob and in force, stopped: who, for whom, when.
    let page = ann.get(&format!("/mandates/{id}")).await.html;
    let history = page.rsplit("<caption>").next().unwrap_or_default();
    assert_eq!(history.matches("<tr><td ").count(), 5, "{history}");
    assert_eq!(
        history.matches("90.01.01-123.95").count(),
        2,
        "Bob signed for himself"
    );
}

async fn a_repeated_form_changes_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.sign_in(ANN).await;
    let first = ann.post("/mandates/create", &draft(BOB, "same")).await;
    let again = ann.post("/mandates/create", &draft(BOB, "same")).await;
    assert_eq!(first.location(), again.location());
    let listed = app.person(ANN).await.get("/api/v1/mandates").await.body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

async fn an_invalid_form_names_each_field_in_the_users_language(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("fr-BE,fr;q=0.9");
    ann.sign_in(ANN).await;
    let page = ann
        .post(
            "/mandates/review",
            &[
                ("domain", "fin"),
                ("side", "mandator"),
                ("other", "85.07.30-033.29"),
                ("valid_from-day", "10"),
                ("valid_from-month", "1"),
                ("valid_from-year", "2027"),
                ("valid_until-day", "1"),
                ("valid_until-month", "1"),
                ("valid_until-year", "2027"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.html.contains("<html lang=\"fr\">"));
    for (field, first_input) in [
        ("types", "type-1"),
        ("other", "other"),
        ("valid_from", "valid_from-day"),
        ("valid_until", "valid_until-day"),
    ] {
        assert!(
            page.html.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            page.html
        );
        assert!(page.html.contains(&format!("href=\"#{first_input}\"")));
    }
    assert!(page.html.contains("aria-invalid=\"true\""));
    // The message of the check digits, in French.
    assert!(page.html.contains("chiffres de contrôle"), "{}", page.html);
    let listed = app.person(ANN).await.get("/api/v1/mandates").await.body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

async fn the_language_is_the_users_choice_then_the_browsers_then_dutch(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut plain = Browser::new(&app);
    assert!(plain.get("/").await.html.contains("<html lang=\"nl\">"));
    let mut b = Browser::new(&app);
    b.accept_language = Some("de-BE,de;q=0.9,en;q=0.5");
    let page = b.get("/").await;
    assert!(page.html.contains("<html lang=\"de\">"));
    assert_eq!(page.header("content-language"), "de");
    let switched = b
        .post(
            "/language",
            &[("lang", "fr"), ("return_to", "/mandates/new")],
        )
        .await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location(), "/mandates/new");
    assert!(b.get("/").await.html.contains("<html lang=\"fr\">"));
    // Never a jump to another site.
    let away = b
        .post(
            "/language",
            &[("lang", "en"), ("return_to", "//elsewhere.example/")],
        )
        .await;
    assert_eq!(away.location(), "/");
}

async fn unknown_addresses_get_a_page_for_people_and_json_for_programs(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.accept_language = Some("en");
    let page = b.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.html.contains("href=\"/\""));
    let api = app
        .request(axum::http::Method::GET, "/api/v1/nothing", &[], None)
        .await;
    assert_eq!(api.status.as_u16(), 404);
    assert_eq!(api.header("content-type"), Some("application/problem+json"));
    // Browsers ask for the icon whatever a page says: it is there.
    let icon = app
        .request(axum::http::Method::GET, "/favicon.ico", &[], None)
        .await;
    assert_eq!(icon.status.as_u16(), 200);
    assert_eq!(icon.header("content-type"), Some("image/x-icon"));
}

async fn without_a_login_provider_the_welcome_page_says_signing_in_is_not_set_up(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| {
        c.demo = false;
        c.login.issuer = None;
    })
    .await
    else {
        return;
    };
    let mut b = Browser::new(&app);
    b.accept_language = Some("en");
    let page = b.get("/").await;
    assert_eq!(page.status, 200);
    assert!(!page.html.contains("href=\"/login\""), "no sign-in offered");
    assert!(
        page.html.contains("Signing in is not set up"),
        "{}",
        page.html
    );
    let login = b.get("/login").await;
    assert_eq!(
        login.status, 303,
        "no page that blames a provider never named"
    );
    assert_eq!(login.header("location"), "/");
}

async fn the_accessibility_statement_is_linked_from_every_page(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut b = Browser::new(&app);
    b.accept_language = Some("en");
    assert!(b.get("/").await.html.contains("href=\"/accessibility\""));
    let page = b.get("/accessibility").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("<h1>Accessibility statement</h1>"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("WCAG) 2.1"),
        "the standard it aims at is named"
    );
    b.accept_language = Some("fr");
    assert!(
        b.get("/accessibility")
            .await
            .html
            .contains("<h1>Déclaration d’accessibilité</h1>")
    );
}

async fn a_representative_chooses_whom_to_act_for(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let mut eva = Browser::new(&app);
    let signed_in = eva.sign_in(EVA).await;
    assert_eq!(signed_in.location(), "/acting-as?return_to=/");
    let choose = eva.get("/acting-as?return_to=/").await;
    assert!(choose.html.contains(&format!("value=\"{COMPANY}\"")));
    let switched = eva.post("/acting-as", &[("party", COMPANY)]).await;
    assert_eq!(switched.status, 303);
    let home = eva.get("/").await;
    assert!(home.html.contains("0203.201.340"));
    assert!(home.html.contains("href=\"/enterprise\""));
    assert_eq!(eva.get("/enterprise").await.status, 200);
    // An enterprise the person has no role for is refused, and nothing changes.
    let refused = eva.post("/acting-as", &[("party", OFFICE)]).await;
    assert_eq!(refused.status, 403);
    assert!(eva.get("/").await.html.contains("href=\"/enterprise\""));
    eva.post("/acting-as", &[("party", "self")]).await;
    assert!(!eva.get("/").await.html.contains("href=\"/enterprise\""));

    // A citizen with no role is not told that they represent enterprises, nor asked to choose.
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    let page = bob.get("/acting-as?return_to=/").await;
    assert_eq!(page.status, 200);
    assert!(!page.html.contains("You represent"), "{}", page.html);
    assert!(!page.html.contains("name=\"party\""));
    assert!(page.html.contains("you have no role for an enterprise"));
}

async fn a_party_is_offered_only_what_the_rules_allow(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.sign_in(ANN).await;
    let id = mandate_id(
        ann.post("/mandates/create", &draft(BOB, "k"))
            .await
            .location(),
    );
    let page = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(page.contains(&format!("/mandates/{id}/withdraw")));
    assert!(!page.contains(&format!("/mandates/{id}/sign\"")));
    let mut bob = Browser::new(&app);
    bob.sign_in(BOB).await;
    let page = bob.get(&format!("/mandates/{id}")).await.html;
    assert!(page.contains(&format!("/mandates/{id}/sign\"")));
    assert!(page.contains(&format!("/mandates/{id}/reject\"")));
    assert!(!page.contains(&format!("/mandates/{id}/withdraw\"")));
    // Someone else learns nothing, not even that it exists.
    let mut carl = Browser::new(&app);
    carl.sign_in(CARL).await;
    assert_eq!(carl.get(&format!("/mandates/{id}")).await.status, 404);
    assert_eq!(
        carl.post(&format!("/mandates/{id}/stop"), &[("once", "c")])
            .await
            .status,
        404
    );
}

async fn a_bulk_file_is_checked_confirmed_and_reported_in_the_pages(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    assert_eq!(ann.get("/bulk").await.status, 200);
    let file = format!(
        "mandator;mandatee;valid_from;valid_until\n{ANN};{BOB};2027-03-15;2027-12-31\n{ANN};1234;2027-03-15;2027-12-31\n"
    );
    let uploaded = ann
        .post_file(
            "/bulk",
            &[
                ("operation", "create"),
                ("format", "csv"),
                ("mode", "per-row"),
                ("domain", "fin"),
                ("types", "fin.myminfin_consult"),
            ],
            file.as_bytes(),
        )
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.html);
    let job = uploaded.location().to_owned();
    let report = ann.get(&job).await;
    assert!(
        report.html.contains("class=\"row-error\""),
        "the bad row is marked"
    );
    assert!(
        report.html.contains("wrong number of digits"),
        "and explained"
    );
    assert!(report.html.contains(&format!("action=\"{job}/commit\"")));
    let mut bob = Browser::new(&app);
    bob.sign_in(BOB).await;
    assert_eq!(
        bob.get(&job).await.status,
        404,
        "a job is its owner's alone"
    );
    assert_eq!(ann.post(&format!("{job}/commit"), &[]).await.status, 303);
    for _ in 0..200 {
        if !ann.get(&job).await.html.contains("data-state=\"running\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let done = ann.get(&job).await;
    assert!(done.html.contains("data-state=\"done\""), "{}", done.html);
    let csv = ann.get(&format!("{job}/results.csv")).await;
    assert!(csv.html.starts_with("line,state,mandate_id,errors"));
    assert!(csv.html.contains(",applied,"));
}

async fn the_mandate_page_shows_my_capacity(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    let file = format!("{ANN};;Huisarts;nl;dossier 7;20270315;\r\n");
    let uploaded = bob
        .post_file(
            "/bulk",
            &[
                ("operation", "create"),
                ("format", "ssm"),
                ("mode", "per-row"),
                ("domain", "ehealth"),
                ("types", "ehealth.riziv_admin_file"),
                ("role", "mandatee"),
            ],
            file.as_bytes(),
        )
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.html);
    let job = uploaded.location().to_owned();
    assert_eq!(bob.post(&format!("{job}/commit"), &[]).await.status, 303);
    for _ in 0..200 {
        if !bob.get(&job).await.html.contains("data-state=\"running\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mandates = app
        .person(BOB)
        .await
        .get("/api/v1/mandates")
        .await
        .expect(200)
        .body;
    let id = mandates["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let page = bob.get(&format!("/mandates/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(
        page.html
            .contains("<dt>My capacity (eHealth)</dt><dd>Huisarts</dd>"),
        "{}",
        page.html
    );
    // It is Bob's: Ann's page of the same mandate does not show it.
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let page = ann.get(&format!("/mandates/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("Huisarts"), "{}", page.html);
}

/// The cells of a CSV file, read by a CSV reader: the header, then the rows.
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

async fn an_exported_cell_is_never_a_formula(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let formula = "=HYPERLINK(\"http://evil.example\",\"open\")";
    let mut body = tax_return(ANN, BOB);
    body["reference"] = serde_json::json!(formula);
    app.person(ANN).await.create(body).await;
    let mut ann = Browser::new(&app);
    ann.sign_in(ANN).await;
    let export = ann.get("/mandates.csv").await;
    assert_eq!(export.status, 200, "{}", export.html);
    let cells = csv_cells(&export.html);
    let column = |name: &str| cells[0].iter().position(|c| c == name).expect(name);
    assert_eq!(cells.len(), 2, "{}", export.html);
    assert_eq!(cells[1][column("reference")], format!("'{formula}"));
    assert_eq!(cells[1][column("mandator")], ANN, "numbers as they are");
    assert_eq!(cells[1][column("valid_until")], "2027-12-31");
}

/// A visitor who is not signed in is sent to sign in before any of an uploaded file is read:
/// a body that never ends is not waited for.
async fn an_upload_from_a_stranger_is_not_read(backend: Backend) {
    use futures_util::StreamExt;
    use tower::ServiceExt;
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let endless = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"--x\r\n"))
    })
    .chain(futures_util::stream::pending());
    let request = axum::http::Request::post("/bulk")
        .header("content-type", "multipart/form-data; boundary=x")
        .header("content-length", (60u64 << 20).to_string())
        .body(axum::body::Body::from_stream(endless))
        .expect("a request");
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        app.router.clone().oneshot(request),
    )
    .await
    .expect("answered without waiting for the file")
    .expect("an answer");
    assert_eq!(answer.status().as_u16(), 303);
    let to = answer.headers()["location"].to_str().expect("a location");
    assert!(to.starts_with("/login"), "{to}");
}

on_both_stores!(
    an_upload_from_a_stranger_is_not_read,
    an_exported_cell_is_never_a_formula,
    a_bulk_file_is_checked_confirmed_and_reported_in_the_pages,
    the_mandate_page_shows_my_capacity,
    create_sign_and_stop_through_the_pages,
    a_repeated_form_changes_once,
    an_invalid_form_names_each_field_in_the_users_language,
    the_language_is_the_users_choice_then_the_browsers_then_dutch,
    unknown_addresses_get_a_page_for_people_and_json_for_programs,
    a_representative_chooses_whom_to_act_for,
    a_party_is_offered_only_what_the_rules_allow,
    without_a_login_provider_the_welcome_page_says_signing_in_is_not_set_up,
    the_accessibility_statement_is_linked_from_every_page,
);
