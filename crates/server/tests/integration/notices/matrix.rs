//! The matrix, change by change, through the API: who finds what in their inbox, who is
//! mailed, and that a refused change tells nobody.

use serde_json::json;

use super::*;
use crate::enterprises::{OFFICE_REPRESENTATIVE, demo_app, id_of};
use crate::on_both_stores;

async fn a_proposal_tells_the_other_party_and_coming_into_force_tells_both(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let mut body = tax_return(ANN, BOB);
    body["email"] = json!("ann@example.org");
    body["language"] = json!("fr");
    let m = ann.create(body).await;
    let id = id_of(&m);

    assert_eq!(told(&app, BOB).await, [unread("awaiting_signature")]);
    assert!(
        told(&app, ANN).await.is_empty(),
        "the proposer is not told of her own proposal"
    );
    let waiting = &inbox(&app, BOB).await[0];
    assert_eq!(waiting.mandate_id.map(|m| m.to_string()), Some(id.clone()));
    assert_eq!(waiting.detail["deadline"], m["lapses_at"]);
    let mails = mails_to(&app, &person(BOB)).await;
    assert_eq!(mails.len(), 1, "Bob is mailed once");
    assert_eq!(mails[0].payload["notice"], json!(waiting.id));
    assert_eq!(
        mails[0].seq, waiting.seq,
        "the mail names the event it tells of"
    );

    // A refused signature writes nothing, neither notice nor mail.
    bob.sign(&id, 7).await.expect(409);
    assert_eq!(told(&app, BOB).await.len(), 1);
    assert_eq!(app.db.count_rows("deliveries").await, 1);

    bob.sign(&id, 1).await.expect(200);
    assert_eq!(told(&app, ANN).await, [unread("in_force")]);
    assert_eq!(
        told(&app, BOB).await,
        [unread("awaiting_signature"), read("in_force")],
        "the last signer keeps a read copy"
    );
    // Ann gave an address and a language on the mandate: her mail carries them.
    let ann_mails = mails_to(&app, &person(ANN)).await;
    assert_eq!(ann_mails.len(), 1);
    assert_eq!(ann_mails[0].payload["email"], "ann@example.org");
    assert_eq!(ann_mails[0].payload["lang"], "fr");
    assert_eq!(
        mail_kinds(&app, &person(BOB)).await,
        ["awaiting_signature"],
        "the last signer saw it come into force: no mail"
    );
}

async fn a_stop_tells_the_other_party_and_keeps_a_read_copy_for_the_one_who_stopped(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let id = id_of(&ann.create(tax_return(ANN, BOB)).await);
    bob.sign(&id, 1).await.expect(200);
    bob.action(&id, "stop", json!({})).await.expect(200);
    assert_eq!(
        told(&app, ANN).await,
        [unread("in_force"), unread("stopped")]
    );
    assert_eq!(
        told(&app, BOB).await,
        [
            unread("awaiting_signature"),
            read("in_force"),
            read("stopped")
        ]
    );
    assert_eq!(
        mail_kinds(&app, &person(ANN)).await,
        ["in_force", "stopped"]
    );
    assert_eq!(
        mail_kinds(&app, &person(BOB)).await,
        ["awaiting_signature"],
        "nobody is mailed of what they did themselves"
    );
}

async fn a_change_of_terms_waits_for_the_other_party_with_what_changes(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let id = id_of(&ann.create(tax_return(ANN, BOB)).await);
    bob.sign(&id, 1).await.expect(200);
    ann.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"version": 1, "valid_until": "2028-06-30"}),
    )
    .await
    .expect(200);
    let change = &inbox(&app, BOB).await[0];
    assert_eq!(change.kind, "change_awaiting");
    assert_eq!(change.detail["before"]["valid_until"], "2027-12-31");
    assert_eq!(change.detail["after"]["valid_until"], "2028-06-30");
    assert!(change.detail["deadline"].is_string());
    // Narrowed at once: both told, Ann's copy read.
    ann.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"version": 1, "valid_until": "2027-06-30"}),
    )
    .await
    .expect(200);
    assert_eq!(inbox(&app, BOB).await[0].kind, "narrowed");
    assert_eq!(told(&app, ANN).await.last(), Some(&read("narrowed")));
}

async fn an_enterprise_is_told_in_its_inbox_and_its_people_are_mailed(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // The demo data told people already: count from here.
    let before = (
        mail_kinds(&app, &person(OFFICE_REPRESENTATIVE)).await.len(),
        mail_kinds(&app, &person(CARL)).await.len(),
        mail_kinds(&app, &person(DINA)).await.len(),
        told(&app, OFFICE_REPRESENTATIVE).await.len(),
    );
    let ann = app.person(ANN).await;
    let mut body = tax_return(ANN, OFFICE);
    body["types"] = json!(["fin.myminfin_consult"]);
    let id = id_of(&ann.create(body).await);
    let office = inbox(&app, OFFICE).await;
    assert_eq!(office[0].kind, "awaiting_signature");
    assert_eq!(office[0].mandate_id.map(|m| m.to_string()), Some(id));
    // The legal representative and the office's manager of the domain (CARL) are mailed;
    // its executors are not, and the inbox is the office's, not the people's.
    let rep = mail_kinds(&app, &person(OFFICE_REPRESENTATIVE)).await;
    assert_eq!(rep[before.0..], ["awaiting_signature"]);
    let carl = mail_kinds(&app, &person(CARL)).await;
    assert_eq!(carl[before.1..], ["awaiting_signature"]);
    assert_eq!(mail_kinds(&app, &person(DINA)).await.len(), before.2);
    assert_eq!(told(&app, OFFICE_REPRESENTATIVE).await.len(), before.3);
}

async fn a_transfer_tells_the_old_mandatee_then_that_it_ended(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let carl = app.person(CARL).await;
    let id = id_of(&ann.create(tax_return(ANN, BOB)).await);
    bob.sign(&id, 1).await.expect(200);
    let new = ann
        .action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .expect(201)
        .body;
    let new_id = id_of(&new);
    assert_eq!(told(&app, CARL).await, [unread("awaiting_signature")]);
    assert_eq!(inbox(&app, CARL).await[0].detail["transfer_of"], json!(id));
    assert_eq!(
        told(&app, BOB).await.last(),
        Some(&unread("transfer_requested"))
    );
    carl.sign(&new_id, 1).await.expect(200);
    assert_eq!(
        told(&app, BOB).await.last(),
        Some(&unread("transferred_away"))
    );
    assert_eq!(told(&app, CARL).await.last(), Some(&read("in_force")));
}

async fn a_role_given_and_taken_is_told_to_its_holder(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let before = told(&app, BOB).await;
    let representative = app.for_enterprise(OFFICE_REPRESENTATIVE, OFFICE).await;
    let role = representative
        .post(
            &crate::enterprises::roles_path(OFFICE),
            json!({"person": BOB, "kind": "manager", "domain": "fin"}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(
        told(&app, BOB).await[before.len()..],
        [unread("role_given")]
    );
    assert_eq!(inbox(&app, BOB).await[0].detail["enterprise"], OFFICE);
    representative
        .post(
            &format!(
                "{}/{}/end",
                crate::enterprises::roles_path(OFFICE),
                id_of(&role)
            ),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(
        told(&app, BOB).await[before.len()..],
        [unread("role_given"), unread("role_taken")]
    );
}

on_both_stores!(
    a_proposal_tells_the_other_party_and_coming_into_force_tells_both,
    a_stop_tells_the_other_party_and_keeps_a_read_copy_for_the_one_who_stopped,
    a_change_of_terms_waits_for_the_other_party_with_what_changes,
    an_enterprise_is_told_in_its_inbox_and_its_people_are_mailed,
    a_transfer_tells_the_old_mandatee_then_that_it_ended,
    a_role_given_and_taken_is_told_to_its_holder,
);
