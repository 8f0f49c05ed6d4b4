//! Verification of the chain with nothing but the public keys: every stored event against
//! its digest and chain value, and every checkpoint's signature against the chain the
//! events themselves give. What the database says of itself (its digests and chain values)
//! finds where a row was touched; the checkpoints find a log rewritten and chained again.

use std::collections::VecDeque;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mandates_domain::evidence::Hash;
use mandates_store::{Checkpoint, Store, StoreError};

use super::checkpoints::CheckpointClaims;
use super::export::{Evidence, EvidenceEvent};
use super::receipts::ReceiptClaims;

/// Events read at once: memory stays bounded whatever the log's size.
const BATCH: i64 = 10_000;

/// The public keys that verify evidence (a JWKS: its Ed25519 keys).
pub struct Keys(Vec<(String, DecodingKey)>);

impl Keys {
    /// The Ed25519 keys of a JWKS document.
    pub fn from_jwks(jwks: &serde_json::Value) -> Result<Keys, String> {
        let keys = jwks["keys"]
            .as_array()
            .ok_or("not a JWKS: it has no \"keys\" array")?
            .iter()
            .filter(|k| k["kty"] == "OKP" && k["crv"] == "Ed25519")
            .map(|k| {
                let kid = k["kid"].as_str().unwrap_or_default().to_owned();
                let jwk =
                    serde_json::from_value(k.clone()).map_err(|e| format!("key {kid}: {e}"))?;
                let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("key {kid}: {e}"))?;
                Ok((kid, key))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if keys.is_empty() {
            return Err("the JWKS holds no Ed25519 key".into());
        }
        Ok(Keys(keys))
    }

    /// The claims of a JWS of type `typ` signed by one of the keys.
    pub fn verify<T: serde::de::DeserializeOwned>(
        &self,
        typ: &str,
        jws: &str,
    ) -> Result<T, String> {
        let header = jsonwebtoken::decode_header(jws).map_err(|e| format!("not a JWS: {e}"))?;
        if header.typ.as_deref() != Some(typ) {
            return Err(format!("its type is {:?}, not {typ:?}", header.typ));
        }
        let kid = header.kid.unwrap_or_default();
        let (_, key) = self
            .0
            .iter()
            .find(|(k, _)| *k == kid)
            .ok_or_else(|| format!("signed with key {kid:?}, which the keys do not hold"))?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        jsonwebtoken::decode::<T>(jws, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| format!("its signature does not hold: {e}"))
    }
}

/// What is wrong at an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The sequence skips it: it was removed.
    Missing,
    /// Its content does not give its recorded digest: it was changed, or moved from another
    /// place in the sequence (the place is part of what is hashed).
    Changed,
    /// It has no digest or chain value: it was added outside the service.
    Unchained,
    /// Its chain value does not follow from the event before: it was inserted, or the one
    /// before it was removed or moved.
    Broken,
}

impl Fault {
    pub fn describe(self) -> &'static str {
        match self {
            Fault::Missing => "missing: it was removed",
            Fault::Changed => {
                "not as recorded: it was changed, or moved from another place in the sequence"
            }
            Fault::Unchained => "not chained: it was added outside the service",
            Fault::Broken => {
                "its chain value does not follow from the event before: an event was inserted, removed or moved here"
            }
        }
    }
}

/// A checkpoint that does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refuted {
    pub seq: i64,
    pub why: String,
}

/// What a verification found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Events read, and the last sequence number read.
    pub events: u64,
    pub last: i64,
    /// The first event found wrong.
    pub first_fault: Option<(i64, Fault)>,
    /// Checkpoints that hold, and the last of them.
    pub held: u64,
    pub last_held: Option<i64>,
    /// Checkpoints that do not hold (the first few, and their number).
    pub refuted: Vec<Refuted>,
    pub refuted_count: u64,
    /// Events after the last checkpoint: chained, not signed yet.
    pub unsigned: i64,
}

impl Report {
    /// Whether everything read holds.
    pub fn holds(&self) -> bool {
        self.first_fault.is_none() && self.refuted_count == 0
    }

    fn refute(&mut self, seq: i64, why: String) {
        self.refuted_count += 1;
        if self.refuted.len() < 10 {
            self.refuted.push(Refuted { seq, why });
        }
    }

    /// The report in lines for a person.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} events read, up to event {}",
            self.events, self.last
        )];
        match self.first_fault {
            Some((seq, fault)) => lines.push(format!("event {seq}: {}", fault.describe())),
            None => lines.push("every event matches its digest and chain value".into()),
        }
        match self.last_held {
            Some(seq) => lines.push(format!(
                "{} checkpoints hold, the last at event {seq}",
                self.held
            )),
            None => lines.push("no checkpoint holds".into()),
        }
        for r in &self.refuted {
            lines.push(format!(
                "checkpoint at event {}: does not hold: {}",
                r.seq, r.why
            ));
        }
        if self.refuted_count > self.refuted.len() as u64 {
            lines.push(format!(
                "{} more checkpoints do not hold",
                self.refuted_count - self.refuted.len() as u64
            ));
        }
        if self.unsigned > 0 {
            lines.push(format!(
                "{} events after the last checkpoint are chained, not signed yet",
                self.unsigned
            ));
        }
        lines.push(verdict(self.holds()));
        lines
    }
}

/// The last line of a report.
fn verdict(holds: bool) -> String {
    if holds { "verified" } else { "NOT verified" }.into()
}

/// Verifies the events and checkpoints of `store` up to its last event as this starts
/// (events added meanwhile are left for the next run), in batches: the service may go on
/// writing.
pub async fn verify_store(store: &Store, keys: &Keys) -> Result<Report, StoreError> {
    let head = store.last_seq().await?;
    let mut report = Report::default();
    let mut checkpoints = Checkpoints::new(store);
    // The chain the events' contents give, and the chain value recorded on the event before.
    let mut content = Hash::GENESIS;
    let mut recorded = Some(Hash::GENESIS);
    let mut expected = 1;
    let mut after = 0;
    while after < head {
        let rows = store.chain_rows(after, BATCH.min(head - after)).await?;
        let Some(last) = rows.last() else { break };
        after = last.event.seq;
        for row in &rows {
            let seq = row.event.seq;
            let digest = row.event.digest();
            let stored_digest = row.digest.as_deref().map(Hash::parse);
            let stored_chain = row.chain.as_deref().and_then(Hash::parse);
            if report.first_fault.is_none() {
                let fault = if seq != expected {
                    Some((expected, Fault::Missing))
                } else {
                    match stored_digest {
                        None => Some((seq, Fault::Unchained)),
                        Some(d) if d != Some(digest) => Some((seq, Fault::Changed)),
                        Some(_) if stored_chain.is_none() => Some((seq, Fault::Unchained)),
                        Some(_) if recorded.map(|r| r.then(&digest)) != stored_chain => {
                            Some((seq, Fault::Broken))
                        }
                        Some(_) => None,
                    }
                };
                report.first_fault = fault;
            }
            content = content.then(&digest);
            recorded = stored_chain;
            expected = seq + 1;
            report.events += 1;
            report.last = seq;
            // The checkpoints up to here are judged against the chain of the contents.
            while let Some(c) = checkpoints.next_through(seq).await? {
                judge(&mut report, keys, &c, (seq == c.seq).then_some(content));
            }
        }
    }
    // Checkpoints beyond the last event read sign events that are no longer there, unless
    // the service added them after this started.
    while let Some(c) = checkpoints.next_through(head).await? {
        judge(&mut report, keys, &c, None);
    }
    report.unsigned = report.last - report.last_held.unwrap_or(0).max(0);
    Ok(report)
}

/// Whether checkpoint `c` holds: signed by one of the keys, for the chain value `content`
/// the events give at its sequence number (none: there is no event at that number).
fn judge(report: &mut Report, keys: &Keys, c: &Checkpoint, content: Option<Hash>) {
    let claims = match keys.verify::<CheckpointClaims>(super::checkpoints::CHECKPOINT_TYPE, &c.jws)
    {
        Ok(claims) => claims,
        Err(why) => return report.refute(c.seq, why),
    };
    if claims.seq != c.seq {
        return report.refute(
            c.seq,
            format!("it signs event {}, not {}", claims.seq, c.seq),
        );
    }
    match content {
        None => report.refute(c.seq, format!("there is no event {}", c.seq)),
        Some(chain) if chain != claims.chain => {
            report.refute(c.seq, "the events up to it are not those it signed".into())
        }
        Some(_) => {
            report.held += 1;
            report.last_held = Some(c.seq);
        }
    }
}

/// The stored checkpoints in sequence order, read a page at a time.
struct Checkpoints<'a> {
    store: &'a Store,
    page: VecDeque<Checkpoint>,
    after: i64,
    done: bool,
}

impl<'a> Checkpoints<'a> {
    fn new(store: &'a Store) -> Self {
        Checkpoints {
            store,
            page: VecDeque::new(),
            after: 0,
            done: false,
        }
    }

    /// The next checkpoint at or before `seq`, if any.
    async fn next_through(&mut self, seq: i64) -> Result<Option<Checkpoint>, StoreError> {
        if self.page.is_empty() && !self.done {
            let page = self.store.checkpoints(self.after, 1000).await?;
            self.done = page.is_empty();
            if let Some(last) = page.last() {
                self.after = last.seq;
            }
            self.page.extend(page);
        }
        Ok(match self.page.front() {
            Some(c) if c.seq <= seq => self.page.pop_front(),
            _ => None,
        })
    }
}

/// What the verification of an evidence file found: the faults, in order of the events.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub events: usize,
    pub receipts: usize,
    pub checkpoints: usize,
    pub faults: Vec<String>,
}

impl FileReport {
    pub fn holds(&self) -> bool {
        self.faults.is_empty()
    }

    /// The report in lines for a person.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.faults.clone();
        lines.push(format!(
            "{} events, {} receipts and {} checkpoints hold",
            self.events, self.receipts, self.checkpoints
        ));
        lines.push(verdict(self.holds()));
        lines
    }
}

/// Verifies a mandate's evidence file with `keys` alone: each event against its digest, its
/// receipt and its chain value, each proof from the events to its checkpoint, each
/// checkpoint's signature.
pub fn verify_evidence(evidence: &Evidence, keys: &Keys) -> FileReport {
    let mut faults: Vec<String> = Vec::new();
    let mut receipts = 0;
    let mut fault = |text: String| faults.push(text);
    if evidence.format != super::export::FORMAT {
        fault(format!(
            "the file is {:?}, not {:?}",
            evidence.format,
            super::export::FORMAT
        ));
    }
    let mut checkpoints = std::collections::BTreeMap::new();
    for c in &evidence.checkpoints {
        match keys.verify::<CheckpointClaims>(super::checkpoints::CHECKPOINT_TYPE, &c.jws) {
            Ok(claims) if claims.seq == c.seq => {
                checkpoints.insert(c.seq, claims.chain);
            }
            Ok(claims) => fault(format!(
                "checkpoint at event {}: it signs event {}",
                c.seq, claims.seq
            )),
            Err(why) => fault(format!("checkpoint at event {}: {why}", c.seq)),
        }
    }
    let mut proven = std::collections::BTreeSet::new();
    let events: std::collections::BTreeMap<i64, &EvidenceEvent> =
        evidence.events.iter().map(|e| (e.seq, e)).collect();
    for s in &evidence.proofs {
        let mut chain = s.before;
        for (i, d) in s.digests.iter().enumerate() {
            let seq = s.from + i as i64;
            chain = chain.then(d);
            if let Some(e) = events.get(&seq) {
                if *d != e.event.digest() {
                    fault(format!("event {seq}: its proof holds another digest"));
                } else if chain != e.chain {
                    fault(format!(
                        "event {seq}: its chain value does not follow from its proof"
                    ));
                } else {
                    proven.insert(seq);
                }
            }
        }
        match checkpoints.get(&s.checkpoint) {
            Some(signed) if *signed == chain => {}
            Some(_) => {
                proven.retain(|seq| *seq < s.from || *seq > s.checkpoint);
                fault(format!(
                    "the proof to checkpoint {} does not reach the chain value it signs",
                    s.checkpoint
                ));
            }
            None => {
                proven.retain(|seq| *seq < s.from || *seq > s.checkpoint);
                fault(format!(
                    "the proof reaches checkpoint {}, which the file does not hold signed",
                    s.checkpoint
                ));
            }
        }
    }
    for e in &evidence.events {
        let digest = e.event.digest();
        if e.event.seq != e.seq || digest != e.digest {
            fault(format!(
                "event {}: not as recorded (its digest does not match)",
                e.seq
            ));
            continue;
        }
        match keys.verify::<ReceiptClaims>(super::receipts::RECEIPT_TYPE, &e.receipt) {
            Ok(r)
                if r.seq == e.seq
                    && r.digest == digest
                    && r.chain == e.chain
                    && r.event == e.event =>
            {
                receipts += 1;
            }
            Ok(_) => fault(format!("event {}: its receipt is of another event", e.seq)),
            Err(why) => fault(format!("event {}: its receipt: {why}", e.seq)),
        }
        if !proven.contains(&e.seq) {
            fault(format!(
                "event {}: no proof links it to a signed checkpoint",
                e.seq
            ));
        }
    }
    FileReport {
        events: evidence.events.len(),
        receipts,
        checkpoints: checkpoints.len(),
        faults,
    }
}
