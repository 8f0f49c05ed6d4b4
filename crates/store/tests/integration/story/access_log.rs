//! The access log: who checked what about a mandator.

use super::*;

pub(super) fn entry(
    at: Instant,
    domain: &str,
    mandator: Option<&str>,
    allowed: bool,
) -> AccessEntry {
    AccessEntry {
        id: Uuid::new_v4().to_string(),
        at,
        client_id: format!("demo-{domain}"),
        client: format!("Demo application ({domain})"),
        domain: domain.into(),
        kind: if mandator.is_some() { "check" } else { "list" }.into(),
        actor: BOB.into(),
        mandator: mandator.map(str::to_owned),
        type_code: mandator.map(|_| format!("{domain}.some_type")),
        allowed,
        reason: (!allowed).then(|| "no_mandate".to_owned()),
        mandate_id: None,
    }
}

/// Every page of a mandator's access log, `limit` at a time, as the API pages it.
pub(super) async fn log_pages(
    store: &Store,
    mandator: &str,
    domains: Option<&BTreeSet<String>>,
    limit: i64,
) -> Vec<Vec<AccessEntry>> {
    let mut pages: Vec<Vec<AccessEntry>> = Vec::new();
    let mut after: Option<(Instant, String)> = None;
    loop {
        let page = store
            .access_log_of(
                mandator,
                domains,
                after.as_ref().map(|(t, id)| (*t, id.as_str())),
                limit,
            )
            .await
            .expect("a page of the access log");
        let full = page.len() as i64 == limit;
        after = page.last().map(|e| (e.at, e.id.clone()));
        pages.push(page);
        assert!(pages.len() <= 100, "paging never ends");
        if !full {
            return pages;
        }
    }
}

/// The access log: many entries at one instant, paged by (instant, id) without loss or
/// repeat, filtered by domain; an entry written twice is kept once.
pub(super) async fn access_log(story: &Story, cast: &Cast) {
    let busy = at("2027-03-02T15:00:00.000001Z");
    let earlier = at("2027-03-02T14:59:59Z");
    let mut anns: Vec<AccessEntry> = (0..5)
        .map(|i| entry(busy, "fin", Some(ANN), i % 2 == 0))
        .collect();
    anns[0].mandate_id = Some(cast.first.id.to_string());
    anns.push(entry(busy, "ehealth", Some(ANN), false));
    anns.push(entry(earlier, "fin", Some(ANN), true));
    anns.push(entry(earlier, "vlaanderen", Some(ANN), false));
    let others = [
        entry(busy, "fin", Some(CARL), true),
        entry(busy, "fin", None, true),
    ];
    let mut first_batch: Vec<AccessEntry> = anns[..4].to_vec();
    first_batch.extend(others.iter().cloned());
    story
        .store
        .append_access_log(&first_batch)
        .await
        .expect("write entries");
    // A batch written again after a failure: what is there already is skipped.
    story
        .store
        .append_access_log(&anns)
        .await
        .expect("write entries again");
    story
        .store
        .append_access_log(&[])
        .await
        .expect("nothing to write");

    let mut expected = anns.clone();
    expected.sort_by(|x, y| (y.at, &y.id).cmp(&(x.at, &x.id)));
    for limit in [1, 3, 8, 50] {
        let pages = log_pages(&story.store, ANN, None, limit).await;
        assert_eq!(
            pages.concat(),
            expected,
            "limit {limit}: every entry once, newest first"
        );
    }
    let fin: BTreeSet<String> = ["fin".to_owned()].into();
    let fin_and_vlaanderen: BTreeSet<String> = ["fin".to_owned(), "vlaanderen".to_owned()].into();
    let only = |domains: &BTreeSet<String>| -> Vec<AccessEntry> {
        expected
            .iter()
            .filter(|e| domains.contains(&e.domain))
            .cloned()
            .collect()
    };
    assert_eq!(
        log_pages(&story.store, ANN, Some(&fin), 2).await.concat(),
        only(&fin)
    );
    assert_eq!(
        log_pages(&story.store, ANN, Some(&fin_and_vlaanderen), 4)
            .await
            .concat(),
        only(&fin_and_vlaanderen)
    );
    assert!(
        log_pages(&story.store, ANN, Some(&BTreeSet::new()), 4)
            .await
            .concat()
            .is_empty(),
        "no domain: nothing"
    );
    assert_eq!(
        log_pages(&story.store, CARL, None, 10).await.concat(),
        [others[0].clone()],
        "each mandator reads their own"
    );
}
