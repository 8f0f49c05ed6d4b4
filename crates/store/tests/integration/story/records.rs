//! What the service keeps besides mandates: answers remembered under an idempotency key,
//! sessions of the pages, business applications and signing keys.

use super::*;

/// An answer remembered under a key, per principal.
pub(super) async fn idempotency(story: &Story) {
    let now = at("2027-03-02T13:00:00Z");
    let answer = StoredResponse {
        fingerprint: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        status: 201,
        body: json!({"id": "the first answer"}).to_string(),
    };
    let mut tx = story.store.begin().await.expect("begin");
    assert_eq!(tx.remembered(ANN, "key-1").await.expect("look up"), None);
    tx.remember(ANN, "key-1", &answer, now)
        .await
        .expect("remember");
    assert_eq!(
        tx.remembered(ANN, "key-1").await.expect("look up"),
        Some(answer.clone()),
        "read in the transaction that wrote it"
    );
    tx.commit().await.expect("commit");
    let mut tx = story.store.begin().await.expect("begin");
    assert_eq!(
        tx.remembered(ANN, "key-1").await.expect("look up"),
        Some(answer)
    );
    assert_eq!(
        tx.remembered(BOB, "key-1").await.expect("look up"),
        None,
        "a key is the principal's own"
    );
    assert_eq!(tx.remembered(ANN, "key-2").await.expect("look up"), None);
    tx.rollback().await.expect("rollback");
}

/// Sessions of the pages: written, refreshed, forgotten when idle or on sign-out.
pub(super) async fn sessions(story: &Story) {
    let store = &story.store;
    let signed_in = at("2027-03-02T16:00:00Z");
    let first = StoredSession {
        data: json!({"person": ANN}).to_string(),
        created_at: signed_in,
        last_seen_at: signed_in,
    };
    assert_eq!(store.session("hash-1").await.expect("session"), None);
    store
        .put_session("hash-1", &first)
        .await
        .expect("a new session");
    assert_eq!(
        store.session("hash-1").await.expect("session"),
        Some(first.clone())
    );
    let refreshed = StoredSession {
        data: json!({"person": ANN, "acting_for": OFFICE}).to_string(),
        created_at: signed_in + Duration::minutes(10),
        last_seen_at: signed_in + Duration::minutes(10),
    };
    store
        .put_session("hash-1", &refreshed)
        .await
        .expect("a changed session");
    assert_eq!(
        store.session("hash-1").await.expect("session"),
        Some(StoredSession {
            created_at: signed_in,
            ..refreshed.clone()
        }),
        "a session keeps the instant it was made"
    );
    let idle = StoredSession {
        data: json!({"person": BOB}).to_string(),
        created_at: signed_in - Duration::hours(2),
        last_seen_at: signed_in - Duration::hours(1),
    };
    store
        .put_session("hash-2", &idle)
        .await
        .expect("another session");
    let old = StoredSession {
        data: json!({"person": BOB}).to_string(),
        created_at: signed_in - Duration::hours(13),
        last_seen_at: signed_in - Duration::minutes(5),
    };
    store
        .put_session("hash-3", &old)
        .await
        .expect("an old session");
    assert_eq!(
        store
            .delete_ended_sessions(
                signed_in - Duration::minutes(30),
                signed_in - Duration::hours(12)
            )
            .await
            .expect("forget ended sessions"),
        2,
        "the idle one and the old one"
    );
    assert_eq!(store.session("hash-2").await.expect("session"), None);
    assert_eq!(store.session("hash-3").await.expect("session"), None);
    assert!(store.session("hash-1").await.expect("session").is_some());
    store.delete_session("hash-1").await.expect("sign out");
    assert_eq!(store.session("hash-1").await.expect("session"), None);
}

pub(super) fn client(id: &str, domain: &str, created_at: Instant) -> Client {
    Client {
        id: id.into(),
        name: format!("Application {id}"),
        domain: domain.into(),
        types: vec![format!("{domain}.tax_on_web")],
        secret_hash: format!("sha256 of the secret of {id}"),
        created_at,
        revoked_at: None,
    }
}

pub(super) fn signing_key(kid: &str, created_at: Instant) -> SigningKey {
    SigningKey {
        kid: kid.into(),
        private_der: format!("private key {kid}"),
        public_jwk: json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": "AAAA"}),
        created_at,
    }
}

/// Key values of signing keys (which have no equality of their own), newest first.
pub(super) fn keys(keys: &[SigningKey]) -> Vec<(String, String, serde_json::Value, Instant)> {
    keys.iter()
        .map(|k| {
            (
                k.kid.clone(),
                k.private_der.clone(),
                k.public_jwk.clone(),
                k.created_at,
            )
        })
        .collect()
}

/// Business applications and the service's own signing keys.
pub(super) async fn clients_and_signing_keys(story: &Story) {
    let store = &story.store;
    let t = at("2027-03-02T17:00:00Z");
    let tax = client("tax-office", "fin", t);
    let health = client("health-app", "ehealth", t);
    let later = client("another", "fin", t + Duration::seconds(1));
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.add_client(&tax).await.expect("add"));
    assert!(
        !tx.add_client(&tax).await.expect("add again"),
        "an id is taken once"
    );
    assert!(tx.add_client(&health).await.expect("add"));
    assert!(tx.add_client(&later).await.expect("add"));
    tx.commit().await.expect("commit");
    assert_eq!(
        store.clients().await.expect("clients"),
        [health.clone(), tax.clone(), later.clone()],
        "by creation, then id"
    );
    assert_eq!(
        store.client("tax-office").await.expect("client"),
        Some(tax.clone())
    );
    assert_eq!(store.client("nobody").await.expect("client"), None);

    let revoked_at = t + Duration::days(1);
    let mut tx = store.begin().await.expect("begin");
    assert!(
        tx.revoke_client("tax-office", revoked_at)
            .await
            .expect("revoke")
    );
    assert!(
        !tx.revoke_client("tax-office", revoked_at + Duration::hours(1))
            .await
            .expect("revoke again"),
        "revoked once"
    );
    assert!(
        !tx.revoke_client("nobody", revoked_at)
            .await
            .expect("revoke")
    );
    tx.commit().await.expect("commit");
    assert_eq!(
        store.client("tax-office").await.expect("client"),
        Some(Client {
            revoked_at: Some(revoked_at),
            ..tax
        })
    );

    assert!(store.signing_keys().await.expect("keys").is_empty());
    let old = signing_key("key-1", t);
    let new = signing_key("key-2", t + Duration::days(30));
    let mut tx = store.begin().await.expect("begin");
    tx.add_signing_key(&old).await.expect("a key");
    tx.add_signing_key(&new).await.expect("a newer key");
    tx.commit().await.expect("commit");
    assert_eq!(
        keys(&store.signing_keys().await.expect("keys")),
        keys(&[new, old]),
        "newest first"
    );
}
