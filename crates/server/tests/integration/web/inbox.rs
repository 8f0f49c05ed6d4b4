//! The inbox, the unread count in the header, the notification settings and the demo
//! mailbox, as a browser meets them.

use mandates_store::MailMode;

use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::Browser;

on_both_stores!(
    the_inbox_tells_what_waits_and_marks_what_was_read,
    the_inbox_pages_back_through_older_notices,
    notification_settings_are_checked_and_saved,
    the_demo_mailbox_shows_the_mail_a_proposal_sends,
    the_inbox_of_an_enterprise_is_read_by_those_who_act_for_it,
);

async fn the_inbox_of_an_enterprise_is_read_by_those_who_act_for_it(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let mut body = tax_return(ANN, COMPANY);
    body["types"] = serde_json::json!(["fin.myminfin_consult"]);
    let mandate = app.person(ANN).await.create(body).await;
    let link = format!("href=\"/mandates/{}\"", mandate["id"].as_str().expect("id"));

    let mut eva = Browser::new(&app);
    eva.accept_language = Some("en");
    eva.sign_in(EVA).await;
    assert!(
        !eva.get("/inbox").await.html.contains(&link),
        "not in her own inbox"
    );
    eva.post("/acting-as", &[("party", COMPANY)]).await;
    let inbox = eva.get("/inbox").await;
    assert!(inbox.html.contains(&link), "in the enterprise's inbox");
    assert!(inbox.html.contains("A mandate waits for your signature"));
}

async fn the_inbox_tells_what_waits_and_marks_what_was_read(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mandate = app.person(ANN).await.create(tax_return(ANN, BOB)).await;
    let id = mandate["id"].as_str().expect("id");

    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    let home = bob.get("/").await;
    assert!(home.html.contains("Inbox (1 unread)"), "{}", home.html);

    let inbox = bob.get("/inbox").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.html.contains("A mandate waits for your signature"));
    assert!(inbox.html.contains(&format!("href=\"/mandates/{id}\"")));
    assert!(
        inbox.html.contains("85.07.30-xxx.xx"),
        "the other party, masked"
    );
    assert!(!inbox.html.contains("85.07.30-033.28"));
    let link = inbox
        .html
        .split("href=\"/inbox/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the notice")
        .to_owned();

    let notice = bob.get(&format!("/inbox/{link}")).await;
    assert_eq!(notice.status, 200);
    assert!(
        notice
            .html
            .contains("<h1>A mandate waits for your signature</h1>")
    );
    assert!(
        !notice.html.contains("unread"),
        "the page that opens the notice counts it read: {}",
        notice.html
    );
    let home = bob.get("/").await;
    assert!(!home.html.contains("unread"), "read once opened");

    // Ann, who proposed it, keeps a copy already read; another's notice is not hers to see.
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    assert!(!ann.get("/").await.html.contains("unread"));
    assert_eq!(ann.get(&format!("/inbox/{link}")).await.status, 404);
    // Signed out: sign in first.
    assert_eq!(Browser::new(&app).get("/inbox").await.status, 303);
}

async fn the_inbox_pages_back_through_older_notices(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    for _ in 0..23 {
        ann.create(tax_return(ANN, BOB)).await;
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    assert!(bob.get("/").await.html.contains("Inbox (9+ unread)"));
    let first = bob.get("/inbox").await;
    assert_eq!(first.html.matches("<li class=\"unread\">").count(), 20);
    let older = first
        .html
        .split("href=\"/inbox?before=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older notices")
        .to_owned();
    let second = bob.get(&format!("/inbox?before={older}")).await;
    assert_eq!(second.html.matches("<li class=\"unread\">").count(), 3);
    assert!(!second.html.contains("Older notices"));
}

async fn notification_settings_are_checked_and_saved(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("fr");
    bob.sign_in(BOB).await;
    let form = bob.get("/settings/notifications").await;
    assert_eq!(form.status, 200);
    assert!(
        form.html.contains("value=\"each\" checked"),
        "each, to begin with"
    );

    let wrong = bob
        .post(
            "/settings/notifications",
            &[("email", "bob at home"), ("lang", "fr"), ("mail", "daily")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.html.contains("role=\"alert\""), "the error summary");
    assert!(wrong.html.contains("href=\"#email\""));
    assert!(
        wrong
            .html
            .contains("Indiquez une adresse e-mail comme nom@exemple.be."),
        "in the user's language"
    );
    assert!(wrong.html.contains("aria-invalid=\"true\""));
    assert!(
        wrong.html.contains("value=\"bob at home\""),
        "what was typed stays"
    );
    let bob_number = mandates_domain::Insz::parse(BOB).expect("number");
    let stored = app
        .state
        .store()
        .contact_preferences(&bob_number)
        .await
        .expect("read");
    assert_eq!(stored.mail, MailMode::Each, "nothing saved");

    let forged = bob
        .post(
            "/settings/notifications",
            &[("csrf", "x"), ("email", ""), ("lang", ""), ("mail", "none")],
        )
        .await;
    assert_eq!(forged.status, 403);

    let saved = bob
        .post(
            "/settings/notifications",
            &[
                ("email", " bob@example.test "),
                ("lang", "de"),
                ("mail", "daily"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let page = bob.get(saved.location()).await;
    assert!(page.html.contains("Vos choix sont enregistrés."));
    assert!(page.html.contains("value=\"bob@example.test\""));
    let stored = app
        .state
        .store()
        .contact_preferences(&bob_number)
        .await
        .expect("read");
    assert_eq!(stored.email.as_deref(), Some("bob@example.test"));
    assert_eq!(stored.lang.as_deref(), Some("de"));
    assert_eq!(stored.mail, MailMode::Daily);
}

async fn the_demo_mailbox_shows_the_mail_a_proposal_sends(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut bob = Browser::new(&app);
    bob.accept_language = Some("en");
    bob.sign_in(BOB).await;
    assert!(bob.get("/demo/mailbox").await.html.contains("No mail yet."));
    let ann = app.person(ANN).await;
    let first = ann.create(tax_return(ANN, BOB)).await;
    let dispatch = || async {
        app.state
            .mail()
            .expect("the demo mailbox")
            .tick()
            .await
            .expect("dispatch")
    };
    dispatch().await;
    let mailbox = bob.get("/demo/mailbox").await;
    assert_eq!(mailbox.status, 200);
    // Bob gave no address: the demo mailbox shows the mail to him, his number masked.
    assert!(
        mailbox.html.contains("To person:90.01.01-xxx.xx"),
        "{}",
        mailbox.html
    );
    assert!(
        mailbox
            .html
            .contains("Een mandaat wacht op uw handtekening"),
        "in the service's default language: he chose none"
    );
    let id = first["id"].as_str().expect("id");
    assert!(mailbox.html.contains(&format!("/mandates/{id}")));
    assert!(!mailbox.html.contains(ANN) && !mailbox.html.contains(BOB));

    // With an address in his settings, the next one (after the digest window) goes there.
    bob.post(
        "/settings/notifications",
        &[
            ("email", "bob@example.test"),
            ("lang", "fr"),
            ("mail", "each"),
        ],
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(11));
    ann.create(tax_return(ANN, BOB)).await;
    dispatch().await;
    let mailbox = bob.get("/demo/mailbox").await;
    let newest = mailbox.html.split("<article").nth(1).expect("a mail");
    assert!(
        newest.contains("To bob@example.test"),
        "newest first: {newest}"
    );
    assert!(newest.contains("Un mandat attend votre signature"));
}
