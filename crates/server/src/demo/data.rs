//! The demo data: the roster of the demo enterprises and demo mandates in every state,
//! written to an empty demo database.

use chrono::{Duration, NaiveDate};
use mandates_domain::access::SigningPolicy;
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::catalog::Catalog;
use mandates_domain::mandate::Draft;
use mandates_domain::roles::{EnterpriseRole, RoleEventKind, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{Insz, Kbo, Party, PartyName};
use mandates_store::Store;
use uuid::Uuid;

use super::identities::{
    ACCOUNTING_OFFICE, CITIZEN_A, CITIZEN_B, COMPANY, COMPANY_REPRESENTATIVE, NAMES,
    OFFICE_EXECUTOR_1, OFFICE_EXECUTOR_2, OFFICE_MANAGER, OFFICE_REPRESENTATIVE, SECOND_OFFICE,
    SECOND_OFFICE_REPRESENTATIVE,
};
use crate::error::AppError;
use crate::service::mandates::Action;
use crate::service::unit::{Rules, Work};

fn insz(n: &str) -> Result<Insz, AppError> {
    Insz::parse(n).map_err(|e| AppError::internal("reading a demo national number", e))
}

fn kbo(n: &str) -> Result<Kbo, AppError> {
    Kbo::parse(n).map_err(|e| AppError::internal("reading a demo enterprise number", e))
}

fn role(
    enterprise: &str,
    person: &str,
    kind: RoleKind,
    domain: Option<&str>,
    types: &[&str],
    from: NaiveDate,
    at: Instant,
) -> Result<EnterpriseRole, AppError> {
    Ok(EnterpriseRole {
        id: Uuid::new_v4(),
        enterprise: kbo(enterprise)?,
        person: insz(person)?,
        kind,
        domain: domain.map(str::to_owned),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        valid_from: from,
        valid_until: None,
        ended_at: None,
        assigned_at: at,
    })
}

/// Who acts in a demo story: a person in their own name, or for an enterprise.
#[derive(Clone, Copy)]
enum Who {
    Person(&'static str),
    For(&'static str, &'static str),
}

/// One demo mandate: created `days_ago`, then the actions that bring it to its state.
struct Story {
    types: &'static [&'static str],
    mandator: &'static str,
    mandatee: &'static str,
    creator: Who,
    days_ago: i64,
    until: Option<NaiveDate>,
    reference: &'static str,
    then: Vec<(i64, Who, Action)>,
}

/// Demo mandates in every state.
fn stories(now: Instant) -> Vec<Story> {
    let in_days = |n: i64| Some(brussels_date(now + Duration::days(n)));
    let sign = Action::Sign { version: 1 };
    let manager = Who::For(OFFICE_MANAGER, ACCOUNTING_OFFICE);
    let company = Who::For(COMPANY_REPRESENTATIVE, COMPANY);
    let (a, b) = (Who::Person(CITIZEN_A), Who::Person(CITIZEN_B));
    let story = |types, mandator, mandatee, creator, days_ago, until, reference, then| Story {
        types,
        mandator,
        mandatee,
        creator,
        days_ago,
        until,
        reference,
        then,
    };
    vec![
        // Active: citizen A gives the accounting office the income tax return, a type that
        // only one mandatee at a time may hold: A choosing it for someone else is warned.
        story(
            &["fin.tax_on_web"],
            CITIZEN_A,
            ACCOUNTING_OFFICE,
            manager,
            20,
            None,
            "client 2024-017",
            vec![(19, a, sign.clone())],
        ),
        // Active: the company gives the office its corporate tax and VAT returns.
        story(
            &["fin.biztax", "fin.intervat"],
            COMPANY,
            ACCOUNTING_OFFICE,
            company,
            60,
            None,
            "BV dossier 88",
            vec![(59, manager, sign.clone())],
        ),
        // Pending: the office asks citizen B for access to MyMinfin.
        story(
            &["fin.myminfin_consult"],
            CITIZEN_B,
            ACCOUNTING_OFFICE,
            manager,
            2,
            in_days(365),
            "client 2025-102",
            vec![],
        ),
        // Pending: citizen A asks citizen B to handle the renovation premium.
        story(
            &["vlaanderen.verbouwpremie"],
            CITIZEN_A,
            CITIZEN_B,
            a,
            1,
            in_days(365),
            "renovation",
            vec![],
        ),
        // Rejected: citizen B refused an eHealth mandate from citizen A.
        story(
            &["ehealth.consent"],
            CITIZEN_A,
            CITIZEN_B,
            a,
            30,
            None,
            "",
            vec![(29, b, Action::Reject)],
        ),
        // Withdrawn: citizen B took back a study grant mandate.
        story(
            &["vlaanderen.studietoelage"],
            CITIZEN_B,
            CITIZEN_A,
            b,
            40,
            in_days(260),
            "",
            vec![(39, b, Action::Withdraw)],
        ),
        // Lapsed: nobody at the office signed the company's excise mandate in time.
        story(
            &["fin.excise"],
            COMPANY,
            ACCOUNTING_OFFICE,
            company,
            90,
            in_days(900),
            "excise",
            vec![],
        ),
        // Stopped: citizen A ended the tax disputes mandate of citizen B.
        story(
            &["fin.tax_disputes"],
            CITIZEN_A,
            CITIZEN_B,
            a,
            100,
            in_days(600),
            "appeal 2024",
            vec![(99, b, sign.clone()), (10, a, Action::Stop)],
        ),
        // Expired: the company's UBO register mandate to the second office ran out.
        story(
            &["fin.ubo_register"],
            COMPANY,
            SECOND_OFFICE,
            company,
            380,
            in_days(-31),
            "UBO 2025",
            vec![(
                379,
                Who::For(SECOND_OFFICE_REPRESENTATIVE, SECOND_OFFICE),
                sign,
            )],
        ),
    ]
}

/// Fills an empty demo database: the roster of three enterprises, the names of the demo
/// people and enterprises, and mandates in every state. Does nothing when mandates exist already.
pub async fn seed(store: &Store, catalog: &Catalog, now: Instant) -> Result<(), AppError> {
    if store.last_seq().await? > 1 {
        return Ok(());
    }
    let long_ago = now - Duration::days(400);
    let since = brussels_date(long_ago);
    let roster = [
        (
            ACCOUNTING_OFFICE,
            OFFICE_REPRESENTATIVE,
            RoleKind::LegalRepresentative,
            None,
            &[][..],
        ),
        (
            ACCOUNTING_OFFICE,
            OFFICE_MANAGER,
            RoleKind::Manager,
            Some("fin"),
            &[],
        ),
        (
            ACCOUNTING_OFFICE,
            OFFICE_EXECUTOR_1,
            RoleKind::Executor,
            Some("fin"),
            &["fin.tax_on_web"],
        ),
        (
            ACCOUNTING_OFFICE,
            OFFICE_EXECUTOR_2,
            RoleKind::Executor,
            Some("fin"),
            &["fin.biztax", "fin.intervat"],
        ),
        (
            COMPANY,
            COMPANY_REPRESENTATIVE,
            RoleKind::LegalRepresentative,
            None,
            &[],
        ),
        (
            SECOND_OFFICE,
            SECOND_OFFICE_REPRESENTATIVE,
            RoleKind::LegalRepresentative,
            None,
            &[],
        ),
    ]
    .into_iter()
    .map(|(firm, person, kind, domain, types)| {
        role(firm, person, kind, domain, types, since, long_ago)
    })
    .collect::<Result<Vec<_>, _>>()?;
    let mut tx = store.begin().await?;
    for r in &roster {
        tx.put_role(r, None).await?;
    }
    let events: Vec<_> = roster
        .iter()
        .map(|r| crate::service::roles::role_event(RoleEventKind::Imported, r, None, long_ago))
        .collect();
    tx.append(&events).await?;
    for (number, name) in NAMES {
        let party = Party::parse(number)
            .map_err(|e| AppError::internal("reading a demo party number", e))?;
        let name =
            PartyName::parse(name).map_err(|e| AppError::internal("reading a demo name", e))?;
        tx.learn_name(&party, &name, long_ago).await?;
    }
    let auth = AuthContext {
        acr: Some("demo".into()),
        amr: vec!["demo".into()],
    };
    // The demo's past is written as it happened, whatever the signing level required now.
    let mut work = Work::over(
        tx,
        Rules {
            catalog,
            signing: SigningPolicy {
                levels: &[],
                minimum: None,
            },
        },
    );
    // The demo's past told nobody: a newcomer's first proposal is the first notice and the
    // first mail of its people.
    work.tell = false;
    for story in stories(now) {
        let actor = |who: Who, at: Instant| -> Result<Actor, AppError> {
            match who {
                Who::Person(p) => Ok(Actor::myself(insz(p)?, auth.clone())),
                Who::For(p, firm) => Ok(Actor::for_enterprise(
                    insz(p)?,
                    auth.clone(),
                    kbo(firm)?,
                    roster.to_vec(),
                    at,
                )?),
            }
        };
        let at = now - Duration::days(story.days_ago);
        let draft = Draft {
            domain: story.types[0]
                .split('.')
                .next()
                .unwrap_or_default()
                .to_owned(),
            types: story.types.iter().map(|t| (*t).to_owned()).collect(),
            mandator: story.mandator.to_owned(),
            mandatee: story.mandatee.to_owned(),
            valid_from: Some(brussels_date(at).to_string()),
            valid_until: story.until.map(|u| u.to_string()),
            reference: Some(story.reference.to_owned()),
            language: Some("nl".into()),
            email: None,
            capacity: None,
        };
        let m = work
            .create_mandate(&actor(story.creator, at)?, &draft, at)
            .await?
            .value;
        for (days_ago, who, action) in story.then {
            let at = now - Duration::days(days_ago);
            work.act(&actor(who, at)?, m.id, &action, at).await?;
        }
    }
    work.commit().await?;
    Ok(())
}
