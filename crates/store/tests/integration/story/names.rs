//! The names parties are known by: learned, changed, read a page of parties at a time.

use super::*;

fn name(text: &str) -> PartyName {
    PartyName::parse(text).expect("a valid name")
}

/// Names are learned once, changed when they change, and read for many parties in one call.
pub(super) async fn names(story: &Story) {
    let store = &story.store;
    let t0 = at("2027-03-03T08:00:00Z");
    let (ann, bob, office) = (party(ANN), party(BOB), party(OFFICE));
    assert!(
        store
            .names_of([&ann, &bob, &office])
            .await
            .expect("no names yet")
            .is_empty()
    );
    assert!(
        store
            .learn_name(&ann, &name("Anna Citizen"), t0)
            .await
            .expect("learn a name"),
        "a new name"
    );
    assert!(
        !store
            .learn_name(&ann, &name("Anna Citizen"), t0 + Duration::hours(1))
            .await
            .expect("learn it again"),
        "the same name again changes nothing"
    );
    let mut tx = story.store.begin().await.expect("begin");
    assert!(
        tx.learn_name(&office, &name("Accounting office Numbers & Co"), t0)
            .await
            .expect("learn in a transaction")
    );
    tx.commit().await.expect("commit");
    // A name learned in a transaction rolled back is not kept.
    let mut tx = story.store.begin().await.expect("begin");
    tx.learn_name(&bob, &name("Bart Citizen"), t0)
        .await
        .expect("learn in a transaction");
    tx.rollback().await.expect("rollback");

    let known = store
        .names_of([&ann, &bob, &office, &ann])
        .await
        .expect("the names of a page");
    assert_eq!(
        known,
        BTreeMap::from([
            (ann.clone(), name("Anna Citizen")),
            (office.clone(), name("Accounting office Numbers & Co")),
        ]),
        "one name a party, none for a party without one"
    );

    assert!(
        store
            .learn_name(&ann, &name("Anna Citizen-Peeters"), t0 + Duration::days(1))
            .await
            .expect("a changed name"),
        "a changed name is written"
    );
    assert_eq!(
        store.names_of([&ann]).await.expect("Ann's name").get(&ann),
        Some(&name("Anna Citizen-Peeters"))
    );
    assert!(
        store
            .names_of(std::iter::empty())
            .await
            .expect("no parties asked for")
            .is_empty()
    );

    // More parties than one statement asks for still come back in one call.
    let many: Vec<Party> = (0..1_200).map(|i| party(&enterprise_number(i))).collect();
    let mut tx = story.store.begin().await.expect("begin");
    for (i, p) in many.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        tx.learn_name(p, &name(&format!("Enterprise {i}")), t0)
            .await
            .expect("learn");
    }
    tx.commit().await.expect("commit");
    let known = store.names_of(&many).await.expect("the names of many");
    assert_eq!(known.len(), 400);
    assert_eq!(known.get(&many[999]), Some(&name("Enterprise 999")));
    assert_eq!(known.get(&many[1_000]), None);
}

/// A valid enterprise number for `i`: eight digits from 0, then their check of 97.
fn enterprise_number(i: u64) -> String {
    let base = 2_000_000 + i;
    format!("{base:08}{:02}", 97 - (base % 97))
}
