//! The pages' flows: the confirmation after each action (what was done, who signs next and by
//! when), "check your answers" with a way back to each answer, a change of terms shown
//! before → after, and types that only one mandatee at a time may hold.

use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::{Browser, mandate_id};

const TAX_RETURN: &str = "Personal income tax return (Tax-on-web)";
const MYMINFIN: &str = "View the tax file (MyMinfin)";
const DISPUTES: &str = "Tax disputes (administrative appeal)";

/// The fields of the create form as "check your answers" posts them.
fn answers<'a>(
    side: &'a str,
    other: &'a str,
    types: &[&'a str],
    go: &'a str,
    once: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("once", once),
        ("go", go),
        ("domain", "fin"),
        ("side", side),
        ("other", other),
        ("valid_from-day", "1"),
        ("valid_from-month", "3"),
        ("valid_from-year", "2027"),
        ("valid_until-day", "31"),
        ("valid_until-month", "12"),
        ("valid_until-year", "2027"),
        ("reference", "client 42"),
    ];
    fields.extend(types.iter().map(|t| ("types", *t)));
    fields
}

/// A browser signed in as `person`, reading English.
async fn english<'a>(app: &'a TestApp, person: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    browser.accept_language = Some("en");
    browser.sign_in(person).await;
    browser
}

/// Creates a mandate through the pages, signed by its creator; its id.
async fn create(browser: &mut Browser<'_>, side: &str, other: &str, types: &[&str]) -> String {
    let once = format!("{side}-{other}-{}", types.join("-"));
    let created = browser
        .post(
            "/mandates/create",
            &answers(side, other, types, "sign", &once),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.html);
    mandate_id(created.location())
}

/// Signs a mandate through the pages (the version its confirmation carries); the page after.
async fn sign(browser: &mut Browser<'_>, id: &str) -> crate::web::browser::Page {
    let confirm = browser.get(&format!("/mandates/{id}/sign")).await;
    let version = confirm
        .html
        .split_once(r#"name="version" value=""#)
        .and_then(|(_, rest)| rest.split('"').next())
        .expect("the confirmation carries the version")
        .to_owned();
    let once = format!("sign-{id}-{version}");
    browser
        .post(
            &format!("/mandates/{id}/sign"),
            &[("once", once.as_str()), ("version", version.as_str())],
        )
        .await
}

/// The page an action redirected to.
async fn after(browser: &mut Browser<'_>, page: &crate::web::browser::Page) -> String {
    assert_eq!(page.status, 303, "{}", page.html);
    browser.get(page.location()).await.html
}

/// A deadline of the API (RFC 3339) as the pages write it.
fn shown(instant: &serde_json::Value) -> String {
    let at: mandates_domain::time::Instant = instant
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an instant");
    mandates_server::text::instant(at)
}

/// Whether a date answer is kept in step 2 (as one field or as day, month and year).
fn keeps_date(html: &str, field: &str, iso: &str) -> bool {
    let (y, rest) = iso.split_once('-').unwrap_or_default();
    let (m, d) = rest.split_once('-').unwrap_or_default();
    html.contains(&format!(r#"name="{field}" value="{iso}""#))
        || [("day", d), ("month", m), ("year", y)]
            .iter()
            .all(|(part, v)| {
                html.contains(&format!(r#"{field}-{part}""#))
                    && html.contains(&format!(r#"value="{}""#, v.trim_start_matches('0')))
            })
}

async fn the_confirmation_says_who_signs_next_by_when_and_that_they_were_told(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = english(&app, ANN).await;
    let created = ann
        .post(
            "/mandates/create",
            &answers(
                "mandator",
                "90.01.01-123.95",
                &["fin.myminfin_consult"],
                "sign",
                "c1",
            ),
        )
        .await;
    let id = mandate_id(created.location());
    assert!(created.location().ends_with("?done=create"));
    let page = after(&mut ann, &created).await;
    let deadline = shown(&app.person(ANN).await.mandate(&id).await.body["lapses_at"]);
    for said in [
        "id=\"outcome\"",
        "<h1 class=\"panel-title\">Mandate sent for signature</h1>",
        &id,
        "client 42",
        "What happens next",
        &format!("90.01.01-123.95 must sign before {deadline}. Only then is the mandate in force."),
        "We have told 90.01.01-123.95: a message in their inbox",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }
    assert_eq!(page.matches("<h1").count(), 1, "one h1: the panel's");

    let mut bob = english(&app, BOB).await;
    let signed = sign(&mut bob, &id).await;
    let page = after(&mut bob, &signed).await;
    for said in [
        "Mandate signed",
        "The mandate is in force now, until 31/12/2027 included.",
        "We have told 85.07.30-033.28",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }
    assert!(
        !page.contains("must sign before"),
        "nobody else signs: {page}"
    );
    assert!(
        !page.contains("Your reference"),
        "Bob gave no reference of his own"
    );

    let stopped = ann
        .post(&format!("/mandates/{id}/stop"), &[("once", "s1")])
        .await;
    let page = after(&mut ann, &stopped).await;
    assert!(page.contains("Mandate stopped"), "{page}");
    assert!(
        page.contains(
            "From now on 90.01.01-123.95 can no longer act in the name of 85.07.30-033.28."
        ),
        "{page}"
    );
    // Opened again later, the mandate page is just the mandate.
    let plain = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(!plain.contains("id=\"outcome\""));
    assert!(
        plain.contains(": 90.01.01-123.95 for 85.07.30-033.28</h1>"),
        "titled by what and between whom: {plain}"
    );
}

async fn check_your_answers_goes_back_to_each_answer_with_every_answer_kept(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = english(&app, ANN).await;
    let review = ann
        .post(
            "/mandates/review",
            &answers(
                "mandator",
                "90.01.01-123.95",
                &["fin.myminfin_consult"],
                "",
                "",
            ),
        )
        .await;
    assert_eq!(review.status, 200, "{}", review.html);
    let html = &review.html;
    for said in [
        "Check your answers before you sign",
        "Who gives",
        "85.07.30-033.28 (you)",
        "Who receives",
        MYMINFIN,
        "01/03/2027",
        "31/12/2027",
        "client 42",
        "Sign and send",
    ] {
        assert!(html.contains(said), "{said}: {html}");
    }
    for field in ["other", "types", "valid_from", "valid_until", "reference"] {
        assert!(
            html.contains(&format!(
                r#"name="go" value="edit-{field}" formaction="/mandates/create#{field}""#
            )),
            "a change button for {field}: {html}"
        );
    }
    // My own side is not an answer to change here.
    assert_eq!(html.matches("value=\"edit-other\"").count(), 1);

    for field in ["other", "valid_until", "reference"] {
        let go = format!("edit-{field}");
        let step2 = ann
            .post(
                "/mandates/create",
                &answers(
                    "mandator",
                    "90.01.01-123.95",
                    &["fin.myminfin_consult"],
                    &go,
                    "x",
                ),
            )
            .await;
        assert_eq!(step2.status, 200, "{}", step2.html);
        let html = &step2.html;
        assert!(html.contains("action=\"/mandates/review\""), "step 2");
        assert!(
            html.contains(&format!("id=\"{field}\"")),
            "the anchor {field}"
        );
        assert!(html.contains(r#"value="fin.myminfin_consult" checked"#));
        assert!(html.contains(r#"value="90.01.01-123.95""#), "{html}");
        assert!(html.contains(r#"value="client 42""#));
        assert!(keeps_date(html, "valid_from", "2027-03-01"), "{html}");
        assert!(keeps_date(html, "valid_until", "2027-12-31"), "{html}");
    }
    // Going back created nothing.
    let listed = app.person(ANN).await.get("/api/v1/mandates").await.body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

async fn a_change_of_terms_is_shown_before_and_after_and_told_in_the_history(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = english(&app, ANN).await;
    let mut bob = english(&app, BOB).await;
    let id = create(&mut ann, "mandator", BOB, &["fin.myminfin_consult"]).await;
    assert_eq!(sign(&mut bob, &id).await.status, 303);

    // Ann adds a type and brings the end date forward: a proposal for Bob to sign.
    let proposed = ann
        .post(
            &format!("/mandates/{id}/modify"),
            &[
                ("once", "m1"),
                ("version", "1"),
                ("types", "fin.myminfin_consult"),
                ("types", "fin.tax_disputes"),
                ("valid_until-day", "30"),
                ("valid_until-month", "6"),
                ("valid_until-year", "2027"),
            ],
        )
        .await;
    let page = after(&mut ann, &proposed).await;
    let deadline = shown(&app.person(ANN).await.mandate(&id).await.body["proposal"]["lapses_at"]);
    assert!(page.contains("Change proposed"), "{page}");
    assert!(
        page.contains(&format!(
            "90.01.01-123.95 must sign the change before {deadline}."
        )),
        "{page}"
    );
    // The proposer is told that it waits for the other party, not to sign.
    let waits =
        format!("Your proposed change waits for the signature of 90.01.01-123.95 until {deadline}");
    let mine = ann.get(&format!("/mandates/{id}")).await.html;
    assert!(mine.contains(&waits), "{mine}");
    assert!(!mine.contains("Sign before") && !mine.contains("Sign the proposed change"));
    assert!(ann.get("/").await.html.contains(&waits));

    // Bob sees the change before → after, on the mandate and where he signs it.
    let theirs = bob.get(&format!("/mandates/{id}")).await.html;
    let confirm = bob.get(&format!("/mandates/{id}/sign")).await.html;
    for page in [&theirs, &confirm] {
        for said in [
            "Types added",
            DISPUTES,
            "End date",
            "31/12/2027 → 30/06/2027",
        ] {
            assert!(page.contains(said), "{said}: {page}");
        }
        assert!(!page.contains("Types removed"));
    }
    assert!(theirs.contains(&format!("Sign the proposed change before {deadline}")));
    assert!(confirm.contains("What changes"));
    assert!(confirm.contains("With your signature the change below is in force at once"));

    let signed = sign(&mut bob, &id).await;
    let page = after(&mut bob, &signed).await;
    assert!(
        page.contains("Change signed: the new terms are in force"),
        "{page}"
    );
    assert!(page.contains("The mandate is in force now, until 30/06/2027 included."));

    // A narrowing is in force at once; the history says what each change changed.
    let narrowed = ann
        .post(
            &format!("/mandates/{id}/modify"),
            &[
                ("once", "m2"),
                ("version", "2"),
                ("types", "fin.tax_disputes"),
                ("valid_until-day", "30"),
                ("valid_until-month", "6"),
                ("valid_until-year", "2027"),
            ],
        )
        .await;
    let page = after(&mut ann, &narrowed).await;
    assert!(page.contains("Change in force"), "{page}");
    let history = page.rsplit("<caption>").next().unwrap_or_default();
    let change = format!("added {DISPUTES}; end date 31/12/2027 → 30/06/2027");
    for said in [
        format!("Change proposed: {change}"),
        format!("Change signed: {change}"),
        format!("Narrowed: removed {MYMINFIN}"),
    ] {
        assert!(history.contains(&said), "{said}: {history}");
    }
}

async fn a_type_held_by_another_mandatee_is_flagged_with_the_way_forward(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = english(&app, ANN).await;
    let mut carl = english(&app, CARL).await;
    let held = create(&mut ann, "mandator", CARL, &["fin.tax_on_web"]).await;
    assert_eq!(sign(&mut carl, &held).await.status, 303);
    let warning = format!("{TAX_RETURN} is already given to 78.02.15-456.67 (In force).");
    let ways = [
        format!("href=\"/mandates/{held}\""),
        format!("href=\"/mandates/{held}/transfer\""),
        format!("href=\"/mandates/{held}/stop\""),
    ];

    // Step 2: at the type, before it is chosen.
    let step2 = ann.get("/mandates/new?domain=fin&side=mandator").await.html;
    assert!(step2.contains(&warning), "{step2}");
    for way in &ways {
        assert!(step2.contains(way.as_str()), "{way}: {step2}");
    }
    // Check your answers: for another mandatee, the warning and the way forward.
    let review = ann
        .post(
            "/mandates/review",
            &answers("mandator", BOB, &["fin.tax_on_web"], "", ""),
        )
        .await
        .html;
    assert!(review.contains("id=\"held\""), "{review}");
    assert!(review.contains(&warning));
    for way in &ways {
        assert!(review.contains(way.as_str()), "{way}: {review}");
    }
    // Not for a type that is not exclusive, nor for the mandatee who holds it already.
    for (other, types) in [(BOB, ["fin.myminfin_consult"]), (CARL, ["fin.tax_on_web"])] {
        let review = ann
            .post(
                "/mandates/review",
                &answers("mandator", other, &types, "", ""),
            )
            .await
            .html;
        assert!(
            !review.contains("already given"),
            "{other} {types:?}: {review}"
        );
    }
    // Nobody else learns what Ann gives: not Bob asking her for it.
    let mut bob = english(&app, BOB).await;
    let asks = bob.get("/mandates/new?domain=fin&side=mandatee").await.html;
    assert!(!asks.contains("already given"), "{asks}");
    let review = bob
        .post(
            "/mandates/review",
            &answers("mandatee", ANN, &["fin.tax_on_web"], "", ""),
        )
        .await
        .html;
    assert!(!review.contains("already given") && !review.contains("78.02.15-456.67"));
}

async fn the_refusal_on_a_held_type_names_it_in_words(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = english(&app, ANN).await;
    let mut bob = english(&app, BOB).await;
    let mut carl = english(&app, CARL).await;
    let held = create(&mut ann, "mandator", CARL, &["fin.tax_on_web"]).await;
    assert_eq!(sign(&mut carl, &held).await.status, 303);

    // Bob, who is no party to Ann's mandate with Carl, learns that there is one, not whose.
    let to_bob = create(&mut ann, "mandator", BOB, &["fin.tax_on_web"]).await;
    let refused = sign(&mut bob, &to_bob).await;
    assert_eq!(refused.status, 409, "{}", refused.html);
    assert!(
        refused.html.contains(&format!(
            "Only one mandatee at a time can hold {TAX_RETURN} for 85.07.30-033.28, and another mandate already gives it to someone else in the same period."
        )),
        "{}",
        refused.html
    );
    assert!(!refused.html.contains("fin.tax_on_web"));
    assert!(!refused.html.contains("78.02.15-456.67") && !refused.html.contains(&held));

    // Ann, who gives both, is told which mandate stands in the way, with a link to it.
    let asked = create(&mut bob, "mandatee", ANN, &["fin.tax_on_web"]).await;
    let refused = sign(&mut ann, &asked).await;
    assert_eq!(refused.status, 409, "{}", refused.html);
    assert!(
        refused.html.contains(&format!(
            "Only one mandatee at a time can hold {TAX_RETURN} for 85.07.30-033.28, and 78.02.15-456.67 holds it already in the same period."
        )),
        "{}",
        refused.html
    );
    assert!(
        refused
            .html
            .contains(&format!(r#"id="conflict-link" href="/mandates/{held}""#))
    );
    assert!(!refused.html.contains("fin.tax_on_web"));
}

on_both_stores!(
    the_confirmation_says_who_signs_next_by_when_and_that_they_were_told,
    check_your_answers_goes_back_to_each_answer_with_every_answer_kept,
    a_change_of_terms_is_shown_before_and_after_and_told_in_the_history,
    a_type_held_by_another_mandatee_is_flagged_with_the_way_forward,
    the_refusal_on_a_held_type_names_it_in_words,
);
