//! Demo mode: a throwaway token issuer (checked through the same path as a real one),
//! demo identities and demo data in every state.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDate};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mandates_domain::access::{Actor, AuthContext};
use mandates_domain::catalog::Catalog;
use mandates_domain::mandate::Draft;
use mandates_domain::roles::{EnterpriseRole, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{Insz, Kbo};
use mandates_store::Store;
use serde::Serialize;
use sha2::Digest;
use uuid::Uuid;

use crate::error::ApiError;
use crate::service::mandates::{Action, Policy, act, create};

/// How long a demo token is valid.
pub const TOKEN_MINUTES: i64 = 60;

/// Signs demo tokens with a key that lives only as long as the process.
pub struct DemoIssuer {
    pub issuer: String,
    audience: String,
    key: EncodingKey,
    kid: String,
    jwks: JwkSet,
}

impl DemoIssuer {
    /// A new issuer with a fresh random key.
    pub fn generate(issuer: &str, audience: &str) -> Result<Self, String> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| e.to_string())?;
        let signing = SigningKey::from_bytes(&seed);
        let der = signing.to_pkcs8_der().map_err(|e| e.to_string())?;
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
        let digest = sha2::Sha256::digest(x.as_bytes());
        let kid = URL_SAFE_NO_PAD.encode(&digest[..12]);
        let jwks: JwkSet = serde_json::from_value(serde_json::json!({
            "keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}]
        }))
        .map_err(|e| e.to_string())?;
        Ok(DemoIssuer {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            key: EncodingKey::from_ed_der(der.as_bytes()),
            kid,
            jwks,
        })
    }

    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// A person's access token, as an identity provider would issue it.
    pub fn issue(
        &self,
        person: &Insz,
        acr: Option<&str>,
        now: Instant,
    ) -> Result<String, ApiError> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            aud: &'a str,
            sub: &'a str,
            iat: i64,
            exp: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            acr: Option<&'a str>,
            amr: [&'a str; 1],
        }
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("at+jwt".into());
        header.kid = Some(self.kid.clone());
        let claims = Claims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: person.as_str(),
            iat: now.timestamp(),
            exp: (now + Duration::minutes(TOKEN_MINUTES)).timestamp(),
            acr,
            amr: ["demo"],
        };
        encode(&header, &claims, &self.key).map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// A demo identity, listed at `GET /demo/identities`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DemoIdentity {
    pub national_number: &'static str,
    pub description: &'static str,
}

pub const CITIZEN_A: &str = "85073003328";
pub const CITIZEN_B: &str = "90010112395";
pub const OFFICE_MANAGER: &str = "78021545667";
pub const OFFICE_EXECUTOR_1: &str = "05061207730";
pub const OFFICE_EXECUTOR_2: &str = "75041212353";
pub const OFFICE_REPRESENTATIVE: &str = "88112045693";
pub const COMPANY_REPRESENTATIVE: &str = "62092301281";
pub const SECOND_OFFICE_REPRESENTATIVE: &str = "93030578965";
/// An accounting office that holds mandates of its clients.
pub const ACCOUNTING_OFFICE: &str = "0412345614";
/// A second accounting office, to transfer mandates to.
pub const SECOND_OFFICE: &str = "0876543270";
/// A company that gives mandates.
pub const COMPANY: &str = "0203201340";

pub const IDENTITIES: [DemoIdentity; 8] = [
    DemoIdentity {
        national_number: CITIZEN_A,
        description: "Citizen A: gives mandates for the tax return",
    },
    DemoIdentity {
        national_number: CITIZEN_B,
        description: "Citizen B: has mandates waiting for a signature",
    },
    DemoIdentity {
        national_number: OFFICE_MANAGER,
        description: "Manager (fin) of accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: OFFICE_EXECUTOR_1,
        description: "Executor (income tax) at accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: OFFICE_EXECUTOR_2,
        description: "Executor (corporate tax, VAT) at accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: OFFICE_REPRESENTATIVE,
        description: "Legal representative of accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: COMPANY_REPRESENTATIVE,
        description: "Legal representative of company 0203.201.340",
    },
    DemoIdentity {
        national_number: SECOND_OFFICE_REPRESENTATIVE,
        description: "Legal representative of accounting office 0876.543.270",
    },
];

fn insz(n: &str) -> Result<Insz, ApiError> {
    Insz::parse(n).map_err(|e| ApiError::Internal(format!("demo number {n}: {e}")))
}

fn kbo(n: &str) -> Result<Kbo, ApiError> {
    Kbo::parse(n).map_err(|e| ApiError::Internal(format!("demo number {n}: {e}")))
}

fn role(
    enterprise: &str,
    person: &str,
    kind: RoleKind,
    domain: Option<&str>,
    types: &[&str],
    from: NaiveDate,
    at: Instant,
) -> Result<EnterpriseRole, ApiError> {
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

/// Fills an empty demo database: the roster of three enterprises and mandates in every
/// state. Does nothing when mandates exist already.
pub async fn seed(store: &Store, catalog: &Catalog, now: Instant) -> Result<(), ApiError> {
    if store.last_seq().await? > 1 {
        return Ok(());
    }
    let long_ago = now - Duration::days(400);
    let since = brussels_date(long_ago);
    let roster = [
        role(
            ACCOUNTING_OFFICE,
            OFFICE_REPRESENTATIVE,
            RoleKind::LegalRepresentative,
            None,
            &[],
            since,
            long_ago,
        )?,
        role(
            ACCOUNTING_OFFICE,
            OFFICE_MANAGER,
            RoleKind::Manager,
            Some("fin"),
            &[],
            since,
            long_ago,
        )?,
        role(
            ACCOUNTING_OFFICE,
            OFFICE_EXECUTOR_1,
            RoleKind::Executor,
            Some("fin"),
            &["fin.tax_on_web"],
            since,
            long_ago,
        )?,
        role(
            ACCOUNTING_OFFICE,
            OFFICE_EXECUTOR_2,
            RoleKind::Executor,
            Some("fin"),
            &["fin.biztax", "fin.intervat"],
            since,
            long_ago,
        )?,
        role(
            COMPANY,
            COMPANY_REPRESENTATIVE,
            RoleKind::LegalRepresentative,
            None,
            &[],
            since,
            long_ago,
        )?,
        role(
            SECOND_OFFICE,
            SECOND_OFFICE_REPRESENTATIVE,
            RoleKind::LegalRepresentative,
            None,
            &[],
            since,
            long_ago,
        )?,
    ];
    let mut tx = store.begin().await?;
    for r in &roster {
        tx.put_role(r, None).await?;
    }
    let events: Vec<_> = roster
        .iter()
        .map(|r| mandates_store::NewEvent {
            stream: "role",
            subject: r.enterprise.to_string(),
            kind: "role_imported".into(),
            at: long_ago,
            person: None,
            party: Some(r.enterprise.to_string()),
            auth: serde_json::Value::Null,
            version: 0,
            detail: serde_json::to_value(r).unwrap_or_default(),
        })
        .collect();
    tx.append(&events).await?;
    let auth = AuthContext {
        acr: Some("demo".into()),
        amr: vec!["demo".into()],
    };
    let me = |n: &str| insz(n).map(|p| Actor::myself(p, auth.clone()));
    let for_firm = |person: &str, firm: &str, at: Instant| -> Result<Actor, ApiError> {
        Ok(Actor::for_enterprise(
            insz(person)?,
            auth.clone(),
            kbo(firm)?,
            roster.to_vec(),
            at,
        )?)
    };
    let policy = Policy {
        acr_levels: &[],
        min_signing_acr: None,
    };
    let draft = |types: &[&str],
                 mandator: &str,
                 mandatee: &str,
                 from: Instant,
                 until: Option<NaiveDate>,
                 reference: &str| Draft {
        domain: types[0].split('.').next().unwrap_or_default().to_owned(),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        mandator: mandator.to_owned(),
        mandatee: mandatee.to_owned(),
        valid_from: Some(brussels_date(from).to_string()),
        valid_until: until.map(|u| u.to_string()),
        reference: Some(reference.to_owned()),
        language: Some("nl".into()),
        email: None,
    };
    let days = |n: i64| now - Duration::days(n);
    let sign = |version| Action::Sign { version };

    // Active: citizen A gives the accounting office the income tax return.
    let office_manager = for_firm(OFFICE_MANAGER, ACCOUNTING_OFFICE, days(20))?;
    let (m, _) = create(
        &mut tx,
        &office_manager,
        &draft(
            &["fin.tax_on_web"],
            CITIZEN_A,
            ACCOUNTING_OFFICE,
            days(20),
            None,
            "client 2024-017",
        ),
        catalog,
        &policy,
        days(20),
    )
    .await?;
    act(
        &mut tx,
        &me(CITIZEN_A)?,
        m.id,
        &sign(1),
        catalog,
        &policy,
        days(19),
    )
    .await?;

    // Active: the company gives the office its corporate tax and VAT returns.
    let company = for_firm(COMPANY_REPRESENTATIVE, COMPANY, days(60))?;
    let (m, _) = create(
        &mut tx,
        &company,
        &draft(
            &["fin.biztax", "fin.intervat"],
            COMPANY,
            ACCOUNTING_OFFICE,
            days(60),
            None,
            "BV dossier 88",
        ),
        catalog,
        &policy,
        days(60),
    )
    .await?;
    act(
        &mut tx,
        &for_firm(OFFICE_MANAGER, ACCOUNTING_OFFICE, days(59))?,
        m.id,
        &sign(1),
        catalog,
        &policy,
        days(59),
    )
    .await?;

    // Pending: the office asks citizen B for access to MyMinfin.
    let until = brussels_date(now + Duration::days(365));
    create(
        &mut tx,
        &for_firm(OFFICE_MANAGER, ACCOUNTING_OFFICE, days(2))?,
        &draft(
            &["fin.myminfin_consult"],
            CITIZEN_B,
            ACCOUNTING_OFFICE,
            days(2),
            Some(until),
            "client 2025-102",
        ),
        catalog,
        &policy,
        days(2),
    )
    .await?;

    // Pending: citizen A asks citizen B to handle the renovation premium.
    create(
        &mut tx,
        &me(CITIZEN_A)?,
        &draft(
            &["vlaanderen.verbouwpremie"],
            CITIZEN_A,
            CITIZEN_B,
            days(1),
            Some(until),
            "renovation",
        ),
        catalog,
        &policy,
        days(1),
    )
    .await?;

    // Rejected: citizen B refused an eHealth mandate from citizen A.
    let (m, _) = create(
        &mut tx,
        &me(CITIZEN_A)?,
        &draft(
            &["ehealth.consent"],
            CITIZEN_A,
            CITIZEN_B,
            days(30),
            None,
            "",
        ),
        catalog,
        &policy,
        days(30),
    )
    .await?;
    act(
        &mut tx,
        &me(CITIZEN_B)?,
        m.id,
        &Action::Reject,
        catalog,
        &policy,
        days(29),
    )
    .await?;

    // Withdrawn: citizen B took back a study grant mandate.
    let (m, _) = create(
        &mut tx,
        &me(CITIZEN_B)?,
        &draft(
            &["vlaanderen.studietoelage"],
            CITIZEN_B,
            CITIZEN_A,
            days(40),
            Some(brussels_date(days(40) + Duration::days(300))),
            "",
        ),
        catalog,
        &policy,
        days(40),
    )
    .await?;
    act(
        &mut tx,
        &me(CITIZEN_B)?,
        m.id,
        &Action::Withdraw,
        catalog,
        &policy,
        days(39),
    )
    .await?;

    // Lapsed: nobody at the office signed the company's excise mandate in time.
    create(
        &mut tx,
        &company,
        &draft(
            &["fin.excise"],
            COMPANY,
            ACCOUNTING_OFFICE,
            days(90),
            Some(brussels_date(days(90) + Duration::days(1000))),
            "excise",
        ),
        catalog,
        &policy,
        days(90),
    )
    .await?;

    // Stopped: citizen A ended the tax disputes mandate of citizen B.
    let (m, _) = create(
        &mut tx,
        &me(CITIZEN_A)?,
        &draft(
            &["fin.tax_disputes"],
            CITIZEN_A,
            CITIZEN_B,
            days(100),
            Some(brussels_date(days(100) + Duration::days(700))),
            "appeal 2024",
        ),
        catalog,
        &policy,
        days(100),
    )
    .await?;
    act(
        &mut tx,
        &me(CITIZEN_B)?,
        m.id,
        &sign(1),
        catalog,
        &policy,
        days(99),
    )
    .await?;
    act(
        &mut tx,
        &me(CITIZEN_A)?,
        m.id,
        &Action::Stop,
        catalog,
        &policy,
        days(10),
    )
    .await?;

    // Expired: the company's UBO register mandate to the second office ran out.
    let company_then = for_firm(COMPANY_REPRESENTATIVE, COMPANY, days(380))?;
    let (m, _) = create(
        &mut tx,
        &company_then,
        &draft(
            &["fin.ubo_register"],
            COMPANY,
            SECOND_OFFICE,
            days(380),
            Some(brussels_date(days(31))),
            "UBO 2025",
        ),
        catalog,
        &policy,
        days(380),
    )
    .await?;
    act(
        &mut tx,
        &for_firm(SECOND_OFFICE_REPRESENTATIVE, SECOND_OFFICE, days(379))?,
        m.id,
        &sign(1),
        catalog,
        &policy,
        days(379),
    )
    .await?;

    tx.commit().await?;
    Ok(())
}
