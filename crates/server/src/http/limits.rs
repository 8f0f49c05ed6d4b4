//! How often a client may knock: wrong client secrets at `/oauth/token`, demo tokens and
//! sign-ins, each counted per client address (the peer, or what a trusted proxy says the
//! client's address is), in the service's own clock. Past a limit the answer is 429 with
//! `Retry-After`.
//!
//! Each limit is a generic cell rate: `n` a minute, `n` at once, then one more every
//! `60 / n` seconds. What is remembered per key is one instant, and a limiter keeps at most
//! [`MAX_KEYS`] keys: a flood from many addresses cannot grow memory without bound.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use mandates_domain::time::Instant;

use crate::AppState;
use crate::config::LimitsConfig;
use crate::error::AppError;

/// The most keys one limiter remembers.
pub const MAX_KEYS: usize = 100_000;

const MINUTE_MICROS: i64 = 60_000_000;

/// A keyed rate limit of `n` a minute.
pub struct RateLimiter<K> {
    /// Microseconds between two events at the sustained rate; `None`: no limit.
    interval: Option<i64>,
    /// How far ahead of now a key's next free instant may be (the burst).
    tolerance: i64,
    /// Per key, the instant from which it is free again (micros since the epoch): the
    /// theoretical arrival time of its next event. A key free at now is as good as absent.
    next_free: Mutex<HashMap<K, i64>>,
    capacity: usize,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_minute` events a minute per key; 0 is no limit.
    pub fn per_minute(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_KEYS)
    }

    fn with_capacity(per_minute: u32, capacity: usize) -> Self {
        let interval = (per_minute > 0).then(|| MINUTE_MICROS / i64::from(per_minute));
        RateLimiter {
            interval,
            tolerance: interval.map_or(0, |i| i * (i64::from(per_minute) - 1)),
            next_free: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Counts an event of `key` at `now` if it is within the limit; else the seconds to wait.
    pub fn take(&self, key: K, now: Instant) -> Result<(), u64> {
        let Some(interval) = self.interval else {
            return Ok(());
        };
        let now = now.timestamp_micros();
        let mut map = self.next_free.lock().unwrap_or_else(|e| e.into_inner());
        let tat = map.get(&key).map_or(now, |t| (*t).max(now));
        if tat > now + self.tolerance {
            let wait = tat - self.tolerance - now;
            return Err(u64::try_from((wait + 999_999) / 1_000_000)
                .unwrap_or(1)
                .max(1));
        }
        if !map.contains_key(&key) && map.len() >= self.capacity {
            make_room(&mut map, now, self.capacity);
        }
        map.insert(key, tat + interval);
        Ok(())
    }

    /// Gives back an event taken for `key` (a request that turned out not to count).
    pub fn give_back(&self, key: &K, now: Instant) {
        let Some(interval) = self.interval else {
            return;
        };
        let now = now.timestamp_micros();
        let mut map = self.next_free.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = map.get_mut(key) {
            *t -= interval;
            if *t <= now {
                map.remove(key);
            }
        }
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.next_free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Forgets the keys that are free again; if that is not enough, the half least in debt.
fn make_room<K: Hash + Eq>(map: &mut HashMap<K, i64>, now: i64, capacity: usize) {
    map.retain(|_, t| *t > now);
    if map.len() < capacity {
        return;
    }
    let mut times: Vec<i64> = map.values().copied().collect();
    let middle = times.len() / 2;
    let (_, threshold, _) = times.select_nth_unstable(middle);
    let threshold = *threshold;
    map.retain(|_, t| *t > threshold);
}

/// The address a limit counts: an IPv4 address, or an IPv6 address's /64 network (what one
/// subscriber is usually given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressKey(IpAddr);

impl From<IpAddr> for AddressKey {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => AddressKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => AddressKey(IpAddr::V4(v4)),
                None => {
                    let mut segments = v6.segments();
                    segments[4..].fill(0);
                    AddressKey(IpAddr::V6(segments.into()))
                }
            },
        }
    }
}

/// The limits of one instance.
pub struct Limiters {
    trusted_proxies: Vec<IpNet>,
    /// Wrong secrets per client id and address.
    token_failures: RateLimiter<(AddressKey, u64)>,
    /// Wrong secrets per address, whatever the client id.
    token_failures_by_address: RateLimiter<AddressKey>,
    demo_token: RateLimiter<AddressKey>,
    login: RateLimiter<AddressKey>,
    /// Client ids are the client's text: only a hash of them is kept.
    hasher: foldhash::fast::RandomState,
}

impl Limiters {
    pub fn new(config: &LimitsConfig) -> Self {
        Limiters {
            trusted_proxies: config.trusted_proxies.clone(),
            token_failures: RateLimiter::per_minute(config.token_failures_per_minute),
            token_failures_by_address: RateLimiter::per_minute(
                config.token_failures_per_address_per_minute,
            ),
            demo_token: RateLimiter::per_minute(config.demo_token_per_minute),
            login: RateLimiter::per_minute(config.login_per_minute),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    /// `None` when the peer is unknown (the router called in-process).
    pub fn client_address(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusted(peer) {
            return Some(peer);
        }
        let forwarded = forwarded_for(headers);
        let mut client = peer;
        for ip in forwarded.iter().rev() {
            client = *ip;
            if !self.trusted(*ip) {
                break;
            }
        }
        Some(client)
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// Before a client's secret is checked: counts an attempt of `client_id` from `address`;
    /// an error (the seconds to wait) when that address has failed too often, for this client
    /// or for any. [`Limiters::secret_right`] gives the attempt back.
    pub fn secret_attempt(
        &self,
        address: Option<IpAddr>,
        client_id: &str,
        now: Instant,
    ) -> Result<(), u64> {
        let Some(address) = address.map(AddressKey::from) else {
            return Ok(());
        };
        let key = (address, self.hasher.hash_one(client_id));
        self.token_failures_by_address.take(address, now)?;
        if let Err(wait) = self.token_failures.take(key, now) {
            self.token_failures_by_address.give_back(&address, now);
            return Err(wait);
        }
        Ok(())
    }

    /// The secret was right: the attempt does not count as a failure.
    pub fn secret_right(&self, address: Option<IpAddr>, client_id: &str, now: Instant) {
        let Some(address) = address.map(AddressKey::from) else {
            return;
        };
        let key = (address, self.hasher.hash_one(client_id));
        self.token_failures.give_back(&key, now);
        self.token_failures_by_address.give_back(&address, now);
    }
}

/// The addresses a request says it was forwarded for, oldest first, from `X-Forwarded-For`
/// only (one header the proxies are configured to append to; another one the client may have
/// sent is never read in its place). The list is read from the nearest hop back, byte by
/// byte, and what is not an address (unreadable bytes, `unknown`) ends it there: what a client
/// wrote in front of what the proxies appended cannot hide the address they saw.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let items: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .collect();
    let mut addresses: Vec<IpAddr> = Vec::new();
    for item in items.iter().rev() {
        match std::str::from_utf8(item)
            .ok()
            .and_then(|t| parse_node(t.trim()))
        {
            Some(ip) => addresses.push(ip),
            None => break,
        }
    }
    addresses.reverse();
    addresses
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    text.parse::<SocketAddr>().ok().map(|s| s.ip())
}

/// The peer of a request, where the listening loop recorded it.
pub fn peer(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The client's address (see [`Limiters::client_address`]); `None` when the peer is unknown.
pub struct ClientAddress(pub Option<IpAddr>);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddress(
            state.limits().client_address(&parts.headers, peer),
        ))
    }
}

/// A limit on requests per client address.
#[derive(Debug, Clone, Copy)]
pub enum PerAddress {
    DemoToken,
    Login,
}

/// Counts `request` against its address's limit; the refusal when the address is past it.
pub fn refusal(state: &AppState, which: PerAddress, request: &Request) -> Option<AppError> {
    let limits = state.limits();
    let limiter = match which {
        PerAddress::DemoToken => &limits.demo_token,
        PerAddress::Login => &limits.login,
    };
    let address = limits.client_address(request.headers(), peer(request))?;
    let wait = limiter
        .take(AddressKey::from(address), state.clock().now())
        .err()?;
    tracing::info!(%address, limit = ?which, "too many requests");
    Some(AppError::TooManyRequests { retry_after: wait })
}

/// Demo tokens per client address.
pub async fn demo_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match refusal(&state, PerAddress::DemoToken, &request) {
        Some(refused) => refused.into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::expect_used, reason = "a test fails loudly")]

    use super::*;

    fn at(seconds: i64) -> Instant {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("instant")
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let limiter = RateLimiter::per_minute(6);
        for _ in 0..6 {
            assert_eq!(limiter.take(1, at(0)), Ok(()));
        }
        assert_eq!(limiter.take(1, at(0)), Err(10));
        assert_eq!(limiter.take(2, at(0)), Ok(()), "another key is apart");
        assert_eq!(limiter.take(1, at(9)), Err(1));
        assert_eq!(limiter.take(1, at(10)), Ok(()));
        assert_eq!(limiter.take(1, at(10)), Err(10));
        limiter.give_back(&1, at(10));
        assert_eq!(limiter.take(1, at(10)), Ok(()));
    }

    #[test]
    fn zero_is_no_limit() {
        let limiter = RateLimiter::per_minute(0);
        for _ in 0..1000 {
            assert_eq!(limiter.take(1, at(0)), Ok(()));
        }
        assert!(limiter.is_empty());
    }

    #[test]
    fn a_flood_of_keys_stays_bounded() {
        let limiter = RateLimiter::with_capacity(5, 1000);
        for key in 0..100_000u32 {
            let _ = limiter.take(key, at(0));
        }
        assert!(limiter.len() <= 1000, "{} keys kept", limiter.len());
        // The keys that are free again are forgotten first.
        let _ = limiter.take(1_000_000, at(3600));
        assert_eq!(limiter.len(), 1);
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(AddressKey::from(a), AddressKey::from(b));
        assert_ne!(AddressKey::from(a), AddressKey::from(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        let v4: IpAddr = "192.0.2.1".parse().expect("ip");
        assert_eq!(AddressKey::from(mapped), AddressKey::from(v4));
    }

    fn limiters(trusted: &[&str]) -> Limiters {
        Limiters::new(&LimitsConfig {
            trusted_proxies: trusted.iter().map(|t| t.parse().expect("cidr")).collect(),
            ..LimitsConfig::default()
        })
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("value"));
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let untrusting = limiters(&[]);
        assert_eq!(
            untrusting.client_address(&spoofed, Some(ip("198.51.100.1"))),
            Some(ip("198.51.100.1"))
        );
        let trusting = limiters(&["10.0.0.0/8"]);
        assert_eq!(
            trusting.client_address(&spoofed, Some(ip("198.51.100.1"))),
            Some(ip("198.51.100.1")),
            "an untrusted peer's header is ignored"
        );
        // The client prepends what it likes; the proxies append what they saw.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(
            trusting.client_address(&chain, Some(ip("10.0.0.5"))),
            Some(ip("203.0.113.9"))
        );
        // Only X-Forwarded-For counts, and bytes a client wrote in front of what the proxy
        // appended do not hide it.
        let other = headers(&[("forwarded", "for=192.0.2.1")]);
        assert_eq!(
            trusting.client_address(&other, Some(ip("10.0.0.5"))),
            Some(ip("10.0.0.5"))
        );
        let mut unreadable = HeaderMap::new();
        unreadable.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.4").expect("value"),
        );
        unreadable.append("forwarded", "for=192.0.2.1".parse().expect("value"));
        assert_eq!(
            trusting.client_address(&unreadable, Some(ip("10.0.0.5"))),
            Some(ip("203.0.113.4"))
        );
        let none = headers(&[]);
        assert_eq!(
            trusting.client_address(&none, Some(ip("10.0.0.5"))),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(trusting.client_address(&none, None), None);
    }
}
