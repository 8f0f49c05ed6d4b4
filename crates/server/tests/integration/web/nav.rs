//! Finding one's way: statuses as tags with words, the period of a stopped mandate, a menu
//! that offers only what the person may use, a link of its own on every row, the first visit
//! of someone with no mandate, and the access log's refusals in words.

use serde_json::json;

use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::Browser;

on_both_stores!(
    a_status_is_a_tag_with_words,
    a_stopped_mandate_shows_when_it_ended_and_offers_no_stop,
    the_menu_offers_a_citizen_what_a_citizen_may_use,
    the_menu_follows_the_role_one_acts_in,
    every_row_has_its_own_link_named_for_screen_readers,
    a_newcomer_is_told_what_they_can_do,
    the_access_log_says_why_a_check_was_refused,
);

/// The hrefs of the menu.
fn menu(html: &str) -> Vec<String> {
    let nav = html
        .split("<nav")
        .nth(1)
        .and_then(|n| n.split("</nav>").next())
        .unwrap_or_default();
    nav.split("href=\"")
        .skip(1)
        .filter_map(|h| h.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// A mandate from Ann to Bob, created by Ann and signed by Bob.
async fn signed(app: &TestApp, body: serde_json::Value) -> String {
    let created = app.person(ANN).await.create(body).await;
    let id = created["id"].as_str().expect("id").to_owned();
    app.person(BOB).await.sign(&id, 1).await.expect(200);
    id
}

async fn a_status_is_a_tag_with_words(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let pending = app.person(ANN).await.create(tax_return(ANN, BOB)).await;
    let pending = pending["id"].as_str().expect("id").to_owned();
    let mut later = tax_return(ANN, BOB);
    later["types"] = json!(["fin.myminfin_consult"]);
    later["valid_from"] = json!("2027-04-01");
    let scheduled = signed(&app, later).await;

    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let home = ann.get("/").await.html;
    assert!(
        home.contains("<strong class=\"tag tag-pending\">Waiting for a signature</strong>"),
        "{home}"
    );
    // Signed by both but not begun: it says from when it is in force, in its own colour.
    assert!(
        home.contains(
            "<strong class=\"tag tag-scheduled\">Signed, in force from 01/04/2027</strong>"
        ),
        "{home}"
    );
    let page = ann.get(&format!("/mandates/{scheduled}")).await.html;
    assert!(
        page.contains(
            "<strong class=\"tag tag-scheduled\">Signed, in force from 01/04/2027</strong>"
        ),
        "{page}"
    );
    let confirm = ann.get(&format!("/mandates/{pending}/withdraw")).await;
    assert_eq!(confirm.status, 200, "{}", confirm.html);
    assert!(
        confirm
            .html
            .contains("<strong class=\"tag tag-pending\">Waiting for a signature</strong>")
    );
    // In force once its first day has come; the same words in another language.
    app.advance_days(31);
    ann.accept_language = Some("nl");
    ann.sign_in(ANN).await;
    let page = ann.get(&format!("/mandates/{scheduled}")).await.html;
    assert!(
        page.contains("<strong class=\"tag tag-active\">Van kracht</strong>"),
        "{page}"
    );
}

async fn a_stopped_mandate_shows_when_it_ended_and_offers_no_stop(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = signed(&app, tax_return(ANN, BOB)).await;
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let page = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(page.contains("from 01/03/2027 until 31/12/2027"), "{page}");
    assert!(page.contains(&format!("href=\"/mandates/{id}/stop\"")));

    app.advance_days(9);
    app.person(ANN)
        .await
        .action(&id, "stop", json!({}))
        .await
        .expect(200);
    ann.sign_in(ANN).await;
    let page = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(
        page.contains("<dd>from 01/03/2027, stopped on 10/03/2027</dd>"),
        "{page}"
    );
    assert!(!page.contains("31/12/2027"), "not the end it was given for");
    assert!(page.contains("<strong class=\"tag tag-stopped\">Stopped</strong>"));
    for action in ["stop", "modify", "transfer", "sign"] {
        assert!(
            !page.contains(&format!("/mandates/{id}/{action}\"")),
            "{action} is not offered on a stopped mandate"
        );
    }
    let home = ann.get("/").await.html;
    assert!(
        home.contains("from 01/03/2027, stopped on 10/03/2027"),
        "{home}"
    );
    // Opened by its address, the stop is refused with its reason, and no form offers it.
    let confirm = ann.get(&format!("/mandates/{id}/stop")).await;
    assert_eq!(confirm.status, 409, "{}", confirm.html);
    assert!(
        !confirm
            .html
            .contains(&format!("action=\"/mandates/{id}/stop\""))
    );

    // Stopped before its period began: it says that it was to start later.
    let mut later = tax_return(ANN, BOB);
    later["types"] = json!(["fin.myminfin_consult"]);
    later["valid_from"] = json!("2027-06-01");
    let early = signed(&app, later).await;
    app.person(BOB)
        .await
        .action(&early, "stop", json!({}))
        .await
        .expect(200);
    let page = ann.get(&format!("/mandates/{early}")).await.html;
    assert!(
        page.contains("was to start on 01/06/2027; stopped on 10/03/2027"),
        "{page}"
    );
}

async fn the_menu_offers_a_citizen_what_a_citizen_may_use(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    assert_eq!(
        menu(&bob.get("/").await.html),
        [
            "/",
            "/mandates/new",
            "/bulk",
            "/access-log",
            "/inbox",
            "/settings/notifications"
        ],
        "nothing to use yet, no roster"
    );
    // A mandate to Bob in force: the page of the mandates he may use is offered, and lists it.
    let id = signed(&app, tax_return(ANN, BOB)).await;
    let home = bob.get("/").await.html;
    assert!(menu(&home).contains(&"/executor".to_owned()), "{home}");
    let usable = bob.get("/executor").await;
    assert_eq!(usable.status, 200);
    let own = usable
        .html
        .split("id=\"own-heading\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        own.contains(&format!("href=\"/mandates/{id}\"")),
        "{}",
        usable.html
    );
    assert!(own.contains("85.07.30-033.28"), "the mandator");
    assert!(!usable.html.contains("executing-heading"), "no enterprise");
    // Ann gave it: it is nothing she may use.
    let mut ann = Browser::new(&app);
    ann.sign_in(ANN).await;
    assert!(!menu(&ann.get("/").await.html).contains(&"/executor".to_owned()));
    let empty = ann.get("/executor").await;
    assert!(!empty.html.contains(&format!("href=\"/mandates/{id}\"")));
}

async fn the_menu_follows_the_role_one_acts_in(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    // The manager of the office (finance), for the office.
    let mut carl = Browser::new(&app);
    carl.sign_in(CARL).await;
    carl.post("/acting-as", &[("party", OFFICE)]).await;
    let nav = menu(&carl.get("/").await.html);
    for href in ["/mandates/new", "/bulk", "/enterprise", "/access-log"] {
        assert!(nav.contains(&href.to_owned()), "{href} in {nav:?}");
    }
    assert!(
        !nav.contains(&"/executor".to_owned()),
        "a manager uses none: {nav:?}"
    );

    // An executor of the office (income tax), for the office: the mandates she may use, and
    // neither the pages of those who manage nor their bulk jobs.
    let mut dina = Browser::new(&app);
    dina.sign_in(DINA).await;
    dina.post("/acting-as", &[("party", OFFICE)]).await;
    let home = dina.get("/").await.html;
    let nav = menu(&home);
    assert!(nav.contains(&"/executor".to_owned()), "{nav:?}");
    for href in ["/mandates/new", "/bulk", "/enterprise", "/access-log"] {
        assert!(!nav.contains(&href.to_owned()), "{href} in {nav:?}");
    }
    assert!(
        !home.contains("class=\"button\" href=\"/mandates/new\""),
        "{home}"
    );
    assert_eq!(dina.get("/bulk").await.status, 403);
    let usable = dina.get("/executor").await.html;
    let executing = usable
        .split("id=\"executing-heading\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        executing.contains("85.07.30-033.28"),
        "citizen A's: {usable}"
    );
    // In her own name, a citizen: she may create and upload again.
    dina.post("/acting-as", &[("party", "self")]).await;
    let nav = menu(&dina.get("/").await.html);
    assert!(nav.contains(&"/bulk".to_owned()) && nav.contains(&"/mandates/new".to_owned()));
    assert!(nav.contains(&"/executor".to_owned()), "still the office's");
    assert_eq!(dina.get("/bulk").await.status, 200);
}

async fn every_row_has_its_own_link_named_for_screen_readers(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let created = app.person(ANN).await.create(tax_return(ANN, BOB)).await;
    let id = created["id"].as_str().expect("id");
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    let home = bob.get("/").await.html;
    let mine = home
        .split("id=\"mine-heading\"")
        .nth(1)
        .and_then(|s| s.split("id=\"theirs-heading\"").next())
        .unwrap_or_default();
    assert!(
        mine.contains(&format!(
            "<a class=\"row-action\" href=\"/mandates/{id}/sign\">Sign<span class=\"visually-hidden\"> the mandate with 85.07.30-033.28: Personal income tax return (Tax-on-web)</span></a>"
        )),
        "{mine}"
    );
    let page = bob.get(&format!("/mandates/{id}/sign")).await;
    assert_eq!(page.status, 200, "the link leads to the signature");
    // Ann waits for Bob: her row opens the mandate.
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("fr");
    ann.sign_in(ANN).await;
    let home = ann.get("/").await.html;
    assert!(
        home.contains(&format!(
            "<a class=\"row-action\" href=\"/mandates/{id}\">Ouvrir<span class=\"visually-hidden\"> le mandat avec 90.01.01-123.95 : "
        )),
        "{home}"
    );
    assert!(!home.contains(&format!("/mandates/{id}/sign\"")));
}

async fn a_newcomer_is_told_what_they_can_do(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut carl = Browser::new(&app);
    carl.accept_language = Some("en");
    carl.sign_in(CARL).await;
    let home = carl.get("/").await.html;
    assert!(home.contains("id=\"start-heading\""), "{home}");
    assert!(home.contains("Give someone the right to act for you"));
    assert!(home.contains("The other party then signs it too"));
    assert!(
        home.contains("Mandates I may use"),
        "where received mandates go"
    );
    assert!(home.contains("href=\"/mandates/new\">Give a mandate</a>"));
    assert!(
        !home.contains("Nothing here."),
        "no empty lists one after the other"
    );
    // A search that finds nothing is not a first visit.
    let searched = carl.get("/?status=active").await.html;
    assert!(!searched.contains("id=\"start-heading\""));
    assert!(searched.contains("No mandate matches these filters."));
    // Once a mandate concerns him, his lists are there.
    app.person(ANN).await.create(tax_return(ANN, CARL)).await;
    let home = carl.get("/").await.html;
    assert!(!home.contains("id=\"start-heading\""));
    assert!(home.contains("id=\"mine-heading\""));
}

async fn the_access_log_says_why_a_check_was_refused(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.person(ANN).await.create(tax_return(ANN, BOB)).await;
    assert_eq!(
        app.check(BOB, ANN, "fin.tax_on_web").await["allowed"],
        false
    );
    assert_eq!(
        app.check(CARL, ANN, "fin.tax_on_web").await["allowed"],
        false
    );
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let log = ann.get("/access-log").await.html;
    assert!(
        log.contains("Refused: the mandate still waits for a signature."),
        "{log}"
    );
    assert!(log.contains("Refused: no mandate allows this person to do this for you."));
    assert!(!log.contains("pending_signature") && !log.contains("no_mandate"));
    ann.accept_language = Some("de");
    let log = ann.get("/access-log").await.html;
    assert!(log.contains("Abgelehnt: Das Mandat wartet noch auf eine Unterschrift."));
}
