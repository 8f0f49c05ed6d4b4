//! Lists of a party's mandates and look-ups many at a time.

use super::*;

/// A query changed from `base`.
pub(super) fn with(base: &MandateQuery, change: impl FnOnce(&mut MandateQuery)) -> MandateQuery {
    let mut q = base.clone();
    change(&mut q);
    q
}

/// Lists of a party's mandates: every filter in the query, and paging that never skips
/// nor repeats, also inside a group of mandates made at the same instant.
pub(super) async fn lists(story: &Story, cast: &Cast) {
    let Cast {
        first,
        a,
        b,
        c,
        d,
        e,
        f,
        g: _,
    } = cast;
    let now = at("2027-03-03T09:00:00Z");
    let anns = MandateQuery::of(party(ANN), ReadScope::All);
    let everything = newest_first(&[first, a, b, c, d, e]);
    for limit in [1, 2, 4, 6, 50] {
        let pages = story.pages(&anns, limit, now).await;
        assert_eq!(
            pages.concat(),
            everything,
            "limit {limit}: each of Ann's mandates once, newest first"
        );
        assert_eq!(pages.len(), everything.len().div_ceil(limit as usize));
        assert!(
            pages[..pages.len() - 1]
                .iter()
                .all(|p| p.len() == limit as usize),
            "only the last page is short"
        );
    }
    let page = story
        .store
        .list_mandates(
            &MandateQuery {
                limit: 2,
                ..anns.clone()
            },
            now,
        )
        .await
        .expect("first page");
    assert_eq!(
        page.next.map(|(t, _)| t),
        Some(a.created_at),
        "the first page ends inside the group made at one instant"
    );

    let cases: Vec<(&str, MandateQuery, Vec<Uuid>)> = vec![
        (
            "pending",
            with(&anns, |q| q.statuses = vec![Status::Pending]),
            newest_first(&[b, e]),
        ),
        (
            "active",
            with(&anns, |q| q.statuses = vec![Status::Active]),
            newest_first(&[first, a, c]),
        ),
        (
            "pending or withdrawn",
            with(&anns, |q| {
                q.statuses = vec![Status::Pending, Status::Withdrawn]
            }),
            newest_first(&[b, d, e]),
        ),
        (
            "expired",
            with(&anns, |q| q.statuses = vec![Status::Expired]),
            vec![],
        ),
        (
            "as mandator",
            with(&anns, |q| q.role = Some(RoleFilter::Mandator)),
            newest_first(&[first, a, b, d]),
        ),
        (
            "as mandatee",
            with(&anns, |q| q.role = Some(RoleFilter::Mandatee)),
            newest_first(&[c, e]),
        ),
        (
            "in vlaanderen",
            with(&anns, |q| q.domain = Some("vlaanderen".into())),
            newest_first(&[d]),
        ),
        (
            "with the office",
            with(&anns, |q| q.counterpart = Some(party(OFFICE))),
            newest_first(&[b, e]),
        ),
        (
            "active with Bob, as mandator",
            with(&anns, |q| {
                q.counterpart = Some(party(BOB));
                q.role = Some(RoleFilter::Mandator);
                q.statuses = vec![Status::Active];
            }),
            newest_first(&[first]),
        ),
    ];
    for (what, query, expected) in &cases {
        assert_eq!(&story.listed(query, now).await, expected, "{what}");
    }

    // Derived from time: a proposal lapses after its window (30 days for income tax, 45
    // for corporate tax); a period ends after its last day in Brussels.
    let later = at("2027-04-10T09:00:00Z");
    assert_eq!(
        story
            .listed(&with(&anns, |q| q.statuses = vec![Status::Lapsed]), later)
            .await,
        newest_first(&[b])
    );
    assert_eq!(
        story
            .listed(&with(&anns, |q| q.statuses = vec![Status::Pending]), later)
            .await,
        newest_first(&[e])
    );
    let next_year = at("2027-12-31T23:00:00Z");
    assert_eq!(
        story
            .listed(
                &with(&anns, |q| q.statuses = vec![Status::Expired]),
                next_year
            )
            .await,
        newest_first(&[first, a, c])
    );
    assert_eq!(
        story
            .listed(
                &with(&anns, |q| q.statuses = vec![Status::Active]),
                next_year - Duration::microseconds(1)
            )
            .await,
        newest_first(&[first, a, c]),
        "in force until the last instant of the last day"
    );

    // What a reader of the office may see of its mandates.
    let office = |scope: ReadScope| MandateQuery::of(party(OFFICE), scope);
    let window = |domain: &str, held: Option<&[&str]>| ReadWindow {
        domain: domain.into(),
        held_types: held.map(|types| types.iter().map(|t| (*t).to_owned()).collect()),
    };
    let scopes: Vec<(&str, ReadScope, Vec<Uuid>)> = vec![
        ("everything", ReadScope::All, newest_first(&[b, e, f])),
        ("no window", ReadScope::Windows(vec![]), vec![]),
        (
            "a manager of fin",
            ReadScope::Windows(vec![window("fin", None)]),
            newest_first(&[b, e, f]),
        ),
        (
            "a manager of ehealth",
            ReadScope::Windows(vec![window("ehealth", None)]),
            vec![],
        ),
        (
            "an executor of income tax: what the office holds as mandatee",
            ReadScope::Windows(vec![window("fin", Some(&["fin.tax_on_web"]))]),
            newest_first(&[b]),
        ),
        (
            "an executor of corporate tax: the office holds none",
            ReadScope::Windows(vec![window("fin", Some(&["fin.biztax"]))]),
            vec![],
        ),
        (
            "two executor windows",
            ReadScope::Windows(vec![
                window("fin", Some(&["fin.tax_on_web"])),
                window("fin", Some(&["fin.myminfin_consult"])),
            ]),
            newest_first(&[b, f]),
        ),
    ];
    for (who, scope, expected) in scopes {
        assert_eq!(&story.listed(&office(scope), now).await, &expected, "{who}");
    }
}

/// Look-ups many at a time: by pairs of parties, by ids, and the signed mandates of a side.
pub(super) async fn look_ups(story: &Story, cast: &Cast) {
    let Cast {
        first, a, c, f, g, ..
    } = cast;
    let pairs: Vec<(String, String)> = [(ANN, BOB), (ANN, CARL), (CARL, ANN), (BOB, OFFICE)]
        .iter()
        .map(|(x, y)| ((*x).to_owned(), (*y).to_owned()))
        .collect();
    let between = story
        .store
        .mandates_between(&pairs)
        .await
        .expect("between pairs");
    assert_eq!(ids_of(&between), ids(&[first, a, f]));
    let mut tx = story.store.begin().await.expect("begin");
    let under_lock = tx
        .mandates_between(&pairs)
        .await
        .expect("between pairs, under the write lock");
    assert_eq!(ids_of(&under_lock), ids(&[first, a, f]));
    tx.rollback().await.expect("rollback");
    assert!(
        story
            .store
            .mandates_between(&[])
            .await
            .expect("no pairs")
            .is_empty()
    );

    let by_ids = story
        .store
        .mandates_by_ids(&[first.id, Uuid::new_v4(), c.id])
        .await
        .expect("by ids");
    assert_eq!(ids_of(&by_ids), ids(&[first, c]), "those that exist");
    assert!(
        story
            .store
            .mandates_by_ids(&[])
            .await
            .expect("no ids")
            .is_empty()
    );

    // Signed mandates of Ann and Bob as mandators, by id, read two at a time from an id on
    // (inclusive), as the list of whom a person may act for reads them.
    let mandators = [party(ANN), party(BOB)];
    let mut expected: Vec<Uuid> = vec![first.id, a.id, c.id, g.id];
    expected.sort();
    let mut seen: Vec<Uuid> = Vec::new();
    let mut from = None;
    loop {
        let page = story
            .store
            .signed_mandates(Side::Mandator, &mandators, "fin", from, 2)
            .await
            .expect("signed mandates");
        assert!(
            page.iter().all(|m| m.status == BaseStatus::Active),
            "signed only"
        );
        seen.extend(
            page.iter()
                .map(|m| m.id)
                .filter(|id| from.is_none_or(|f| *id > f)),
        );
        assert!(seen.len() <= expected.len(), "no mandate twice: {seen:?}");
        match page.last() {
            Some(last) if page.len() == 2 => from = Some(last.id),
            _ => break,
        }
    }
    assert_eq!(seen, expected);
    let held = story
        .store
        .signed_mandates(Side::Mandatee, &[party(ANN)], "fin", None, 10)
        .await
        .expect("signed mandates Ann holds");
    assert_eq!(ids_of(&held), ids(&[c]));
    for (parties, domain) in [(&mandators[..], "vlaanderen"), (&[][..], "fin")] {
        assert!(
            story
                .store
                .signed_mandates(Side::Mandator, parties, domain, None, 10)
                .await
                .expect("signed mandates")
                .is_empty()
        );
    }
}
