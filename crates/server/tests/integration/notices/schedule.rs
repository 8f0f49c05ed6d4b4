//! The notices that time brings, with a clock the test moves: a reminder five days before a
//! proposal lapses and thirty days before a fixed term ends, each once, none once the
//! mandate changed, and the lapse and the expiry themselves.

use chrono::Duration;
use mandates_domain::time::Instant;
use mandates_server::service::schedule::run_once;
use serde_json::json;

use super::*;
use crate::enterprises::id_of;
use crate::on_both_stores;

async fn run(app: &TestApp) -> usize {
    run_once(&app.state)
        .await
        .unwrap_or_else(|e| panic!("the scheduler: {e}"))
}

fn instant_of(v: &serde_json::Value) -> Instant {
    v.as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("an instant: {v}"))
}

async fn a_proposal_is_reminded_once_five_days_before_it_lapses_then_lapses(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    // The service has been looking since it started.
    run(&app).await;
    let ann = app.person(ANN).await;
    let waits = ann.create(tax_return(ANN, BOB)).await;
    let signed_in_time = ann.create(tax_return(ANN, CARL)).await;
    let deadline = instant_of(&waits["lapses_at"]);

    app.clock
        .set(deadline - Duration::days(5) - Duration::minutes(1));
    assert_eq!(run(&app).await, 0, "not yet");
    // Carl signs before his reminder falls due: he gets none.
    app.person(CARL)
        .await
        .sign(&id_of(&signed_in_time), 1)
        .await
        .expect(200);
    app.clock
        .set(deadline - Duration::days(5) + Duration::minutes(1));
    run(&app).await;
    assert_eq!(
        told(&app, BOB).await,
        [unread("awaiting_signature"), unread("reminder_lapse")]
    );
    assert!(
        told(&app, CARL)
            .await
            .iter()
            .all(|(k, _)| k != "reminder_lapse")
    );
    let reminder = &inbox(&app, BOB).await[0];
    assert_eq!(instant_of(&reminder.detail["deadline"]), deadline);
    let mail = mails_to(&app, &person(BOB)).await.pop().expect("a mail");
    assert_eq!(mail.payload["kind"], "reminder_lapse");
    assert_eq!(
        mail.payload["still"],
        json!({"mandate": waits["id"], "status": "pending", "version": 1}),
        "the mail is sent only while the mandate still waits"
    );

    // Two schedulers at once, and again later: still one reminder.
    let (a, b) = tokio::join!(run(&app), run(&app));
    assert_eq!(a + b, 0);
    app.clock.advance(Duration::hours(1));
    run(&app).await;
    assert_eq!(
        told(&app, BOB)
            .await
            .iter()
            .filter(|(k, _)| k == "reminder_lapse")
            .count(),
        1
    );
    assert!(
        told(&app, ANN)
            .await
            .iter()
            .all(|(k, _)| k != "reminder_lapse"),
        "the proposer is not reminded"
    );

    // At the deadline: lapsed, both told; Bob's signature comes too late.
    app.clock.set(deadline + Duration::seconds(1));
    run(&app).await;
    assert_eq!(told(&app, ANN).await.last(), Some(&unread("lapsed")));
    assert_eq!(told(&app, BOB).await.last(), Some(&unread("lapsed")));
    app.person(BOB)
        .await
        .sign(&id_of(&waits), 1)
        .await
        .refused(409, "acceptance_window_passed");
    run(&app).await;
    assert_eq!(
        told(&app, ANN)
            .await
            .iter()
            .filter(|(k, _)| k == "lapsed")
            .count(),
        1
    );
}

async fn a_fixed_term_is_reminded_thirty_days_before_it_ends_then_expires(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    run(&app).await;
    let ann = app.person(ANN).await;
    let ends = ann.create(tax_return(ANN, BOB)).await;
    app.person(BOB)
        .await
        .sign(&id_of(&ends), 1)
        .await
        .expect(200);
    // Stopped before its reminder: neither reminded nor expired.
    let mut other = tax_return(ANN, CARL);
    other["types"] = json!(["fin.myminfin_consult"]);
    let stopped = ann.create(other).await;
    app.person(CARL)
        .await
        .sign(&id_of(&stopped), 1)
        .await
        .expect(200);
    ann.action(&id_of(&stopped), "stop", json!({}))
        .await
        .expect(200);

    // valid_until 2027-12-31: the term ends at the end of that day in Brussels.
    let end: Instant = "2027-12-31T23:00:00Z".parse().expect("instant");
    app.clock.set(end - Duration::days(30) - Duration::hours(2));
    run(&app).await;
    assert!(
        told(&app, BOB)
            .await
            .iter()
            .all(|(k, _)| k != "reminder_end")
    );
    app.clock.set(end - Duration::days(30) + Duration::hours(1));
    run(&app).await;
    assert_eq!(told(&app, ANN).await.last(), Some(&unread("reminder_end")));
    assert_eq!(told(&app, BOB).await.last(), Some(&unread("reminder_end")));
    assert!(
        told(&app, CARL)
            .await
            .iter()
            .all(|(k, _)| k != "reminder_end")
    );
    app.clock.set(end + Duration::minutes(1));
    run(&app).await;
    assert_eq!(told(&app, ANN).await.last(), Some(&unread("expired")));
    assert_eq!(told(&app, BOB).await.last(), Some(&unread("expired")));
    assert!(told(&app, CARL).await.iter().all(|(k, _)| k != "expired"));
}

async fn a_proposed_change_is_reminded_to_its_signer_then_its_lapse_told_to_both(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    run(&app).await;
    let ann = app.person(ANN).await;
    let id = id_of(&ann.create(tax_return(ANN, BOB)).await);
    app.person(BOB).await.sign(&id, 1).await.expect(200);
    ann.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"version": 1, "valid_until": "2028-06-30"}),
    )
    .await
    .expect(200);
    let deadline = instant_of(&inbox(&app, BOB).await[0].detail["deadline"]);

    app.clock
        .set(deadline - Duration::days(5) + Duration::minutes(1));
    run(&app).await;
    assert_eq!(
        told(&app, BOB).await.last(),
        Some(&unread("change_reminder_lapse"))
    );
    let reminder = &inbox(&app, BOB).await[0];
    assert_eq!(instant_of(&reminder.detail["deadline"]), deadline);
    assert_eq!(reminder.detail["after"]["valid_until"], "2028-06-30");
    assert!(
        told(&app, ANN)
            .await
            .iter()
            .all(|(k, _)| k != "change_reminder_lapse"),
        "the proposer is not reminded"
    );
    let mail = mails_to(&app, &person(BOB)).await.pop().expect("a mail");
    assert_eq!(mail.payload["kind"], "change_reminder_lapse");
    assert_eq!(
        mail.payload["still"]["proposal"], 2,
        "the mail is sent only while the change still waits"
    );

    app.clock.set(deadline + Duration::seconds(1));
    run(&app).await;
    run(&app).await;
    for who in [ANN, BOB] {
        let lapsed: Vec<_> = told(&app, who)
            .await
            .into_iter()
            .filter(|(k, _)| k == "change_lapsed")
            .collect();
        assert_eq!(lapsed, [unread("change_lapsed")], "{who} is told once");
    }
    // The mandate holds as it was (asked with a new sign-in: a month went by).
    let m = app.person(ANN).await.mandate(&id).await.expect(200).body;
    assert_eq!(m["valid_until"], "2027-12-31");
}

on_both_stores!(
    a_proposal_is_reminded_once_five_days_before_it_lapses_then_lapses,
    a_fixed_term_is_reminded_thirty_days_before_it_ends_then_expires,
    a_proposed_change_is_reminded_to_its_signer_then_its_lapse_told_to_both,
);

async fn a_role_that_reaches_its_last_day_is_told_to_its_holder_once(backend: Backend) {
    let Some(app) = crate::enterprises::demo_app(backend).await else {
        return;
    };
    run(&app).await;
    let representative = app
        .for_enterprise(crate::enterprises::OFFICE_REPRESENTATIVE, OFFICE)
        .await;
    let path = crate::enterprises::roles_path(OFFICE);
    for (person, until) in [(BOB, "2027-03-10"), (EVA, "2027-03-20")] {
        representative
            .post(
                &path,
                json!({"person": person, "kind": "manager", "domain": "fin", "valid_until": until}),
            )
            .await
            .expect(201);
    }
    let ended = |who: &'static str| {
        let app = &app;
        async move {
            told(app, who)
                .await
                .iter()
                .filter(|(k, _)| k == "role_ended")
                .count()
        }
    };
    // In force until the end of its last day in Brussels (UTC+1 in March).
    app.clock
        .set("2027-03-10T22:59:00Z".parse().expect("instant"));
    run(&app).await;
    assert_eq!(ended(BOB).await, 0);
    app.clock
        .set("2027-03-10T23:01:00Z".parse().expect("instant"));
    run(&app).await;
    assert_eq!(ended(BOB).await, 1);
    assert_eq!(ended(EVA).await, 0, "her last day is still to come");
    app.clock
        .set("2027-03-25T08:00:00Z".parse().expect("instant"));
    run(&app).await;
    run(&app).await;
    assert_eq!(
        (ended(BOB).await, ended(EVA).await),
        (1, 1),
        "each told once"
    );
}

on_both_stores!(a_role_that_reaches_its_last_day_is_told_to_its_holder_once);
