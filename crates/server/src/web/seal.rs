//! The key of what the pages keep in the browser rather than in the store: sealed cookies
//! (encrypted and authenticated, so that a visitor can neither read nor change them) and
//! anti-forgery tokens bound to a session. Instances configured with the same key accept each
//! other's cookies.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;

/// The fewest bytes a configured key may have.
pub const MIN_KEY_BYTES: usize = 32;

/// Keys derived from the configured secret: one to seal cookies, one to sign tokens.
pub struct CookieKey {
    seal: LessSafeKey,
    sign: hmac::Key,
}

/// Why a configured key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("login.cookie_key is not base64")]
    NotBase64,
    #[error(
        "login.cookie_key holds {0} bytes; it needs at least 32 (e.g. `openssl rand -base64 32`)"
    )]
    TooShort(usize),
    #[error("no random bytes for a cookie key")]
    Random,
    #[error("the cookie cipher refused its key or its input")]
    Cipher,
}

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

impl CookieKey {
    /// The key from its configured form: base64 (standard or URL-safe) of 32 bytes or more.
    pub fn from_base64(text: &str) -> Result<CookieKey, KeyError> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| KeyError::NotBase64)?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort(bytes.len()));
        }
        CookieKey::from_secret(&bytes)
    }

    /// A key of this instance alone (demo mode, or no web sign-in): its cookies die with it.
    pub fn random() -> Result<CookieKey, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| KeyError::Random)?;
        CookieKey::from_secret(&bytes)
    }

    fn from_secret(secret: &[u8]) -> Result<CookieKey, KeyError> {
        let master = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derive = |label: &[u8]| hmac::sign(&master, label);
        let seal_bytes = derive(b"mandates cookie seal v1");
        let sign_bytes = derive(b"mandates token signature v1");
        let seal = UnboundKey::new(&AES_256_GCM, seal_bytes.as_ref())
            .map(LessSafeKey::new)
            .map_err(|_| KeyError::Cipher)?;
        Ok(CookieKey {
            seal,
            sign: hmac::Key::new(hmac::HMAC_SHA256, sign_bytes.as_ref()),
        })
    }

    /// `plain` encrypted and authenticated for `purpose` (a sealed value of one purpose does not
    /// open as another's), URL-safe.
    pub fn seal(&self, purpose: &str, plain: &[u8]) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| KeyError::Random)?;
        let mut data = plain.to_vec();
        self.seal
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut data,
            )
            .map_err(|_| KeyError::Cipher)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// What [`CookieKey::seal`] sealed for `purpose`; `None` for anything else.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .seal
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut data)
            .ok()?;
        Some(plain.to_vec())
    }

    /// A signature of `data` for `purpose`, URL-safe; only the key's holders can make it.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        let mut context = hmac::Context::with_key(&self.sign);
        context.update(purpose.as_bytes());
        context.update(&[0]);
        context.update(data.as_bytes());
        URL_SAFE_NO_PAD.encode(context.sign().as_ref())
    }
}

#[cfg(test)]
#[expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn what_one_instance_seals_another_with_the_same_key_opens() {
        let one = CookieKey::from_base64(KEY).expect("key");
        let other = CookieKey::from_base64(KEY).expect("key");
        let sealed = one.seal("login", b"verifier").expect("sealed");
        assert!(!sealed.contains("verifier"));
        assert_eq!(
            other.open("login", &sealed).as_deref(),
            Some(&b"verifier"[..])
        );
        assert_eq!(one.sign("csrf", "s"), other.sign("csrf", "s"));
    }

    #[test]
    fn a_changed_value_another_purpose_or_another_key_does_not_open() {
        let key = CookieKey::from_base64(KEY).expect("key");
        let sealed = key.seal("login", b"verifier").expect("sealed");
        assert_eq!(key.open("other", &sealed), None);
        assert_eq!(
            CookieKey::random().expect("key").open("login", &sealed),
            None
        );
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(key.open("login", &URL_SAFE_NO_PAD.encode(bytes)), None);
        assert_eq!(key.open("login", "not sealed"), None);
        assert_ne!(key.sign("a", "x"), key.sign("b", "x"));
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(matches!(
            CookieKey::from_base64("c2hvcnQ="),
            Err(KeyError::TooShort(5))
        ));
        assert!(matches!(
            CookieKey::from_base64("not base64!"),
            Err(KeyError::NotBase64)
        ));
    }
}
