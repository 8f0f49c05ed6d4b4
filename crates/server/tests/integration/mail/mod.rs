//! Mail as its recipient meets it, through a real SMTP server (aiosmtpd): in their language,
//! as text and HTML, with a link to the mandate and never a national number in full; bursts
//! joined into digests; preferences that stop mail; an SMTP server that is down or refuses;
//! a dispatcher killed mid-delivery.

use chrono::Duration;
use mandates_server::notify::mail::Dispatcher;
use mandates_store::{
    Channel, ContactPreferences, DeliveryStatus, MailMode, NewDelivery, NewNotice,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::on_both_stores;
use crate::support::smtp::SmtpSink;
use crate::support::{ANN, BOB, Backend, TestApp};

mod outbox;

pub const PUBLIC: &str = "https://mandates.example";

/// The application sending to `sink`; the outbox looked at only when the test says so.
pub async fn app_with(backend: Backend, smtp_url: &str) -> Option<TestApp> {
    let url = smtp_url.to_owned();
    TestApp::with_config(backend, move |c| {
        c.public_url = Some(PUBLIC.into());
        c.mail.smtp_url = Some(url);
        c.mail.poll_seconds = 3600;
        c.mail.retry_hours = 1;
    })
    .await
}

/// The details of a notice about a mandate from Ann to Bob, as Bob reads it.
pub fn detail(mandate: Uuid) -> Value {
    json!({
        "mandate": mandate, "domain": "fin", "types": ["fin.tax_on_web"],
        "mandator": ANN, "mandatee": BOB, "side": "mandatee", "other": ANN,
        "deadline": "2027-03-15T12:00:00Z", "valid_from": "2027-03-01", "valid_until": "2027-12-31",
    })
}

/// A notice in `person`'s inbox and its mail, written in one transaction as a change does;
/// returns the mail's delivery id.
pub async fn notify(
    app: &TestApp,
    person: &str,
    kind: &str,
    detail: Value,
    payload: Value,
) -> Uuid {
    let now = app.clock.now();
    let notice = NewNotice {
        id: Uuid::new_v4(),
        party: person.into(),
        kind: kind.into(),
        mandate_id: detail["mandate"].as_str().and_then(|m| m.parse().ok()),
        seq: None,
        detail,
        created_at: now,
        once_key: None,
        read_at: None,
    };
    let mut body = json!({
        "notice": notice.id, "party": person, "kind": kind,
        "email": null, "lang": null, "still": null,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), payload.as_object()) {
        body.extend(extra.clone());
    }
    let delivery = NewDelivery {
        id: Uuid::new_v4(),
        channel: Channel::Mail,
        target: format!("person:{person}"),
        seq: None,
        payload: body,
        due_at: now,
    };
    let mut tx = app.state.store().begin().await.expect("begin");
    tx.add_notices(&[notice]).await.expect("notices");
    tx.add_deliveries(std::slice::from_ref(&delivery))
        .await
        .expect("deliveries");
    tx.commit().await.expect("commit");
    delivery.id
}

/// Sends what is due now, as the background task would.
pub async fn dispatch(app: &TestApp) -> usize {
    app.state
        .mail()
        .expect("a mail dispatcher")
        .tick()
        .await
        .expect("dispatch")
}

pub async fn status(app: &TestApp, id: Uuid) -> (DeliveryStatus, Option<String>) {
    let d = app
        .state
        .store()
        .delivery(id)
        .await
        .expect("read")
        .expect("exists");
    (d.status, d.last_error)
}

on_both_stores!(
    a_proposal_is_mailed_to_the_party_that_must_sign,
    a_mail_reaches_the_recipient_in_their_language,
    a_burst_is_joined_into_one_digest,
    notices_written_together_go_as_one_mail,
    preferences_decide_whether_and_where_mail_goes,
    a_daily_digest_goes_at_the_hour,
);

async fn a_proposal_is_mailed_to_the_party_that_must_sign(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let bob = mandates_domain::Insz::parse(BOB).expect("number");
    app.state
        .store()
        .set_contact_preferences(
            &bob,
            &ContactPreferences {
                email: Some("bob@example.test".into()),
                lang: Some("en".into()),
                mail: MailMode::Each,
            },
            app.clock.now(),
        )
        .await
        .expect("preferences");
    let ann = app.person(ANN).await;
    let mandate = ann.create(crate::support::tax_return(ANN, BOB)).await;
    let id = mandate["id"].as_str().expect("id");

    dispatch(&app).await;
    let mails = sink.received();
    assert_eq!(mails.len(), 1, "Bob is told; Ann, who proposed, is not");
    assert_eq!(mails[0].rcpt_tos, vec!["bob@example.test".to_owned()]);
    assert_eq!(mails[0].subject(), "A mandate waits for your signature");
    let text = mails[0].part("text/plain").expect("text");
    assert!(text.contains(&format!("{PUBLIC}/mandates/{id}")), "{text}");
    assert!(text.contains("85.07.30-xxx.xx"), "{text}");
    assert!(!mails[0].data.contains(ANN));
}

async fn a_mail_reaches_the_recipient_in_their_language(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let mandate = Uuid::new_v4();
    let id = notify(
        &app,
        BOB,
        "awaiting_signature",
        detail(mandate),
        json!({"email": "bob@example.test", "lang": "fr"}),
    )
    .await;

    assert_eq!(dispatch(&app).await, 1);
    let mails = sink.received();
    assert_eq!(mails.len(), 1, "one mail");
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, vec!["bob@example.test".to_owned()]);
    assert_eq!(mail.subject(), "Un mandat attend votre signature");
    assert_eq!(mail.header("content-language").as_deref(), Some("fr"));
    assert!(
        mail.header("message-id")
            .is_some_and(|m| m.contains(&id.to_string())),
        "the Message-ID comes from the delivery: {:?}",
        mail.header("message-id")
    );
    let text = mail.part("text/plain").expect("a text part");
    let html = mail.part("text/html").expect("an HTML part");
    let link = format!("{PUBLIC}/mandates/{mandate}");
    for part in [&text, &html] {
        assert!(part.contains(&link), "a link to the mandate: {part}");
        assert!(part.contains(&format!("{PUBLIC}/inbox")));
        assert!(part.contains(&format!("{PUBLIC}/settings/notifications")));
        assert!(part.contains("attend votre signature"), "{part}");
        assert!(
            part.contains("85.07.30-xxx.xx"),
            "the other party, masked: {part}"
        );
        assert!(part.contains("15/03/2027"), "the deadline: {part}");
    }
    for number in [ANN, "85.07.30-033.28", BOB, "90.01.01-123.95"] {
        assert!(!mail.data.contains(number), "a national number in full");
    }
    assert_eq!(status(&app, id).await.0, DeliveryStatus::Delivered);

    // Delivered once: nothing goes again.
    app.clock.advance(Duration::hours(1));
    assert_eq!(dispatch(&app).await, 0);
    assert_eq!(sink.received().len(), 1);
}

async fn a_burst_is_joined_into_one_digest(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let store = app.state.store();
    let bob = mandates_domain::Insz::parse(BOB).expect("number");
    let prefs = ContactPreferences {
        email: Some("bob@example.test".into()),
        lang: Some("de".into()),
        mail: MailMode::Each,
    };
    store
        .set_contact_preferences(&bob, &prefs, app.clock.now())
        .await
        .expect("preferences");
    let mut ids = vec![
        notify(
            &app,
            BOB,
            "awaiting_signature",
            detail(Uuid::new_v4()),
            json!({}),
        )
        .await,
    ];
    dispatch(&app).await;
    let mails = sink.received();
    assert_eq!(mails.len(), 1, "the first goes at once");
    assert_eq!(
        mails[0].subject(),
        "Ein Mandat wartet auf Ihre Unterschrift"
    );
    for kind in ["in_force", "stopped", "rejected", "reminder_end"] {
        app.clock.advance(Duration::seconds(1));
        ids.push(notify(&app, BOB, kind, detail(Uuid::new_v4()), json!({})).await);
        dispatch(&app).await;
    }

    // Within the window nothing more goes, whatever comes in.
    app.clock.advance(Duration::minutes(5));
    dispatch(&app).await;
    assert_eq!(sink.received().len(), 1, "at most one mail in the window");

    app.clock.advance(Duration::minutes(5));
    dispatch(&app).await;
    let mails = sink.received();
    assert_eq!(mails.len(), 2, "one digest at the end of the window");
    let digest = &mails[1];
    assert_eq!(digest.subject(), "4 Änderungen an Ihren Mandaten");
    let text = digest.part("text/plain").expect("text");
    for subject in [
        "Ein Mandat ist in Kraft",
        "Ein Mandat wurde beendet",
        "Ein Mandat wurde abgelehnt",
        "Erinnerung: Ein Mandat läuft bald ab",
    ] {
        assert!(text.contains(subject), "{subject} in the digest: {text}");
    }
    assert!(digest.part("text/html").is_some());
    for id in ids {
        assert_eq!(status(&app, id).await.0, DeliveryStatus::Delivered);
    }
}

async fn notices_written_together_go_as_one_mail(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let bob = mandates_domain::Insz::parse(BOB).expect("number");
    let prefs = ContactPreferences {
        email: Some("bob@example.test".into()),
        lang: Some("en".into()),
        mail: MailMode::Each,
    };
    app.state
        .store()
        .set_contact_preferences(&bob, &prefs, app.clock.now())
        .await
        .expect("preferences");
    // As a bulk job writes them: several for one person before the dispatcher looks.
    for _ in 0..3 {
        notify(
            &app,
            BOB,
            "awaiting_signature",
            detail(Uuid::new_v4()),
            json!({}),
        )
        .await;
    }
    dispatch(&app).await;
    let mails = sink.received();
    assert_eq!(mails.len(), 1, "one mail for what came together");
    assert_eq!(mails[0].subject(), "3 changes to your mandates");
}

async fn preferences_decide_whether_and_where_mail_goes(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let store = app.state.store();
    let ann = mandates_domain::Insz::parse(ANN).expect("number");
    store
        .set_contact_preferences(
            &ann,
            &ContactPreferences {
                email: Some("ann@example.test".into()),
                lang: None,
                mail: MailMode::None,
            },
            app.clock.now(),
        )
        .await
        .expect("preferences");
    let stopped = notify(
        &app,
        ANN,
        "in_force",
        detail(Uuid::new_v4()),
        json!({"email": "ann@example.test"}),
    )
    .await;
    // Bob gave no address, here nor on the mandate.
    let nowhere = notify(&app, BOB, "in_force", detail(Uuid::new_v4()), json!({})).await;
    dispatch(&app).await;
    assert!(sink.received().is_empty(), "no mail at all");
    assert_eq!(
        status(&app, stopped).await,
        (DeliveryStatus::Dropped, Some("mail stopped".into()))
    );
    assert_eq!(
        status(&app, nowhere).await,
        (DeliveryStatus::Dropped, Some("no address".into()))
    );
    let dropped = store
        .deliveries(Some(Channel::Mail), Some(DeliveryStatus::Dropped), 10)
        .await
        .expect("dropped");
    assert_eq!(dropped.len(), 2, "visible as dropped");

    // A reminder for a mandate that is no longer as it was (here: gone) is not sent.
    let reminder = notify(
        &app,
        BOB,
        "reminder_lapse",
        detail(Uuid::new_v4()),
        json!({"email": "bob@example.test",
               "still": {"mandate": Uuid::new_v4(), "status": "pending", "version": 1}}),
    )
    .await;
    dispatch(&app).await;
    assert!(sink.received().is_empty());
    assert_eq!(
        status(&app, reminder).await,
        (DeliveryStatus::Dropped, Some("the mandate changed".into()))
    );

    // A reminder for a proposal that still waits goes; one for a proposal signed since the
    // reminder was written does not.
    let id = crate::enterprises::id_of(
        &app.person(ANN)
            .await
            .create(crate::support::tax_return(ANN, BOB))
            .await,
    );
    let still = json!({"mandate": id, "status": "pending", "version": 1});
    let waits = notify(
        &app,
        BOB,
        "reminder_lapse",
        detail(id.parse().expect("uuid")),
        json!({"email": "bob@example.test", "still": still}),
    )
    .await;
    dispatch(&app).await;
    assert_eq!(status(&app, waits).await.0, DeliveryStatus::Delivered);
    let late = notify(
        &app,
        BOB,
        "reminder_lapse",
        detail(id.parse().expect("uuid")),
        json!({"email": "bob@example.test", "still": still}),
    )
    .await;
    app.person(BOB).await.sign(&id, 1).await.expect(200);
    app.clock.advance(Duration::minutes(11));
    dispatch(&app).await;
    assert_eq!(
        status(&app, late).await,
        (DeliveryStatus::Dropped, Some("the mandate changed".into()))
    );
}

async fn a_daily_digest_goes_at_the_hour(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let bob = mandates_domain::Insz::parse(BOB).expect("number");
    app.state
        .store()
        .set_contact_preferences(
            &bob,
            &ContactPreferences {
                email: Some("bob@example.test".into()),
                lang: Some("nl".into()),
                mail: MailMode::Daily,
            },
            app.clock.now(),
        )
        .await
        .expect("preferences");
    // 10:00 in Brussels: the day's digest went at 07:00; these wait for tomorrow's.
    for kind in ["in_force", "stopped"] {
        notify(&app, BOB, kind, detail(Uuid::new_v4()), json!({})).await;
    }
    dispatch(&app).await;
    app.clock.advance(Duration::hours(20));
    dispatch(&app).await;
    assert!(sink.received().is_empty(), "not before the hour");
    app.clock.advance(Duration::hours(1));
    dispatch(&app).await;
    let mails = sink.received();
    assert_eq!(mails.len(), 1, "one digest a day");
    assert_eq!(mails[0].subject(), "2 wijzigingen in uw mandaten");
}

/// A dispatcher of its own, sending to `smtp_url` (another instance of the service).
pub fn dispatcher(app: &TestApp, smtp_url: &str) -> Dispatcher {
    let mut config = app.config.mail.clone();
    config.smtp_url = Some(smtp_url.to_owned());
    Dispatcher::new(
        app.state.store().clone(),
        app.clock.clone(),
        app.state.catalog().clone(),
        &config,
        PUBLIC,
        None,
    )
    .expect("a dispatcher")
    .expect("with an SMTP server")
}
