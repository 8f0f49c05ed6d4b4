//! The evidence key: an Ed25519 key the operator keeps in a file outside the database, that
//! signs checkpoints and receipts; and the public keys that verify what it and its
//! predecessors signed.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::Digest as _;

use crate::config::EvidenceConfig;

/// The key that signs evidence, with the public keys of those before it.
pub struct EvidenceKeys {
    kid: String,
    encoding: EncodingKey,
    jwk: serde_json::Value,
    previous: Vec<serde_json::Value>,
}

impl std::fmt::Debug for EvidenceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceKeys")
            .field("kid", &self.kid)
            .finish()
    }
}

/// The public JWK of an Ed25519 key, its `kid` the key's RFC 7638 thumbprint.
pub fn public_jwk(key: &VerifyingKey) -> serde_json::Value {
    let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
    // RFC 7638: SHA-256 of the required members in lexicographic order, no white space.
    let members = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(members.as_bytes()));
    serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"})
}

/// A new evidence key as PKCS#8 PEM (what `openssl genpkey -algorithm ed25519` writes).
pub fn generate_pem() -> Result<String, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no random bytes: {e}"))?;
    SigningKey::from_bytes(&seed)
        .to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| format!("the key could not be written: {e}"))
}

/// Where demo mode keeps its evidence key: beside its SQLite database file (none for a
/// database in memory or on PostgreSQL: a key for this run only).
pub fn demo_key_path(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:")
        .then(|| PathBuf::from(format!("{path}.evidence-key.pem")))
}

impl EvidenceKeys {
    /// The configured key; in demo mode without one, the key beside the database file
    /// (made the first time) or one for this run.
    pub fn load(config: &EvidenceConfig, demo: bool, database_url: &str) -> Result<Self, String> {
        let signing = match (&config.key_file, demo) {
            (Some(path), _) => read_private(path)?,
            (None, true) => match demo_key_path(database_url) {
                Some(path) if path.exists() => read_private(&path)?,
                Some(path) => {
                    std::fs::write(&path, generate_pem()?)
                        .map_err(|e| format!("demo evidence key {}: {e}", path.display()))?;
                    read_private(&path)?
                }
                None => SigningKey::from_pkcs8_pem(&generate_pem()?)
                    .map_err(|e| format!("a new evidence key: {e}"))?,
            },
            (None, false) => {
                return Err(
                    "evidence.key_file (MANDATES_EVIDENCE__KEY_FILE) is required: the \
                     Ed25519 key that signs checkpoints and receipts, in PKCS#8 PEM, kept \
                     outside the database (`openssl genpkey -algorithm ed25519 -out \
                     evidence-key.pem`)"
                        .into(),
                );
            }
        };
        let previous = config
            .previous_public_keys
            .iter()
            .map(|path| read_public(path).map(|k| public_jwk(&k)))
            .collect::<Result<Vec<_>, _>>()?;
        Self::of(&signing, previous)
    }

    fn of(signing: &SigningKey, previous: Vec<serde_json::Value>) -> Result<Self, String> {
        let der = signing
            .to_pkcs8_der()
            .map_err(|e| format!("the evidence key could not be encoded: {e}"))?;
        let jwk = public_jwk(&signing.verifying_key());
        Ok(EvidenceKeys {
            kid: jwk["kid"].as_str().unwrap_or_default().to_owned(),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            jwk,
            previous,
        })
    }

    /// The id of the key that signs now.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public keys: the one that signs now, then those before it.
    pub fn public_jwks(&self) -> Vec<serde_json::Value> {
        std::iter::once(self.jwk.clone())
            .chain(self.previous.iter().cloned())
            .collect()
    }

    /// A compact JWS (EdDSA) of `claims`, typed `typ`.
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> Result<String, String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| format!("signing evidence: {e}"))
    }
}

fn read_private(path: &Path) -> Result<SigningKey, String> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("evidence key {}: {e}", path.display()))?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
        format!(
            "evidence key {}: not an Ed25519 private key in PKCS#8 PEM ({e})",
            path.display()
        )
    })
}

fn read_public(path: &Path) -> Result<VerifyingKey, String> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("previous evidence key {}: {e}", path.display()))?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|e| {
        format!(
            "previous evidence key {}: not an Ed25519 public key in PEM ({e})",
            path.display()
        )
    })
}
