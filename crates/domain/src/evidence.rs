//! The evidence chain of the event log. Every event has a canonical form (RFC 8785, the JSON
//! Canonicalization Scheme, of the object [`CanonicalEvent`] writes), a digest (SHA-256 of
//! that form) and a chain value: SHA-256 of the previous event's chain value followed by its
//! own digest, 32 bytes each; before the first event the chain value is 32 zero bytes. The
//! chain value of the last event (the head) therefore stands for every event up to it:
//! changing, removing, inserting or reordering one changes every head after it.
//!
//! A proof links an event to a later head: the chain value before the event and the digests
//! of the events after it. Digests reveal nothing of other events' contents.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::time::Instant;

/// A SHA-256 value: a digest or a chain value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The chain value before the first event.
    pub const GENESIS: Hash = Hash([0; 32]);

    /// Lowercase hexadecimal, as stored and exported.
    pub fn hex(&self) -> String {
        use std::fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }

    /// Reads 64 hexadecimal digits.
    pub fn parse(text: &str) -> Option<Hash> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            out[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(Hash(out))
    }

    /// The chain value after an event of digest `digest` that follows chain value `self`.
    pub fn then(&self, digest: &Hash) -> Hash {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(digest.0);
        Hash(h.finalize().into())
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Hash::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("a hash is 64 lowercase hexadecimal digits"))
    }
}

/// An event as the chain sees it: every column of the log, `at` as RFC 3339 in UTC with
/// microseconds (`2027-03-01T09:30:00.000000Z`), `auth` and `detail` as the JSON they hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalEvent {
    pub seq: i64,
    pub stream: String,
    pub subject: String,
    pub kind: String,
    pub at: String,
    pub person: Option<String>,
    pub party: Option<String>,
    pub auth: serde_json::Value,
    pub version: i64,
    pub detail: serde_json::Value,
}

/// The way `at` is written in the canonical form.
pub fn canonical_instant(at: Instant) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl CanonicalEvent {
    /// The event's parts, borrowed.
    pub fn parts(&self) -> EventParts<'_> {
        EventParts {
            seq: self.seq,
            stream: &self.stream,
            subject: &self.subject,
            kind: &self.kind,
            at: &self.at,
            person: self.person.as_deref(),
            party: self.party.as_deref(),
            auth: &self.auth,
            version: self.version,
            detail: &self.detail,
        }
    }

    /// The canonical form: RFC 8785 JSON of the event.
    pub fn canonical(&self) -> Vec<u8> {
        self.parts().canonical()
    }

    /// SHA-256 of the canonical form.
    pub fn digest(&self) -> Hash {
        self.parts().digest()
    }
}

/// An event's members, borrowed from wherever they are (an event being appended is hashed
/// without copying its JSON).
#[derive(Debug, Clone, Copy)]
pub struct EventParts<'a> {
    pub seq: i64,
    pub stream: &'a str,
    pub subject: &'a str,
    pub kind: &'a str,
    /// As [`canonical_instant`] writes it.
    pub at: &'a str,
    pub person: Option<&'a str>,
    pub party: Option<&'a str>,
    pub auth: &'a serde_json::Value,
    pub version: i64,
    pub detail: &'a serde_json::Value,
}

impl EventParts<'_> {
    /// The canonical form: RFC 8785 JSON of the event's object. Its members are written in
    /// their sorted order; `auth` and `detail` by [`write_canonical`].
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        let text = |out: &mut Vec<u8>, s: Option<&str>| match s {
            Some(s) => write_string(out, s),
            None => out.extend_from_slice(b"null"),
        };
        out.extend_from_slice(b"{\"at\":");
        write_string(&mut out, self.at);
        out.extend_from_slice(b",\"auth\":");
        write_canonical(&mut out, self.auth);
        out.extend_from_slice(b",\"detail\":");
        write_canonical(&mut out, self.detail);
        out.extend_from_slice(b",\"kind\":");
        write_string(&mut out, self.kind);
        out.extend_from_slice(b",\"party\":");
        text(&mut out, self.party);
        out.extend_from_slice(b",\"person\":");
        text(&mut out, self.person);
        out.extend_from_slice(b",\"seq\":");
        write_canonical(&mut out, &serde_json::Value::from(self.seq));
        out.extend_from_slice(b",\"stream\":");
        write_string(&mut out, self.stream);
        out.extend_from_slice(b",\"subject\":");
        write_string(&mut out, self.subject);
        out.extend_from_slice(b",\"version\":");
        write_canonical(&mut out, &serde_json::Value::from(self.version));
        out.push(b'}');
        out
    }

    /// SHA-256 of the canonical form.
    pub fn digest(&self) -> Hash {
        Hash(Sha256::digest(self.canonical()).into())
    }
}

/// A JSON string as RFC 8785 writes it: the escapes of ECMAScript's `JSON.stringify` (`\"`,
/// `\\`, `\b` `\f` `\n` `\r` `\t`, other control characters as `\u00xx`), which are
/// serde_json's.
fn write_string(out: &mut Vec<u8>, s: &str) {
    // Writing a string into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Whether `n` is an integer that a double holds exactly.
fn exact_integer(n: &serde_json::Number) -> bool {
    const EXACT: u64 = 1 << 53;
    n.as_u64().is_some_and(|u| u <= EXACT) || n.as_i64().is_some_and(|i| i.unsigned_abs() <= EXACT)
}

/// A JSON value as RFC 8785 writes it: object members sorted by the UTF-16 code units of
/// their names, no white space; integers that a double holds exactly (|n| ≤ 2⁵³) as their
/// digits. Any other number is written by `serde_json_canonicalizer` (ECMAScript's form of
/// the nearest double).
pub fn write_canonical(out: &mut Vec<u8>, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) if exact_integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Number(n) => {
            let double = n.as_f64().unwrap_or_default();
            let _ = serde_json_canonicalizer::to_writer(&double, &mut *out);
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, name);
                out.push(b':');
                write_canonical(out, member);
            }
            out.push(b'}');
        }
    }
}

/// The link of one event to a later chain value: the chain value before it and the digests
/// of the events after it, up to that value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The chain value of the event before (zeros for the first event).
    pub before: Hash,
    /// The digests of the events after it, in order.
    pub after: Vec<Hash>,
}

impl Proof {
    /// The chain value the proof reaches from an event of digest `digest`.
    pub fn reaches(&self, digest: &Hash) -> Hash {
        self.after
            .iter()
            .fold(self.before.then(digest), |chain, d| chain.then(d))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn event(seq: i64, detail: serde_json::Value) -> CanonicalEvent {
        CanonicalEvent {
            seq,
            stream: "mandate".into(),
            subject: "0190a0c4-1111-7000-8000-000000000001".into(),
            kind: "signed".into(),
            at: "2027-03-01T09:30:00.000000Z".into(),
            person: Some("85073003328".into()),
            party: None,
            auth: json!({"acr": "high"}),
            version: 1,
            detail,
        }
    }

    #[test]
    fn the_canonical_form_sorts_keys_and_drops_space() {
        let e = event(7, json!({"z": 1, "a": [true, null]}));
        assert_eq!(
            String::from_utf8(e.canonical()).unwrap_or_default(),
            "{\"at\":\"2027-03-01T09:30:00.000000Z\",\"auth\":{\"acr\":\"high\"},\
             \"detail\":{\"a\":[true,null],\"z\":1},\"kind\":\"signed\",\"party\":null,\
             \"person\":\"85073003328\",\"seq\":7,\"stream\":\"mandate\",\
             \"subject\":\"0190a0c4-1111-7000-8000-000000000001\",\"version\":1}"
        );
    }

    #[test]
    fn any_change_of_an_event_or_its_place_changes_its_digest() {
        let e = event(7, json!({}));
        assert_ne!(e.digest(), event(8, json!({})).digest());
        assert_ne!(e.digest(), event(7, json!({"a": 1})).digest());
        let mut other = e.clone();
        other.person = None;
        assert_ne!(e.digest(), other.digest());
    }

    #[test]
    fn a_proof_reaches_the_head_of_the_chain() {
        let events: Vec<Hash> = (1..=5).map(|s| event(s, json!({})).digest()).collect();
        let heads: Vec<Hash> = events
            .iter()
            .scan(Hash::GENESIS, |chain, d| {
                *chain = chain.then(d);
                Some(*chain)
            })
            .collect();
        let proof = Proof {
            before: heads[1],
            after: events[3..].to_vec(),
        };
        assert_eq!(proof.reaches(&events[2]), heads[4]);
        assert_ne!(proof.reaches(&events[1]), heads[4]);
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::from),
            "[\\x00-\\x1f\"\\\\/\\u{7f}\\u{e9}\\u{20ac}\\u{1f600}]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(
                    "\\PC{0,6}|[a-z_]{1,8}|\\u{1f600}a|\\u{ff61}",
                    inner,
                    0..5
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The event's canonical form is what an RFC 8785 library writes of the same
        /// object, whatever its JSON holds (names beyond the BMP, escapes, fractions).
        #[test]
        fn the_canonical_form_is_rfc_8785(
            auth in json(),
            detail in json(),
            person in proptest::option::of("\\PC{0,12}"),
            seq in any::<i64>(),
            version in any::<i64>(),
        ) {
            let e = CanonicalEvent {
                seq,
                stream: "mandate".into(),
                subject: "s\u{7}\"".into(),
                kind: "signed".into(),
                at: "2027-03-01T09:30:00.000000Z".into(),
                person,
                party: None,
                auth,
                version,
                detail,
            };
            let library = serde_json_canonicalizer::to_vec(&e).unwrap_or_default();
            let ours = e.canonical();
            prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&library));
        }
    }

    #[test]
    fn a_hash_reads_back_what_it_writes() {
        let h = event(1, json!({})).digest();
        assert_eq!(Hash::parse(&h.hex()), Some(h));
        assert_eq!(Hash::parse("zz"), None);
        assert_eq!(Hash::parse(&"g".repeat(64)), None);
    }
}
