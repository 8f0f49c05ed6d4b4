//! Parties by name on the pages: "Name (number)" where a name is known, the number alone
//! otherwise. A person's name comes from the provider at sign-in and follows its changes; the
//! demo data names its people and enterprises.

use mandates_domain::{Party, PartyName};
use serde_json::{Value, json};

use super::browser::{Browser, Page};
use crate::on_both_stores;
use crate::support::issuer::{Issuer, Key};
use crate::support::*;

/// The header's "Signed in as …".
fn signed_in_as(page: &Page) -> &str {
    page.html
        .split_once("<p class=\"person\">")
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(person, _)| person)
        .unwrap_or_else(|| panic!("no person in the header: {}", page.html))
}

/// The page's `<h1>`.
fn heading(page: &Page) -> &str {
    page.html
        .split_once("<h1>")
        .and_then(|(_, rest)| rest.split_once("</h1>"))
        .map(|(h1, _)| h1)
        .unwrap_or_else(|| panic!("no h1: {}", page.html))
}

async fn learn(app: &TestApp, number: &str, name: &str) {
    let party = Party::parse(number).expect("a party number");
    let name = PartyName::parse(name).expect("a name");
    app.db
        .store
        .learn_name(&party, &name, app.clock.now())
        .await
        .expect("learn a name");
}

async fn name_in_store(app: &TestApp, number: &str) -> Option<String> {
    let party = Party::parse(number).expect("a party number");
    app.db
        .store
        .names_of([&party])
        .await
        .expect("the names")
        .get(&party)
        .map(|n| n.as_str().to_owned())
}

/// A browser (in English) signed in through the provider as `person` with `claims` besides.
async fn through_provider<'a>(
    app: &'a TestApp,
    issuer: &Issuer,
    key: &Key,
    person: &str,
    claims: Value,
) -> Browser<'a> {
    let mut browser = Browser::new(app);
    browser.accept_language = Some("en");
    let started = browser.get("/login").await;
    assert_eq!(started.status, 303, "{}", started.html);
    let back = issuer.sign_in_with(key, started.location(), person, &claims);
    let signed_in = browser.get(&back).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.html);
    browser
}

/// The name in the provider's ID token is shown in the header and kept; a changed name
/// replaces it at the next sign-in; without a name the number stands alone.
async fn the_name_from_the_provider_is_shown_and_kept(backend: Backend) {
    let key = Key::generate();
    let issuer = Issuer::start(&[&key]).await;
    let Some(app) = TestApp::with_config(backend, |c| {
        c.login.issuer = Some(issuer.url.clone());
        c.public_url = Some("http://localhost".into());
    })
    .await
    else {
        return;
    };
    let given = json!({"given_name": "Anna", "family_name": "Citizen"});
    let mut ann = through_provider(&app, &issuer, &key, ANN, given).await;
    assert_eq!(
        signed_in_as(&ann.get("/").await),
        "Signed in as Anna Citizen (85.07.30-033.28)"
    );
    assert_eq!(
        name_in_store(&app, ANN).await.as_deref(),
        Some("Anna Citizen")
    );

    let changed = json!({"name": "Anna Peeters", "given_name": "Anna", "family_name": "Citizen"});
    let mut ann = through_provider(&app, &issuer, &key, ANN, changed).await;
    assert_eq!(
        signed_in_as(&ann.get("/").await),
        "Signed in as Anna Peeters (85.07.30-033.28)",
        "the `name` claim comes first"
    );
    assert_eq!(
        name_in_store(&app, ANN).await.as_deref(),
        Some("Anna Peeters")
    );

    let mut bob = through_provider(&app, &issuer, &key, BOB, json!({})).await;
    assert_eq!(
        signed_in_as(&bob.get("/").await),
        "Signed in as 90.01.01-123.95"
    );
    assert_eq!(name_in_store(&app, BOB).await, None);
}

/// The other party of a list, the parties of a mandate and its history, the title and the
/// confirmation of an action: by name once the name is known, the number alone before.
async fn lists_and_mandate_pages_name_the_parties(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = app.person(ANN).await.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let home = ann.get("/").await;
    assert!(
        home.html
            .contains(&format!("<a href=\"/mandates/{id}\">90.01.01-123.95</a>")),
        "the number alone while no name is known: {}",
        home.html
    );
    assert_eq!(signed_in_as(&home), "Signed in as 85.07.30-033.28");
    assert_eq!(heading(&home), "My mandates");
    let page = ann.get(&format!("/mandates/{id}")).await;
    assert_eq!(
        heading(&page),
        "Personal income tax return (Tax-on-web): 90.01.01-123.95 for 85.07.30-033.28"
    );

    learn(&app, ANN, "Anna Citizen").await;
    learn(&app, BOB, "Bart Citizen").await;
    // Proposing Bob a mandate does not tell Ann his name: not before he signs it.
    let home = ann.get("/").await;
    assert!(
        home.html
            .contains(&format!("<a href=\"/mandates/{id}\">90.01.01-123.95</a>")),
        "a person's name is not learned by proposing them a mandate: {}",
        home.html
    );
    let page = ann.get(&format!("/mandates/{id}")).await;
    assert_eq!(
        heading(&page),
        "Personal income tax return (Tax-on-web): 90.01.01-123.95 for Anna Citizen"
    );
    assert!(!page.html.contains("Bart Citizen"), "{}", page.html);

    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    let confirm = bob.get(&format!("/mandates/{id}/sign")).await;
    assert_eq!(
        heading(&confirm),
        "Sign the mandate “Personal income tax return (Tax-on-web)” with Anna Citizen"
    );
    assert!(
        confirm
            .html
            .contains("<dd>Anna Citizen (85.07.30-033.28)</dd>"),
        "{}",
        confirm.html
    );
    // The inbox names Ann too, her number masked as in every notice.
    let inbox = bob.get("/inbox").await;
    assert!(
        inbox.html.contains("with Anna Citizen (85.07.30-xxx.xx)"),
        "{}",
        inbox.html
    );
    assert!(!inbox.html.contains("85.07.30-033.28</p>"));
    let signed = bob
        .post(&format!("/mandates/{id}/sign"), &[("version", "1")])
        .await;
    assert_eq!(signed.status, 303, "{}", signed.html);

    // Signed by Bob: Ann reads his name.
    let home = ann.get("/").await;
    assert!(
        home.html.contains(&format!(
            "<a href=\"/mandates/{id}\">Bart Citizen (90.01.01-123.95)</a>"
        )),
        "{}",
        home.html
    );
    let page = ann.get(&format!("/mandates/{id}")).await;
    let title = "Personal income tax return (Tax-on-web): Bart Citizen for Anna Citizen";
    assert_eq!(heading(&page), title);
    assert!(page.html.contains(&format!("<title>{title} · ")));
    assert!(
        page.html
            .contains("<dd>Anna Citizen (85.07.30-033.28)</dd>")
            && page
                .html
                .contains("<dd>Bart Citizen (90.01.01-123.95)</dd>"),
        "{}",
        page.html
    );
    // Ann created the mandate and signed it, for herself: who and for whom, by name.
    let history = page.html.rsplit("<caption>").next().unwrap_or_default();
    assert_eq!(
        history
            .matches(">Anna Citizen (85.07.30-033.28)</td>")
            .count(),
        4,
        "{history}"
    );
    // The session keeps the name it signed in with; the next sign-in has the new one.
    ann.sign_in(ANN).await;
    assert_eq!(
        signed_in_as(&ann.get("/").await),
        "Signed in as Anna Citizen (85.07.30-033.28)"
    );
}

/// The demo data names its people and enterprises: the demo sign-in, the choice of whom one
/// acts for, the home page of an enterprise, who checked its mandates and its roster.
async fn the_demo_names_its_people_and_enterprises(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let mut carl = Browser::new(&app);
    carl.accept_language = Some("en");
    let sign_in = carl.get("/sign-in").await;
    assert!(
        sign_in
            .html
            .contains("Sign in as Anna Citizen (85.07.30-033.28)"),
        "{}",
        sign_in.html
    );
    carl.sign_in(CARL).await;
    let choose = carl.get("/acting-as?return_to=/").await;
    assert_eq!(
        signed_in_as(&choose),
        "Signed in as Mona Manager (78.02.15-456.67)"
    );
    assert!(
        choose
            .html
            .contains("For enterprise Numbers &#38; Co (0412.345.614)"),
        "{}",
        choose.html
    );
    carl.post("/acting-as", &[("party", OFFICE)]).await;
    let home = carl.get("/").await;
    assert_eq!(
        heading(&home),
        "Mandates of Numbers &#38; Co (0412.345.614)"
    );
    for other in [
        "Anna Citizen (85.07.30-033.28)",
        "Golden Crust Bakery (0203.201.340)",
    ] {
        assert!(home.html.contains(&format!("\">{other}</a>")), "{other}");
    }
    // Who checked the office's mandates, by name.
    app.check(DINA, OFFICE, "fin.tax_on_web").await;
    let checks = carl.get("/access-log").await;
    assert!(
        checks
            .html
            .contains(">Eddy Executor (05.06.12-077.30)</td>"),
        "{}",
        checks.html
    );
    let roster = carl.get("/enterprise").await;
    assert_eq!(
        heading(&roster),
        "Enterprise Numbers &#38; Co (0412.345.614)"
    );
    assert!(
        roster
            .html
            .contains(">Rita Representative (88.11.20-456.93)</td>"),
        "{}",
        roster.html
    );
}

/// A bulk file's report says what each row asks, its parties by the names its reader may
/// know before anything is signed: an enterprise's and their own, another person's number.
async fn a_bulk_report_names_the_parties_of_each_row(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    learn(&app, ANN, "Anna Citizen").await;
    learn(&app, BOB, "Bart Citizen").await;
    learn(&app, OFFICE, "Numbers & Co").await;
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let file = format!(
        "mandator;mandatee;valid_from;valid_until\n\
         {ANN};{OFFICE};2027-03-15;2027-12-31\n\
         {ANN};{BOB};2027-03-15;2027-12-31\n"
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
    let report = ann.get(uploaded.location()).await;
    assert!(
        report.html.contains(
            "<td data-label=\"What\">Anna Citizen (85.07.30-033.28) gives View the tax file \
             (MyMinfin) to Numbers &#38; Co (0412.345.614)</td>"
        ),
        "{}",
        report.html
    );
    assert!(
        report.html.contains(
            "<td data-label=\"What\">Anna Citizen (85.07.30-033.28) gives View the tax file \
             (MyMinfin) to 90.01.01-123.95</td>"
        ),
        "{}",
        report.html
    );
    assert!(
        !report.html.contains("Bart Citizen"),
        "a person's name is not learned from a file's row"
    );
}

on_both_stores!(
    the_name_from_the_provider_is_shown_and_kept,
    lists_and_mandate_pages_name_the_parties,
    the_demo_names_its_people_and_enterprises,
    a_bulk_report_names_the_parties_of_each_row,
);
