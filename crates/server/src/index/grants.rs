//! What the index holds, packed small: every grant by (mandatee, mandator, type), every
//! person's enterprise roles, and the decision for one question over them.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use mandates_domain::catalog::Catalog;
use mandates_domain::check::{Decision, Grant, Refusal, better_grant, more_telling};
use mandates_domain::mandate::{BaseStatus, Side, Standing};
use mandates_domain::roles::{EnterpriseRole, RoleKind};
use mandates_domain::time::{Instant, end_of_day, start_of_day};
use mandates_domain::{Kbo, Party};
use uuid::Uuid;

type Fast = foldhash::fast::RandomState;

/// A party as a number: its digits, with a high bit for enterprises.
pub fn party_code(p: &Party) -> u64 {
    match p {
        Party::Person(i) => digits(i.as_str()),
        Party::Enterprise(k) => ENTERPRISE | digits(k.as_str()),
    }
}

const ENTERPRISE: u64 = 1 << 62;
const NEVER: i64 = i64::MAX;

pub(super) fn digits(s: &str) -> u64 {
    s.bytes().fold(0, |acc, b| acc * 10 + u64::from(b - b'0'))
}

fn kbo_of(code: u64) -> Option<Kbo> {
    Kbo::parse(&format!("{:010}", code & !ENTERPRISE)).ok()
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    mandatee: u64,
    mandator: u64,
    type_id: u32,
}

const PENDING: u8 = 0;
const ACTIVE: u8 = 1;

/// One grant, stored inline: 64 bytes.
#[derive(Clone, Copy)]
pub(super) struct Entry {
    mandate: [u64; 2],
    /// First instant of the period, and first instant after it (`NEVER`: unlimited).
    start: i64,
    end: i64,
    /// When it was stopped (`NEVER`: not stopped).
    closed: i64,
    /// While pending: the deadline for the missing signature.
    lapses: i64,
    from_day: i32,
    /// The last day (days since 0001-01-01), or `i32::MAX` for unlimited.
    until_day: i32,
    status: u8,
    /// While pending: the side whose signature is missing.
    missing: u8,
}

pub(super) fn micros(t: Instant) -> i64 {
    t.timestamp_micros()
}

fn day_number(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

fn date_of(n: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(n)
}

impl Entry {
    fn id(&self) -> Uuid {
        Uuid::from_u64_pair(self.mandate[0], self.mandate[1])
    }

    /// What this grant says at `now`: allowed, a refusal, or nothing.
    fn judge(&self, now: i64) -> Option<Result<(), Refusal>> {
        let mandate = self.id();
        if self.status == PENDING {
            return (now < self.lapses).then(|| {
                let missing = if self.missing == 0 {
                    Side::Mandator
                } else {
                    Side::Mandatee
                };
                Err(Refusal::PendingSignature { mandate, missing })
            });
        }
        if self.closed <= now {
            let at = chrono::DateTime::from_timestamp_micros(self.closed).unwrap_or_default();
            return Some(Err(Refusal::Stopped { mandate, at }));
        }
        if now < self.start {
            let from = date_of(self.from_day).unwrap_or_default();
            return Some(Err(Refusal::NotYetInForce { mandate, from }));
        }
        if now >= self.end {
            return date_of(self.until_day).map(|on| Err(Refusal::Expired { mandate, on }));
        }
        Some(Ok(()))
    }

    fn of(m: &Standing) -> Option<Entry> {
        let status = match m.status {
            BaseStatus::Pending => PENDING,
            BaseStatus::Active | BaseStatus::Stopped => ACTIVE,
            BaseStatus::Rejected | BaseStatus::Withdrawn | BaseStatus::Voided => return None,
        };
        let (start, end) = m.terms.period();
        Some(Entry {
            mandate: m.id.as_u64_pair().into(),
            start: micros(start),
            end: end.map_or(NEVER, micros),
            closed: if m.status == BaseStatus::Stopped {
                m.closed_at.map_or(NEVER, micros)
            } else {
                NEVER
            },
            lapses: m.lapses_at.map_or(NEVER, micros),
            from_day: day_number(m.terms.valid_from),
            until_day: m.terms.valid_until.map_or(i32::MAX, day_number),
            status,
            missing: u8::from(m.awaiting == Some(Side::Mandatee)),
        })
    }
}

/// A role of a person for an enterprise, as the index keeps it.
#[derive(Clone)]
pub(super) struct RoleEntry {
    enterprise: u64,
    executor: bool,
    types: Box<[u32]>,
    from: i64,
    until: i64,
    ended: i64,
}

impl RoleEntry {
    fn of(r: &EnterpriseRole, types: &HashMap<String, u32, Fast>) -> RoleEntry {
        RoleEntry {
            enterprise: ENTERPRISE | digits(r.enterprise.as_str()),
            executor: r.kind == RoleKind::Executor,
            types: r
                .types
                .iter()
                .filter_map(|t| types.get(t).copied())
                .collect(),
            from: micros(start_of_day(r.valid_from)).max(micros(r.assigned_at)),
            until: r.valid_until.map_or(NEVER, |u| micros(end_of_day(u))),
            ended: r.ended_at.map_or(NEVER, micros),
        }
    }

    fn executes(&self, type_id: u32, now: i64) -> bool {
        self.executor
            && self.from <= now
            && now < self.until
            && now < self.ended
            && self.types.contains(&type_id)
    }
}

#[derive(Default)]
pub(super) struct Data {
    pub(super) types: HashMap<String, u32, Fast>,
    /// The type ids of each domain, to find a mandate's grants when its types change.
    domain_types: HashMap<String, Vec<u32>, Fast>,
    pub(super) grants: HashMap<Key, Entry, Fast>,
    /// Further grants of a key held by another mandate (rare: an old stopped one and a new one).
    pub(super) more: HashMap<Key, Vec<Entry>, Fast>,
    pub(super) roles: HashMap<u64, Vec<RoleEntry>, Fast>,
}

impl Data {
    pub(super) fn new(catalog: &Catalog) -> Data {
        let mut data = Data::default();
        for domain in &catalog.domains {
            let mut ids = Vec::new();
            for t in &domain.types {
                let id = data.types.len() as u32;
                data.types.insert(t.code.clone(), id);
                ids.push(id);
            }
            data.domain_types.insert(domain.code.clone(), ids);
        }
        data
    }

    fn remove(&mut self, key: Key, id: [u64; 2]) {
        if let Some(e) = self.grants.get(&key)
            && e.mandate == id
        {
            match self.more.get_mut(&key).and_then(Vec::pop) {
                Some(next) => {
                    self.grants.insert(key, next);
                }
                None => {
                    self.grants.remove(&key);
                }
            }
        } else if let Some(list) = self.more.get_mut(&key) {
            list.retain(|e| e.mandate != id);
        }
        if self.more.get(&key).is_some_and(Vec::is_empty) {
            self.more.remove(&key);
        }
    }

    fn insert(&mut self, key: Key, entry: Entry) {
        match self.grants.get(&key) {
            Some(existing) if existing.mandate != entry.mandate => {
                self.more.entry(key).or_default().push(entry)
            }
            _ => {
                self.grants.insert(key, entry);
            }
        }
    }

    /// Replaces what the index knows of one mandate.
    pub(super) fn put_mandate(&mut self, m: &Standing) {
        let mandatee = party_code(&m.terms.mandatee);
        let mandator = party_code(&m.terms.mandator);
        let id: [u64; 2] = m.id.as_u64_pair().into();
        let domain_types = self
            .domain_types
            .get(&m.terms.domain)
            .cloned()
            .unwrap_or_default();
        for type_id in domain_types {
            self.remove(
                Key {
                    mandatee,
                    mandator,
                    type_id,
                },
                id,
            );
        }
        if let Some(entry) = Entry::of(m) {
            for code in &m.terms.types {
                if let Some(&type_id) = self.types.get(code) {
                    self.insert(
                        Key {
                            mandatee,
                            mandator,
                            type_id,
                        },
                        entry,
                    );
                }
            }
        }
    }

    /// Replaces what the index knows of an enterprise's roster.
    pub(super) fn put_roster(&mut self, enterprise: &Kbo, roles: &[EnterpriseRole]) {
        let code = ENTERPRISE | digits(enterprise.as_str());
        for r in roles {
            let person = digits(r.person.as_str());
            if let Some(list) = self.roles.get_mut(&person) {
                list.retain(|e| e.enterprise != code);
            }
        }
        for r in roles {
            let entry = RoleEntry::of(r, &self.types);
            self.roles
                .entry(digits(r.person.as_str()))
                .or_default()
                .push(entry);
        }
    }

    fn grants_of(&self, key: &Key) -> impl Iterator<Item = &Entry> {
        self.grants
            .get(key)
            .into_iter()
            .chain(self.more.get(key).into_iter().flatten())
    }

    pub(super) fn decide(&self, actor: u64, mandator: u64, type_id: u32, now: i64) -> Decision {
        let mut best: Option<Grant> = None;
        let mut refusal = Refusal::NoMandate;
        for e in self.grants_of(&Key {
            mandatee: actor,
            mandator,
            type_id,
        }) {
            match e.judge(now) {
                Some(Ok(())) => {
                    let grant = Grant {
                        mandate: e.id(),
                        via_enterprise: None,
                        valid_until: date_of(e.until_day),
                    };
                    best = Some(better_grant(best, grant));
                }
                Some(Err(r)) => refusal = more_telling(refusal, r),
                None => {}
            }
        }
        if let Some(grant) = best {
            return Decision::Allowed(grant);
        }
        let Some(roles) = self.roles.get(&actor) else {
            return Decision::Denied(refusal);
        };
        let mut seen: BTreeSet<u64> = BTreeSet::new();
        for role in roles {
            if !seen.insert(role.enterprise) {
                continue;
            }
            let executes = roles
                .iter()
                .any(|r| r.enterprise == role.enterprise && r.executes(type_id, now));
            for e in self.grants_of(&Key {
                mandatee: role.enterprise,
                mandator,
                type_id,
            }) {
                match (e.judge(now), kbo_of(role.enterprise)) {
                    (Some(Ok(())), Some(enterprise)) if executes => {
                        let grant = Grant {
                            mandate: e.id(),
                            via_enterprise: Some(enterprise),
                            valid_until: date_of(e.until_day),
                        };
                        best = Some(better_grant(best, grant));
                    }
                    (Some(Ok(())), Some(enterprise)) => {
                        refusal = more_telling(
                            refusal,
                            Refusal::NoExecutorRole {
                                mandate: e.id(),
                                enterprise,
                            },
                        );
                    }
                    (Some(Err(r)), _) => refusal = more_telling(refusal, r),
                    _ => {}
                }
            }
        }
        match best {
            Some(grant) => Decision::Allowed(grant),
            None => Decision::Denied(refusal),
        }
    }
}
